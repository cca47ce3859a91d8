// The coarse copy of metric chunks (lodCodec.ts) and the Compare reads that stand on it (compareData.ts):
// what it keeps, that a chart drawn from it keeps every value inside its band (the spike included) with the
// line on real points, and that it is used only where it cannot be told apart (stores from before it get
// one: seriesStore.test.ts). Also the live feed of an open panel, which stands on the same reads.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { decodeLod, encodeLod, LOD_POINTS, STEPS_ARITH, STEPS_SORTED, TS_ALL } from '../../src/core/metrics/lodCodec';
import { f32Down, f32Up } from '../../src/core/metrics/float32';
import { appendSeries, readSeries, SummaryRow } from '../../src/core/metrics/seriesWriter';
import { downsampleMinMaxLast } from '../../src/core/compare/downsample';
import { clearSeriesCache, prefetchSeries, seriesCacheStats, seriesFor, setSeriesCacheBudget } from '../../src/core/compare/compareData';
import { LiveFeed } from '../../src/core/compare/liveFeed';
import { LineageWorkspace } from '../../src/core/workspace';
import type { SeriesData } from '../../src/core/compare/types';
import { rng } from '../helpers/rng';
import { makeRunFolder, tmpDir } from '../helpers/tmp';
import { breakChunks, dropCoarseCopies } from '../helpers/seriesFiles';

const same = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => assert.deepEqual(Array.from(a, String), Array.from(b, String), what);

const T0 = 1_795_756_323_500; // ms

/** steps 0…n-1, a timestamp every 10 ms, noise with NaN stretches, one spike up and one down. */
function points(n: number, seed: number, opts: { spike?: number; dip?: number; stepOf?: (i: number) => number } = {}) {
  const r = rng(seed);
  const steps = new Float64Array(n);
  const ts = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    steps[i] = opts.stepOf ? opts.stepOf(i) : i;
    ts[i] = T0 + i * 10;
    values[i] = r() < 0.01 ? NaN : Math.exp(-i / 1e5) + r() * 0.01;
  }
  for (let i = 5000; i < 5000 + 3 * LOD_POINTS; i++) values[i] = NaN; // whole LOD buckets of NaN
  if (opts.spike !== undefined) values[opts.spike] = 1e6;
  if (opts.dip !== undefined) values[opts.dip] = -1e6;
  return { steps, ts, values };
}

test('the coarse copy keeps, per 16 points, the outward float32 min and max, the last value and where it ends', () => {
  const r = rng(7);
  for (const shape of ['arith', 'i32 steps', 'no ts', 'ts back', 'f64 ts', 'short', 'one']) {
    const n = shape === 'short' ? 37 : shape === 'one' ? 1 : 1000;
    const steps = new Float64Array(n);
    const ts = new Float64Array(n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      steps[i] = shape === 'i32 steps' ? i * 3 + (i % 5 === 0 ? 1 : 0) : 100 + 2 * i;
      ts[i] = shape === 'no ts' && i === 500 ? NaN : shape === 'ts back' && i === 300 ? T0 : shape === 'f64 ts' ? T0 + i * 0.5 : T0 + i * 7;
      values[i] = r() < 0.05 ? NaN : r() < 0.02 ? Infinity : (r() - 0.5) * 1e3 + 0.1;
    }
    for (let i = 32; i < 48 && i < n; i++) values[i] = NaN;
    const c = decodeLod(encodeLod({ steps, ts, values }));
    const where = shape;
    assert.equal(c.points, n, where);
    assert.equal(c.buckets, Math.ceil(n / LOD_POINTS), where);
    assert.equal(!!(c.flags & STEPS_SORTED), true, `${where}: sorted`);
    assert.equal(!!(c.flags & STEPS_ARITH), shape !== 'i32 steps', `${where}: arithmetic`);
    assert.equal(!!(c.flags & TS_ALL), shape !== 'no ts' && shape !== 'ts back' && n > 0, `${where}: timestamps`);
    assert.equal(c.firstStep, steps[0]);
    for (let b = 0; b < c.buckets; b++) {
      const i0 = b * LOD_POINTS;
      const i1 = Math.min(n, i0 + LOD_POINTS);
      const vs = Array.from(values.subarray(i0, i1)).filter((v) => v === v);
      const at = `${where} bucket ${b}`;
      if (vs.length === 0) {
        assert.ok(Number.isNaN(c.min[b]) && Number.isNaN(c.max[b]) && Number.isNaN(c.last[b]), `${at}: NaN only`);
      } else {
        assert.equal(c.min[b], f32Down(Math.min(...vs)), `${at}: min`);
        assert.equal(c.max[b], f32Up(Math.max(...vs)), `${at}: max`);
        assert.equal(c.last[b], vs[vs.length - 1], `${at}: last`);
      }
      assert.equal(c.stepAt(b), steps[i1 - 1], `${at}: step`);
      if (c.flags & TS_ALL) assert.equal(c.tsAt(b), ts[i1 - 1], `${at}: ts`);
    }
  }
  const down = decodeLod(encodeLod({ steps: new Float64Array([5, 4, 6]), ts: new Float64Array(3).fill(NaN), values: new Float64Array(3) }));
  assert.equal(down.flags & (STEPS_SORTED | STEPS_ARITH | TS_ALL), 0, 'steps that go down, no timestamps');
  assert.throws(() => decodeLod(new Uint8Array([9, 0, 0, 0, 0, 0, 0, 0])), /version 9/);
});

