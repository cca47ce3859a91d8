// Latency in a real VS Code, reported instead of asserted: runs the code-server suites (scripts/vscode/run.mjs;
// LINEAGE_VSCODE_ONLY=suite|ui for one phase) and prints each timing they measured next to its anchor, taken
// in the same run on the same machine (e.g. the live update end to end against the bare fs.watch on the
// same file, or the Compare chart's update against its editor-side part alone), as a ratio. A ratio moves
// when Lineage gets slower or faster; a raw figure moves with the machine too.
// Usage: node bench/vscode_latency.mjs   (builds first; ~3 min for the suite, ~8 min with the UI pass)
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-vscode-latency-')), 'figures.json');
const sh = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });

sh(process.execPath, ['scripts/build.mjs']);
sh('bash', ['scripts/vscode/install-code-server.sh']);
sh(process.execPath, ['scripts/vscode/build-suite.mjs']);
const run = spawnSync(process.execPath, ['scripts/vscode/run.mjs'], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, LINEAGE_VSCODE_FIGURES: out },
});
if (!fs.existsSync(out)) {
  console.error(`no figures: the run ended with ${run.status ?? run.signal} before writing ${out}`);
  process.exit(1);
}
const { passed, failed, figures } = JSON.parse(fs.readFileSync(out, 'utf8'));
console.log(`\nreal VS Code latency (${passed} passed, ${failed} failed), each against its anchor in the same run:`);
const width = Math.max(...figures.map((f) => f.name.length), 10);
for (const f of figures) {
  const ratio = f.anchorMs > 0 ? (f.ms / f.anchorMs).toFixed(2) : 'n/a';
  const limit = f.formerLimitMs ? ` (the suite's old limit: ${f.formerLimitMs} ms)` : '';
  console.log(
    `  ${f.name.padEnd(width)}  ${String(Math.round(f.ms)).padStart(6)} ms   anchor ${f.anchor}: ${Math.round(f.anchorMs)} ms   ratio ${ratio}${limit}`,
  );
}
console.log(JSON.stringify({ figures: figures.map((f) => ({ ...f, ratio: f.anchorMs > 0 ? f.ms / f.anchorMs : null })) }));
process.exit(run.status === 0 ? 0 : 1);
