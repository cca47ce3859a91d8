import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { downsampleMinMaxLast, downsampleSorted, f32Down, f32Up, Downsampled } from '../../src/core/compare/downsample';
import { clearSeriesCache, messageBytes, metricKeysOf, runInfos, seriesCacheStats, seriesFor, setSeriesCacheBudget } from '../../src/core/compare/compareData';
import { LineageWorkspace } from '../../src/core/workspace';
import { readSeries, CHUNK_POINTS } from '../../src/core/metrics/seriesWriter';
import { pointsPerSeries } from '../../src/core/compare/types';
import { rng } from '../helpers/rng';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';
import { breakChunks, dropCoarseCopies } from '../helpers/seriesFiles';

// ---------------------------------------------------------------- helpers

/** The definition, written the slow obvious way: lists of points per bucket. */
function naive(x: Float64Array, y: Float64Array, B: number, x0?: number, x1?: number) {
  const idx: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (!Number.isFinite(v)) continue;
    if (x0 !== undefined && v < x0) continue;
    if (x1 !== undefined && v > x1) continue;
    idx.push(i);
  }
  if (idx.length <= B) return { exact: true, x: idx.map((i) => x[i]), y: idx.map((i) => y[i]) };
  const xs = idx.map((i) => x[i]);
  const a = x0 ?? Math.min(...xs);
  const b = x1 ?? Math.max(...xs);
  const scale = b > a ? B / (b - a) : 0;
  const buckets: number[][] = Array.from({ length: B }, () => []);
  for (const i of idx) buckets[Math.min(B - 1, Math.floor((x[i] - a) * scale))].push(i);
  const out = { exact: false, x: [] as number[], y: [] as number[], min: [] as number[], max: [] as number[] };
  for (const bucket of buckets) {
    if (bucket.length === 0) continue;
    const vals = bucket.map((i) => y[i]).filter((v) => !Number.isNaN(v));
    out.x.push(x[bucket[bucket.length - 1]]);
    out.y.push(vals.length ? vals[vals.length - 1] : NaN);
    out.min.push(vals.length ? Math.min(...vals) : NaN);
    out.max.push(vals.length ? Math.max(...vals) : NaN);
  }
  return out;
}

/** The float32 next to finite float32 `f`, upwards (+1) or downwards (-1), by its bits. */
function nextFloat32(f: number, dir: 1 | -1): number {
  const buf = new DataView(new ArrayBuffer(4));
  if (f === 0) return dir * 1.401298464324817e-45;
  buf.setFloat32(0, f);
  const bits = buf.getUint32(0);
  buf.setUint32(0, f > 0 === dir > 0 ? bits + 1 : bits - 1);
  return buf.getFloat32(0);
}

/** float32 `got` is the closest float32 on the safe side of `want` (below for min, above for max). */
function assertBound(got: number, want: number, side: 'min' | 'max', where: string): void {
  if (Number.isNaN(want)) return assert.ok(Number.isNaN(got), `${where}: want NaN, got ${got}`);
  assert.equal(got, Math.fround(got), `${where}: not a float32`);
  if (side === 'min') {
    assert.ok(got <= want, `${where}: min ${got} above ${want}`);
    assert.ok(got === want || nextFloat32(got, +1) > want, `${where}: min ${got} not the closest float32 below ${want}`);
    if (Math.fround(want) === want) assert.equal(got, want, `${where}: exact float32 ${want} rounded`);
  } else {
    assert.ok(got >= want, `${where}: max ${got} below ${want}`);
    assert.ok(got === want || nextFloat32(got, -1) < want, `${where}: max ${got} not the closest float32 above ${want}`);
    if (Math.fround(want) === want) assert.equal(got, want, `${where}: exact float32 ${want} rounded`);
  }
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>, what: string) => assert.deepEqual(Array.from(a, String), Array.from(b, String), what);

