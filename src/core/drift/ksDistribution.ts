/**
 * The distributions behind scipy 1.10's ks_2samp p-values:
 * - exact two-sample (method 'exact'): the lattice-path probabilities of scipy.stats._stats_py
 *   (_compute_prob_outside_square for n1 = n2, the pythran _compute_outer_prob_inside_method otherwise, Hodges 1958
 *   with Viehmann's 1 − p recursion), same operations in the same order, so the same doubles;
 * - asymptotic (method 'asymp'): scipy.stats.kstwo.sf(d, round(en)), the one-sample two-sided Kolmogorov
 *   distribution, with scipy's _ksstats._kolmogn choice of algorithm (Simard & L'Ecuyer 2011): Ruben–Gambino
 *   closed forms at the ends, 2 × smirnov where the two one-sided tails do not overlap, the Durbin matrix
 *   (Marsaglia–Tsang–Wang) for small n·d, Pelz–Good's asymptotic series otherwise.
 * One difference in method, not in result: where scipy uses Pomeranz's recursion (n ≤ 140, 0.754693 < n·d² ≤ 4)
 * this uses the Durbin matrix; both are exact, so they agree to rounding (checked against scipy in the tests).
 * scipy.special.smirnov (double-double arithmetic in cephes) is replaced by the Birnbaum–Tingey sum with every
 * term taken through Loader's saddle-point form: all terms are positive, so the sum keeps ~1e-14 relative accuracy.
 */
import { logBinomialTerm, stirlerr } from './logTerms';

const E128 = 2 ** 128;
const EM128 = 2 ** -128;
const MIN_LOG = -708.3964185322641; // cephes MINLOG = ln(DBL_MIN)
const EPS = 2.220446049250313e-16;

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** x · 2^e without overflowing 2^e on the way (Math.pow(2, e) is exact for |e| ≤ 1023). */
function ldexp(x: number, e: number): number {
  while (e > 1000) {
    x *= 2 ** 1000;
    e -= 1000;
  }
  while (e < -1000) {
    x *= 2 ** -1000;
    e += 1000;
  }
  return x * 2 ** e;
}

/** scipy.special.smirnov(n, x): P(D⁺ₙ ≥ x), the one-sided one-sample statistic. */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;
  const nx = n * x;
  if (nx <= 1) return clip01(1 - x * Math.exp((n - 1) * Math.log1p(x)));
  if (-2 * n * x * x < MIN_LOG) return 0;
  if (Math.floor(nx) >= n - 1) return clip01(Math.exp(n * Math.log1p(-x)));
  if (n > 1_000_000) {
    // scipy's own approximation above SMIRNOV_MAX_COMPUTE_N: p ≈ exp(−(6nx+1)²/18n)
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return clip01(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }
  // Birnbaum–Tingey: Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) x (x+v/n)^(v−1) (1−x−v/n)^(n−v); the v-th term is
  // (x/p) · Binomial(v; n, p) with p = x + v/n, whose n·p = nx + v and n·q = n − v − nx.
  let sum = Math.exp(n * Math.log1p(-x));
  let prev = sum;
  const last = Math.floor(n - nx);
  for (let v = 1; v <= last; v++) {
    const nq = n - v - nx;
    if (!(nq > 0)) break;
    const np = nx + v;
    const term = (nx / np) * Math.exp(logBinomialTerm(v, n, np, nq));
    sum += term;
    // Past the largest term the rest decrease; stop once they cannot change the sum.
    if (term < prev && 4 * (last - v) * term < EPS * sum) break;
    prev = term;
  }
  return clip01(x === 0 ? 1 : sum);
}

/** ln(n!/nⁿ) */
function logFactorialOverPower(n: number): number {
  return stirlerr(n) + 0.5 * Math.log(2 * Math.PI * n) - n;
}

function matMul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const c = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k];
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) c[i * m + j] += aik * b[k * m + j];
    }
  }
  return c;
}

