/**
 * Drift in bounded memory (issue 13): the same `lineage drift ref.csv cur.csv --json` on the 1,000,000-row × 20-column
 * tables of drift_scale.mjs, with the values kept in memory (a budget no table reaches), with the default budget
 * (256 MiB) and with a small one (64 MiB, so every numeric column goes to temporary files and is merged on disk);
 * peak RSS and wall time of each whole process, next to pandas read_csv + Evidently's default scipy tests
 * (bench/lib/drift_anchor.py), all in the same run, rep by rep. The reports of the three budgets must be equal.
 *
 *   flock /tmp/lineage-build.lock node scripts/build.mjs
 *   node bench/drift_memory.mjs
 *   BENCH_ROWS=100000 BENCH_REPS=1 node bench/drift_memory.mjs      a quick look (no JSON file written)
 *
 * Environment: BENCH_ROWS (default 1000000), BENCH_REPS (default 2), BENCH_SEED (13), BENCH_DRIFT_DIR
 * (/tmp/lineage-drift-bench, shared with drift_scale.mjs), BENCH_SMALL_BUDGET (64M), BENCH_OUT (default
 * bench/results/drift_memory.json at 1,000,000 rows). Last line: one JSON.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureTables } from './lib/drift_data.mjs';
import { failure, killAll, mb, measure, median } from './lib/scale_proc.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const ROWS = Math.max(1001, Number(process.env.BENCH_ROWS || 1_000_000));
const REPS = Math.max(1, Number(process.env.BENCH_REPS || 2));
const SEED = Number(process.env.BENCH_SEED || 13);
const DIR = path.resolve(process.env.BENCH_DRIFT_DIR || '/tmp/lineage-drift-bench');
const SMALL = process.env.BENCH_SMALL_BUDGET || '64M';
const OUT = process.env.BENCH_OUT ?? (ROWS === 1_000_000 ? path.join(ROOT, 'bench/results/drift_memory.json') : '');
const PYTHON = '/usr/bin/python3';
const ANCHOR = path.join(ROOT, 'bench/lib/drift_anchor.py');
const TIMEOUT_MS = 30 * 60_000;
/** In-memory: a budget far above the values of these tables. */
const MODES = [
  { key: 'inMemory', label: 'in memory (budget 1T)', budget: '1024G' },
  { key: 'default', label: 'default budget (256 MiB)', budget: null },
  { key: 'small', label: `small budget (${SMALL})`, budget: SMALL },
];

process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});
const say = (line) => console.log(line);

const probe = spawnSync(PYTHON, ['-c', 'import pandas, scipy'], { encoding: 'utf8' });
if (probe.status !== 0) {
  say(`The anchor needs pandas and scipy for ${PYTHON}: sudo apt-get install -y python3-pandas python3-scipy`);
  process.exit(0);
}
if (!fs.existsSync(path.join(ROOT, 'dist/cli.js'))) {
  say('dist/cli.js is missing: build first (flock /tmp/lineage-build.lock node scripts/build.mjs)');
  process.exit(1);
}
fs.mkdirSync(DIR, { recursive: true });
// A snapshot of dist/ so a rebuild of the working tree during the run cannot change the CLI under test.
const snapshot = path.join(DIR, 'dist-memory');
fs.rmSync(snapshot, { recursive: true, force: true });
execFileSync('flock', ['/tmp/lineage-build.lock', 'cp', '-r', path.join(ROOT, 'dist'), snapshot]);
const cli = path.join(snapshot, 'cli.js');

const { ref, cur } = ensureTables(DIR, ROWS, SEED);
for (const f of [ref, cur]) fs.readFileSync(f);
say(
  `tables: ${ROWS.toLocaleString('en')} rows × 20 columns each (${(fs.statSync(ref).size / 1e6).toFixed(0)} MB + ${(fs.statSync(cur).size / 1e6).toFixed(0)} MB)`,
);
const load = () => Number(os.loadavg()[0].toFixed(2));
const tmpRoot = fs.mkdtempSync(path.join(DIR, 'spill-'));