function checkAgainstNaive(x: Float64Array, y: Float64Array, B: number, x0?: number, x1?: number, label = ''): Downsampled {
  const got = downsampleMinMaxLast(x, y, B, x0, x1);
  const want = naive(x, y, B, x0, x1);
  const where = `${label} B=${B} [${x0}, ${x1}]`;
  assert.equal(got.exact, want.exact, `${where}: exact`);
  same(got.x, want.x, `${where}: x`);
  same(got.y, want.y, `${where}: y`);
  if (want.exact) {
    assert.equal(got.min, undefined);
    assert.equal(got.max, undefined);
  } else {
    const w = want as { min: number[]; max: number[] };
    assert.equal(got.min!.length, w.min.length);
    for (let k = 0; k < w.min.length; k++) {
      assertBound(got.min![k], w.min[k], 'min', `${where} bucket ${k}`);
      assertBound(got.max![k], w.max[k], 'max', `${where} bucket ${k}`);
      if (!Number.isNaN(got.y[k])) assert.ok(got.min![k] <= got.y[k] && got.y[k] <= got.max![k], `${where}: line outside the band`);
    }
  }
  return got;
}

function randomValues(n: number, r: () => number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    y[i] = u < 0.05 ? NaN : u < 0.06 ? Infinity : u < 0.07 ? -Infinity : u < 0.08 ? 1e300 * (r() - 0.5) : (r() - 0.5) * 100;
  }
  // Stretches of NaN only, so whole buckets are NaN.
  for (let i = Math.floor(n / 3); i < Math.floor(n / 3) + 40 && i < n; i++) y[i] = NaN;
  return y;
}

// ---------------------------------------------------------------- downsample

test('downsample matches the naive definition on random data with NaN and ±Infinity', () => {
  const r = rng(7);
  for (let trial = 0; trial < 60; trial++) {
    const n = 1 + Math.floor(r() * 3000);
    const y = randomValues(n, r);
    const kind = trial % 5;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (kind === 0)
        x[i] = i; // steps
      else if (kind === 1)
        x[i] = 1.7e12 + i * 97 + Math.floor(r() * 50); // wall clock ms, sorted
      else if (kind === 2)
        x[i] = Math.floor(r() * 500) - 100; // unsorted, repeated x
      else if (kind === 3)
        x[i] = r() < 0.1 ? NaN : r() < 0.02 ? Infinity : i * 0.37; // time axis with points lacking a time
      else x[i] = Math.floor(i / 3) * 2; // sorted with repeated x
    }
    const B = [1, 2, 7, 50, 200, 800, 2000][trial % 7];
    checkAgainstNaive(x, y, B, undefined, undefined, `trial ${trial} kind ${kind}`);
    // Ranges: inside, overlapping one end, outside, a single x, reversed.
    const xs = Array.from(x).filter(Number.isFinite);
    if (xs.length === 0) continue;
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const at = (f: number) => lo + (hi - lo) * f;
    for (const [a, b] of [
      [at(r() * 0.5), at(0.5 + r() * 0.5)],
      [at(-0.3), at(r())],
      [at(r()), at(1.4)],
      [at(1.1), at(1.2)],
      [xs[Math.floor(r() * xs.length)], xs[Math.floor(r() * xs.length)]],
      [at(0.8), at(0.2)],
    ])
      checkAgainstNaive(x, y, B, a, b, `trial ${trial} kind ${kind}`);
    checkAgainstNaive(x, y, B, at(0.25), undefined, `trial ${trial} x0 only`);
    checkAgainstNaive(x, y, B, undefined, at(0.75), `trial ${trial} x1 only`);
  }
});

test('downsampleSorted over steps given as start + i·stride equals the definition on the materialised steps', () => {
  const r = rng(11);
  for (const [n, start, stride] of [
    [5000, 0, 1],
    [5000, 100, 10],
    [3001, -7.5, 0.25],
    [4000, 3, 0],
  ]) {
    const y = randomValues(n, r);
    const x = Float64Array.from({ length: n }, (_, i) => start + i * stride);
    for (const B of [1, 13, 800, 2000, 6000]) {
      for (const [x0, x1] of [
        [undefined, undefined],
        [start + stride * n * 0.3, start + stride * n * 0.6],
        [start - 1000, start + stride * 10.5],
        [start + stride * (n + 5), start + stride * (n + 50)],
      ]) {
        const got = downsampleSorted((i) => start + i * stride, n, y, B, x0, x1);
        const want = checkAgainstNaive(x, y, B, x0, x1, `arith ${start}+i·${stride}`);
        same(got.x, want.x, 'x');
        same(got.y, want.y, 'y');
        same(got.min ?? [], want.min ?? [], 'min');
        same(got.max ?? [], want.max ?? [], 'max');
      }
    }
  }
});

