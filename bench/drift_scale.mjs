/**
 * Drift at scale (issue 13): `lineage drift ref.csv cur.csv --json` on a 1,000,000-row × 20-column reference and
 * a 1,000,000-row current table, against pandas read_csv of both files + scipy's tests per column
 * (/usr/bin/python3, bench/lib/drift_anchor.py), measured in the same run, rep by rep.
 *
 *   flock /tmp/lineage-build.lock node scripts/build.mjs     (the CLI under test is dist/cli.js)
 *   node bench/drift_scale.mjs
 *   BENCH_ROWS=100000 BENCH_REPS=1 node bench/drift_scale.mjs      a quick look (no JSON file written)
 *
 * Environment (all optional):
 *   BENCH_ROWS       rows in each table (default 1000000; at least 1001, the size the anchor's tests are for)
 *   BENCH_REPS       repetitions, medians reported (default 3)
 *   BENCH_SEED       the tables' seed (default 13)
 *   BENCH_DRIFT_DIR  where the tables, the CLI snapshot and the workspaces go (default /tmp/lineage-drift-bench);
 *                    the tables are generated once per size and seed (untimed) and reused
 *   BENCH_OUT        where the JSON goes (default bench/results/drift_scale.json at 1,000,000 rows, else nowhere)
 *   BENCH_ANCHOR_ONLY=1  measure only the pandas + scipy side (e.g. before `lineage drift` exists)
 *
 * Measured, each as a whole process (wall time; peak RSS from GNU time's %M, or VmHWM from /proc):
 *   - anchor "evidently": python startup + imports + pd.read_csv of both files + the tests Evidently picks by
 *     default for a reference of > 1,000 rows (Wasserstein / std for numeric columns with > 5 values, else
 *     Jensen–Shannon of the shares: categories, or 30 common bins);
 *   - anchor "ks": the same reading + scipy.stats.ks_2samp on every numeric column (a second anchor);
 *   - lineage, first time: `node dist/cli.js drift ref cur --json` in a fresh workspace (no reference cache);
 *   - lineage, second time: the same command again in that workspace (the reference's summaries come from
 *     .lineage/cache/drift by its sha256, so the reference is hashed but not parsed again).
 * Then both sides' statistics are compared column by column (to 1e-9, relative for values above 1) and their
 * verdicts must agree. The machine's load average is recorded before each measurement. Last line: one JSON.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureTables, SHIFTED } from './lib/drift_data.mjs';
import { failure, killAll, mb, measure, median } from './lib/scale_proc.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// More than 1,000: the anchor runs the tests Evidently picks for a reference of that size (distances, not p-values).
const ROWS = Math.max(1001, Number(process.env.BENCH_ROWS || 1_000_000));
const REPS = Math.max(1, Number(process.env.BENCH_REPS || 3));
const SEED = Number(process.env.BENCH_SEED || 13);
const DIR = path.resolve(process.env.BENCH_DRIFT_DIR || '/tmp/lineage-drift-bench');
const ANCHOR_ONLY = process.env.BENCH_ANCHOR_ONLY === '1';
const OUT = process.env.BENCH_OUT ?? (ROWS === 1_000_000 ? path.join(ROOT, 'bench/results/drift_scale.json') : '');
const PYTHON = '/usr/bin/python3';
const ANCHOR = path.join(ROOT, 'bench/lib/drift_anchor.py');
const TIMEOUT_MS = 30 * 60_000;

process.on('SIGINT', () => {
  killAll();
  process.exit(130);
});

function say(line) {
  console.log(line);
}

// pandas is not in every Debian install: say how to get it and stop cleanly rather than fail mid-run.
const probe = spawnSync(PYTHON, ['-c', 'import pandas, scipy, numpy; print(pandas.__version__, scipy.__version__, numpy.__version__)'], {
  encoding: 'utf8',
});
if (probe.status !== 0) {
  say(`The anchor needs pandas, scipy and numpy for ${PYTHON}, which cannot import them:`);
  say(`  ${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()}`);
  say('Install them with: sudo apt-get install -y python3-pandas python3-scipy   (then run this again)');
  process.exit(0);
}
const [pandasV, scipyV, numpyV] = probe.stdout.trim().split(' ');

// A snapshot of dist/ so a rebuild of the working tree during the run cannot change the CLI under test.
let cli;
if (!ANCHOR_ONLY) {
  const snapshot = path.join(DIR, 'dist');
  if (!fs.existsSync(path.join(ROOT, 'dist/cli.js'))) {
    say('dist/cli.js is missing: build first (flock /tmp/lineage-build.lock node scripts/build.mjs), or BENCH_ANCHOR_ONLY=1');
    process.exit(1);
  }
  fs.mkdirSync(DIR, { recursive: true });
  fs.rmSync(snapshot, { recursive: true, force: true });
  execFileSync('flock', ['/tmp/lineage-build.lock', 'cp', '-r', path.join(ROOT, 'dist'), snapshot]);
  cli = path.join(snapshot, 'cli.js');
  const help = spawnSync(process.execPath, [cli, 'drift', '--help'], { encoding: 'utf8' });
  if (!/drift/.test(help.stdout + help.stderr) || /unknown command/i.test(help.stdout + help.stderr)) {
    say(`this build has no \`lineage drift\` (${(help.stderr || help.stdout).trim().split('\n')[0]}): measuring the anchor only`);
    cli = undefined;
  }
}

say(`tables: ${ROWS.toLocaleString('en')} rows × 20 columns each, seed ${SEED}, in ${DIR}`);
const t0 = performance.now();
const { ref, cur, made } = ensureTables(DIR, ROWS, SEED);
say(
  made.length ? `  generated in ${((performance.now() - t0) / 1000).toFixed(1)} s (untimed)` : '  reused from an earlier run (same size, seed and generator)',
);
const sizes = { ref: fs.statSync(ref).size, cur: fs.statSync(cur).size };
say(`  reference ${(sizes.ref / 1e6).toFixed(0)} MB, current ${(sizes.cur / 1e6).toFixed(0)} MB; shifted columns: ${SHIFTED.join(', ')}`);
// Both sides read the files from the page cache: read them once here so the first measurement is not the
// only one that pays for the disk.
for (const f of [ref, cur]) fs.readFileSync(f);

const load = () => Number(os.loadavg()[0].toFixed(2));
const results = { anchorEvidently: [], anchorKs: [], lineageFirst: [], lineageSecond: [] };
let anchorOut;
let ksOut;
let lineageOut;

async function anchor(mode) {
  const l = load();
  const r = await measure(PYTHON, [ANCHOR, mode, ref, cur], { timeoutMs: TIMEOUT_MS, captureStdout: true, progress: `anchor ${mode}` });
  if (!r.ok) throw new Error(failure(r, `anchor ${mode}`));
  const out = JSON.parse(r.stdout);
  say(
    `  anchor ${mode.padEnd(9)} ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${mb(r.peakRssKB)}  (import ${out.import_s.toFixed(2)} s, read_csv ${out.read_s.toFixed(2)} s, tests ${out.tests_s.toFixed(2)} s; load ${l})`,
  );
  return { wallMs: r.wallMs, peakRssKB: r.peakRssKB, load: l, out, phases: { import: out.import_s, read: out.read_s, tests: out.tests_s } };
}

async function lineage(ws, label) {
  const l = load();
  const r = await measure(process.execPath, [cli, 'drift', ref, cur, '--json'], {
    cwd: ws,
    env: { ...process.env, NO_COLOR: '1', NODE_EXTRA_CA_CERTS: '' },
    timeoutMs: TIMEOUT_MS,
    captureStdout: true,
    progress: `lineage ${label}`,
  });
  // Exit 3 is "the --fail-on condition holds"; without --fail-on any exit but 0 is a failure.
  if (!r.ok) throw new Error(failure(r, `lineage drift (${label})`));
  const out = JSON.parse(r.stdout);
  const batch = out.batches[0];
  if (!batch || batch.error) throw new Error(`lineage drift (${label}): no report for the current file: ${batch?.error}`);
  say(
    `  lineage ${label.padEnd(8)} ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${mb(r.peakRssKB)}  (reference ${(out.timings.referenceMs / 1000).toFixed(2)} s${out.reference.cached ? ' from the cache' : ''}, current read ${(batch.timings.readMs / 1000).toFixed(2)} s, tests ${(batch.timings.testMs / 1000).toFixed(2)} s; load ${l})`,
  );
  return { wallMs: r.wallMs, peakRssKB: r.peakRssKB, load: l, cached: out.reference.cached, out };
}

for (let rep = 1; rep <= REPS; rep++) {
  say(`rep ${rep}/${REPS}`);
  const e = await anchor('evidently');
  results.anchorEvidently.push(e);
  anchorOut = e.out;
  const k = await anchor('ks');
  results.anchorKs.push(k);
  ksOut = k.out;
  if (cli) {
    const ws = fs.mkdtempSync(path.join(DIR, 'ws-'));
    fs.mkdirSync(path.join(ws, '.lineage'));
    const first = await lineage(ws, 'first');
    const second = await lineage(ws, 'second');
    if (!second.cached) say('    (the second run did not report its reference as cached)');
    results.lineageFirst.push(first);
    results.lineageSecond.push(second);
    lineageOut = second.out;
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

// Agreement: lineage's test per column must be the anchor's, with the same statistic and verdict.
const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const agreement = { columns: 0, sameTest: 0, statisticWithin1e9: 0, sameVerdict: 0, ksWithin1e9: 0, ksColumns: 0, worst: 0, mismatches: [] };
let driftedLineage = [];
const driftedAnchor = Object.entries(anchorOut.columns)
  .filter(([, c]) => c.drift)
  .map(([n]) => n);
if (lineageOut) {
  const batch = lineageOut.batches[0];
  for (const c of batch.columns) {
    const a = anchorOut.columns[c.name];
    if (!a) continue;
    agreement.columns++;
    if (c.test === a.test) agreement.sameTest++;
    else agreement.mismatches.push(`${c.name}: test ${c.test} vs ${a.test}`);
    if (c.test === a.test && c.statistic !== null) {
      const rel = Math.abs(c.statistic - a.statistic) / Math.max(1, Math.abs(a.statistic));
      agreement.worst = Math.max(agreement.worst, rel);
      if (close(c.statistic, a.statistic)) agreement.statisticWithin1e9++;
      else agreement.mismatches.push(`${c.name}: ${c.test} ${c.statistic} vs scipy ${a.statistic}`);
    }
    if (c.drifted === a.drift) agreement.sameVerdict++;
    else agreement.mismatches.push(`${c.name}: drifted ${c.drifted} vs ${a.drift}`);
  }
  driftedLineage = batch.columns.filter((c) => c.drifted).map((c) => c.name);
}

// The KS anchor against lineage's KS, when the CLI can be told to use it on every numeric column (--json output of
// a second invocation is not timed: it is only the statistics check).
if (cli && ksOut) {
  const numeric = Object.keys(ksOut.columns);
  const ws = fs.mkdtempSync(path.join(DIR, 'ws-ks-'));
  fs.mkdirSync(path.join(ws, '.lineage'));
  const overrides = numeric.map((n) => `${n}=ks`).join(',');
  const r = spawnSync(process.execPath, [cli, 'drift', ref, cur, '--json', '--test', overrides], { cwd: ws, encoding: 'utf8', maxBuffer: 1 << 28 });
  fs.rmSync(ws, { recursive: true, force: true });
  if (r.status === 0) {
    const cols = JSON.parse(r.stdout).batches[0].columns;
    for (const c of cols) {
      const a = ksOut.columns[c.name];
      if (!a || c.test !== 'ks') continue;
      agreement.ksColumns++;
      if (close(c.statistic, a.statistic) && close(c.pValue, a.p_value)) agreement.ksWithin1e9++;
      else agreement.mismatches.push(`${c.name}: ks ${c.statistic} p ${c.pValue} vs scipy ${a.statistic} p ${a.p_value}`);
    }
  } else {
    say(`  (per-column KS check skipped: lineage drift --test … exited ${r.status}: ${(r.stderr || '').trim().split('\n')[0]})`);
  }
}

const med = (xs, k) => (xs.length ? median(xs.map((x) => x[k])) : null);
const fig = (xs) => (xs.length ? { wallS: med(xs, 'wallMs') / 1000, peakRssMB: med(xs, 'peakRssKB') / 1024, runs: xs.map((x) => x.wallMs / 1000) } : null);
const summary = {
  anchorEvidently: fig(results.anchorEvidently),
  anchorKs: fig(results.anchorKs),
  lineageFirst: fig(results.lineageFirst),
  lineageSecond: fig(results.lineageSecond),
};
say('');
say(`${ROWS.toLocaleString('en')} rows × 20 columns against ${ROWS.toLocaleString('en')} rows, median of ${REPS}:`);
const row = (label, f, anchorF) =>
  f &&
  say(
    `  ${label.padEnd(48)} ${f.wallS.toFixed(2).padStart(7)} s  peak RSS ${f.peakRssMB.toFixed(0).padStart(5)} MB` +
      (anchorF ? `   ${(anchorF.wallS / f.wallS).toFixed(2)}× the anchor's speed (goal ≥ 1×)` : ''),
  );
row('pandas read_csv + Evidently-default scipy tests', summary.anchorEvidently);
row('pandas read_csv + ks_2samp on every numeric', summary.anchorKs);
row('lineage drift --json, first time', summary.lineageFirst, summary.anchorEvidently);
row('lineage drift --json, reference from cache', summary.lineageSecond, summary.anchorEvidently);
if (summary.lineageFirst)
  say(
    `  against the KS anchor (ks_2samp only, a cheaper set of tests): first time ${(summary.anchorKs.wallS / summary.lineageFirst.wallS).toFixed(2)}×, from cache ${(summary.anchorKs.wallS / summary.lineageSecond.wallS).toFixed(2)}×`,
  );
if (lineageOut) {
  say(
    `  agreement: ${agreement.sameTest}/${agreement.columns} same test, ${agreement.statisticWithin1e9}/${agreement.columns} statistics within 1e-9 (worst ${agreement.worst.toExponential(1)}), ${agreement.sameVerdict}/${agreement.columns} same verdict; KS on ${agreement.ksWithin1e9}/${agreement.ksColumns} numeric columns within 1e-9`,
  );
  say(`  drifted: lineage ${driftedLineage.join(', ') || 'none'}; anchor ${driftedAnchor.join(', ') || 'none'}; designed ${SHIFTED.join(', ')}`);
  for (const m of agreement.mismatches.slice(0, 20)) say(`    mismatch ${m}`);
} else {
  say(`  drifted (anchor): ${driftedAnchor.join(', ') || 'none'}; designed ${SHIFTED.join(', ')}`);
}

const json = {
  bench: 'drift_scale',
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memGB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    pandas: pandasV,
    scipy: scipyV,
    numpy: numpyV,
  },
  rows: ROWS,
  columns: 20,
  reps: REPS,
  bytes: sizes,
  loads: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, v.map((x) => x.load)])),
  ...summary,
  ratioFirst: summary.lineageFirst ? summary.anchorEvidently.wallS / summary.lineageFirst.wallS : null,
  ratioSecond: summary.lineageSecond ? summary.anchorEvidently.wallS / summary.lineageSecond.wallS : null,
  ratioFirstVsKs: summary.lineageFirst ? summary.anchorKs.wallS / summary.lineageFirst.wallS : null,
  ratioSecondVsKs: summary.lineageSecond ? summary.anchorKs.wallS / summary.lineageSecond.wallS : null,
  anchorPhases: results.anchorEvidently.map((x) => x.phases),
  lineagePhases: results.lineageFirst.map((x) => ({ referenceMs: x.out.timings.referenceMs, ...x.out.batches[0].timings })),
  agreement: lineageOut ? agreement : null,
  drifted: { lineage: lineageOut ? driftedLineage : null, anchor: driftedAnchor, designed: SHIFTED },
};
if (OUT && cli) {
  fs.writeFileSync(OUT, JSON.stringify(json, null, 2) + '\n');
  say(`  written to ${path.relative(ROOT, OUT)}`);
}
console.log(JSON.stringify(json));
