/**
 * What the Compare panel draws, read from the index and the metric cache: the runs (RunInfo), the metric
 * keys, and each run's series for one metric reduced to at most `maxPoints` min/max/last buckets (see
 * downsample.ts).
 *
 * A series' points live in its cache file (seriesFile.ts), read with positioned reads of just the chunks
 * needed. Reading and decoding a long series still costs far more than reducing it, so:
 *   - a whole series not in the cache, on a chart whose buckets each span LOD_MIN_SPAN points or more (a
 *     long series, or many runs sharing the message budget), is reduced from its chunks' coarse copies
 *     (lodCodec.ts): ~1.25 bytes a point to read instead of ~12, every spike kept;
 *   - decoded series are kept in a byte-budgeted LRU cache keyed by (store, run, metric) and checked against
 *     the file's stamp and the summary on every use, so an appended point or a new chunk reloads it;
 *     steps that go start + i·stride (the usual case) are kept as two numbers, and timestamps only once a
 *     time axis has asked for them, as int32 offsets when exact (8 bytes a point for the step axis, 12 with time);
 *   - a zoom on the step axis that misses the cache reads only the chunks overlapping [x0, x1] (their
 *     headers hold first/last step) when its steps are known never to go down (from a whole read or the
 *     coarse copies' flags, kept in the headers too), so evicted series and live runs zoom and append
 *     cheaply; otherwise it reads the whole series once;
 *   - a series whose x is sorted (nearly always) is reduced by binary search for the range and the bucket
 *     ends, so a zoom that hits the cache costs the points in view, not the series.
 */
import type { Store } from '../store/store';
import type { RunInfo, SeriesData, XAxis } from './types';
import type { SeriesPoints } from '../metrics/chunkCodec';
import { listRuns } from '../runs/queries';
import { decodeLod, LodChunk, LOD_POINTS, STEPS_SORTED, TS_ALL } from '../metrics/lodCodec';
import { decodeChunkChecked, readLods, readPayloads, SeriesIndex } from '../metrics/seriesFile';
import { openSeries } from '../metrics/repairSeries';
import { Downsampled, downsampleBands, downsampleMinMaxLast, downsampleSorted } from './downsample';

// ---------------------------------------------------------------- runs and keys

/** The selected runs in selection order (ids not in the index are skipped); colour = position in the selection. */
export function runInfos(store: Store, runIds: string[]): RunInfo[] {
  const ids = unique(runIds);
  if (ids.length === 0) return [];
  const summaries = new Map(listRuns(store, { ids }).map((r) => [r.id, r]));
  const params = new Map<string, Record<string, string | number | null>>();
  for (const batch of batches(ids)) {
    queryRows(store, `SELECT run_id, key, value FROM params WHERE run_id IN (${marks(batch)}) ORDER BY run_id, key`, batch, (row) => {
      const [runId, key, value] = row as [string, string, string | number | null];
      let p = params.get(runId);
      if (!p) params.set(runId, (p = {}));
      p[key] = typeof value === 'number' ? wireNumber(value) : value;
    });
  }
  const out: RunInfo[] = [];
  ids.forEach((id, color) => {
    const r = summaries.get(id);
    if (!r) return;
    const metrics: RunInfo['metrics'] = {};
    for (const m of r.metrics) metrics[m.key] = { last: wireNumber(m.last), min: wireNumber(m.min), max: wireNumber(m.max), count: m.count };
    out.push({ id, name: r.name, experiment: r.experiment, status: r.status, color, startedAt: r.startedAt, params: params.get(id) ?? {}, metrics });
  });
  return out;
}

/** Every metric any of the runs logged: the most common first, then by name. */
export function metricKeysOf(store: Store, runIds: string[]): string[] {
  const counts = new Map<string, number>();
  for (const batch of batches(unique(runIds))) {
    queryRows(store, `SELECT key, count(*) FROM metric_summaries WHERE run_id IN (${marks(batch)}) GROUP BY key`, batch, (row) => {
      const [key, c] = row as [string, number];
      counts.set(key, (counts.get(key) ?? 0) + c);
    });
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([k]) => k);
}