test('a bucket of NaN only emits NaN; the line is the last non-NaN value; x is the last point', () => {
  const x = Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
  const y = Float64Array.from([1, NaN, NaN, NaN, 5, 9, 2, NaN]);
  const d = downsampleMinMaxLast(x, y, 4);
  assert.equal(d.exact, false);
  // buckets of width 1.75: [0,1] [2,3] [4,5] [6,7]
  same(d.x, [1, 3, 5, 7], 'x');
  same(d.y, [1, NaN, 9, 2], 'y');
  same(d.min!, [1, NaN, 5, 2], 'min');
  same(d.max!, [1, NaN, 9, 2], 'max');
  const inf = downsampleMinMaxLast(x, Float64Array.from([Infinity, -Infinity, 1, 1, 1, 1, 1, Infinity]), 4);
  same(inf.min!, [-Infinity, 1, 1, 1], 'min keeps -Infinity');
  same(inf.max!, [Infinity, 1, 1, Infinity], 'max keeps +Infinity');
  same(inf.y, [-Infinity, 1, 1, Infinity], 'line keeps ±Infinity');
});

test('exact passthrough: a short series (or a short range of a long one) comes back whole, as copies', () => {
  const x = Float64Array.from({ length: 100 }, (_, i) => i * 10);
  const y = Float64Array.from({ length: 100 }, (_, i) => (i === 50 ? NaN : Math.sin(i)));
  const d = downsampleMinMaxLast(x, y, 100);
  assert.equal(d.exact, true);
  assert.equal(d.min, undefined);
  assert.equal(d.max, undefined);
  same(d.x, x, 'x');
  same(d.y, y, 'y (NaN kept)');
  assert.notEqual(d.x.buffer, x.buffer, 'a copy, not the caller’s array');
  assert.notEqual(d.y.buffer, y.buffer);
  assert.equal(downsampleMinMaxLast(x, y, 99).exact, false);
  const r = downsampleMinMaxLast(x, y, 20, 105, 300);
  assert.equal(r.exact, true);
  same(
    r.x,
    Array.from({ length: 20 }, (_, i) => 110 + i * 10),
    'range x',
  );
  assert.equal(r.y.buffer.byteLength, 20 * 8, 'exactly sized buffers (structured clone sends the whole buffer)');
  const empty = downsampleMinMaxLast(new Float64Array(0), new Float64Array(0), 10);
  assert.equal(empty.exact, true);
  assert.equal(empty.x.length, 0);
  const huge = downsampleMinMaxLast(x, y, Number.MAX_SAFE_INTEGER);
  assert.equal(huge.exact, true);
  assert.equal(huge.x.length, 100);
});

test('float32 band edges are rounded outward', () => {
  for (const v of [0.1, -0.1, 1 / 3, -1 / 3, 1e-50, -1e-50, 1e300, -1e300, 3.4028235677973366e38, 16777217, Infinity, -Infinity, 0]) {
    assert.ok(f32Down(v) <= v, `down ${v}`);
    assert.ok(f32Up(v) >= v, `up ${v}`);
    assert.equal(Math.fround(f32Down(v)), f32Down(v));
    assert.equal(Math.fround(f32Up(v)), f32Up(v));
  }
  assert.equal(f32Up(1e300), Infinity);
  assert.equal(f32Down(1e300), 3.4028234663852886e38);
  assert.ok(Number.isNaN(f32Up(NaN)));
});

