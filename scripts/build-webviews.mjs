// Builds the plot webviews into dist/webview/: the Compare panel's script (esbuild, one IIFE for the
// browser, the webview UI toolkit bundled in), its stylesheet, and plotly's own minified bundle copied as
// is (loaded as a separate <script>, not bundled: 4.8 MB that esbuild need not re-parse on every build).
// Called by scripts/build.mjs; `node scripts/build-webviews.mjs [--production] [--watch]` also works alone.
import { build, context } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist/webview');
const require = createRequire(join(root, 'package.json'));

mkdirSync(out, { recursive: true });

const options = {
  entryPoints: { compare: join(root, 'webview/compare/main.ts') },
  outdir: out,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  // VS Code 1.90 ships Chromium 122; code-server runs in whatever browser opens it.
  target: ['chrome114', 'firefox115', 'safari16'],
  minify: production,
  sourcemap: production ? false : 'linked',
  legalComments: production ? 'none' : 'inline',
  logLevel: 'warning',
  // plotly stays a global from its own script tag.
  external: ['plotly.js-dist-min'],
  define: { 'process.env.NODE_ENV': production ? '"production"' : '"development"' },
};

function copyAssets() {
  copyFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), join(out, 'plotly.min.js'));
  copyFileSync(join(root, 'webview/compare/compare.css'), join(out, 'compare.css'));
}

const started = Date.now();
copyAssets();
// No stale source map from an earlier development build in a package.
if (production) rmSync(join(out, 'compare.js.map'), { force: true });
if (watch) {
  const ctx = await context({ ...options, plugins: [{ name: 'assets', setup: (b) => b.onEnd(() => copyAssets()) }] });
  await ctx.watch();
  console.log('build-webviews: watching webview/compare/');
} else {
  await build(options);
  const size = (f) => `${(statSync(join(out, f)).size / 1024).toFixed(0)} KB`;
  console.log(`build-webviews: compare.js ${size('compare.js')}, plotly.min.js ${size('plotly.min.js')}, compare.css ${size('compare.css')} in ${Date.now() - started} ms${production ? ' (production)' : ''}`);
}
