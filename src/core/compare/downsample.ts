/**
 * Min/max/last reduction of one metric series for the Compare charts.
 *
 * The x range [x0, x1] is cut into `maxBuckets` equal-width buckets; bucket k holds the points with
 * `floor((x - x0) * maxBuckets / (x1 - x0)) = k` (the point at x1 goes into the last bucket). Every
 * non-empty bucket emits, in bucket order:
 *   x    the x of its last point (in array order),
 *   y    its last non-NaN value (NaN when every value in it is NaN) — the line,
 *   min  its smallest non-NaN value, rounded down to float32 (NaN when all are NaN),
 *   max  its largest non-NaN value, rounded up to float32 — with min, the band that keeps every spike.
 * ±Infinity are ordinary values here (float32 holds them). Points whose x is NaN or ±Infinity (a wall-clock
 * axis without timestamps) cannot be placed and are left out; so are points outside [x0, x1].
 * When what remains has at most `maxBuckets` points it is returned as it is (`exact`, no min/max).
 *
 * O(n + maxBuckets), typed arrays only, no allocation per point. Sorted finite x (the usual case) goes to
 * downsampleSorted: bucket ends by binary search, then a bare min/max scan. Anything else (unsorted x,
 * points without an x) takes the general two-pass path, where a bucket may be visited more than once.
 */
import { bucketBand, f32Down, f32Up, type BucketBand } from '../metrics/float32';

export { f32Down, f32Up };

export interface Downsampled {
  x: Float64Array;
  y: Float64Array;
  min?: Float32Array;
  max?: Float32Array;
  exact: boolean;
}

export function downsampleMinMaxLast(x: Float64Array, y: Float64Array, maxBuckets: number, x0?: number, x1?: number): Downsampled {
  const n = Math.min(x.length, y.length);
  // Sorted and finite (the usual step or time axis): buckets are found by binary search, see below.
  let sorted = n === 0 || (x[0] > -Infinity && x[n - 1] < Infinity);
  if (sorted) {
    let prev = x[0];
    for (let i = 1; i < n; i++) {
      const xi = x[i];
      if (!(xi >= prev)) {
        sorted = false;
        break;
      }
      prev = xi;
    }
  }
  if (sorted) return downsampleSorted((i) => x[i], n, y, maxBuckets, x0, x1);

  const B = bucketCount(maxBuckets);
  const lo = x0 !== undefined && Number.isFinite(x0) ? x0 : -Infinity;
  const hi = x1 !== undefined && Number.isFinite(x1) ? x1 : Infinity;

  // Pass 1: how many points can be placed, and the data's own x range.
  let count = 0;
  let dmin = Infinity;
  let dmax = -Infinity;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    if (xi >= lo && xi <= hi && xi - xi === 0) {
      count++;
      if (xi < dmin) dmin = xi;
      if (xi > dmax) dmax = xi;
    }
  }

  if (count <= B) {
    if (count === n) return { x: x.slice(0, n), y: y.slice(0, n), exact: true };
    const ox = new Float64Array(count);
    const oy = new Float64Array(count);
    for (let i = 0, j = 0; i < n; i++) {
      const xi = x[i];
      if (xi >= lo && xi <= hi && xi - xi === 0) {
        ox[j] = xi;
        oy[j++] = y[i];
      }
    }
    return { x: ox, y: oy, exact: true };
  }

  // Pass 2: buckets. The current bucket lives in locals; flush() merges it into the arrays when x leaves it.
  const a = lo === -Infinity ? dmin : lo;
  const b = hi === Infinity ? dmax : hi;
  let scale = b > a ? B / (b - a) : 0;
  if (!Number.isFinite(scale)) scale = 0; // a range so narrow that B / width overflows: one bucket
  const last = B - 1;
  const seen = new Uint8Array(B);
  const bx = new Float64Array(B);
  const by = new Float64Array(B);
  const bmin = new Float64Array(B);
  const bmax = new Float64Array(B);

  let cur = -1;
  let cMin = Infinity;
  let cMax = -Infinity;
  let cY = NaN;
  let cX = 0;
  // Merges the current bucket into the arrays: unsorted x may come back to a bucket it left.
  const flush = () => {
    if (seen[cur] === 0) {
      seen[cur] = 1;
      bx[cur] = cX;
      by[cur] = cY;
      bmin[cur] = cMin;
      bmax[cur] = cMax;
    } else {
      bx[cur] = cX;
      if (cY === cY) by[cur] = cY;
      if (cMin < bmin[cur]) bmin[cur] = cMin;
      if (cMax > bmax[cur]) bmax[cur] = cMax;
    }
  };
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    if (!(xi >= a && xi <= b)) continue; // also drops NaN; a and b are finite, so ±Infinity too
    let k = ((xi - a) * scale) | 0;
    if (k > last) k = last;
    if (k !== cur) {
      if (cur >= 0) flush();
      cur = k;
      cMin = Infinity;
      cMax = -Infinity;
      cY = NaN;
    }
    cX = xi;
    const v = y[i];
    if (v === v) {
      if (v < cMin) cMin = v;
      if (v > cMax) cMax = v;
      cY = v;
    }
  }
  if (cur >= 0) flush();

  let m = 0;
  for (let k = 0; k < B; k++) m += seen[k];
  const ox = new Float64Array(m);
  const oy = new Float64Array(m);
  const omin = new Float32Array(m);
  const omax = new Float32Array(m);
  for (let k = 0, j = 0; k < B; k++) {
    if (seen[k] === 0) continue;
    ox[j] = bx[k];
    oy[j] = by[k];
    const lo32 = bmin[k];
    const hi32 = bmax[k];
    if (lo32 > hi32) {
      // Only NaN in this bucket (the accumulators never moved).
      omin[j] = NaN;
      omax[j] = NaN;
    } else {
      omin[j] = f32Down(lo32);
      omax[j] = f32Up(hi32);
    }
    j++;
  }
  return { x: ox, y: oy, min: omin, max: omax, exact: false };
}

