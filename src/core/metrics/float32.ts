/**
 * Outward rounding to float32: the chart's min/max band travels as float32 (half the bytes of float64), and
 * rounding each end outward keeps every logged value, a spike included, inside the band.
 */
const f32 = new Float32Array(1);
const f32bits = new Int32Array(f32.buffer);

/** The largest float32 ≤ v, so the band's bottom is never above a value in it. */
export function f32Down(v: number): number {
  const f = Math.fround(v);
  if (f <= v || f !== f) return f;
  if (f === 0) return -1.401298464324817e-45;
  f32[0] = f;
  if (f > 0) f32bits[0]--;
  else f32bits[0]++;
  return f32[0];
}

/** The smallest float32 ≥ v, so the band's top is never below a value (a spike) in it. */
export function f32Up(v: number): number {
  const f = Math.fround(v);
  if (f >= v || f !== f) return f;
  if (f === 0) return 1.401298464324817e-45;
  f32[0] = f;
  if (f > 0) f32bits[0]++;
  else f32bits[0]--;
  return f32[0];
}

/** What a bucket of points is drawn as: the band's bottom and top (float32, rounded outward) and the line's value. */
export interface BucketBand {
  min: number;
  max: number;
  last: number;
}

/**
 * The band and line of values[i0..i1), the same whether a chart bucket is made at write time (the coarse
 * copy) or at read time (downsampling): NaN values are left out of the band, the line takes the last value
 * that is not NaN, and an all-NaN bucket is NaN throughout. Written into `out`, no allocation per bucket.
 */
export function bucketBand(values: ArrayLike<number>, i0: number, i1: number, out: BucketBand): BucketBand {
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = i0; i < i1; i++) {
    const v = values[i];
    if (v < mn) mn = v; // NaN compares false both ways: ignored
    if (v > mx) mx = v;
  }
  let j = i1 - 1;
  while (j >= i0 && values[j] !== values[j]) j--;
  out.last = j >= i0 ? values[j] : NaN;
  out.min = mn > mx ? NaN : f32Down(mn);
  out.max = mn > mx ? NaN : f32Up(mx);
  return out;
}