/** NaN and ±Infinity travel as strings ("NaN", "Infinity", "-Infinity"); JSON has no other way to say them. */
function wireNumber(v: number | null | undefined): number | string | null {
  if (v === null || v === undefined) return null;
  return Number.isFinite(v) ? v : String(v);
}

// ---------------------------------------------------------------- series

export interface XRange {
  x0: number;
  x1: number;
}

/**
 * One SeriesData per selected run that logged `metric` (selection order), x per `xAxis`: 'step' → the step,
 * 'wall' → ms since the epoch, 'relative' → ms since the series' first timestamp. Points without a
 * timestamp are left out on the time axes. With `range`, only points in [x0, x1], bucketed over that
 * range, and sent whole when they are ≤ maxPoints. `total` is the number of points in the whole series.
 */
export function seriesFor(
  store: Store,
  runIds: string[],
  metric: string,
  xAxis: XAxis,
  maxPoints: number,
  xRange?: XRange,
  opts: { cache?: boolean } = {},
): SeriesData[] {
  const ids = unique(runIds);
  if (ids.length === 0) return [];
  // A missing or non-finite end means "unbounded" on that side, on every path below.
  const range = xRange && {
    x0: Number.isFinite(xRange.x0) ? xRange.x0 : -Infinity,
    x1: Number.isFinite(xRange.x1) ? xRange.x1 : Infinity,
  };
  const sums = summariesOf(store, ids, metric);
  const tick = ++cache.tick;
  const sid = storeId(store);
  const needTs = xAxis !== 'step';
  const out: SeriesData[] = [];
  for (const runId of ids) {
    const sum = sums.get(runId);
    if (!sum) continue;
    const key = `${sid}\0${runId}\0${metric}`;
    const one = openSeries(
      store,
      runId,
      metric,
      (idx) => {
        if (!idx) return undefined;
        const st = statOf(idx, sum);
        let entry = cache.get(key, st.stamp, needTs, tick);
        // Whole series only: a zoom's edges would cut LOD buckets in two (up to 15 points in view dropped, or
        // out of view drawn); zooms read points, from the cache the read-ahead fills, or just their chunks.
        if (!entry && !range && st.points >= LOD_MIN_SPAN * maxPoints) {
          const d = reduceLod(st, key, xAxis, maxPoints);
          if (d) return toSeriesData(runId, metric, xAxis, st.points, d);
        }
        if (!entry && range && xAxis === 'step' && stepsKnownSorted(key, st)) {
          const part = readStepRange(st.idx, range.x0, range.x1);
          if (part) {
            const steps = part.steps;
            const d = downsampleSorted((i) => steps[i], steps.length, part.values, maxPoints, range.x0, range.x1);
            return toSeriesData(runId, metric, xAxis, st.points, d);
          }
        }
        if (!entry) {
          entry = loadSeries(st.idx, st.stamp, needTs);
          if (opts.cache !== false) cache.put(key, entry, tick);
          rememberSorted(key, entry.stepsSorted ? st.stamp : undefined);
        }
        return toSeriesData(runId, metric, xAxis, st.points, reduceCached(entry, xAxis, maxPoints, range));
      },
      sum.count,
    );
    if (one) out.push(one);
  }
  return out;
}

/**
 * Reads whole into the cache, one series per step, the series of `runIds` that are not cached yet, so later
 * zooms cost the points in view instead of a read. A chart drawn from the coarse copies caches nothing; the
 * panel runs this in idle slices after drawing. Stops when the next series would not fit the budget (it
 * would only evict another). Yields the run just loaded.
 */
