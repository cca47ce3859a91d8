/**
 * Compare panel, host side: reading and reducing 100 runs' curves for one chart.
 *
 *   node scripts/build.mjs && node dist-bench/compare.js
 *
 * Environment (all optional):
 *   BENCH_RUNS     runs                         (default 100)
 *   BENCH_POINTS   points of `loss` per run     (default 100000)
 *   BENCH_REPS     repetitions of each timing   (default 5; medians reported)
 *   BENCH_KEEP=1   keep the temp workspace
 *
 * The workspace is generated untimed: run folders (run.json, params) ingested by LineageWorkspace.open, then
 * the series written straight into their cache files with appendSeries (what ingest does, minus parsing JSON). Then,
 * in this one process so the anchors see the same machine:
 *   - seriesFor(all runs, 'loss', 'step', pointsPerSeries(runs)): the first call with a cold cache, then
 *     warm ones; median of all (target ≤ 150 ms) and the cold figure; then cold again with the code
 *     compiled (the cache cleared before each). These read the chunks' coarse copies (lodCodec.ts);
 *   - the same with the copies removed from the files (reading the chunks, the approach before them), and their size;
 *   - the read-ahead the panel runs after drawing (prefetchSeries, one series per slice), then zooms;
 *   - the message those series make (messageBytes, target ≤ 2 MB) against sending the series whole;
 *   - anchor: readSeries of every run (just reading and decoding the chunks, no reduction);
 *   - the reduction alone on arrays already in memory, zooms (cached and evicted), the other axes.
 * Every reduced series is checked to still show its run's one spike. The last line is one JSON object.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineageWorkspace } from '../src/core/workspace';
import { appendSeries } from '../src/core/metrics/seriesWriter';
import { readSeries } from '../src/core/metrics/seriesWriter';
import { forgetIndexes, readIndex, RECORD_HEADER, seriesFile, writeRecords } from '../src/core/metrics/seriesFile';
import { downsampleMinMaxLast } from '../src/core/compare/downsample';
import { clearSeriesCache, messageBytes, prefetchSeries, runInfos, seriesCacheStats, seriesFor, setSeriesCacheBudget } from '../src/core/compare/compareData';
import { pointsPerSeries, type SeriesData } from '../src/core/compare/types';
import { envInt, now, median, mulberry32 } from './lib/measure';

const RUNS = envInt('BENCH_RUNS', 100);
const POINTS = envInt('BENCH_POINTS', 100_000);
const REPS = Math.max(1, envInt('BENCH_REPS', 5));
const KEEP = process.env.BENCH_KEEP === '1';
const TARGET = { ms: 150, bytes: 2_000_000 };

function timeEach<T>(times: number, before: (i: number) => void, fn: () => T): { all: number[]; last: T } {
  const all: number[] = [];
  let last!: T;
  for (let i = 0; i < times; i++) {
    before(i);
    const t0 = now();
    last = fn();
    all.push(now() - t0);
  }
  return { all, last };
}

const fmtMs = (n: number) => `${n.toFixed(1)} ms`;
const fmtMB = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
const r1 = (n: number) => Math.round(n * 10) / 10;

// ---------------------------------------------------------------- generation (untimed)

const SPIKE = 1e4;

async function generate(ws: string): Promise<{ lw: LineageWorkspace; ids: string[]; spikeAt: number[]; ms: number }> {
  const t0 = now();
  const runsDir = path.join(ws, '.lineage', 'runs');
  fs.mkdirSync(runsDir, { recursive: true });
  const base = Date.UTC(2026, 0, 5, 8, 0, 0);
  const ids: string[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = new Date(base + r * 61_000);
    const id = `20260105-${String(r).padStart(6, '0')}-${(((r * 2654435761) % 0xffffff) >>> 0).toString(16).padStart(6, '0')}`;
    const dir = path.join(runsDir, id);
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'run.json'),
      JSON.stringify({
        schema: 1,
        id,
        name: `bench-${r}`,
        experiment: 'compare',
        status: 'finished',
        startedAt: start.toISOString(),
        endedAt: start.toISOString(),
        command: [],
        cwd: ws,
        createdBy: 'bench',
      }),
    );
    fs.writeFileSync(
      path.join(dir, 'events.jsonl'),
      [
        { type: 'param', key: 'lr', value: [0.1, 0.03, 0.01, 0.003][r % 4] },
        { type: 'param', key: 'seed', value: r },
      ]
        .map((e) => JSON.stringify(e) + '\n')
        .join(''),
    );
    ids.push(id);
  }
  const lw = await LineageWorkspace.open(ws);
  const rnd = mulberry32(2026);
  const spikeAt: number[] = [];
  lw.store.transaction(() => {
    for (let r = 0; r < RUNS; r++) {
      const steps = new Float64Array(POINTS);
      const ts = new Float64Array(POINTS);
      const values = new Float64Array(POINTS);
      const tau = POINTS / 10 + (POINTS / 20) * rnd();
      let t = base + r * 61_000 + 2500;
      for (let i = 0; i < POINTS; i++) {
        steps[i] = i;
        t += 80 + Math.floor(40 * rnd());
        ts[i] = t;
        values[i] = 2.3 * Math.exp(-i / tau) + 0.1 + 0.02 * (rnd() - 0.5) + (rnd() < 0.0005 ? NaN : 0);
      }
      // One spike per run (a loss blow-up) that must survive every reduction.
      const s = Math.floor(POINTS * (0.1 + 0.8 * rnd()));
      values[s] = SPIKE;
      spikeAt.push(s);
      appendSeries(lw.store, ids[r], 'loss', { steps, ts, values }, undefined);
    }
  });
  return { lw, ids, spikeAt, ms: now() - t0 };
}

function checkSpikes(series: SeriesData[], ids: string[], spikeAt: number[], range?: { x0: number; x1: number }): void {
  series.forEach((s) => {
    const r = ids.indexOf(s.runId);
    const inRange = !range || (spikeAt[r] >= range.x0 && spikeAt[r] <= range.x1);
    const shown = s.exact ? s.y.includes(SPIKE) : (s.max as Float32Array).includes(SPIKE);
    if (shown !== inRange) throw new Error(`run ${s.runId}: spike at step ${spikeAt[r]} ${inRange ? 'lost' : 'shown out of range'}`);
  });
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-bench-compare-'));
  console.log(`Compare benchmark: ${RUNS} runs × ${POINTS.toLocaleString('en-US')} points of one metric; Node ${process.version}, ${os.cpus().length} CPUs`);
  const gen = await generate(ws);
  const { lw, ids, spikeAt } = gen;
  const points = RUNS * POINTS;
  const per = pointsPerSeries(RUNS);
  console.log(`generated and indexed in ${fmtMs(gen.ms)} (untimed); ${per} buckets per series (pointsPerSeries(${RUNS}))`);

  // The figure: one chart's series for every run.
  clearSeriesCache();
  const chart = timeEach(
    REPS,
    () => undefined,
    () => seriesFor(lw.store, ids, 'loss', 'step', per),
  );
  const cold = chart.all[0];
  const warm = chart.all.slice(1);
  const med = median(chart.all);
  const series = chart.last;
  checkSpikes(series, ids, spikeAt);
  if (series.length !== RUNS) throw new Error(`expected ${RUNS} series, got ${series.length}`);
  const bytes = messageBytes(series);
  const cache = seriesCacheStats();
  const fullBytes = points * 16; // x and y as float64, every point
  console.log(
    `seriesFor(${RUNS} runs, 'loss', 'step', ${per}): median of ${REPS} ${fmtMs(med)} (target ≤ ${TARGET.ms} ms) — cold cache ${fmtMs(cold)}, warm ${warm.map((t) => t.toFixed(1)).join(' / ')} ms`,
  );
  console.log(
    `message: ${fmtMB(bytes)} (target ≤ ${fmtMB(TARGET.bytes)}); the series sent whole: ${fmtMB(fullBytes)} (${Math.round(fullBytes / bytes)}× more)`,
  );
  console.log(`cache after: ${cache.entries} series, ${fmtMB(cache.bytes)} of ${fmtMB(cache.budget)}`);

  // Cold again, the code already compiled: the cost of reading the index, which a first open pays.
  const recold = timeEach(
    Math.min(REPS, 3),
    () => clearSeriesCache(),
    () => seriesFor(lw.store, ids, 'loss', 'step', per),
  );
  checkSpikes(recold.last, ids, spikeAt);
  const recoldMs = median(recold.all);

  // Anchor: just reading and decoding every series (readSeries), no reduction.
  const anchorReps = Math.min(REPS, 3);
  const anchor = timeEach(
    anchorReps,
    () => undefined,
    () => {
      let n = 0;
      for (const id of ids) n += readSeries(lw.store, id, 'loss').values.length;
      return n;
    },
  );
  if (anchor.last !== points) throw new Error('anchor read the wrong number of points');
  const anchorMs = median(anchor.all);
  console.log(
    `anchor, readSeries of all ${RUNS} runs (decode only, no reduction): median of ${anchorReps} ${fmtMs(anchorMs)} — first cold seriesFor / anchor ${(cold / anchorMs).toFixed(2)}, cold again (cache cleared, code compiled) ${fmtMs(recoldMs)} = ${(recoldMs / anchorMs).toFixed(2)}× anchor, warm / anchor ${(median(warm.length ? warm : chart.all) / anchorMs).toFixed(3)}`,
  );

  // The approach before the coarse copy: the same chart read from the chunks themselves (the files are
  // rewritten without their copies, then put back).
  const kept = ids.map((id) => {
    const idx = readIndex(seriesFile(lw.paths.root, id, 'loss'))!;
    return { file: idx.file, bytes: fs.readFileSync(idx.file), idx };
  });
  for (const k of kept) {
    writeRecords(
      k.file,
      k.idx.chunks.map((c) => ({
        payload: k.bytes.subarray(c.offset + RECORD_HEADER, c.offset + RECORD_HEADER + c.payloadLen),
        lod: null,
        n: c.n,
        firstStep: c.firstStep,
        lastStep: c.lastStep,
      })),
    );
  }
  const noLod = timeEach(
    Math.min(REPS, 3),
    () => clearSeriesCache(),
    () => seriesFor(lw.store, ids, 'loss', 'step', per),
  );
  checkSpikes(noLod.last, ids, spikeAt);
  const noLodMs = median(noLod.all);
  const noLodWarm = timeEach(
    Math.min(REPS, 3),
    () => undefined,
    () => seriesFor(lw.store, ids, 'loss', 'step', per),
  );
  const noLodWarmMs = median(noLodWarm.all);
  for (const k of kept) fs.writeFileSync(k.file, k.bytes);
  forgetIndexes();
  clearSeriesCache();
  const lodBytes = kept.reduce((n, k) => n + k.idx.chunks.reduce((a, c) => a + c.lodLen, 0), 0);
  const chunkBytes = kept.reduce((n, k) => n + k.idx.chunks.reduce((a, c) => a + c.payloadLen, 0), 0);
  console.log(
    `without the coarse copy (reading the chunks, as before): cold ${fmtMs(noLodMs)}, then cached ${fmtMs(noLodWarmMs)}; ` +
      `the copy is ${fmtMB(lodBytes)} (${(lodBytes / points).toFixed(2)} bytes/point) beside ${fmtMB(chunkBytes)} of chunks`,
  );

  // The reduction alone, on arrays in memory (what the ≤ 150 ms is mostly made of once cached).
  const xs: Float64Array[] = [];
  const ys: Float64Array[] = [];
  for (const id of ids) {
    const s = readSeries(lw.store, id, 'loss');
    xs.push(s.steps);
    ys.push(s.values);
  }
  const pure = timeEach(
    REPS,
    () => undefined,
    () => {
      let k = 0;
      for (let r = 0; r < RUNS; r++) k += downsampleMinMaxLast(xs[r], ys[r], per).x.length;
      return k;
    },
  );
  const pureMs = median(pure.all);
  console.log(
    `downsampleMinMaxLast alone over ${RUNS} × ${POINTS.toLocaleString('en-US')} in-memory points: median ${fmtMs(pureMs)} (${((pureMs * 1e6) / points).toFixed(2)} ns/point)`,
  );
  xs.length = 0;
  ys.length = 0;

  // Zooms: 10 % of the steps (too narrow for the copy at this many runs: the chunks it overlaps are read, then
  // cached), and with the cache emptied each time.
  const range = { x0: Math.floor(POINTS * 0.4), x1: Math.floor(POINTS * 0.5) };
  const zoomCached = timeEach(
    REPS,
    () => undefined,
    () => seriesFor(lw.store, ids, 'loss', 'step', per, range),
  );
  checkSpikes(zoomCached.last, ids, spikeAt, range);
  const narrow = { x0: Math.floor(POINTS * 0.45), x1: Math.floor(POINTS * 0.45) + per - 1 };
  const zoomExact = timeEach(
    REPS,
    () => undefined,
    () => seriesFor(lw.store, ids, 'loss', 'step', per, narrow),
  );
  checkSpikes(zoomExact.last, ids, spikeAt, narrow);
  if (!zoomExact.last.every((s) => s.exact)) throw new Error('a narrow zoom should be exact');
  const zoomEvicted = timeEach(
    REPS,
    () => setSeriesCacheBudget(0),
    () => seriesFor(lw.store, ids, 'loss', 'step', per, range),
  );
  checkSpikes(zoomEvicted.last, ids, spikeAt, range);
  setSeriesCacheBudget(128 * 1024 * 1024);
  console.log(
    `zoom to 10 % of the steps (zooms read points: the chunks it overlaps): median ${fmtMs(median(zoomCached.all))}, cache emptied before each ${fmtMs(median(zoomEvicted.all))}; ` +
      `a ${per}-step zoom (sent exactly): ${fmtMs(median(zoomExact.all))}, ${fmtMB(messageBytes(zoomExact.last))}`,
  );

  // What the panel does after drawing: read the series whole in idle slices, one per macrotask.
  clearSeriesCache();
  seriesFor(lw.store, ids, 'loss', 'step', per);
  const slices: number[] = [];
  const steps = prefetchSeries(lw.store, ids, 'loss', 'step');
  for (;;) {
    const t0 = now();
    if (steps.next().done) break;
    slices.push(now() - t0);
  }
  const prefetchTotal = slices.reduce((a, b) => a + b, 0);
  const zoomWarm = timeEach(
    REPS,
    () => undefined,
    () => seriesFor(lw.store, ids, 'loss', 'step', per, range),
  );
  checkSpikes(zoomWarm.last, ids, spikeAt, range);
  console.log(
    `read-ahead after the chart: ${slices.length} series in ${fmtMs(prefetchTotal)} of idle slices (longest ${fmtMs(Math.max(...slices))}); ` +
      `then the 10 % zoom: median ${fmtMs(median(zoomWarm.all))}`,
  );

  // Time axes: timestamps are read once more and kept.
  clearSeriesCache();
  seriesFor(lw.store, ids, 'loss', 'step', per);
  const wall = timeEach(
    REPS,
    () => undefined,
    () => seriesFor(lw.store, ids, 'loss', 'wall', per),
  );
  checkSpikes(wall.last, ids, spikeAt);
  const relative = timeEach(
    REPS,
    () => undefined,
    () => seriesFor(lw.store, ids, 'loss', 'relative', per),
  );
  checkSpikes(relative.last, ids, spikeAt);
  const wallCache = seriesCacheStats();
  console.log(
    `wall axis: first ${fmtMs(wall.all[0])} (reads the timestamps), then median ${fmtMs(median(wall.all.slice(1)))}; relative: median ${fmtMs(median(relative.all))}; cache ${fmtMB(wallCache.bytes)}`,
  );

  const infosT = timeEach(
    REPS,
    () => undefined,
    () => runInfos(lw.store, ids),
  );
  console.log(`runInfos(${RUNS} runs): median ${fmtMs(median(infosT.all))}`);
  const rss = process.memoryUsage().rss;
  console.log(`rss at the end: ${fmtMB(rss)}`);

  lw.close();
  if (KEEP) console.log(`workspace kept: ${ws}`);
  else fs.rmSync(ws, { recursive: true, force: true });

  const pass = { time: med <= TARGET.ms, bytes: bytes <= TARGET.bytes };
  console.log(
    JSON.stringify({
      bench: 'compare',
      runs: RUNS,
      pointsPerRun: POINTS,
      bucketsPerSeries: per,
      seriesForMedianMs: r1(med),
      seriesForColdMs: r1(cold),
      seriesForWarmMs: warm.map(r1),
      targetMs: TARGET.ms,
      messageBytes: bytes,
      targetBytes: TARGET.bytes,
      fullSeriesBytes: fullBytes,
      bytesRatio: Math.round(fullBytes / bytes),
      anchorReadSeriesMs: r1(anchorMs),
      coldOverAnchor: Math.round((cold / anchorMs) * 100) / 100,
      seriesForColdAgainMs: r1(recoldMs),
      withoutLodColdMs: r1(noLodMs),
      withoutLodCachedMs: r1(noLodWarmMs),
      lodBytesPerPoint: Math.round((lodBytes / points) * 100) / 100,
      coldAgainOverAnchor: Math.round((recoldMs / anchorMs) * 100) / 100,
      downsampleOnlyMs: r1(pureMs),
      zoom10pctCachedMs: r1(median(zoomCached.all)),
      zoom10pctEvictedMs: r1(median(zoomEvicted.all)),
      prefetchMs: r1(prefetchTotal),
      prefetchLongestSliceMs: r1(Math.max(...slices)),
      zoom10pctAfterPrefetchMs: r1(median(zoomWarm.all)),
      zoomExactMs: r1(median(zoomExact.all)),
      wallFirstMs: r1(wall.all[0]),
      wallWarmMs: r1(median(wall.all.slice(1))),
      relativeMs: r1(median(relative.all)),
      cacheBytesStep: cache.bytes,
      generateMs: Math.round(gen.ms),
      pass,
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
