// Bundles the VS Code integration suite (test/vscode/suite/) into out/test/suite/index.js, the module the
// extension host loads through `extensionTestsPath`. `vscode` comes from the host; mocha and sql.js are
// required from the repo's node_modules at run time (sql.js finds its wasm beside itself there).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const outdir = join(root, 'out', 'test', 'suite');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: {
    index: join(root, 'test', 'vscode', 'suite', 'index.ts'),
    // A window on two folders (scripts/vscode/run.mjs, multi-root phase).
    multiRoot: join(root, 'test', 'vscode', 'suite', 'multiRoot.ts'),
    // A folder opened in Restricted Mode (Workspace Trust on, folder not trusted).
    untrusted: join(root, 'test', 'vscode', 'suite', 'untrusted.ts'),
  },
  outdir,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'inline',
  logLevel: 'warning',
  external: ['vscode', 'mocha', 'sql.js'],
});
console.log(`==> built ${join('out', 'test', 'suite', 'index.js')}, multiRoot.js and untrusted.js`);