export function* prefetchSeries(store: Store, runIds: string[], metric: string, xAxis: XAxis): Generator<string> {
  const ids = unique(runIds);
  const sums = summariesOf(store, ids, metric);
  const sid = storeId(store);
  const needTs = xAxis !== 'step';
  for (const runId of ids) {
    const sum = sums.get(runId);
    if (!sum) continue;
    const key = `${sid}\0${runId}\0${metric}`;
    const loaded = openSeries(
      store,
      runId,
      metric,
      (idx) => {
        if (!idx) return 'skip';
        const st = statOf(idx, sum);
        const have = cache.map.get(key);
        if (have && have.stamp === st.stamp && (!needTs || have.ts !== undefined)) return 'skip';
        if (cache.bytes + st.points * (needTs ? 12 : 8) > cache.budget) return 'full';
        const tick = ++cache.tick;
        const entry = loadSeries(st.idx, st.stamp, needTs);
        cache.put(key, entry, tick);
        rememberSorted(key, entry.stepsSorted ? st.stamp : undefined);
        return 'loaded';
      },
      sum.count,
    );
    if (loaded === 'full') return;
    if (loaded === 'loaded') yield runId;
  }
}

/** Bytes a `range`/`init` message spends on these series: the typed arrays plus a little per series. */
export function messageBytes(series: SeriesData[]): number {
  let bytes = 0;
  for (const s of series) {
    bytes += s.x.byteLength + s.y.byteLength + (s.min?.byteLength ?? 0) + (s.max?.byteLength ?? 0);
    bytes += SERIES_OVERHEAD + s.runId.length + s.metric.length;
  }
  return bytes;
}

/** Field names, the axis, `exact`, `total` and the framing of five arrays, roughly. */
const SERIES_OVERHEAD = 64;

function toSeriesData(runId: string, metric: string, xAxis: XAxis, total: number, d: Downsampled): SeriesData {
  const s: SeriesData = { runId, metric, x: d.x, y: d.y, exact: d.exact, xAxis, total };
  if (d.min) s.min = d.min;
  if (d.max) s.max = d.max;
  return s;
}

// ---------------------------------------------------------------- reading

interface ChunkStat {
  idx: SeriesIndex;
  points: number;
  chunks: number;
  /** Changes whenever the series does: the file (size, mtime, inode) and the summary's last point. */
  stamp: string;
}

interface SummaryStamp {
  count: number;
  text: string;
}

/** Each run's point count and last point for `metric`, from the index (runs without it are left out). */
function summariesOf(store: Store, ids: string[], metric: string): Map<string, SummaryStamp> {
  const out = new Map<string, SummaryStamp>();
  for (const batch of batches(ids)) {
    queryRows(
      store,
      `SELECT run_id, count, last, last_nonfinite, last_step, last_ts, first FROM metric_summaries WHERE key = ? AND run_id IN (${marks(batch)})`,
      [metric, ...batch],
      (row) => {
        const [runId, count, ...rest] = row as [string, number, ...unknown[]];
        out.set(runId, { count, text: `${count}:${rest.join(':')}` });
      },
    );
  }
  return out;
}

function statOf(idx: SeriesIndex, sum: SummaryStamp): ChunkStat {
  return { idx, points: idx.points, chunks: idx.chunks.length, stamp: `${idx.stamp}:${idx.points}:${sum.text}` };
}

interface CachedSeries {
  stamp: string;
  n: number;
  /** null when step i is exactly stepStart + i·stepStride. */
  steps: Float64Array | null;
  stepStart: number;
  stepStride: number;
  stepsSorted: boolean;
  values: Float64Array;
  /**
   * Timestamps. undefined: not kept (no time axis asked yet); null: no point has one. Kept as int32 ms
   * offsets from firstTs (NO_TS for a point without one) when that is exact — it is whenever the writer
   * gave whole milliseconds within 24 days of the first — else as float64 ms.
   */
  ts: { off: Int32Array } | { ms: Float64Array } | null | undefined;
  /** Non-decreasing and no NaN, so a range is two binary searches. */
  tsSorted: boolean;
  /** The series' first timestamp: the origin of the 'relative' axis. */
  firstTs: number;
  bytes: number;
  used: number;
}

