/**
 * The drift statistics, equal to scipy 1.10's on the same data (test/unit/driftStats.test.ts checks them against
 * fixtures that Debian's scipy computed; test/fixtures/drift/make_fixtures.py made them). All pure, no I/O.
 *
 * Inputs: typed arrays with NaN already removed by the caller (scipy would sort NaN last and compare with it, giving
 * a meaningless result; Evidently drops NaN before testing). ±Infinity are ordinary values for ks2samp but make
 * wasserstein and the histograms NaN or Infinity: callers should count them as "outside the training range"
 * and drop them too. Nothing here throws: empty inputs give NaN statistics and null p-values.
 */
import { chi2Sf, normalSf } from './chi2';
import { kstwoSf, outerProbInside, probOutsideSquare } from './ksDistribution';
import { pairwiseSum } from './logTerms';

export interface TestResult {
  statistic: number;
  /** null where scipy's answer is NaN (no test possible: empty sample, a single category). */
  pValue: number | null;
}

/** scipy's MAX_AUTO_N: method='auto' is exact when both samples have at most this many values. */
export const KS_MAX_EXACT_N = 10_000;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** numpy's round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/**
 * scipy.stats.ks_2samp(a, b) (two-sided, method='auto'): D = sup |F_a − F_b| over the pooled values (ties counted
 * on both sides, as searchsorted(side='right') does); exact p-value when max(n1, n2) ≤ 10,000, else
 * kstwo.sf(D, round(n1·n2/(n1+n2))). In exact mode D is returned as h/lcm(n1, n2) like scipy. When the exact
 * computation fails (a probability outside [0, 1]) it falls back to the asymptotic one, as scipy does with a warning.
 * O(n1 + n2) on sorted input.
 */
export function ks2samp(aSorted: Float64Array, bSorted: Float64Array): TestResult & { method: 'exact' | 'asymp' } {
  const n1 = aSorted.length;
  const n2 = bSorted.length;
  if (n1 === 0 || n2 === 0) return { statistic: NaN, pValue: null, method: 'asymp' };
  let minDiff = Infinity;
  let maxDiff = -Infinity;
  let i = 0;
  let j = 0;
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && aSorted[i] <= bSorted[j]) ? aSorted[i] : bSorted[j];
    while (i < n1 && aSorted[i] <= v) i++;
    while (j < n2 && bSorted[j] <= v) j++;
    const diff = i / n1 - j / n2;
    if (diff < minDiff) minDiff = diff;
    if (diff > maxDiff) maxDiff = diff;
  }
  return ksFromDiffs(minDiff, maxDiff, n1, n2);
}

/** ks2samp's statistic and p-value from the extreme CDF differences of its merge walk (also sortedStats.ts's). */
export function ksFromDiffs(minDiff: number, maxDiff: number, n1: number, n2: number): TestResult & { method: 'exact' | 'asymp' } {
  const minS = clip01(-minDiff);
  let d = minS > maxDiff ? minS : maxDiff;
  const g = gcd(n1, n2);
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, method: 'exact' };
    const prob = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (prob >= 0 && prob <= 1) return { statistic: d, pValue: prob, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const p = kstwoSf(d, roundHalfEven(en));
  return { statistic: d, pValue: Number.isNaN(p) ? null : clip01(p), method: 'asymp' };
}

/**
 * scipy.stats.wasserstein_distance(a, b): ∫ |F_a − F_b| over the pooled values, by one merge. The sum is
 * compensated (Neumaier), so it is within a few ulps of the exact sum and of numpy's pairwise one.
 */
export function wasserstein(aSorted: Float64Array, bSorted: Float64Array): number {
  const n1 = aSorted.length;
  const n2 = bSorted.length;
  if (n1 === 0 || n2 === 0) return NaN;
  let i = 0;
  let j = 0;
  let sum = 0;
  let comp = 0;
  let prev = Math.min(aSorted[0], bSorted[0]);
  while (i < n1 || j < n2) {
    const v = j >= n2 || (i < n1 && aSorted[i] <= bSorted[j]) ? aSorted[i] : bSorted[j];
    if (v !== prev) {
      // the CDFs right of prev hold until v
      const term = Math.abs(i / n1 - j / n2) * (v - prev);
      const t = sum + term;
      comp += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
      sum = t;
      prev = v;
    }
    while (i < n1 && aSorted[i] <= v) i++;
    while (j < n2 && bSorted[j] <= v) j++;
  }
  return sum + comp;
}

