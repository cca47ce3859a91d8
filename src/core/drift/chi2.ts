/**
 * Survival functions the drift tests need: χ² (scipy.stats.chi2.sf = the regularized upper incomplete gamma
 * Q(df/2, x/2)) and the standard normal (scipy.stats.norm.sf = erfc(z/√2)/2 = Q(½, z²/2)/2).
 * Accuracy: relative error below 1e-13 against scipy's cephes igamc for the arguments tests exercise (df up to
 * 10⁴, tails down to 1e-300); the prefactor x^a e^(−x)/Γ(a) goes through Loader's deviance form, so large df
 * keep their digits.
 */
import { logPoissonTerm } from './logTerms';

const EPS = 2.220446049250313e-16;
const MAX_ITER = 200_000;

/** Q(a, x) = Γ(a, x)/Γ(a); NaN for a ≤ 0 or NaN input (scipy returns NaN there too). */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  if (x === Infinity) return 0;
  if (x < a + 1) return 1 - gammaPSeries(a, x);
  return gammaQContinuedFraction(a, x);
}

/** P(a, x) by its power series x^a e^(−x)/Γ(a+1) · Σ x^k / ((a+1)…(a+k)); converges fast for x < a + 1. */
function gammaPSeries(a: number, x: number): number {
  let term = 1;
  let sum = 1;
  for (let k = 1; k < MAX_ITER; k++) {
    term *= x / (a + k);
    sum += term;
    if (term < sum * EPS) break;
  }
  return Math.exp(logPoissonTerm(a, x)) * sum;
}

/** Q(a, x) by the Legendre continued fraction (modified Lentz), for x ≥ a + 1. */
function gammaQContinuedFraction(a: number, x: number): number {
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITER; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  // x^a e^(−x)/Γ(a) = a · x^a e^(−x)/Γ(a+1)
  return Math.exp(logPoissonTerm(a, x) + Math.log(a)) * h;
}

/** scipy.stats.chi2.sf(x, df); NaN when df ≤ 0 (scipy: nan for df = 0, e.g. a single category). */
export function chi2Sf(x: number, df: number): number {
  if (!(df > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  return gammaQ(df / 2, x / 2);
}

/** scipy.stats.norm.sf(z), relative accuracy kept in the far upper tail. */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === 0) return 0.5;
  const q = 0.5 * gammaQ(0.5, (z * z) / 2);
  return z > 0 ? q : 1 - q;
}