/**
 * The same reduction for x that is finite and non-decreasing, given as `xAt(i)` for i < n (an array, or
 * steps kept as start + i·stride that never need to be materialised). The range and every bucket's end are
 * found by binary search over x, so the only per-point work left is the min/max scan of y.
 */
export function downsampleSorted(xAt: (i: number) => number, n: number, y: Float64Array, maxBuckets: number, x0?: number, x1?: number): Downsampled {
  const B = bucketCount(maxBuckets);
  const [i0, i1] = indexRange(xAt, n, x0, x1);
  const count = i1 - i0;
  if (count <= B) {
    const ox = new Float64Array(count);
    for (let i = i0; i < i1; i++) ox[i - i0] = xAt(i);
    return { x: ox, y: y.slice(i0, i1), exact: true };
  }
  const out = new BucketsOut(B);
  const band: BucketBand = { min: NaN, max: NaN, last: NaN };
  forEachBucket(xAt, i0, i1, B, x0, x1, (i, end) => {
    bucketBand(y, i, end, band);
    out.push(xAt(end - 1), band.last, band.min, band.max);
  });
  return out.result();
}

/**
 * The same reduction over buckets that are already reduced (lodCodec.ts): entry i has the x of its last
 * point, its last non-NaN value and its float32 min and max. Buckets merge whole, so nothing is ever exact,
 * and a range keeps every entry whose last point lies in it.
 */
export function downsampleBands(
  xAt: (i: number) => number,
  n: number,
  last: Float64Array,
  min: Float32Array,
  max: Float32Array,
  maxBuckets: number,
  x0?: number,
  x1?: number,
): Downsampled {
  const B = bucketCount(maxBuckets);
  const [i0, i1] = indexRange(xAt, n, x0, x1);
  const out = new BucketsOut(Math.min(B, i1 - i0));
  const merge = (i: number, end: number) => {
    let mn = Infinity;
    let mx = -Infinity;
    for (let j = i; j < end; j++) {
      if (min[j] < mn) mn = min[j];
      if (max[j] > mx) mx = max[j];
    }
    let j = end - 1;
    while (j >= i && last[j] !== last[j]) j--;
    out.push(xAt(end - 1), j >= i ? last[j] : NaN, mn > mx ? NaN : mn, mn > mx ? NaN : mx);
  };
  if (i1 - i0 <= B) for (let i = i0; i < i1; i++) merge(i, i + 1);
  else forEachBucket(xAt, i0, i1, B, x0, x1, merge);
  return out.result();
}