/** A point without a timestamp among int32 offsets (the chunk codec uses the same mark). */
const NO_TS = -2147483648;

/** The whole series, chunk by chunk into arrays of the final size. */
function loadSeries(idx: SeriesIndex, stamp: string, keepTs: boolean): CachedSeries {
  const decode = decodeChunkChecked(idx);
  const parts: SeriesPoints[] = readPayloads(idx).map(decode);
  const n = parts.reduce((a, p) => a + p.values.length, 0);
  // Steps that go start + i·stride (nearly always) are checked chunk by chunk and never copied.
  const stepStart = n > 0 ? parts[0].steps[0] : 0;
  const stepStride = n > 1 ? (parts[0].steps.length > 1 ? parts[0].steps[1] : parts[1].steps[0]) - stepStart : 1;
  let arith = true;
  let stepsSorted = true;
  let prev = -Infinity;
  for (let q = 0, o = 0; q < parts.length && (arith || stepsSorted); o += parts[q].steps.length, q++) {
    const s = parts[q].steps;
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      if (arith && v !== stepStart + (o + i) * stepStride) arith = false;
      if (v < prev) stepsSorted = false;
      prev = v;
    }
  }
  const steps = arith ? null : new Float64Array(n);
  const values = new Float64Array(n);
  const ts = keepTs ? new Float64Array(n) : undefined;
  let o = 0;
  for (const p of parts) {
    if (steps) steps.set(p.steps, o);
    values.set(p.values, o);
    if (ts) ts.set(p.ts, o);
    o += p.values.length;
  }
  parts.length = 0;

  let keptTs: CachedSeries['ts'];
  let tsBytes = 0;
  let tsSorted = false;
  let firstTs = NaN;
  if (ts) {
    let any = false;
    tsSorted = true;
    for (let i = 0; i < n; i++) {
      const t = ts[i];
      if (t !== t) {
        tsSorted = false;
        continue;
      }
      if (!any) {
        any = true;
        firstTs = t;
      } else if (t < ts[i - 1]) tsSorted = false;
    }
    if (!any) keptTs = null;
    else {
      const off = new Int32Array(n);
      let exact = true;
      for (let i = 0; i < n && exact; i++) {
        const t = ts[i];
        if (t !== t) off[i] = NO_TS;
        else {
          const d = t - firstTs;
          if ((d | 0) !== d || d === NO_TS || firstTs + d !== t) exact = false;
          else off[i] = d;
        }
      }
      keptTs = exact ? { off } : { ms: ts };
      tsBytes = exact ? off.byteLength : ts.byteLength;
    }
  }
  const keptSteps = steps;
  return {
    stamp,
    n,
    steps: keptSteps,
    stepStart,
    stepStride,
    stepsSorted,
    values,
    ts: keptTs,
    tsSorted,
    firstTs,
    bytes: values.byteLength + (keptSteps?.byteLength ?? 0) + tsBytes + 200,
    used: 0,
  };
}

/**
 * Series (key → stamp) whose steps were seen never to go down, the last time they were read whole. Only for
 * those does a chunk's first/last step bound what is inside it, so only those get partial reads: a resumed
 * run that logs steps 5000…8000 after 0…6000 has chunks whose first/last steps say nothing about the
 * middle. Outlives cache eviction (a few dozen bytes an entry); a changed series needs one whole read again.
 */
const sortedSteps = new Map<string, string>();
const SORTED_MEMO_MAX = 50_000;

function rememberSorted(key: string, stamp: string | undefined): void {
  sortedSteps.delete(key);
  if (stamp === undefined) return;
  sortedSteps.set(key, stamp);
  if (sortedSteps.size > SORTED_MEMO_MAX) sortedSteps.delete(sortedSteps.keys().next().value as string);
}