test('one spike in 1,000,000 points is the max of its bucket at every zoom level, and absent when out of range', () => {
  const n = 1_000_000;
  const r = rng(42);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = i;
    y[i] = r() < 0.001 ? NaN : r();
  }
  const s = 654_321;
  const SPIKE = 1e6;
  y[s] = SPIKE;
  y[s - 1] = NaN;
  y[s + 1] = NaN;
  const neg = 123_457;
  y[neg] = -SPIKE;
  const B = pointsPerSeries(1);

  // The same points out of order (two neighbours swapped): the general, unsorted path must agree.
  const xu = x.slice();
  const yu = y.slice();
  [xu[10], xu[11], yu[10], yu[11]] = [xu[11], xu[10], yu[11], yu[10]];

  const check = (x0: number | undefined, x1: number | undefined) => {
    const d = downsampleMinMaxLast(x, y, B, x0, x1);
    const du = downsampleMinMaxLast(xu, yu, B, x0, x1);
    same(du.max ?? [], d.max ?? [], 'unsorted path: max');
    same(du.min ?? [], d.min ?? [], 'unsorted path: min');
    const lo = x0 ?? 0;
    const hi = x1 ?? n - 1;
    const where = `[${x0}, ${x1}]`;
    const inRange = s >= lo && s <= hi;
    if (d.exact) {
      const k = Array.from(d.x).indexOf(s);
      if (inRange) assert.equal(d.y[k], SPIKE, `${where}: spike sent exactly`);
      else assert.ok(!Array.from(d.y).includes(SPIKE), `${where}: spike outside the range appears`);
      return;
    }
    const a = lo;
    const scale = B / (hi - lo);
    const bucket = Math.min(B - 1, Math.floor((s - a) * scale));
    let found = -1;
    for (let k = 0; k < d.x.length; k++) {
      const kb = Math.min(B - 1, Math.floor((d.x[k] - a) * scale));
      if (d.max![k] >= SPIKE) {
        assert.equal(found, -1, `${where}: spike in two buckets`);
        found = kb;
        assert.equal(d.max![k], SPIKE, `${where}: spike value`);
      } else assert.ok(d.max![k] < 1 || Number.isNaN(d.max![k]), `${where}: a bucket without the spike has max ${d.max![k]}`);
    }
    if (inRange) assert.equal(found, bucket, `${where}: spike is the max of its bucket`);
    else assert.equal(found, -1, `${where}: spike outside the range appears`);
    const negIn = neg >= lo && neg <= hi;
    assert.equal(Array.from(d.min!).includes(-SPIKE), negIn, `${where}: negative spike as a min`);
  };

  check(undefined, undefined);
  // Zoom in around the spike, halving the window each time, the spike at varied places in it.
  for (let k = 0; k <= 20; k++) {
    const w = n / 2 ** k;
    for (const f of [0.5, r(), 0, 1, 1 / 3]) {
      const x0 = Math.floor(s - w * f);
      check(x0, x0 + w);
    }
  }
  check(s, s + 5000);
  check(s - 5000, s);
  // Ranges away from it.
  for (const [a, b] of [
    [0, s - 1],
    [s + 1, n - 1],
    [s - 10_000, s - 0.5],
    [s + 0.5, s + 3000],
    [10, 20],
    [700_000, 900_000],
  ])
    check(a, b);
});

// ---------------------------------------------------------------- compareData on a real store

interface Fixture {
  ws: string;
  lw: LineageWorkspace;
  a: string;
  b: string;
  c: string;
  d: string;
}

const T0 = 1_795_756_323.5; // seconds, as the SDK writes ts

async function fixture(): Promise<Fixture> {
  const ws = tmpDir();
  const N = CHUNK_POINTS * 3 + 500;
  // a: long series, steps 0.., ts every 0.25 s, a spike and NaN/Inf; params of every type.
  const aLines = [
    JSON.stringify({ type: 'param', key: 'lr', value: 0.01 }),
    JSON.stringify({ type: 'param', key: 'model', value: 'gbr' }),
    JSON.stringify({ type: 'param', key: 'early', value: true }),
    JSON.stringify({ type: 'param', key: 'none', value: null }),
  ];
  for (let i = 0; i < N; i++) {
    const v = i === 20_000 ? 1e9 : i === 100 ? 'NaN' : i === 101 ? 'Infinity' : Math.exp(-i / 5000) + (i % 7) * 0.001;
    aLines.push(metricLine('loss', v, i, T0 + i * 0.25));
  }
  aLines.push(metricLine('acc', 0.5, 0, T0), metricLine('acc', 'NaN', 1, T0 + 1));
  const a = path.basename(makeRunFolder(ws, { name: 'alpha', events: aLines }));
  // b: short, steps every 10, no timestamps.
  const bLines = [JSON.stringify({ type: 'param', key: 'lr', value: 0.1 })];
  for (let i = 0; i < 50; i++) bLines.push(metricLine('loss', 2 - i / 50, i * 10));
  bLines.push(metricLine('val', 1, 0));
  const b = path.basename(makeRunFolder(ws, { name: 'beta', events: bLines }));
  // c: only another metric.
  const c = path.basename(makeRunFolder(ws, { name: 'gamma', events: [metricLine('acc', 0.9, 0, T0)] }));
  // d: long series whose steps go back (a resumed run): chunk bounds cannot be trusted.
  const dLines: string[] = [];
  for (let i = 0; i < CHUNK_POINTS * 2; i++) dLines.push(metricLine('loss', i === 8792 ? -5e8 : 1, i < CHUNK_POINTS + 100 ? i : i - 5000, T0 + i));
  const d = path.basename(makeRunFolder(ws, { name: 'delta', events: dLines }));
  const lw = await LineageWorkspace.open(ws);
  return { ws, lw, a, b, c, d };
}

