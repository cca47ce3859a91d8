/**
 * The closed band outline (max forward, min back) of each stretch of finite buckets, separated by gaps.
 * With `maxBuckets`, neighbouring buckets are merged (min of the mins, max of the maxes) until at most that
 * many remain: the band never needs more than about one bucket per pixel, and merging keeps every extreme,
 * so a spike stays exactly as high. (It halves the drawing cost of 100 runs.)
 */
export function bandPolygon(
  x: Float64Array,
  min: Float32Array,
  max: Float32Array,
  n: number,
  maxBuckets = Infinity,
): { x: Array<number | null>; y: Array<number | null> } {
  const per = Math.max(1, Math.ceil(n / Math.max(1, maxBuckets)));
  // Merged buckets: [x of the group's last finite bucket, min, max], NaN marking a group with no finite bucket.
  const m = Math.ceil(n / per);
  const gx = new Float64Array(m);
  const glo = new Float64Array(m);
  const ghi = new Float64Array(m);
  for (let g = 0; g < m; g++) {
    let lo = Infinity;
    let hi = -Infinity;
    let gxv = NaN;
    for (let i = g * per, e = Math.min(n, i + per); i < e; i++) {
      const a = min[i];
      const b = max[i];
      if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(x[i])) continue;
      if (a < lo) lo = a;
      if (b > hi) hi = b;
      gxv = x[i];
    }
    gx[g] = gxv;
    glo[g] = lo;
    ghi[g] = hi;
  }
  const bx: Array<number | null> = [];
  const by: Array<number | null> = [];
  let i = 0;
  while (i < m) {
    while (i < m && Number.isNaN(gx[i])) i++;
    const a = i;
    while (i < m && !Number.isNaN(gx[i])) i++;
    const b = i - 1;
    if (b < a) continue;
    if (bx.length) {
      bx.push(null);
      by.push(null);
    }
    for (let k = a; k <= b; k++) {
      bx.push(gx[k]);
      by.push(ghi[k]);
    }
    for (let k = b; k >= a; k--) {
      bx.push(gx[k]);
      by.push(glo[k]);
    }
  }
  return { x: bx, y: by };
}
