/**
 * The statistics of stats.ts and summary.ts over sorted values in memory or on disk (SortedValues). When both
 * sides are in memory the array functions run as they are (the fast path); otherwise the same walks run
 * through SortedReader in blocks, visiting the values in the same order with the same arithmetic, so the
 * results are identical (test/unit/driftSpill.test.ts compares them).
 */
import { DiskSorted, SortedReader, valueAt, type SortedValues } from './sortedFile';
import { histogramEdges, histogramShares, ks2samp, ksFromDiffs, quantileBinEdges, quantileBinEdgesBy, sharesOver, wasserstein, type TestResult } from './stats';
import { distinctUnion, populationStd, valueCounts } from './summary';

const inMemory = (s: SortedValues): s is Float64Array => !(s instanceof DiskSorted);

export function ks2sampOf(a: SortedValues, b: SortedValues): TestResult & { method: 'exact' | 'asymp' } {
  if (inMemory(a) && inMemory(b)) return ks2samp(a, b);
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return { statistic: NaN, pValue: null, method: 'asymp' };
  const A = new SortedReader(a);
  const B = new SortedReader(b);
  let minDiff = Infinity;
  let maxDiff = -Infinity;
  let i = 0;
  let j = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && A.has() && B.has() && A.peek() <= B.peek()) ? A.peek() : B.peek();
    while (i < n1 && A.has() && A.peek() <= v) {
      A.take();
      i++;
    }
    while (j < n2 && B.has() && B.peek() <= v) {
      B.take();
      j++;
    }
    const diff = i / n1 - j / n2;
    if (diff < minDiff) minDiff = diff;
    if (diff > maxDiff) maxDiff = diff;
  }
  return ksFromDiffs(minDiff, maxDiff, n1, n2);
}

export function wassersteinOf(a: SortedValues, b: SortedValues): number {
  if (inMemory(a) && inMemory(b)) return wasserstein(a, b);
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) return NaN;
  const A = new SortedReader(a);
  const B = new SortedReader(b);
  let i = 0;
  let j = 0;
  let sum = 0;
  let comp = 0;
  let prev = Math.min(valueAt(a, 0), valueAt(b, 0));
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && A.has() && B.has() && A.peek() <= B.peek()) ? A.peek() : B.peek();
    if (v !== prev) {
      const term = Math.abs(i / n1 - j / n2) * (v - prev);
      const t = sum + term;
      comp += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
      sum = t;
      prev = v;
    }
    while (i < n1 && A.has() && A.peek() <= v) {
      A.take();
      i++;
    }
    while (j < n2 && B.has() && B.peek() <= v) {
      B.take();
      j++;
    }
  }
  return sum + comp;
}

/** np.std (ddof 0), two passes in ascending order as populationStd does. */
export function populationStdOf(a: SortedValues): number {
  if (inMemory(a)) return populationStd(a);
  if (a.length === 0) return NaN;
  let s = 0;
  for (const r = new SortedReader(a); r.has();) s += r.take();
  const mean = s / a.length;
  let ss = 0;
  for (const r = new SortedReader(a); r.has();) {
    const d = r.take() - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / a.length);
}

export function distinctUnionOf(a: SortedValues, b: SortedValues): number {
  if (inMemory(a) && inMemory(b)) return distinctUnion(a, b);
  const A = new SortedReader(a);
  const B = new SortedReader(b);
  let n = 0;
  let last = NaN;
  for (;;) {
    const ha = A.has();
    const hb = B.has();
    if (!ha && !hb) return n;
    const x = !hb || (ha && A.peek() <= B.peek()) ? A.take() : B.take();
    if (x !== last) {
      n++;
      last = x;
    }
  }
}

export function valueCountsOf(a: SortedValues): Map<string, number> {
  if (inMemory(a)) return valueCounts(a);
  const out = new Map<string, number>();
  const r = new SortedReader(a);
  let cur = NaN;
  let run = 0;
  while (r.has()) {
    const x = r.take();
    if (x === cur) {
      run++;
      continue;
    }
    if (run > 0) out.set(String(cur === 0 ? 0 : cur), run);
    cur = x;
    run = 1;
  }
  if (run > 0) out.set(String(cur === 0 ? 0 : cur), run);
  return out;
}

/** sharesOver by one counting pass: the same integer counts as its binary searches. */
export function sharesOverOf(s: SortedValues, edges: Float64Array): Float64Array {
  if (inMemory(s)) return sharesOver(s, edges);
  const nb = edges.length - 1;
  const out = new Float64Array(Math.max(nb, 0));
  if (nb <= 0 || s.length === 0) return out;
  const counts = new Float64Array(nb);
  let b = 0;
  const last = edges[nb];
  for (const r = new SortedReader(s); r.has();) {
    const x = r.take();
    if (x < edges[0]) continue;
    if (x > last) break;
    while (b < nb - 1 && x >= edges[b + 1]) b++;
    counts[b]++;
  }
  for (let i = 0; i < nb; i++) out[i] = counts[i] / s.length;
  return out;
}

export function histogramSharesOf(a: SortedValues, b: SortedValues, bins = 30): { edges: Float64Array; ref: Float64Array; cur: Float64Array } {
  if (inMemory(a) && inMemory(b)) return histogramShares(a, b, bins);
  const n1 = a.length;
  const n2 = b.length;
  if (n1 + n2 === 0 || !(bins >= 1)) return { edges: new Float64Array(0), ref: new Float64Array(0), cur: new Float64Array(0) };
  const lo = Math.min(n1 ? valueAt(a, 0) : Infinity, n2 ? valueAt(b, 0) : Infinity);
  const hi = Math.max(n1 ? valueAt(a, n1 - 1) : -Infinity, n2 ? valueAt(b, n2 - 1) : -Infinity);
  const edges = histogramEdges(lo, hi, bins);
  return { edges, ref: sharesOverOf(a, edges), cur: sharesOverOf(b, edges) };
}

export function quantileBinEdgesOf(s: SortedValues, bins = 10): Float64Array {
  if (inMemory(s)) return quantileBinEdges(s, bins);
  return quantileBinEdgesBy(s.length, (i) => s.at(i), bins);
}

/** Values < x (strict) and values > y, by binary search. */
export function countOutside(s: SortedValues, x: number, y: number): { below: number; above: number } {
  const n = s.length;
  const firstNotBelow = search(s, (v) => v < x);
  const firstAbove = search(s, (v) => v <= y);
  return { below: firstNotBelow, above: Math.max(0, n - Math.max(firstAbove, firstNotBelow)) };
}

/** The first index whose value fails `pred` (pred holds on a prefix). */
function search(s: SortedValues, pred: (v: number) => boolean): number {
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(valueAt(s, mid))) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
