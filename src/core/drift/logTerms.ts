/**
 * Building blocks for probabilities whose logarithms are large but whose values are not (binomial and Poisson
 * terms with n in the millions): Loader's saddle-point pieces keep them to a few ulps where lgamma differences
 * would lose |log| × 2⁻⁵² (C. Loader, "Fast and accurate computation of binomial probabilities", 2000).
 */

const LN_SQRT_2PI = 0.9189385332046728; // ln √(2π)

/** Lanczos (g = 7, 9 terms): ln Γ(x) for x > 0 with an absolute error below ~2e-15 where it is used (x < 16). */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function lgamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  const z = x - 1;
  let s = LANCZOS[0];
  for (let i = 1; i < 9; i++) s += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/** ln(n!) exactly for the integers whose factorial is a double (n ≤ 22 keeps every digit). */
function lnFactorialSmall(n: number): number {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return Math.log(f);
}

const S0 = 1 / 12;
const S1 = 1 / 360;
const S2 = 1 / 1260;
const S3 = 1 / 1680;
const S4 = 1 / 1188;

/**
 * stirlerr(n) = ln Γ(n+1) − [(n + ½) ln n − n + ln √(2π)], the error of Stirling's formula. Above 15 its asymptotic
 * series is used (the first omitted term is < 3e-16 there); below, the difference of the two sides.
 */
export function stirlerr(n: number): number {
  if (n > 15) {
    const nn = n * n;
    // Bernoulli-number coefficients 1/12, 1/360, 1/1260, 1/1680, 1/1188
    return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
  }
  if (n <= 0) return 0;
  const lnGamma = Number.isInteger(n) && n <= 22 ? lnFactorialSmall(n) : lgamma(n + 1);
  return lnGamma - (n + 0.5) * Math.log(n) + n - LN_SQRT_2PI;
}

/** bd0(x, μ) = x ln(x/μ) + μ − x, the deviance term, without its cancellation when x ≈ μ. */
export function bd0(x: number, mu: number): number {
  if (x === 0) return mu;
  if (!(mu > 0)) return Infinity;
  if (Math.abs(x - mu) < 0.1 * (x + mu)) {
    const v = (x - mu) / (x + mu);
    let s = (x - mu) * v;
    let ej = 2 * x * v;
    const v2 = v * v;
    for (let j = 1; j < 1000; j++) {
      ej *= v2;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / mu) + mu - x;
}

/** ln of the binomial probability C(n,k) p^k q^(n−k) with n·p = np and n·q = nq given directly (0 < k < n). */
export function logBinomialTerm(k: number, n: number, np: number, nq: number): number {
  const lc = stirlerr(n) - stirlerr(k) - stirlerr(n - k) - bd0(k, np) - bd0(n - k, nq);
  return lc + 0.5 * Math.log(n / (2 * Math.PI * k * (n - k)));
}

/** ln of x^a e^(−x) / Γ(a+1), the Poisson-like factor in front of the incomplete gamma series. */
export function logPoissonTerm(a: number, x: number): number {
  if (x === 0) return a === 0 ? 0 : -Infinity;
  if (a < 10) return a * Math.log(x) - x - lgamma(a + 1);
  return -stirlerr(a) - bd0(a, x) - 0.5 * Math.log(2 * Math.PI * a);
}

/**
 * numpy's pairwise summation (np.add.reduce on a contiguous float64 array): blocks of up to 128 summed with eight
 * accumulators, larger ranges split in halves rounded to a multiple of 8. Same order as numpy, so the same bits.
 */
export function pairwiseSum(a: Float64Array, start = 0, n = a.length - start): number {
  if (n < 8) {
    let s = -0;
    for (let i = 0; i < n; i++) s += a[start + i];
    return s;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] += a[start + i + k];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = n / 2;
  n2 -= n2 % 8;
  n2 = Math.floor(n2);
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}
