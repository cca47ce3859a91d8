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
  for (let j = 0; j < m; j++) sum[j] = cnt[j] ? sum[j] / cnt[j] : NaN;
  meanAbsCache.set(ex.values, sum);
  return sum;
}

/** Feature indices by mean |attribution|, largest first (NaN last; ties keep the manifest's order). */
export function importanceOrder(meanAbs: Float64Array): number[] {
  const key = (j: number) => (Number.isNaN(meanAbs[j]) ? -Infinity : meanAbs[j]);
  return Array.from(meanAbs.keys()).sort((a, b) => key(b) - key(a) || a - b);
}