function expectSeries(lw: LineageWorkspace, runId: string, xAxis: 'step' | 'wall' | 'relative', maxPoints: number, range?: { x0: number; x1: number }) {
  const s = readSeries(lw.store, runId, 'loss');
  let x: Float64Array;
  if (xAxis === 'step') x = s.steps;
  else if (xAxis === 'wall') x = s.ts;
  else {
    const first = s.ts.find((t) => !Number.isNaN(t))!;
    x = s.ts.map((t) => t - first);
  }
  return { total: s.values.length, ...downsampleMinMaxLast(x, s.values, maxPoints, range?.x0, range?.x1) };
}

function assertSeriesEqual(got: ReturnType<typeof seriesFor>[number], want: ReturnType<typeof expectSeries>, what: string) {
  assert.equal(got.exact, want.exact, `${what}: exact`);
  assert.equal(got.total, want.total, `${what}: total`);
  same(got.x, want.x, `${what}: x`);
  same(got.y, want.y, `${what}: y`);
  same(got.min ?? [], want.min ?? [], `${what}: min`);
  same(got.max ?? [], want.max ?? [], `${what}: max`);
}

test('seriesFor on step, wall and relative axes, cold and cached, full and zoomed', async () => {
  clearSeriesCache();
  const { lw, a, b, c } = await fixture();
  const ids = [b, c, a, 'no-such-run'];
  for (const xAxis of ['step', 'wall', 'relative'] as const) {
    for (const pass of ['cold', 'cached']) {
      if (pass === 'cold') clearSeriesCache();
      const all = seriesFor(lw.store, ids, 'loss', xAxis, 800);
      assert.deepEqual(
        all.map((s) => s.runId),
        [b, a],
        'selection order; runs without the metric left out',
      );
      assert.ok(all.every((s) => s.metric === 'loss' && s.xAxis === xAxis));
      assertSeriesEqual(all[1], expectSeries(lw, a, xAxis, 800), `${xAxis} ${pass} a`);
      assert.equal(all[1].exact, false);
      assert.equal(all[1].x.length, 800);
      assert.ok(all[1].max!.includes(1e9), 'the spike is in the band');
      if (xAxis === 'step') {
        assertSeriesEqual(all[0], expectSeries(lw, b, xAxis, 800), `${xAxis} ${pass} b`);
        assert.equal(all[0].exact, true);
        same(
          all[0].x,
          Array.from({ length: 50 }, (_, i) => i * 10),
          'b steps',
        );
      } else {
        assert.equal(all[0].x.length, 0, 'b has no timestamps: nothing to place on a time axis');
        assert.equal(all[0].total, 50);
      }
    }
  }
  // wall is milliseconds since the epoch; relative starts at 0.
  const wall = seriesFor(lw.store, [a], 'loss', 'wall', 1_000_000)[0];
  assert.equal(wall.exact, true);
  assert.equal(wall.x[0], Math.round(T0 * 1000));
  assert.equal(wall.x[4], Math.round((T0 + 1) * 1000));
  const rel = seriesFor(lw.store, [a], 'loss', 'relative', 1_000_000)[0];
  assert.equal(rel.x[0], 0);
  assert.equal(rel.x[8], 2000);

  // Zooms, on every axis, from the cache and cold.
  const ranges = {
    step: [
      { x0: 19_000, x1: 21_000 },
      { x0: 19_990.5, x1: 20_010 },
      { x0: 0, x1: 30_000 },
      { x0: -100, x1: 50 },
      { x0: 30_000, x1: 40_000 },
      { x0: 100, x1: 100 },
      { x0: NaN, x1: 5000 },
      { x0: 20_000, x1: Infinity },
    ],
    wall: [{ x0: Math.round(T0 * 1000) + 4_000_000, x1: Math.round(T0 * 1000) + 6_000_000 }],
    relative: [
      { x0: 4_000_000, x1: 6_000_000 },
      { x0: 4_999_000, x1: 5_001_000 },
    ],
  };
  for (const xAxis of ['step', 'wall', 'relative'] as const) {
    for (const range of ranges[xAxis]) {
      for (const pass of ['cold', 'cached', 'evicted']) {
        if (pass === 'cold') clearSeriesCache();
        else seriesFor(lw.store, [a], 'loss', xAxis, 800);
        if (pass === 'evicted') setSeriesCacheBudget(0); // step axis: partial chunk reads
        const got = seriesFor(lw.store, [a], 'loss', xAxis, 800, range)[0];
        setSeriesCacheBudget(128 * 1024 * 1024);
        assertSeriesEqual(got, expectSeries(lw, a, xAxis, 800, range), `${xAxis} ${pass} ${JSON.stringify(range)}`);
      }
    }
  }
  const tight = seriesFor(lw.store, [a], 'loss', 'step', 800, { x0: 19_990.5, x1: 20_010 })[0];
  assert.equal(tight.exact, true, 'a range with ≤ maxPoints points comes at full resolution');
  assert.equal(tight.x.length, 20);
  assert.equal(tight.y[Array.from(tight.x).indexOf(20_000)], 1e9);
  lw.close();
});

