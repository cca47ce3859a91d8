/**
 * Exponential moving average, debiased like TensorBoard's: the average starts at 0 and is divided by
 * 1 − w^n, so the first points are not pulled towards zero. Non-finite values pass through unchanged and do
 * not move the average. `Ema` carries the state so live points extend a smoothed line without recomputing it.
 */
export class Ema {
  private last = 0;
  private n = 0;
  constructor(private readonly weight: number) {}

  push(y: number): number {
    if (!Number.isFinite(y)) return y;
    const w = this.weight;
    if (w <= 0) return y;
    this.last = this.last * w + (1 - w) * y;
    this.n++;
    const debias = w >= 1 ? 1 : 1 - Math.pow(w, this.n);
    return this.last / debias;
  }
}

export function smooth(y: ArrayLike<number>, weight: number, ema = new Ema(weight)): Float64Array {
  const out = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) out[i] = ema.push(y[i]);
  return out;
}