/**
 * Evidently's chi-squared test for a categorical column: scipy.stats.chisquare(f_obs, f_exp) over the sorted union
 * of categories, f_obs = current counts, f_exp = reference count × (current total / reference total) (Evidently's
 * k_norm). A category present now but never in the reference has f_exp = 0, so its term (obs − 0)²/0 is +∞: the
 * statistic is Infinity and the p-value 0 — Evidently reports drift, as this does. A category only in the reference
 * contributes its whole expected count. dof = categories − 1; with one category scipy's p-value is NaN (null here).
 */
export function chiSquareDrift(refCounts: Map<string, number>, curCounts: Map<string, number>): TestResult & { dof: number } {
  const keys = [...new Set([...refCounts.keys(), ...curCounts.keys()])].sort();
  let refTotal = 0;
  let curTotal = 0;
  for (const c of refCounts.values()) refTotal += c;
  for (const c of curCounts.values()) curTotal += c;
  const dof = keys.length - 1;
  if (keys.length === 0 || !(refTotal > 0) || !(curTotal > 0)) return { statistic: NaN, pValue: null, dof: Math.max(dof, 0) };
  const kNorm = curTotal / refTotal;
  const terms = new Float64Array(keys.length);
  keys.forEach((k, i) => {
    const exp = (refCounts.get(k) ?? 0) * kNorm;
    const obs = curCounts.get(k) ?? 0;
    terms[i] = exp === 0 ? (obs === 0 ? NaN : Infinity) : (obs - exp) ** 2 / exp;
  });
  const stat = pairwiseSum(terms);
  const p = chi2Sf(stat, dof);
  return { statistic: stat, pValue: Number.isNaN(p) ? null : p, dof };
}

/**
 * Evidently's two-proportion z-test for binary columns: z = (p₁ − p₂) / √(P(1−P)(1/n₁ + 1/n₂)) with the pooled
 * P = (x₁ + x₂)/(n₁ + n₂); two-sided p = 2·norm.sf(|z|). Evidently writes 2·(1 − norm.cdf(|z|)), which is the same
 * number to ~1e-16 absolute but rounds p-values below ~1e-16 to 0; this keeps them. When both samples hold one and
 * the same value (P = 0 or 1) z is 0/0: Evidently returns p = 1 there, and so does this (statistic 0).
 */