/** P(Dₙ ≤ d) by Durbin's matrix algorithm as Marsaglia, Tsang & Wang (2003) evaluate it: the k-th diagonal entry of (n!/nⁿ)·Hⁿ. */
export function kolmogornCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1];
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];

  let P: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) P[i * m + i] = 1;
  let expnt = 0;
  let hExpnt = 0;
  let nn = n;
  while (nn > 0) {
    if (nn % 2) {
      P = matMul(P, H, m);
      expnt += hExpnt;
    }
    H = matMul(H, H, m);
    hExpnt *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]) > E128) {
      for (let i = 0; i < H.length; i++) H[i] /= E128;
      hExpnt += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = P[(k - 1) * m + (k - 1)];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      expnt -= 128;
    }
  }
  return clip01(expnt !== 0 ? ldexp(p, expnt) : p);
}

const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT2PI = Math.sqrt(2 * Math.PI);

/** Pelz & Good (1976): P(Dₙ ≤ x) ≈ K₀(z) + K₁(z)/√n + K₂(z)/n + K₃(z)/n^1.5 with z = x√n, in theta-function form. */
export function kolmogornCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  const q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  // Σ c_k q^((2k−1)²) over odd squares, Horner-style in q^(8k)
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k >= 1; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const m4 = m2 * m2;
    const m6 = m4 * m2;
    const qp = q ** (8 * k);
    const c = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i] * qp + c[i];
  }
  const den = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i] * q * SQRT2PI) / den[i];
  // The terms over all integers k in K₂ and K₃
  const q2 = Math.exp(-PI2 / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k >= 1; k--) {
    const ksq = k * k;
    const qp = q2 ** ksq;
    const kpi = Math.PI * k;
    k2extra += ksq * qp;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * ksq * qp;
  }
  K[2] += (k2extra * PI2 * SQRT2PI) / (-36 * z2 * z);
  K[3] += (k3extra * PI2 * SQRT2PI) / (216 * z6);
  return K[0] + K[1] / Math.sqrt(n) + K[2] / n + K[3] / n ** 1.5;
}

/** scipy.stats._ksstats._kolmogn(n, x, cdf=False): P(Dₙ ≥ x) for the two-sided one-sample statistic. */
export function kolmogornSf(n: number, x: number): number {
  if (!(Number.isInteger(n) && n > 0) || Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else {
      prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - prob);
  }
  if (t >= n - 1) return clip01(2 * (1 - x) ** n);
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nxsq = t * x;
  if (n <= 140) {
    if (nxsq <= 4) return clip01(1 - kolmogornCdfDurbin(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nxsq >= 370) return 0;
  if (nxsq >= 2.2) return clip01(2 * smirnovSf(n, x));
  let cdf: number;
  if (nxsq >= 18) cdf = 1;
  else if (n <= 100_000 && n * x ** 1.5 <= 1.4) cdf = kolmogornCdfDurbin(n, x);
  else cdf = kolmogornCdfPelzGood(n, x);
  return clip01(1 - cdf);
}

/** scipy.stats.kstwo.sf(x, n), including rv_continuous's handling of the support [0.5/n, 1]. */
export function kstwoSf(x: number, n: number): number {
  if (!(Number.isInteger(n) && n >= 1) || Number.isNaN(x)) return NaN;
  if (x <= 0.5 / n) return 1;
  if (x >= 1) return 0;
  return kolmogornSf(n, x);
}

/** P(D_{n,n} ≥ h/n): 2·Σ (−1)^(k+1) C(2n, n−kh)/C(2n, n) in Horner form (scipy's _compute_prob_outside_square). */
export function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * The share of lattice paths from (0,0) to (m,n) that leave the band |x/m − y/n| < h/lcm(m,n) — the exact
 * two-sided p-value for n1 ≠ n2 (scipy's _compute_outer_prob_inside_method: one sliding column, 1 − p recursion).
 */
export function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  let m = m0;
  let n = n0;
  if (m < n) [m, n] = [n, m];
  const mg = Math.floor(m / g);
  const ng = Math.floor(n / g);
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  for (let j = minj; j < Math.min(maxj, lenA); j++) A[j] = 0;
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.max(Math.floor((ng * i - h) / mg) + 1, 0);
    minj = Math.min(minj, n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj] * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) {
      const end = Math.min(maxj - minj + (lastlen - curlen), lenA);
      for (let j = maxj - minj; j < end; j++) A[j] = 1;
    }
  }
  return A[maxj - minj - 1];
}