test('time axes with timestamps that go back, are missing, or span more than int32 milliseconds', async () => {
  clearSeriesCache();
  const ws = tmpDir();
  const mk = (name: string, tsOf: (i: number) => number | undefined) => {
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) lines.push(metricLine('loss', i === 2500 ? 777 : Math.cos(i / 100), i, tsOf(i)));
    return path.basename(makeRunFolder(ws, { name, events: lines }));
  };
  const ids = [
    mk('back-and-missing', (i) => (i % 97 === 0 ? undefined : T0 + i * 0.5 - (i % 10 === 0 ? 30 : 0))),
    mk('months', (i) => T0 + i * 3600 + (i === 4000 ? 1e-4 : 0)), // 5000 hours, one sub-millisecond time
    mk('late-first', (i) => (i < 10 ? undefined : T0 + i)),
  ];
  const lw = await LineageWorkspace.open(ws);
  for (const xAxis of ['wall', 'relative'] as const) {
    for (const pass of ['cold', 'cached']) {
      if (pass === 'cold') clearSeriesCache();
      const got = seriesFor(lw.store, ids, 'loss', xAxis, 300);
      ids.forEach((id, k) => assertSeriesEqual(got[k], expectSeries(lw, id, xAxis, 300), `${xAxis} ${pass} run ${k}`));
      for (const id of ids) {
        const s = readSeries(lw.store, id, 'loss');
        const first = s.ts.find((t) => !Number.isNaN(t))!;
        const origin = xAxis === 'wall' ? 0 : first;
        const mid = s.ts[2500] - origin;
        for (const range of [
          { x0: mid - 40_000, x1: mid + 40_000 },
          { x0: mid - 4e7, x1: mid + 4e7 },
        ]) {
          const one = seriesFor(lw.store, [id], 'loss', xAxis, 300, range)[0];
          assertSeriesEqual(one, expectSeries(lw, id, xAxis, 300, range), `${xAxis} ${pass} ${id} ${JSON.stringify(range)}`);
          const shows = one.exact ? one.y.includes(777) : one.max!.includes(777);
          assert.ok(shows, `${xAxis} ${id}: the spike at the middle is shown`);
        }
      }
    }
  }
  lw.close();
});