/**
 * Steps and values of the chunks that overlap [x0, x1] of a series known to have non-decreasing steps, or
 * null when the chunks say otherwise after all (then the caller reads it whole).
 */
function readStepRange(idx: SeriesIndex, x0: number, x1: number): { steps: Float64Array; values: Float64Array } | null {
  const meta = idx.chunks;
  let prevLast = -Infinity;
  let from = -1;
  let to = -1;
  for (let i = 0; i < meta.length; i++) {
    const { firstStep: f, lastStep: l } = meta[i];
    if (!(f <= l) || !(prevLast <= f)) return null;
    prevLast = l;
    if (l >= x0 && f <= x1) {
      if (from < 0) from = i;
      to = i;
    }
  }
  if (from < 0) return { steps: new Float64Array(0), values: new Float64Array(0) };
  const decode = decodeChunkChecked(idx);
  const parts = readPayloads(idx, from, to).map((b, k) => decode(b, from + k));
  const n = parts.reduce((a, p) => a + p.values.length, 0);
  const steps = new Float64Array(n);
  const values = new Float64Array(n);
  let o = 0;
  for (const p of parts) {
    const s = p.steps;
    // The chunk table only bounds a chunk whose steps never go down inside it either.
    for (let i = 1; i < s.length; i++) if (s[i] < s[i - 1]) return null;
    steps.set(s, o);
    values.set(p.values, o);
    o += s.length;
  }
  return { steps, values };
}

// ---------------------------------------------------------------- reducing the coarse copy

/**
 * A chart bucket must span at least this many points for the coarse copy (lodCodec.ts) to stand in for the
 * series: then it merges two or more whole LOD buckets, and a point can land at most LOD_POINTS - 1 points
 * (under half a chart bucket, well under a pixel) from where a full read would put it.
 */
const LOD_MIN_SPAN = 2 * LOD_POINTS;

/**
 * The series reduced from its coarse copy, or null when that cannot stand in for it: a copy missing for some
 * chunk, x that goes down (or time points without a timestamp) on the axis asked for, or a gap between
 * LOD buckets wider than a chart bucket. Nothing is cached: the copy is ~10x smaller than the series, and
 * reading it is what a cold chart costs.
 */
function reduceLod(st: ChunkStat, key: string, xAxis: XAxis, maxPoints: number): Downsampled | null {
  const chunks = readLod(st.idx);
  const onSteps = xAxis === 'step';
  if (!chunks || !lodSorted(chunks, onSteps)) return null;
  if (onSteps) rememberSorted(key, st.stamp);
  let nb = 0;
  for (const c of chunks) nb += c.buckets;
  const x = new Float64Array(nb);
  const last = new Float64Array(nb);
  const min = new Float32Array(nb);
  const max = new Float32Array(nb);
  const origin = xAxis === 'relative' ? chunks[0].firstTs : 0;
  let o = 0;
  for (const c of chunks) {
    for (let b = 0; b < c.buckets; b++) x[o + b] = onSteps ? c.stepAt(b) : c.tsAt(b) - origin;
    last.set(c.last, o);
    min.set(c.min, o);
    max.set(c.max, o);
    o += c.buckets;
  }
  // A LOD bucket is drawn at its last point: its points lie between the bucket before and there. Where
  // that is wider than a chart bucket (a pause in logging, a jump in steps) a spike before the gap would be
  // drawn after it, so such a series is read point by point.
  const first = onSteps ? chunks[0].firstStep : chunks[0].firstTs - origin;
  const width = (x[nb - 1] - first) / Math.max(1, maxPoints);
  if (x[0] - first > width) return null;
  for (let b = 1; b < nb; b++) if (x[b] - x[b - 1] > width) return null;
  return downsampleBands((i) => x[i], nb, last, min, max, maxPoints);
}

