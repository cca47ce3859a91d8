/**
 * Colours and fonts from the VS Code theme (the `--vscode-*` CSS variables VS Code sets on the webview's
 * <html>), re-read whenever VS Code switches the theme: it changes the body class (vscode-light,
 * vscode-dark, vscode-high-contrast, vscode-high-contrast-light) and the variables.
 */
export type ThemeKind = 'light' | 'dark' | 'high-contrast';

export interface Theme {
  kind: ThemeKind;
  /** Resolved colours as `rgb(…)`/`rgba(…)` strings plotly understands. */
  foreground: string;
  background: string;
  muted: string;
  grid: string;
  zeroLine: string;
  border: string;
  hoverBackground: string;
  fontFamily: string;
  fontSize: number;
  /** The theme's chart colours (`--vscode-charts-*`), in palette order. */
  charts: string[];
}

const CHART_VARS = ['blue', 'orange', 'green', 'red', 'purple', 'yellow'];
const FALLBACK: Record<ThemeKind, { fg: string; bg: string; charts: string[] }> = {
  dark: { fg: '#cccccc', bg: '#1e1e1e', charts: ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700'] },
  light: { fg: '#3b3b3b', bg: '#ffffff', charts: ['#1a85ff', '#d18616', '#388a34', '#e51400', '#652d90', '#bf8803'] },
  'high-contrast': { fg: '#ffffff', bg: '#000000', charts: ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700'] },
};

export function themeKind(): ThemeKind {
  const c = document.body.classList;
  if (c.contains('vscode-high-contrast') || c.contains('vscode-high-contrast-light')) {
    return c.contains('vscode-high-contrast-light') ? 'light' : 'high-contrast';
  }
  if (c.contains('vscode-light')) return 'light';
  return 'dark';
}

let probe: HTMLElement | undefined;

/** Any CSS colour → the computed `rgb()`/`rgba()` string (or null when it is not a colour). */
export function resolveColor(value: string): string | null {
  if (!value) return null;
  if (!probe) {
    probe = document.createElement('span');
    probe.setAttribute('aria-hidden', 'true');
    probe.className = 'lineage-color-probe';
    document.body.appendChild(probe);
  }
  probe.style.color = '';
  probe.style.color = value;
  if (!probe.style.color) return null;
  return getComputedStyle(probe).color;
}

/** `rgb(…)` or `rgba(…)` with a new alpha. */
export function withAlpha(color: string, alpha: number): string {
  const m = /rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,\s/]+([\d.]+))?\s*\)/.exec(color);
  if (!m) return color;
  const a = m[4] === undefined ? 1 : Number(m[4]);
  return `rgba(${m[1]}, ${m[2]}, ${m[3]}, ${+(a * alpha).toFixed(3)})`;
}

export function readTheme(): Theme {
  const kind = themeKind();
  const style = getComputedStyle(document.documentElement);
  const v = (name: string) => style.getPropertyValue(name).trim();
  const color = (names: string[], fallback: string) => {
    for (const n of names) {
      const c = resolveColor(v(n));
      if (c) return c;
    }
    return resolveColor(fallback) ?? fallback;
  };
  const fb = FALLBACK[kind];
  const foreground = color(['--vscode-editor-foreground', '--vscode-foreground'], fb.fg);
  const background = color(['--vscode-editor-background'], fb.bg);
  const muted = color(['--vscode-descriptionForeground'], withAlpha(foreground, 0.7));
  const fontSize = parseFloat(v('--vscode-font-size')) || 13;
  return {
    kind,
    foreground,
    background,
    muted,
    grid: withAlpha(foreground, kind === 'high-contrast' ? 0.35 : 0.12),
    zeroLine: withAlpha(foreground, 0.3),
    border: color(['--vscode-panel-border', '--vscode-editorWidget-border'], withAlpha(foreground, 0.3)),
    hoverBackground: color(['--vscode-editorHoverWidget-background', '--vscode-editorWidget-background'], background),
    fontFamily: v('--vscode-font-family') || 'system-ui, sans-serif',
    fontSize,
    charts: CHART_VARS.map((n, i) => color([`--vscode-charts-${n}`], fb.charts[i])),
  };
}

/**
 * The colour of a run, from its stable colour index: the theme's six chart colours first, then hues spaced
 * by the golden angle, lighter on dark themes. The same index gives the same colour on every chart.
 */
export function runColor(theme: Theme, index: number): string {
  const i = Math.max(0, Math.floor(index));
  if (i < theme.charts.length) return theme.charts[i];
  const hue = (i * 137.508 + 200) % 360;
  return hslToRgb(hue, 0.65, theme.kind === 'light' ? 0.4 : 0.62);
}

/** `rgb(…)` of an HSL colour (h in degrees, s and l in 0..1), without asking the DOM. */
export function hslToRgb(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return `rgb(${f(0)}, ${f(8)}, ${f(4)})`;
}

/** Calls `onChange` (at most once a frame) when the body class or the theme variables change. */
export function watchTheme(onChange: (t: Theme) => void): () => void {
  let last = JSON.stringify(readTheme());
  let pending = 0;
  const check = () => {
    pending = 0;
    const t = readTheme();
    const key = JSON.stringify(t);
    if (key === last) return;
    last = key;
    onChange(t);
  };
  const obs = new MutationObserver(() => {
    if (!pending) pending = requestAnimationFrame(check);
  });
  obs.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => obs.disconnect();
}