test('a zoom on the step axis reads only the chunks that overlap it, once steps are known never to go down', async () => {
  clearSeriesCache();
  const { lw, a, d } = await fixture();
  seriesFor(lw.store, [a, d], 'loss', 'step', 800); // read whole once: a's steps are seen sorted, d's not
  setSeriesCacheBudget(0); // evicted, as in a comparison too big for the cache
  try {
    // Break a's first chunk: anything that reads it finds the damage and rebuilds the series from the
    // events, and says so.
    breakChunks(lw.store, a, 'loss', (seq) => seq === 0);
    lw.store.notices.length = 0;
    const range = { x0: CHUNK_POINTS * 2 + 10, x1: CHUNK_POINTS * 3 + 100 };
    const got = seriesFor(lw.store, [a], 'loss', 'step', 800, range)[0];
    assert.equal(got.exact, false);
    assert.ok(got.x[0] >= range.x0);
    assert.equal(got.x[got.x.length - 1], range.x1);
    assert.equal(got.total, CHUNK_POINTS * 3 + 500);
    assert.equal(seriesCacheStats().entries, 0);
    assert.deepEqual(lw.store.notices, [], 'the zoom did not read the broken chunk');
    const head = seriesFor(lw.store, [a], 'loss', 'step', 800, { x0: 0, x1: 10 })[0];
    assert.match(lw.store.notices.splice(0).join(), /chunk 0 of loss\.\w+\.series is damaged/);
    assertSeriesEqual(head, expectSeries(lw, a, 'step', 800, { x0: 0, x1: 10 }), 'the zoom over the repaired chunk');

    // Steps that go back (a resumed run): chunk 1 holds steps 8192…8291 then 3292…11383, so its first/last
    // steps do not bound it; a zoom on [3000, 4000] must still find the points (and the spike) logged there.
    for (const range2 of [
      { x0: 3000, x1: 4000 },
      { x0: CHUNK_POINTS + 1000, x1: CHUNK_POINTS + 3000 },
    ]) {
      const dd = seriesFor(lw.store, [d], 'loss', 'step', 800, range2)[0];
      assertSeriesEqual(dd, expectSeries(lw, d, 'step', 800, range2), `non-monotonic steps ${JSON.stringify(range2)}`);
      if (range2.x0 === 3000) assert.ok(dd.min!.includes(-5e8), 'the spike logged after the steps went back is found');
    }
  } finally {
    setSeriesCacheBudget(128 * 1024 * 1024);
  }
  // Never read whole before: the chunks' coarse copies (their flags, in the chunk headers) vouch that the steps never go down, so
  // the zoom still reads only the chunks it overlaps…
  clearSeriesCache();
  const z = seriesFor(lw.store, [a], 'loss', 'step', 800, { x0: CHUNK_POINTS * 2 + 10, x1: CHUNK_POINTS * 3 })[0];
  assert.equal(z.x[z.x.length - 1], CHUNK_POINTS * 3);
  // …and without them (a store written before there were any) it reads the whole series: the broken chunk.
  clearSeriesCache();
  dropCoarseCopies(lw.store, a, 'loss');
  breakChunks(lw.store, a, 'loss', (seq) => seq === 0);
  seriesFor(lw.store, [a], 'loss', 'step', 800, { x0: CHUNK_POINTS * 2 + 10, x1: CHUNK_POINTS * 3 });
  assert.match(lw.store.notices.splice(0).join(), /chunk 0 of loss\.\w+\.series is damaged/);
  lw.close();
});