interface Store3 {
  lw: LineageWorkspace;
  ids: Record<'intact' | 'broken' | 'back', string>;
  raw: ReturnType<typeof points>;
}

const N = 300_000;
const SPIKE = 123_457;
const DIP = 250_001;

/** Three runs: `intact` and `broken` hold the same 300,000 points, but every raw chunk of `broken` is garbage, so
 * only the coarse copy can draw it; `back` has steps that go back (a resumed run). */
async function store(): Promise<Store3> {
  const ws = tmpDir();
  const ids = {
    intact: path.basename(makeRunFolder(ws, { name: 'intact', events: [] })),
    broken: path.basename(makeRunFolder(ws, { name: 'broken', events: [] })),
    back: path.basename(makeRunFolder(ws, { name: 'back', events: [] })),
  };
  const lw = await LineageWorkspace.open(ws);
  const raw = points(N, 1, { spike: SPIKE, dip: DIP });
  const write = (id: string, p: ReturnType<typeof points>) =>
    lw.store.transaction(() => {
      let prev: SummaryRow | undefined;
      for (let i = 0; i < p.values.length; i += 100_000) {
        const to = Math.min(p.values.length, i + 100_000);
        prev = appendSeries(lw.store, id, 'loss', { steps: p.steps.subarray(i, to), ts: p.ts.subarray(i, to), values: p.values.subarray(i, to) }, prev);
      }
    });
  write(ids.intact, raw);
  write(ids.broken, raw);
  write(ids.back, points(N, 2, { spike: 200_000, stepOf: (i) => (i < 150_000 ? i : i - 100_000) }));
  breakChunks(lw.store, ids.broken, 'loss');
  return { lw, ids, raw };
}

/**
 * What a chart drawn from the coarse copy must show: bucket k stands for the points after bucket k-1's x up
 * to its own x (for the first, from the start of the LOD bucket holding the first point in range); its band
 * is exactly their outward-rounded min and max, its line their last non-NaN value, its x their last x.
 */
