/**
 * The Explain panel's host side at 10,000 rows × 50 features (500,000 attributions): what globalView costs
 * against just reading the arrays from disk.
 *
 *   node scripts/build.mjs && node dist-bench/explain_views.js
 *
 * Environment (all optional):
 *   BENCH_ROWS      rows          (default 10000)
 *   BENCH_FEATURES  features      (default 50)
 *   BENCH_REPS      repetitions   (default 7; medians reported)
 *
 * The explanation folder is generated untimed (float64 arrays + manifest, as the SDK writes them). Then, in
 * this one process so the anchor sees the same machine:
 *   - anchor: reading values/data/base/output whole from disk (fs.readFileSync, no checks);
 *   - loadExplanation with its cache cleared: the same reads plus the byte-length and CRC-32 checks;
 *   - globalView (importance + the density-binned beeswarm of the top 20), cold (mean |φ| not yet cached);
 *     target well under 200 ms; and how many points it sends instead of rows × shown features;
 *   - dependenceView of the top feature (5,000 points and the interaction search), findRows sorted by error
 *     with a search, rowView.
 * The last line is one JSON object.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearExplanationCache, loadExplanation, type ExplanationData } from '../src/core/explain/load';
import { dependenceView, findRows, globalView, rowView } from '../src/core/explain/views';
import { randomSpec, writeExplanation } from '../test/helpers/explanationFixture';
import { envInt, median, now } from './lib/measure';

const ROWS = envInt('BENCH_ROWS', 10_000);
const FEATURES = envInt('BENCH_FEATURES', 50);
const REPS = Math.max(1, envInt('BENCH_REPS', 7));

function time<T>(fn: () => T): { ms: number; value: T } {
  const t = now();
  const value = fn();
  return { ms: now() - t, value };
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = now();
  const value = await fn();
  return { ms: now() - t, value };
}

const r1 = (v: number) => Math.round(v * 10) / 10;

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-bench-explain-'));
  try {
    const runDir = path.join(root, 'run');
    fs.mkdirSync(runDir);
    const gen = time(() => writeExplanation(runDir, { ...randomSpec(ROWS, FEATURES, 11), event: false }));
    const exDir = gen.value.dir;
    const bytes = ['values', 'data', 'base', 'output', 'target'].reduce((s, k) => s + fs.statSync(path.join(exDir, `${k}.f64`)).size, 0);

    const anchor: number[] = [];
    const load: number[] = [];
    const global: number[] = [];
    const dep: number[] = [];
    const find: number[] = [];
    const row: number[] = [];
    let ex: ExplanationData | undefined;
    let points = 0;
    let beeswarmCounts = 0;
    for (let rep = 0; rep < REPS; rep++) {
      anchor.push(time(() => ['values', 'data', 'base', 'output', 'target'].map((k) => fs.readFileSync(path.join(exDir, `${k}.f64`)))).ms);
      clearExplanationCache();
      const l = await timeAsync(() => loadExplanation(runDir, 'default'));
      load.push(l.ms);
      // A fresh copy of the attributions so the mean |φ| cache (keyed by the array) starts cold every time.
      ex = { ...l.value, values: l.value.values.slice() };
      const cur = ex;
      const g = time(() => globalView('bench', cur));
      global.push(g.ms);
      points = g.value.beeswarm.reduce((s, b) => s + b.x.length, 0);
      beeswarmCounts = g.value.beeswarm.reduce((s, b) => s + b.count.reduce((t, c) => t + c, 0), 0);
      const top = g.value.importance[0].feature;
      dep.push(time(() => dependenceView(cur, top)).ms);
      find.push(time(() => findRows(cur, { sort: 'error-desc', search: 'f1>2 region=south' })).ms);
      row.push(time(() => rowView(cur, ROWS >> 1)).ms);
    }
    const shown = Math.min(20, FEATURES);
    const anchorMs = median(anchor);
    const globalMs = median(global);
    const out = {
      rows: ROWS,
      features: FEATURES,
      arrayBytes: bytes,
      anchorReadArraysMs: r1(anchorMs),
      loadExplanationMs: r1(median(load)),
      globalViewMs: r1(globalMs),
      globalViewFirstMs: r1(global[0]),
      globalOverAnchor: Math.round((globalMs / anchorMs) * 100) / 100,
      beeswarmPoints: points,
      beeswarmDotsStoodFor: beeswarmCounts,
      dotsOverPoints: Math.round(((ROWS * shown) / points) * 10) / 10,
      dependenceViewMs: r1(median(dep)),
      findRowsErrorSearchMs: r1(median(find)),
      rowViewMs: r1(median(row)),
      generateMs: Math.round(gen.ms),
      pass: globalMs < 200 && beeswarmCounts === ROWS * shown,
    };
    console.log(`explain views at ${ROWS} × ${FEATURES} (median of ${REPS}):`);
    console.log(`  anchor: read the arrays (${(bytes / 2 ** 20).toFixed(1)} MiB)  ${out.anchorReadArraysMs} ms`);
    console.log(`  loadExplanation (reads + length and CRC-32 checks)  ${out.loadExplanationMs} ms`);
    console.log(
      `  globalView (importance + beeswarm of top ${shown})  ${out.globalViewMs} ms (first ${out.globalViewFirstMs} ms) = ${out.globalOverAnchor} × the anchor`,
    );
    console.log(`  beeswarm: ${points} points standing for ${beeswarmCounts} dots (${out.dotsOverPoints} dots a point)`);
    console.log(`  dependenceView ${out.dependenceViewMs} ms · findRows(error, search) ${out.findRowsErrorSearchMs} ms · rowView ${out.rowViewMs} ms`);
    console.log(JSON.stringify(out));
    if (!out.pass) process.exitCode = 1;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