test('the cache notices appended points, keeps its budget, and never evicts what the call in progress uses', async () => {
  clearSeriesCache();
  const { ws, lw, a, b, d } = await fixture();
  seriesFor(lw.store, [a, b], 'loss', 'step', 800);
  let st = seriesCacheStats();
  assert.equal(st.entries, 2);
  assert.equal(st.misses, 2);
  assert.ok(st.bytes < (CHUNK_POINTS * 3 + 600) * 8 + 1000, 'arithmetic steps are not stored, timestamps not yet');
  seriesFor(lw.store, [a, b], 'loss', 'step', 800, { x0: 10, x1: 20 });
  st = seriesCacheStats();
  assert.equal(st.hits, 2);

  // Append to b (fills its last chunk: the chunk count does not change).
  fs.appendFileSync(path.join(ws, '.lineage', 'runs', b, 'events.jsonl'), metricLine('loss', 42, 500) + '\n');
  await lw.sync();
  const after = seriesFor(lw.store, [b], 'loss', 'step', 800)[0];
  assert.equal(after.total, 51);
  assert.equal(after.y[50], 42);
  assert.equal(after.x[50], 500);

  // A time axis needs the timestamps: reloaded once, then cached.
  clearSeriesCache();
  seriesFor(lw.store, [a], 'loss', 'step', 800);
  seriesFor(lw.store, [a], 'loss', 'wall', 800);
  seriesFor(lw.store, [a], 'loss', 'relative', 800);
  seriesFor(lw.store, [a], 'loss', 'step', 800);
  st = seriesCacheStats();
  assert.deepEqual([st.misses, st.hits], [2, 2]);
  assert.ok(st.bytes < (CHUNK_POINTS * 3 + 600) * 12 + 1000, 'timestamps as int32 offsets');

  // A budget that holds one long series of two: the first stays cached and hits next time, instead of
  // the two pushing each other out and nothing ever hitting.
  clearSeriesCache();
  setSeriesCacheBudget(300_000);
  try {
    seriesFor(lw.store, [a, d], 'loss', 'step', 800);
    st = seriesCacheStats();
    assert.equal(st.entries, 1);
    assert.ok(st.bytes <= 300_000);
    seriesFor(lw.store, [a, d], 'loss', 'step', 800);
    st = seriesCacheStats();
    assert.deepEqual([st.hits, st.misses], [1, 3]);
    setSeriesCacheBudget(0);
    assert.equal(seriesCacheStats().entries, 0);
  } finally {
    setSeriesCacheBudget(128 * 1024 * 1024);
  }
  lw.close();
});

test('runInfos: params, metric summaries with NaN/±Infinity as strings, colours by selection order', async () => {
  const { lw, a, b, c } = await fixture();
  const infos = runInfos(lw.store, [c, 'missing', a, b, a]);
  assert.deepEqual(
    infos.map((r) => [r.name, r.color]),
    [
      ['gamma', 0],
      ['alpha', 2],
      ['beta', 3],
    ],
  );
  const alpha = infos[1];
  assert.equal(alpha.experiment, 'exp');
  assert.equal(alpha.status, 'finished');
  assert.equal(typeof alpha.startedAt, 'number');
  assert.deepEqual(alpha.params, { early: 'true', lr: 0.01, model: 'gbr', none: null });
  assert.deepEqual(alpha.metrics.acc, { last: 'NaN', min: 0.5, max: 0.5, count: 2 });
  assert.equal(alpha.metrics.loss.max, 'Infinity');
  assert.equal(alpha.metrics.loss.count, CHUNK_POINTS * 3 + 500);
  assert.equal(typeof alpha.metrics.loss.last, 'number');
  assert.deepEqual(infos[2].params, { lr: 0.1 });
  // Plain data only: survives JSON (what a webview message must be).
  assert.deepEqual(JSON.parse(JSON.stringify(infos)), infos);

  assert.deepEqual(metricKeysOf(lw.store, [a, b, c]), ['acc', 'loss', 'val']);
  assert.deepEqual(metricKeysOf(lw.store, [b]), ['loss', 'val']);
  assert.deepEqual(metricKeysOf(lw.store, []), []);
  assert.deepEqual(runInfos(lw.store, []), []);
  lw.close();
});

test('messageBytes counts the typed arrays and a small overhead per series', () => {
  const s = {
    runId: 'r1',
    metric: 'loss',
    x: new Float64Array(10),
    y: new Float64Array(10),
    min: new Float32Array(10),
    max: new Float32Array(10),
    exact: false,
    xAxis: 'step' as const,
    total: 100,
  };
  const bytes = messageBytes([s, { ...s, min: undefined, max: undefined, exact: true }]);
  assert.ok(bytes >= 240 + 160 && bytes <= 240 + 160 + 2 * 128, String(bytes));
  assert.equal(messageBytes([]), 0);
});