export function proportionZTest(refPositive: number, refTotal: number, curPositive: number, curTotal: number): TestResult {
  if (!(refTotal > 0 && curTotal > 0)) return { statistic: NaN, pValue: null };
  const p1 = refPositive / refTotal;
  const p2 = curPositive / curTotal;
  const P = (p1 * refTotal + p2 * curTotal) / (refTotal + curTotal);
  if (P <= 0 || P >= 1) return { statistic: 0, pValue: 1 };
  const z = (p1 - p2) / Math.sqrt(P * (1 - P) * (1.0 / refTotal + 1.0 / curTotal));
  return { statistic: z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/** scipy's rel_entr(x, y) */
function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/**
 * scipy.spatial.distance.jensenshannon(p, q): √(½·(KL(p‖m) + KL(q‖m))), m = (p+q)/2, natural log; both vectors are
 * renormalised to sum 1 first, as scipy does, with numpy's summation order. 0 for identical vectors; at most √ln 2.
 */
export function jensenShannon(p: Float64Array, q: Float64Array): number {
  const n = p.length;
  if (n === 0 || q.length !== n) return NaN;
  const sp = pairwiseSum(p);
  const sq = pairwiseSum(q);
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const pi = p[i] / sp;
    const qi = q[i] / sq;
    const m = (pi + qi) / 2.0;
    left[i] = relEntr(pi, m);
    right[i] = relEntr(qi, m);
  }
  const js = pairwiseSum(left) + pairwiseSum(right);
  return Math.sqrt(js / 2.0);
}

/** np.linspace(start, stop, num) bit for bit: i·step + start, the last point set to stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/**
 * The share vectors of sorted values over edges, np.histogram semantics: bin i is [eᵢ, eᵢ₊₁), the last bin closed;
 * values outside [e₀, e_last] are not counted; shares are counts / (all values), so they sum to less than 1 when
 * some fall outside. O(bins · log n).
 */
export function sharesOver(sorted: Float64Array, edges: Float64Array): Float64Array {
  const nb = edges.length - 1;
  const out = new Float64Array(Math.max(nb, 0));
  if (nb <= 0 || sorted.length === 0) return out;
  const atOrAbove = (e: number, inclusive: boolean): number => {
    // number of values < e (side 'left') or ≤ e (side 'right')
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inclusive ? sorted[mid] <= e : sorted[mid] < e) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let prev = atOrAbove(edges[0], false);
  for (let i = 0; i < nb; i++) {
    const next = i === nb - 1 ? atOrAbove(edges[nb], true) : atOrAbove(edges[i + 1], false);
    out[i] = (next - prev) / sorted.length;
    prev = next;
  }
  return out;
}

/**
 * Evidently's numerical Jensen–Shannon input: np.histogram_bin_edges(concat(a, b), bins=30) (equal widths over the
 * pooled range; a single pooled value v gets [v − 0.5, v + 0.5]), and each sample's shares over them. Empty bins stay 0.
 */
export function histogramShares(aSorted: Float64Array, bSorted: Float64Array, bins = 30): { edges: Float64Array; ref: Float64Array; cur: Float64Array } {
  const n1 = aSorted.length;
  const n2 = bSorted.length;
  if (n1 + n2 === 0 || !(bins >= 1)) return { edges: new Float64Array(0), ref: new Float64Array(0), cur: new Float64Array(0) };
  const lo = Math.min(n1 ? aSorted[0] : Infinity, n2 ? bSorted[0] : Infinity);
  const hi = Math.max(n1 ? aSorted[n1 - 1] : -Infinity, n2 ? bSorted[n2 - 1] : -Infinity);
  const edges = histogramEdges(lo, hi, bins);
  return { edges, ref: sharesOver(aSorted, edges), cur: sharesOver(bSorted, edges) };
}

/** np.histogram_bin_edges over a pooled range [lo, hi]: equal widths; a single value v gets [v − 0.5, v + 0.5]. */
export function histogramEdges(lo: number, hi: number, bins: number): Float64Array {
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  return linspace(lo, hi, Math.floor(bins) + 1);
}

/** The default floor for empty bins in psi(): 1e-4, a share of one in ten thousand. */
export const PSI_EPS = 1e-4;

/**
 * Population stability index Σ (c − r)·ln(c / r) over share vectors of the same bins, each share floored at eps
 * (default 1e-4) so an empty bin on one side contributes a large but finite amount. Numerical columns: the bins
 * of quantileBinEdges (10 reference quantiles); categorical: the category shares over the union of categories.
 */
export function psi(refShares: Float64Array, curShares: Float64Array, eps = PSI_EPS): number {
  if (refShares.length !== curShares.length || refShares.length === 0) return NaN;
  const terms = new Float64Array(refShares.length);
  for (let i = 0; i < refShares.length; i++) {
    const r = Math.max(refShares[i], eps);
    const c = Math.max(curShares[i], eps);
    terms[i] = (c - r) * Math.log(c / r);
  }
  return pairwiseSum(terms);
}

/**
 * PSI bins for a numerical column: the reference's quantiles at 0, 1/bins, …, 1 (np.quantile, linear interpolation,
 * bit for bit), duplicates removed (ties would give empty zero-width bins), then the first and last edge opened to
 * −∞ and +∞ so current values outside the training range land in the end bins instead of being dropped.
 */
export function quantileBinEdges(refSorted: Float64Array, bins = 10): Float64Array {
  return quantileBinEdgesBy(refSorted.length, (i) => refSorted[i], bins);
}

/** quantileBinEdges over n sorted values read by index (a column on disk reads the few it needs). */
export function quantileBinEdgesBy(n: number, at: (i: number) => number, bins = 10): Float64Array {
  if (n === 0 || !(bins >= 1)) return new Float64Array([-Infinity, Infinity]);
  const qs = linspace(0, 1, Math.floor(bins) + 1);
  const raw: number[] = [];
  for (const q of qs) {
    const virt = (n - 1) * q;
    let prevIdx = Math.floor(virt);
    let nextIdx = prevIdx + 1;
    if (virt >= n - 1) {
      prevIdx = n - 1;
      nextIdx = n - 1;
    }
    nextIdx = Math.min(nextIdx, n - 1);
    const gamma = virt - Math.floor(virt);
    const a = at(prevIdx);
    const b = at(nextIdx);
    const diff = b - a;
    raw.push(gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma);
  }
  const edges = raw.filter((v, i) => i === 0 || v !== raw[i - 1]);
  if (edges.length < 2) return new Float64Array([-Infinity, Infinity]);
  edges[0] = -Infinity;
  edges[edges.length - 1] = Infinity;
  return new Float64Array(edges);
}
