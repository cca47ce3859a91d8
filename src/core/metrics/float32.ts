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
