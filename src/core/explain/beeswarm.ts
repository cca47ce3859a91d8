/**
 * The beeswarm, reduced on the host: 10,000 rows × 50 features would be 500,000 dots, more than a webview
 * draws quickly and more than an eye can tell apart. Per feature, the attribution axis is cut into `bins`
 * equal bins and the feature's value (scaled to [0, 1] within that feature) into COLOR_BUCKETS buckets, plus
 * one bucket for unknown values; every non-empty (bin, bucket) cell becomes one point standing for its rows
 * (`count`), placed at their mean attribution and coloured by their mean scaled value. The vertical spread
 * is the swarm's shape: a bin's points share a band whose half-width is 0.45 × the bin's rows / the busiest
 * bin's rows, spaced evenly across it in colour order (deterministic: the same explanation draws the same).
 * Cost: one pass over the rows per shown feature, O(rows + bins × buckets).
 */
export const COLOR_BUCKETS = 10;

export interface SwarmFeature {
  x: Float32Array;
  jitter: Float32Array;
  color: Float32Array;
  count: Uint32Array;
}

/** `values` and `data` are row-major rows × m; `j` the feature's column. */
export function swarmOfFeature(values: Float64Array, data: Float64Array, rows: number, m: number, j: number, bins: number): SwarmFeature {
  let lo = Infinity;
  let hi = -Infinity;
  let dlo = Infinity;
  let dhi = -Infinity;
  for (let i = 0, p = j; i < rows; i++, p += m) {
    const v = values[p];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    const d = data[p];
    if (d < dlo) dlo = d;
    if (d > dhi) dhi = d;
  }
  // Comparisons with NaN are false, so non-finite rows never set the ranges; ±Infinity does and is refused below.
  if (!(lo <= hi) || !Number.isFinite(lo) || !Number.isFinite(hi)) return empty();
  const span = hi - lo;
  const nb = span > 0 ? Math.max(1, bins) : 1;
  const scale = span > 0 ? nb / span : 0;
  const dspan = dhi - dlo;
  const haveData = Number.isFinite(dlo) && Number.isFinite(dhi);
  const buckets = COLOR_BUCKETS + 1;
  const cells = nb * buckets;
  const cnt = new Uint32Array(cells);
  const sx = new Float64Array(cells);
  const sc = new Float64Array(cells);
  for (let i = 0, p = j; i < rows; i++, p += m) {
    const v = values[p];
    if (!(v >= lo && v <= hi)) continue;
    let b = ((v - lo) * scale) | 0;
    if (b >= nb) b = nb - 1;
    const d = data[p];
    let c: number;
    let t = NaN;
    if (haveData && d >= dlo && d <= dhi) {
      t = dspan > 0 ? (d - dlo) / dspan : 0.5;
      c = Math.min(COLOR_BUCKETS - 1, (t * COLOR_BUCKETS) | 0);
    } else c = COLOR_BUCKETS; // unknown (NaN) or infinite value: its own grey bucket
    const k = b * buckets + c;
    cnt[k]++;
    sx[k] += v;
    if (c < COLOR_BUCKETS) sc[k] += t;
  }
  const binRows = new Uint32Array(nb);
  const binPoints = new Uint32Array(nb);
  let points = 0;
  let busiest = 0;
  for (let b = 0; b < nb; b++) {
    for (let c = 0; c < buckets; c++) {
      const n = cnt[b * buckets + c];
      if (n) {
        binRows[b] += n;
        binPoints[b]++;
        points++;
      }
    }
    if (binRows[b] > busiest) busiest = binRows[b];
  }
  const out: SwarmFeature = { x: new Float32Array(points), jitter: new Float32Array(points), color: new Float32Array(points), count: new Uint32Array(points) };
  let q = 0;
  for (let b = 0; b < nb; b++) {
    if (!binPoints[b]) continue;
    const half = (0.45 * binRows[b]) / busiest;
    let slot = 0;
    for (let c = 0; c < buckets; c++) {
      const k = b * buckets + c;
      const n = cnt[k];
      if (!n) continue;
      out.x[q] = sx[k] / n;
      out.color[q] = c < COLOR_BUCKETS ? sc[k] / n : NaN;
      out.count[q] = n;
      out.jitter[q] = binPoints[b] === 1 ? 0 : half * (((slot + 0.5) / binPoints[b]) * 2 - 1);
      slot++;
      q++;
    }
  }
  return out;
}

function empty(): SwarmFeature {
  return { x: new Float32Array(0), jitter: new Float32Array(0), color: new Float32Array(0), count: new Uint32Array(0) };
}
