/** Quantiles of sorted values by linear interpolation, as numpy.quantile(method='linear') computes them. */
import type { Quantiles } from './types';

export const QUANTILE_POINTS: Array<[keyof Quantiles, number]> = [
  ['p01', 0.01],
  ['p05', 0.05],
  ['p25', 0.25],
  ['p50', 0.5],
  ['p75', 0.75],
  ['p95', 0.95],
  ['p99', 0.99],
];

/** q-quantile of sorted[0, n) (n ≥ 1); the same virtual index and lerp as numpy (so results agree to the bit
 *  in practice), and equal to Python's statistics.quantiles(method='inclusive') cut points. */
export function quantileSorted(sorted: Float64Array, n: number, q: number): number {
  const virtual = n * q + (1 + q * -1) - 1; // numpy: n*q + (alpha + q*(1-alpha-beta)) - 1, alpha = beta = 1
  let lo = Math.floor(virtual);
  let gamma = virtual - lo;
  if (lo < 0) {
    lo = 0;
    gamma = 0;
  }
  if (lo >= n - 1) return sorted[n - 1];
  const a = sorted[lo];
  const b = sorted[lo + 1];
  const diff = b - a;
  if (!Number.isFinite(diff)) return a * (1 - gamma) + b * gamma; // neighbours further apart than the largest double
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

export function quantilesOf(sorted: Float64Array, n: number): Quantiles {
  const out = {} as Quantiles;
  for (const [key, q] of QUANTILE_POINTS) out[key] = quantileSorted(sorted, n, q);
  return out;
}

/** Small seeded PRNG (xorshift32) so a sampled profile of the same file is the same every time. */
export class Xorshift32 {
  private s: number;
  constructor(seed = 0x9e3779b9) {
    this.s = seed | 0 || 1;
  }
  /** Uniform in [0, 1) with 53 random bits. */
  next01(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    let y = x;
    y ^= y << 13;
    y ^= y >>> 17;
    y ^= y << 5;
    this.s = y;
    return ((x >>> 5) * 67108864 + (y >>> 6)) / 9007199254740992;
  }

  /** Uniform integer in [0, n) for n ≤ 2^32 (n up to ~2^53 with slight bias, fine for sampling). */
  below(n: number): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x;
    let y = this.s;
    y ^= y << 13;
    y ^= y >>> 17;
    y ^= y << 5;
    this.s = y;
    const u = ((x >>> 0) * 4294967296 + (y >>> 0)) / 18446744073709551616;
    return Math.floor(u * n);
  }
}
