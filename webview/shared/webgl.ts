/**
 * Above this many points on one chart, lines are drawn with WebGL (scattergl) instead of SVG — but only on
 * a hardware GPU. With a software renderer (SwiftShader, llvmpipe: VMs, remote desktops, CI) WebGL costs
 * ~10× SVG here (100 runs × 800 buckets: ~15 s of rasterising against ~1.5 s for SVG), and the host's
 * reduction already bounds a chart to ~100k points, which SVG draws in about a second.
 */
const GL_THRESHOLD = 20_000;
let hardwareGL: boolean | undefined;

/** `window.lineageCompareGL = 'always' | 'never'` overrides the choice in every plot panel (for diagnosis and tests; named for the first). */
export function useWebGL(points: number): boolean {
  const forced = (window as unknown as { lineageCompareGL?: string }).lineageCompareGL;
  if (forced === 'always') return true;
  if (forced === 'never') return false;
  if (points <= GL_THRESHOLD) return false;
  hardwareGL ??= detectHardwareGL();
  return hardwareGL;
}

let anyGL: boolean | undefined;

/** WebGL of any kind (parallel coordinates need it; VS Code started with GPU and SwiftShader off has none). */
export function hasWebGL(): boolean {
  if (anyGL === undefined) {
    try {
      const gl = document.createElement('canvas').getContext('webgl');
      anyGL = !!gl;
      gl?.getExtension('WEBGL_lose_context')?.loseContext();
    } catch {
      anyGL = false;
    }
  }
  return anyGL;
}

function detectHardwareGL(): boolean {
  try {
    const gl = document.createElement('canvas').getContext('webgl');
    if (!gl) return false;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return !/swiftshader|llvmpipe|softpipe|software|microsoft basic render/i.test(renderer);
  } catch {
    return false;
  }
}