/** Every chunk's coarse copy, or null when some chunk has none (one written before there were any). */
function readLod(idx: SeriesIndex): LodChunk[] | null {
  if (idx.chunks.length === 0 || idx.chunks.some((c) => c.lodLen === 0)) return null;
  return readLods(idx).map((b) => decodeLod(b!));
}

/** x never goes down, inside chunks (their flags) and across them; on the time axes every point has one. */
function lodSorted(chunks: LodChunk[], onSteps: boolean): boolean {
  const flag = onSteps ? STEPS_SORTED : TS_ALL;
  let prev = -Infinity;
  for (const c of chunks) {
    const first = onSteps ? c.firstStep : c.firstTs;
    if (!(c.flags & flag) || !(first >= prev)) return false;
    prev = onSteps ? c.stepAt(c.buckets - 1) : c.tsAt(c.buckets - 1);
  }
  return true;
}

/**
 * Whether a range of the series may be read chunk by chunk (readStepRange): known from its last whole read,
 * or else from each chunk's step bounds and its coarse copy's flags, both in the chunk headers. A live
 * run's series changes with every point, so its last whole read is always stale; the headers cost nothing.
 */
function stepsKnownSorted(key: string, st: ChunkStat): boolean {
  if (sortedSteps.get(key) === st.stamp) return true;
  const chunks = st.idx.chunks;
  if (chunks.length === 0) return false;
  let prev = -Infinity;
  for (const c of chunks) {
    const f = c.firstStep;
    const l = c.lastStep;
    if (!(prev <= f && f <= l) || c.lodLen === 0 || !(c.lodFlags & STEPS_SORTED)) return false;
    prev = l;
  }
  rememberSorted(key, st.stamp);
  return true;
}

// ---------------------------------------------------------------- reducing a cached series

/** Reused to materialise the x of a series whose x is not sorted; never returned. */
let scratch = new Float64Array(0);

function scratchOf(n: number): Float64Array {
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, Math.ceil(scratch.length * 1.5)));
  return scratch.subarray(0, n);
}

/**
 * Sorted x (the usual case) goes to downsampleSorted, which finds the range and the bucket ends by binary
 * search: a zoom costs the points in view, and arithmetic steps are never materialised.
 */
function reduceCached(e: CachedSeries, xAxis: XAxis, maxPoints: number, range: XRange | undefined): Downsampled {
  const n = e.n;
  const y = e.values;
  const x0 = range?.x0;
  const x1 = range?.x1;
  if (xAxis === 'step') {
    const steps = e.steps;
    if (steps === null) {
      const start = e.stepStart;
      const stride = e.stepStride;
      if (stride >= 0) return downsampleSorted((i) => start + i * stride, n, y, maxPoints, x0, x1);
      const x = scratchOf(n);
      for (let i = 0; i < n; i++) x[i] = start + i * stride;
      return downsampleMinMaxLast(x, y, maxPoints, x0, x1);
    }
    if (e.stepsSorted) return downsampleSorted((i) => steps[i], n, y, maxPoints, x0, x1);
    return downsampleMinMaxLast(steps, y, maxPoints, x0, x1);
  }
  const t = e.ts;
  if (!t) return { x: new Float64Array(0), y: new Float64Array(0), exact: true };
  const origin = xAxis === 'relative' ? e.firstTs : 0;
  if ('off' in t) {
    // firstTs + off is the logged time exactly, and off itself is the time since the first (both checked).
    const off = t.off;
    const base = xAxis === 'relative' ? 0 : e.firstTs;
    if (e.tsSorted) return downsampleSorted((i) => base + off[i], n, y, maxPoints, x0, x1);
    const x = scratchOf(n);
    for (let i = 0; i < n; i++) x[i] = off[i] === NO_TS ? NaN : base + off[i];
    return downsampleMinMaxLast(x, y, maxPoints, x0, x1);
  }
  const ms = t.ms;
  if (xAxis === 'wall') {
    if (e.tsSorted) return downsampleSorted((i) => ms[i], n, y, maxPoints, x0, x1);
    return downsampleMinMaxLast(ms, y, maxPoints, x0, x1);
  }
  if (e.tsSorted) return downsampleSorted((i) => ms[i] - origin, n, y, maxPoints, x0, x1);
  const x = scratchOf(n);
  for (let i = 0; i < n; i++) x[i] = ms[i] - origin;
  return downsampleMinMaxLast(x, y, maxPoints, x0, x1);
}