/** [i0, i1): the entries whose x lies in [x0, x1] (either end missing or non-finite: unbounded). */
export function indexRange(xAt: (i: number) => number, n: number, x0?: number, x1?: number): [number, number] {
  const lo = x0 !== undefined && Number.isFinite(x0) ? x0 : -Infinity;
  const hi = x1 !== undefined && Number.isFinite(x1) ? x1 : Infinity;
  let i0 = 0;
  let i1 = n;
  if (lo > -Infinity) i0 = firstIndex(xAt, 0, n, (v) => v >= lo);
  if (hi < Infinity) i1 = firstIndex(xAt, i0, n, (v) => v > hi);
  return [i0, Math.max(i0, i1)];
}

/**
 * Cuts [i0, i1) of sorted x into the runs that fall in each of B equal-width buckets over [x0, x1] (or the
 * data's own span) and calls `each(start, end)` per non-empty bucket, in order. Bucket ends are found by
 * galloping from the last bucket's size, then bisecting: a few probes a bucket instead of log2(n).
 */
function forEachBucket(
  xAt: (i: number) => number,
  i0: number,
  i1: number,
  B: number,
  x0: number | undefined,
  x1: number | undefined,
  each: (start: number, end: number) => void,
): void {
  const a = x0 !== undefined && Number.isFinite(x0) ? x0 : xAt(i0);
  const b = x1 !== undefined && Number.isFinite(x1) ? x1 : xAt(i1 - 1);
  let scale = b > a ? B / (b - a) : 0;
  if (!Number.isFinite(scale)) scale = 0;
  const last = B - 1;
  const bucketOf = (v: number) => {
    const k = ((v - a) * scale) | 0;
    return k > last ? last : k;
  };
  let i = i0;
  let guess = Math.max(1, Math.floor((i1 - i0) / B));
  while (i < i1) {
    const k = bucketOf(xAt(i));
    let end = i1;
    if (k !== last) {
      let lo = i + 1;
      let step = guess;
      let hi = i + step;
      while (hi < i1 && bucketOf(xAt(hi)) <= k) {
        lo = hi + 1;
        step *= 2;
        hi = i + step;
      }
      if (hi > i1) hi = i1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (bucketOf(xAt(mid)) > k) hi = mid;
        else lo = mid + 1;
      }
      end = lo;
    }
    guess = end - i;
    each(i, end);
    i = end;
  }
}

class BucketsOut {
  private m = 0;
  private readonly x: Float64Array;
  private readonly y: Float64Array;
  private readonly min: Float32Array;
  private readonly max: Float32Array;

  constructor(capacity: number) {
    this.x = new Float64Array(capacity);
    this.y = new Float64Array(capacity);
    this.min = new Float32Array(capacity);
    this.max = new Float32Array(capacity);
  }

  push(x: number, y: number, min: number, max: number): void {
    const m = this.m++;
    this.x[m] = x;
    this.y[m] = y;
    this.min[m] = min;
    this.max[m] = max;
  }

  result(): Downsampled {
    const m = this.m;
    return { x: this.x.slice(0, m), y: this.y.slice(0, m), min: this.min.slice(0, m), max: this.max.slice(0, m), exact: false };
  }
}

function bucketCount(maxBuckets: number): number {
  return Math.max(1, Math.floor(Number.isFinite(maxBuckets) ? maxBuckets : Number.MAX_SAFE_INTEGER));
}

/** The first i in [from, to) with pred(xAt(i)), or `to`; pred must be false then true along i. */
function firstIndex(xAt: (i: number) => number, from: number, to: number, pred: (v: number) => boolean): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(xAt(mid))) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