function assertBands(got: SeriesData, x: Float64Array, y: Float64Array, maxPoints: number, where: string, range?: { x0: number; x1: number }) {
  assert.equal(got.exact, false, `${where}: drawn from buckets`);
  assert.ok(got.x.length <= maxPoints && got.x.length >= maxPoints * 0.9, `${where}: ${got.x.length} buckets for ${maxPoints}`);
  let i = 0;
  if (range) {
    const first = x.findIndex((v) => v >= range.x0);
    i = first - (first % LOD_POINTS);
  }
  for (let k = 0; k < got.x.length; k++) {
    const start = i;
    while (i < x.length && x[i] <= got.x[k]) i++;
    assert.ok(i > start, `${where}: bucket ${k} is empty`);
    assert.equal(x[i - 1], got.x[k], `${where}: bucket ${k} x`);
    const vs = Array.from(y.subarray(start, i)).filter((v) => v === v);
    const at = `${where}: bucket ${k} [${x[start]}, ${x[i - 1]}]`;
    if (vs.length === 0) assert.ok(Number.isNaN(got.min![k]) && Number.isNaN(got.max![k]) && Number.isNaN(got.y[k]), at);
    else {
      let mn = Infinity;
      let mx = -Infinity;
      for (const v of vs) {
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      assert.equal(got.min![k], f32Down(mn), `${at}: min`);
      assert.equal(got.max![k], f32Up(mx), `${at}: max`);
      assert.equal(got.y[k], vs[vs.length - 1], `${at}: line`);
    }
  }
  if (range) assert.ok(got.x[got.x.length - 1] <= range.x1, `${where}: ends in range`);
  else assert.equal(i, x.length, `${where}: every point is in a bucket`);
}

test('a long series is drawn from the coarse copy alone, every value inside its band, the spike where a full read puts it', async () => {
  clearSeriesCache();
  const { lw, ids, raw } = await store();
  for (const maxPoints of [800, 2000]) {
    const [broken] = seriesFor(lw.store, [ids.broken], 'loss', 'step', maxPoints);
    assert.equal(broken.total, N);
    assertBands(broken, raw.steps, raw.values, maxPoints, `step ${maxPoints}`);
    // The spike (and the dip) sit in one bucket each, at most one bucket from where a full read puts them.
    const full = downsampleMinMaxLast(raw.steps, raw.values, maxPoints);
    const bucketOf = (xs: ArrayLike<number>, v: number) => Array.from(xs).findIndex((x) => x >= v);
    assert.equal(Array.from(broken.max!).filter((v) => v >= 1e6).length, 1, 'one spike');
    assert.equal(Array.from(broken.min!).filter((v) => v <= -1e6).length, 1, 'one dip');
    assert.ok(Math.abs(bucketOf(broken.x, SPIKE) - bucketOf(full.x, SPIKE)) <= 1, 'spike bucket');
    assert.ok(Math.abs(bucketOf(broken.x, DIP) - bucketOf(full.x, DIP)) <= 1, 'dip bucket');
    // The intact run gives the same picture (the copy is preferred; nothing reads the series).
    const [intact] = seriesFor(lw.store, [ids.intact], 'loss', 'step', maxPoints);
    same(intact.max!, broken.max!, 'intact = broken');
  }
  // Time axes: x is the last point's timestamp, or its time since the first.
  const [wall] = seriesFor(lw.store, [ids.broken], 'loss', 'wall', 800);
  assertBands(wall, raw.ts, raw.values, 800, 'wall');
  const [rel] = seriesFor(lw.store, [ids.broken], 'loss', 'relative', 800);
  assertBands(
    rel,
    raw.ts.map((t) => t - T0),
    raw.values,
    800,
    'relative',
  );

  // Zooms read points (a LOD bucket cut by the range's edge would drop points in view or draw some outside):
  // here that meets the garbage…
  assert.throws(() => seriesFor(lw.store, [ids.broken], 'loss', 'step', 800, { x0: 100_000, x1: 200_000 }), /damaged/);
  // …and on the intact run a zoom equals the definition, edges included: a spike 5 points inside the right
  // edge shows, a dip 2 points outside the left edge does not.
  for (const range of [
    { x0: 99_997, x1: 150_010 },
    { x0: DIP + 3, x1: DIP + 60_000 },
    { x0: SPIKE - 60_000, x1: SPIKE + 5 },
  ]) {
    clearSeriesCache();
    const [z] = seriesFor(lw.store, [ids.intact], 'loss', 'step', 800, range);
    const want = downsampleMinMaxLast(raw.steps, raw.values, 800, range.x0, range.x1);
    same(z.x, want.x, `zoom ${JSON.stringify(range)}: x`);
    same(z.max!, want.max!, `zoom ${JSON.stringify(range)}: max`);
    same(z.min!, want.min!, `zoom ${JSON.stringify(range)}: min`);
  }
  const [close] = seriesFor(lw.store, [ids.intact], 'loss', 'step', 800, { x0: SPIKE - 300, x1: SPIKE + 300 });
  assert.equal(close.exact, true);
  assert.equal(close.y[Array.from(close.x).indexOf(SPIKE)], 1e6);
  lw.close();
});

test('the copy is not used where it would show something else: steps that go back, a missing copy', async () => {
  clearSeriesCache();
  const { lw, ids, raw } = await store();
  // Steps that go back: read whole and reduced exactly.
  const back = readSeries(lw.store, ids.back, 'loss');
  const [got] = seriesFor(lw.store, [ids.back], 'loss', 'step', 800);
  const want = downsampleMinMaxLast(back.steps, back.values, 800);
  same(got.x, want.x, 'back: x');
  same(got.max!, want.max!, 'back: max');
  // A store written before the copies existed: the series is read.
  clearSeriesCache();
  dropCoarseCopies(lw.store, ids.intact, 'loss', (seq) => seq === 3);
  const [whole] = seriesFor(lw.store, [ids.intact], 'loss', 'step', 800);
  const exact = downsampleMinMaxLast(raw.steps, raw.values, 800);
  same(whole.x, exact.x, 'no copy: x');
  same(whole.max!, exact.max!, 'no copy: max');
  lw.close();
});

test('a live run appends: only its last chunks are read to send what is new', async () => {
  clearSeriesCache();
  const { lw, ids, raw } = await store();
  const [first] = seriesFor(lw.store, [ids.intact], 'loss', 'step', 800);
  const sentUpTo = first.x[first.x.length - 1];
  // Every chunk but the last turns to garbage: a read of the whole series would fail.
  breakChunks(lw.store, ids.intact, 'loss', (seq, last) => seq < last);
  const prev = lw.store.get<SummaryRow>("SELECT * FROM metric_summaries WHERE run_id = ? AND key = 'loss'", [ids.intact]);
  const more = 10_000;
  const add = {
    steps: new Float64Array(more).map((_, i) => N + i),
    ts: new Float64Array(more).map((_, i) => T0 + (N + i) * 10),
    values: new Float64Array(more).fill(0.5),
  };
  add.values[more - 1] = 7;
  appendSeries(lw.store, ids.intact, 'loss', add, prev);
  const [fresh] = seriesFor(lw.store, [ids.intact], 'loss', 'step', Number.MAX_SAFE_INTEGER, { x0: sentUpTo, x1: Infinity });
  assert.equal(fresh.exact, true);
  const newer = Array.from(fresh.x).filter((x) => x > sentUpTo);
  assert.equal(newer.length, more);
  assert.equal(fresh.y[fresh.y.length - 1], 7);
  assert.equal(raw.steps[N - 1], sentUpTo);
  lw.close();
});

test('LiveFeed sends what is new, then the series reduced afresh once appends would double what the chart holds', async () => {
  clearSeriesCache();
  const ws = tmpDir();
  const id = path.basename(makeRunFolder(ws, { name: 'live', events: [] }));
  const lw = await LineageWorkspace.open(ws);
  const per = 200;
  let prev: SummaryRow | undefined;
  let next = 0;
  const log = (n: number, spikeAt = -1) => {
    const steps = new Float64Array(n).map((_, i) => next + i);
    const values = new Float64Array(n).map((_, i) => (next + i === spikeAt ? 99 : 1 / (1 + next + i)));
    prev = appendSeries(lw.store, id, 'loss', { steps, ts: new Float64Array(n).map((_, i) => T0 + (next + i) * 100), values }, prev);
    next += n;
  };
  log(1000);
  const feed = new LiveFeed(per);
  const init = seriesFor(lw.store, [id], 'loss', 'step', per);
  feed.reset(init);
  assert.equal(init[0].x.length, per);
  assert.deepEqual(feed.next(lw.store, [id], ['loss'], 'step'), [], 'nothing new yet');

  log(150);
  let out = feed.next(lw.store, [id], ['loss'], 'step');
  assert.equal(out.length, 1);
  assert.equal(out[0].replace, undefined);
  assert.equal(out[0].exact, true);
  same(
    out[0].x,
    Array.from({ length: 150 }, (_, i) => 1000 + i),
    'exactly the new steps',
  );
  log(40);
  out = feed.next(lw.store, [id], ['loss'], 'step');
  same(
    out[0].x,
    Array.from({ length: 40 }, (_, i) => 1150 + i),
    'then the next ones',
  );
  assert.deepEqual(feed.next(lw.store, [id], ['loss'], 'step'), [], 'each point once');

  // 200 + 150 + 40 held; 20 more would pass 2 × 200: the whole series comes reduced, the spike in its band.
  log(20, 1201);
  out = feed.next(lw.store, [id], ['loss'], 'step');
  assert.equal(out.length, 1);
  assert.equal(out[0].replace, true);
  assert.equal(out[0].total, 1210);
  assert.ok(out[0].x.length <= per);
  assert.equal(out[0].x[out[0].x.length - 1], 1209);
  assert.ok(Array.from(out[0].max!).includes(99), 'spike kept');
  // And appends resume from there.
  log(3);
  out = feed.next(lw.store, [id], ['loss'], 'step');
  assert.equal(out[0].replace, undefined);
  same(out[0].x, [1210, 1211, 1212], 'appends after the replace');
  lw.close();
});

test('prefetchSeries reads the series a coarse chart left uncached, one per step, within the cache budget', async () => {
  clearSeriesCache();
  const { lw, ids, raw } = await store();
  const runs = [ids.intact, ids.back];
  seriesFor(lw.store, [ids.intact], 'loss', 'step', 800);
  assert.equal(seriesCacheStats().entries, 0, 'the coarse chart caches nothing');
  // A budget for one series: the second is not read (it would only evict the first).
  setSeriesCacheBudget(N * 8 + 1000);
  try {
    assert.deepEqual([...prefetchSeries(lw.store, runs, 'loss', 'step')], [ids.intact]);
  } finally {
    setSeriesCacheBudget(128 * 1024 * 1024);
  }
  assert.deepEqual([...prefetchSeries(lw.store, runs, 'loss', 'step')], [ids.back], 'what is cached is skipped');
  assert.deepEqual([...prefetchSeries(lw.store, runs, 'loss', 'step')], []);
  // A 10 % zoom now hits the cache and is exact to the definition.
  const before = seriesCacheStats().hits;
  const range = { x0: 100_000, x1: 130_000 };
  const [z] = seriesFor(lw.store, [ids.intact], 'loss', 'step', 800, range);
  assert.equal(seriesCacheStats().hits, before + 1);
  const want = downsampleMinMaxLast(raw.steps, raw.values, 800, range.x0, range.x1);
  same(z.x, want.x, 'zoom x');
  same(z.max!, want.max!, 'zoom max');
  lw.close();
});

test('a pause in logging wider than a chart bucket: the series is read, so a spike before the pause stays before it', async () => {
  clearSeriesCache();
  const ws = tmpDir();
  const id = path.basename(makeRunFolder(ws, { name: 'paused', events: [] }));
  const lw = await LineageWorkspace.open(ws);
  // 100,000 points 10 ms apart, a 10-minute pause after point 50,007 (inside a LOD bucket), a spike just before.
  const n = 100_000;
  const p = points(n, 3, { spike: 50_003 });
  for (let i = 50_008; i < n; i++) p.ts[i] += 600_000;
  appendSeries(lw.store, id, 'loss', p, undefined);
  for (const axis of ['wall', 'relative'] as const) {
    const [got] = seriesFor(lw.store, [id], 'loss', axis, 800);
    const x = axis === 'wall' ? p.ts : p.ts.map((t) => t - T0);
    const want = downsampleMinMaxLast(x, p.values, 800);
    same(got.x, want.x, `${axis}: x as a full read puts it`);
    same(got.max!, want.max!, `${axis}: max`);
    const k = Array.from(got.max!).findIndex((v) => v >= 1e6);
    assert.ok(got.x[k] <= x[50_007], `${axis}: the spike is drawn before the pause`);
  }
  // Evenly spaced, the same series is drawn from the copy (its steps have no gap).
  breakChunks(lw.store, id, 'loss');
  const [steps] = seriesFor(lw.store, [id], 'loss', 'step', 800);
  assertBands(steps, p.steps, p.values, 800, 'steps without a gap');
  lw.close();
});

test('LiveFeed keeps points logged at the x it last sent (per-batch values under step=epoch, two in one millisecond)', async () => {
  clearSeriesCache();
  const ws = tmpDir();
  const id = path.basename(makeRunFolder(ws, { name: 'epochs', events: [] }));
  const lw = await LineageWorkspace.open(ws);
  let prev: SummaryRow | undefined;
  const log = (step: number, values: number[]) => {
    const n = values.length;
    prev = appendSeries(
      lw.store,
      id,
      'loss',
      { steps: new Float64Array(n).fill(step), ts: new Float64Array(n).fill(T0 + step), values: Float64Array.from(values) },
      prev,
    );
  };
  log(0, [0.9, 0.8]);
  const feed = new LiveFeed(200);
  feed.reset(seriesFor(lw.store, [id], 'loss', 'step', 200));
  log(0, [99, 0.7]); // same epoch: the spike must still arrive
  let out = feed.next(lw.store, [id], ['loss'], 'step');
  same(out[0].y, [99, 0.7], 'the two new points at step 0');
  log(1, [0.6]);
  log(1, [0.5]);
  out = feed.next(lw.store, [id], ['loss'], 'step');
  same(out[0].x, [1, 1], 'both points of epoch 1');
  same(out[0].y, [0.6, 0.5], 'in logged order');
  assert.deepEqual(feed.next(lw.store, [id], ['loss'], 'step'), [], 'each once');
  lw.close();
});
