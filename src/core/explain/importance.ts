import type { ExplanationData } from './load';

const meanAbsCache = new WeakMap<Float64Array, Float64Array>();

/**
 * Mean |attribution| per feature over the rows (NaN attributions left out of their feature's mean), computed
 * once per loaded explanation: the global view, the comparison and the CLI all ask for it.
 */
export function meanAbsAttribution(ex: ExplanationData): Float64Array {
  const cached = meanAbsCache.get(ex.values);
  if (cached) return cached;
  const m = ex.manifest.features.length;
  const n = ex.manifest.rows;
  const sum = new Float64Array(m);
  const cnt = new Float64Array(m);
  const v = ex.values;
  for (let i = 0; i < n; i++) {
    const row = i * m;
    for (let j = 0; j < m; j++) {
      const x = v[row + j];
      if (x === x) {
        sum[j] += x < 0 ? -x : x;
        cnt[j]++;
      }
    }
  }
  for (let j = 0; j < m; j++) {
    if (sum[j] === Infinity)
      sum[j] = scaledMeanAbs(v, j, m, n); // finite values whose sum overflowed (~1e308)
    else sum[j] = cnt[j] ? sum[j] / cnt[j] : NaN;
  }
  meanAbsCache.set(ex.values, sum);
  return sum;
}

/** Mean |x| of column j with every value divided by the largest first, so finite values never overflow. */
function scaledMeanAbs(v: Float64Array, j: number, m: number, n: number): number {
  let max = 0;
  for (let i = 0; i < n; i++) {
    const x = Math.abs(v[i * m + j]);
    if (x > max) max = x; // NaN compares false: left out, as above
  }
  if (max === Infinity) return Infinity; // a value that is itself infinite
  let sum = 0;
  let cnt = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i * m + j];
    if (x === x) {
      sum += Math.abs(x) / max;
      cnt++;
    }
  }
  return (sum / cnt) * max;
}

/** Feature indices by mean |attribution|, largest first (NaN last; ties keep the manifest's order). */
export function importanceOrder(meanAbs: Float64Array): number[] {
  const key = (j: number) => (Number.isNaN(meanAbs[j]) ? -Infinity : meanAbs[j]);
  return Array.from(meanAbs.keys()).sort((a, b) => key(b) - key(a) || a - b);
}
