// Regenerates docs/example-explanation-report.md from a real run of the house-prices example: bundles
// scripts/exampleReport.ts (it uses the core in TypeScript) next to node_modules so sql.js finds its wasm,
// then runs it. Needs dist/ built first: `flock /tmp/lineage-build.lock node scripts/build.mjs`.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'node_modules', '.cache', 'lineage-example-report', 'exampleReport.js');
await build({
  entryPoints: [join(root, 'scripts/exampleReport.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: out,
  logLevel: 'warning',
});
const r = spawnSync(process.execPath, [out, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
