// Bundles every entry point with esbuild. Tests and benchmarks are bundled too (into dist-test/ and
// dist-bench/) so they run on plain `node` without a TypeScript loader.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
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
  build({
    ...common,
    entryPoints: { cli: join(root, 'src/cli/main.ts') },
    outdir: join(root, 'dist'),
    banner: { js: '#!/usr/bin/env node' },
  }),
]);

// Webviews: the run panel here; the compare panel (plotly) through its own script when present.
mkdirSync(join(root, 'dist/webview'), { recursive: true });
await build({
  entryPoints: { runDetail: join(root, 'webview/runDetail/main.ts') },
  outdir: join(root, 'dist/webview'),
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'chrome114',
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
});
cpSync(join(root, 'webview/runDetail/runDetail.css'), join(root, 'dist/webview/runDetail.css'));
if (existsSync(join(root, 'scripts/build-webviews.mjs'))) {
  const { execFileSync } = await import('node:child_process');
  execFileSync(process.execPath, [join(root, 'scripts/build-webviews.mjs'), ...(production ? ['--production'] : [])], { stdio: 'inherit' });
}

if (!production) {
  for (const [dir, out] of [['test', 'dist-test'], ['bench', 'dist-bench']]) {
    rmSync(join(root, out), { recursive: true, force: true });
    const entries = entriesUnder(join(root, dir), '.test.ts').concat(
      dir === 'bench' ? entriesUnder(join(root, dir), '.ts') : [],
    );
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
