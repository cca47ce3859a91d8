// Bundles every entry point with esbuild: the extension, the CLI, the ingest worker and the webviews. Tests
// and benchmarks are bundled too (into dist-test/ and dist-bench/) so they run on plain `node` without a
// TypeScript loader. `--production` minifies without source maps (the .vsix); `--watch` keeps rebuilding the webviews.
import { build, buildSync, context } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const root = new URL('..', import.meta.url).pathname;
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  external: ['vscode'],
};

function entriesUnder(dir, suffix) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...entriesUnder(p, suffix));
    else if (name.endsWith(suffix)) out.push(p);
  }
  return out;
}

rmSync(join(root, 'dist'), { recursive: true, force: true });
mkdirSync(join(root, 'dist'), { recursive: true });
// sql.js finds its wasm next to the bundle (see src/core/store/sqljs.ts).
cpSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(root, 'dist/sql-wasm.wasm'));

await Promise.all([
  build({
    ...common,
    entryPoints: { extension: join(root, 'src/extension/main.ts') },
    outdir: join(root, 'dist'),
    // Taken before any bundled module is evaluated, so the activation figure includes loading the bundle.
    banner: { js: 'var __lineageLoadStart = performance.now();' },
  }),
  build({ ...common, entryPoints: { ingestWorker: join(root, 'src/core/ingest/parseWorker.ts') }, outdir: join(root, 'dist') }),
  build({ ...common, entryPoints: { runKeeper: join(root, 'src/core/launcher/keeperMain.ts') }, outdir: join(root, 'dist') }),
  build({
    ...common,
    entryPoints: { cli: join(root, 'src/cli/main.ts') },
    outdir: join(root, 'dist'),
    banner: { js: '#!/usr/bin/env node' },
  }),
]);

// Webviews: one entry per panel (adding a panel = one line here). Each is one IIFE for the browser with its
// stylesheet next to it; plot panels also get plotly's own minified bundle, copied as is and loaded as a
// separate <script> (5 MB that esbuild need not re-parse on every build; the panels see it as a global).
// The bundle is plotly's "strict" build of the same release: its WebGL traces (scattergl, parcoords) come
// with precompiled shaders, so no panel's Content-Security-Policy needs 'unsafe-eval' (the default
// plotly.js-dist-min build compiles them with new Function; test/webview/csp-probe.mjs shows both).
const webviews = [
  { name: 'compare', entry: 'webview/compare/main.ts', css: 'webview/compare/compare.css', needsPlotly: true },
  { name: 'runDetail', entry: 'webview/runDetail/main.ts', css: 'webview/runDetail/runDetail.css', needsPlotly: false },
  { name: 'explain', entry: 'webview/explain/main.ts', css: 'webview/explain/explain.css', needsPlotly: true },
  { name: 'drift', entry: 'webview/drift/main.ts', css: 'webview/drift/drift.css', needsPlotly: true },
  { name: 'graph', entry: 'webview/graph/main.ts', css: 'webview/graph/graph.css', needsPlotly: false },
];
const webviewOut = join(root, 'dist/webview');
mkdirSync(webviewOut, { recursive: true });
const started = Date.now();
const webviewOptions = {
  entryPoints: Object.fromEntries(webviews.map((w) => [w.name, join(root, w.entry)])),
  outdir: webviewOut,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  // VS Code 1.90 ships Chromium 122; code-server runs in whatever browser opens it.
  target: ['chrome114', 'firefox115', 'safari16'],
  minify: production,
  sourcemap: production ? false : 'linked',
  legalComments: production ? 'none' : 'inline',
  logLevel: 'warning',
  external: ['plotly.js-dist-min'],
  define: { 'process.env.NODE_ENV': production ? '"production"' : '"development"' },
};
function copyWebviewAssets() {
  // Bundled, not copied: a panel's stylesheet @imports what every panel shares (webview/shared/panel.css).
  for (const w of webviews)
    buildSync({ entryPoints: [join(root, w.css)], bundle: true, outfile: join(webviewOut, `${w.name}.css`), minify: production, logLevel: 'warning' });
  if (webviews.some((w) => w.needsPlotly))
    cpSync(createRequire(join(root, 'package.json')).resolve('plotly.js-strict-dist-min/plotly-strict.min.js'), join(webviewOut, 'plotly.min.js'));
}
copyWebviewAssets();
if (watch) {
  const ctx = await context({ ...webviewOptions, plugins: [{ name: 'assets', setup: (b) => b.onEnd(() => copyWebviewAssets()) }] });
  await ctx.watch();
  console.log('build: watching the webviews');
} else {
  await build(webviewOptions);
  const size = (f) => `${(statSync(join(webviewOut, f)).size / 1024).toFixed(0)} KB`;
  console.log(
    `build: webviews ${webviews.map((w) => `${w.name}.js ${size(`${w.name}.js`)}`).join(', ')}, plotly.min.js ${size('plotly.min.js')} in ${Date.now() - started} ms${production ? ' (production)' : ''}`,
  );
}

if (!production) {
  for (const [dir, out] of [
    ['test', 'dist-test'],
    ['bench', 'dist-bench'],
  ]) {
    rmSync(join(root, out), { recursive: true, force: true });
    const entries = entriesUnder(join(root, dir), '.test.ts').concat(dir === 'bench' ? entriesUnder(join(root, dir), '.ts') : []);
    const unique = [...new Set(entries)].filter((p) => !p.includes('/suite/') && !p.includes('/e2e-vscode/'));
    if (unique.length === 0) continue;
    await build({
      ...common,
      entryPoints: unique,
      outdir: join(root, out),
      outbase: join(root, dir),
    });
    cpSync(join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), join(root, out, 'sql-wasm.wasm'));
  }
}