async function lineage(mode, ws, label) {
  const l = load();
  const args = [cli, 'drift', ref, cur, '--json', ...(mode.budget ? ['--memory-budget', mode.budget] : [])];
  const env = { ...process.env, NO_COLOR: '1', LINEAGE_DRIFT_TMPDIR: tmpRoot };
  delete env.LINEAGE_DRIFT_MEMORY_BUDGET;
  const r = await measure(process.execPath, args, { cwd: ws, env, timeoutMs: TIMEOUT_MS, captureStdout: true, progress: `lineage ${mode.key} ${label}` });
  if (!r.ok) throw new Error(failure(r, `lineage drift ${mode.key} ${label}`));
  const out = JSON.parse(r.stdout);
  const left = fs.readdirSync(tmpRoot);
  if (left.length) throw new Error(`temporary files left after lineage drift ${mode.key}: ${left.join(', ')}`);
  say(`  ${(mode.label + ', ' + label).padEnd(44)} ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${mb(r.peakRssKB)} (load ${l})`);
  return { wallMs: r.wallMs, peakRssKB: r.peakRssKB, load: l, out };
}

const results = { anchor: [] };
for (const m of MODES) {
  results[`${m.key}First`] = [];
  results[`${m.key}Cached`] = [];
}
const outs = {};
for (let rep = 1; rep <= REPS; rep++) {
  say(`rep ${rep}/${REPS}`);
  const l = load();
  const a = await measure(PYTHON, [ANCHOR, 'evidently', ref, cur], { timeoutMs: TIMEOUT_MS, captureStdout: true, progress: 'anchor' });
  if (!a.ok) throw new Error(failure(a, 'anchor'));
  say(`  ${'pandas read_csv + scipy (Evidently default)'.padEnd(44)} ${(a.wallMs / 1000).toFixed(2)} s, peak RSS ${mb(a.peakRssKB)} (load ${l})`);
  results.anchor.push({ wallMs: a.wallMs, peakRssKB: a.peakRssKB, load: l });
  for (const m of MODES) {
    const ws = fs.mkdtempSync(path.join(DIR, 'ws-mem-'));
    fs.mkdirSync(path.join(ws, '.lineage'));
    results[`${m.key}First`].push(await lineage(m, ws, 'first time'));
    const second = await lineage(m, ws, 'reference cached');
    results[`${m.key}Cached`].push(second);
    outs[m.key] = second.out;
    fs.rmSync(ws, { recursive: true, force: true });
  }
}
fs.rmSync(tmpRoot, { recursive: true, force: true });

// The three budgets must give the same report (timings and the cache flag aside).
const strip = (o) => JSON.stringify({ ...o.batches[0], timings: null });
const same = MODES.every((m) => strip(outs[m.key]) === strip(outs.inMemory));

const fig = (xs) => ({ wallS: median(xs.map((x) => x.wallMs)) / 1000, peakRssMB: median(xs.map((x) => x.peakRssKB)) / 1024, loads: xs.map((x) => x.load) });
const summary = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, fig(v)]));
say('');
say(`${ROWS.toLocaleString('en')} × 20 against ${ROWS.toLocaleString('en')} × 20, medians of ${REPS}:`);
const A = summary.anchor;
say(`  ${'pandas + scipy anchor'.padEnd(44)} ${A.wallS.toFixed(2).padStart(6)} s  ${A.peakRssMB.toFixed(0).padStart(5)} MB`);
for (const m of MODES)
  for (const k of ['First', 'Cached']) {
    const f = summary[`${m.key}${k}`];
    const base = summary[`inMemory${k}`];
    say(
      `  ${(m.label + (k === 'First' ? ', first time' : ', reference cached')).padEnd(44)} ${f.wallS.toFixed(2).padStart(6)} s  ${f.peakRssMB.toFixed(0).padStart(5)} MB` +
        `   RSS ${(f.peakRssMB / base.peakRssMB).toFixed(2)}× in-memory, ${(f.peakRssMB / A.peakRssMB).toFixed(2)}× anchor; time ${(f.wallS / base.wallS).toFixed(2)}× in-memory, anchor/lineage ${(A.wallS / f.wallS).toFixed(2)}×`,
    );
  }
say(`  reports of the three budgets identical: ${same ? 'yes' : 'NO'}`);

const json = {
  bench: 'drift_memory',
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memGB: Math.round(os.totalmem() / 2 ** 30), node: process.version },
  rows: ROWS,
  reps: REPS,
  budgets: Object.fromEntries(MODES.map((m) => [m.key, m.budget ?? 'default'])),
  ...summary,
  sameReports: same,
};
if (OUT) {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(json, null, 2) + '\n');
  say(`  written to ${path.relative(ROOT, OUT)}`);
}
console.log(JSON.stringify(json));
if (!same) process.exit(1);
