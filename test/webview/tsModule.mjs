// The webview tests' helpers are TypeScript that imports the panels' protocols (no copies of message
// names); plain `node test/webview/*.mjs` loads them through one esbuild bundle in dist-test/webview/.
import { build } from 'esbuild';
import { join, basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Bundles a TypeScript module of the repository (npm packages stay imports) and imports it. */
export async function importTs(file) {
  const out = join(root, 'dist-test/webview', `${basename(file, '.ts')}.bundle.mjs`);
  await build({
    entryPoints: [join(root, file)],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    define: { __REPO_ROOT__: JSON.stringify(root) },
  });
  return import(pathToFileURL(out).href);
}
