/** Equal-width histograms, bin for bin the same as numpy.histogram(values, bins=20). */

export const HISTOGRAM_BINS = 20;

/** Edges as numpy.linspace(first, last, bins + 1) computes them (last edge set exactly). */
export function histogramEdges(min: number, max: number, bins = HISTOGRAM_BINS): number[] {
  let first = min;
  let last = max;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = last - first;
  const edges: number[] = [];
  if (!Number.isFinite(width)) {
    // a range wider than the largest double (numpy refuses these): interpolate without overflowing
    for (let i = 0; i <= bins; i++) edges.push(first * (1 - i / bins) + last * (i / bins));
  } else {
    const step = width / bins;
    for (let i = 0; i <= bins; i++) edges.push(step === 0 ? first + (i / bins) * width : i * step + first);
  }
  edges[0] = first;
  edges[bins] = last;
  return edges;
}

/** Counts per bin of sorted[0, n) (ascending, finite): bin i holds edges[i] <= x < edges[i + 1], the last bin
 *  also x == edges[bins]; values outside [edges[0], edges[bins]] are not counted. Found by binary search at
 *  each edge, which gives exactly the counts of numpy.histogram (it settles every value by comparing it with
 *  the edges too). */
export function histogramCountsSorted(sorted: Float64Array, n: number, edges: number[]): number[] {
  const bins = edges.length - 1;
  const counts: number[] = [];
  let lo = lowerBound(sorted, n, edges[0]);
  for (let i = 0; i < bins; i++) {
    const hi = i === bins - 1 ? upperBound(sorted, n, edges[bins]) : lowerBound(sorted, n, edges[i + 1]);
    counts.push(Math.max(0, hi - lo));
    lo = hi;
  }
  return counts;
}

/** First index with sorted[i] >= x. */
function lowerBound(sorted: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with sorted[i] > x. */
function upperBound(sorted: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Scale sample counts to a total, rounding so they add up exactly (largest remainder). */
export function scaleCounts(counts: number[], total: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum === 0) return counts.map(() => 0);
  const raw = counts.map((c) => (c * total) / sum);
  const out = raw.map(Math.floor);
  let rest = total - out.reduce((a, b) => a + b, 0);
  const order = raw.map((r, i) => [r - Math.floor(r), i]).sort((p, q) => q[0] - p[0]);
  for (let k = 0; rest > 0 && k < order.length; k++, rest--) out[order[k][1]]++;
  return out;
}