// ---------------------------------------------------------------- the cache

/**
 * LRU by bytes. An entry used by the call in progress is never evicted for another of the same call: when
 * one chart's series do not all fit, the first ones stay cached (and hit next time) instead of every one
 * pushing out the one before it and nothing ever hitting.
 */
class SeriesCache {
  budget = 128 * 1024 * 1024;
  bytes = 0;
  tick = 0;
  hits = 0;
  misses = 0;
  readonly map = new Map<string, CachedSeries>();

  get(key: string, stamp: string, needTs: boolean, tick: number): CachedSeries | undefined {
    const e = this.map.get(key);
    if (!e || e.stamp !== stamp || (needTs && e.ts === undefined)) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    e.used = tick;
    this.map.delete(key);
    this.map.set(key, e);
    return e;
  }

  put(key: string, e: CachedSeries, tick: number): void {
    this.drop(key);
    if (e.bytes > this.budget) return;
    for (const [k, old] of this.map) {
      if (this.bytes + e.bytes <= this.budget) break;
      if (old.used === tick) continue;
      this.drop(k);
    }
    if (this.bytes + e.bytes > this.budget) return;
    e.used = tick;
    this.map.set(key, e);
    this.bytes += e.bytes;
  }

  drop(key: string): void {
    const e = this.map.get(key);
    if (!e) return;
    this.map.delete(key);
    this.bytes -= e.bytes;
  }

  clear(): void {
    this.map.clear();
    this.bytes = 0;
    this.hits = 0;
    this.misses = 0;
  }
}

const cache = new SeriesCache();

/** Forget every decoded series (e.g. when the last Compare panel closes). */
export function clearSeriesCache(): void {
  cache.clear();
  sortedSteps.clear();
  scratch = new Float64Array(0);
}

/** Bytes of decoded series the cache may hold (default 128 MiB: ~16M points on the step axis). */
export function setSeriesCacheBudget(bytes: number): void {
  cache.budget = Math.max(0, bytes);
  for (const k of [...cache.map.keys()]) {
    if (cache.bytes <= cache.budget) break;
    cache.drop(k);
  }
}

export function seriesCacheStats(): { entries: number; bytes: number; budget: number; hits: number; misses: number } {
  return { entries: cache.map.size, bytes: cache.bytes, budget: cache.budget, hits: cache.hits, misses: cache.misses };
}

const storeIds = new WeakMap<Store, number>();
let nextStoreId = 1;

function storeId(store: Store): number {
  let id = storeIds.get(store);
  if (id === undefined) storeIds.set(store, (id = nextStoreId++));
  return id;
}

// ---------------------------------------------------------------- sql helpers

function unique(ids: string[]): string[] {
  return [...new Set(ids)];
}

/** IN lists stay well under SQLite's bound-variable limit. */
function batches(ids: string[], size = 500): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += size) out.push(ids.slice(i, i + size));
  return out;
}

const marks = (ids: string[]) => ids.map(() => '?').join(',');

/**
 * Rows as arrays, through a statement prepared for this call and freed after: the IN lists vary in length,
 * so these would only fill the store's statement cache.
 */
function queryRows(store: Store, sql: string, params: (string | number)[], onRow: (row: unknown[]) => void): void {
  const stmt = store.db.prepare(sql);
  try {
    stmt.bind(params);
    while (stmt.step()) onRow(stmt.get());
  } finally {
    stmt.free();
  }
}
