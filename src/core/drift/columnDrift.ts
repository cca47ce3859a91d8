/**
 * One column, reference against current: the test Evidently would choose by default (chooseTest), its
 * verdict, and the figures reported for every column whatever the test: PSI, missing shares, values outside
 * the training range, categories never seen in training, and the two distributions for a chart.
 */
import {
  countOutside,
  distinctUnionOf,
  histogramSharesOf,
  ks2sampOf,
  populationStdOf,
  quantileBinEdgesOf,
  sharesOverOf,
  valueCountsOf,
  wassersteinOf,
} from './sortedStats';
import { valueAt } from './sortedFile';
import { chiSquareDrift, jensenShannon, proportionZTest, psi } from './stats';
import type { ColumnSummary } from './summary';
import type { ColumnDrift, ColumnOverride, DistributionSummary, DriftTestName } from './types';

/** Reference sizes up to this get the p-value tests (Evidently's default). */
export const SMALL_REFERENCE = 1000;
export const P_THRESHOLD = 0.05;
export const DISTANCE_THRESHOLD = 0.1;
/** Numeric columns with at most this many distinct values are treated as categories (chi-squared / binned JS). */
export const FEW_VALUES = 5;
/** Common bins for Jensen–Shannon on numbers and for the charts (Evidently's n_bins). */
export const JS_BINS = 30;
/** PSI bins: deciles of the reference (banking practice). */
export const PSI_BINS = 10;
/** The floor of the reference's standard deviation dividing the Wasserstein distance. */
export const STD_FLOOR = 0.001;
export const NEW_CATEGORIES_LISTED = 20;
export const CHART_CATEGORIES = 20;

const P_VALUE_TESTS: ReadonlySet<DriftTestName> = new Set(['ks', 'chisquare', 'z']);

export function isPValueTest(t: DriftTestName): boolean {
  return P_VALUE_TESTS.has(t);
}

export function defaultThreshold(t: DriftTestName): number {
  return isPValueTest(t) ? P_THRESHOLD : DISTANCE_THRESHOLD;
}

/** Evidently's default: by the reference's size (non-missing values), the kind, and the distinct values of both sides. */
export function chooseTest(ref: ColumnSummary, cur: ColumnSummary): { test: DriftTestName; reason: string } {
  const refCount = countOf(ref);
  const size = refCount <= SMALL_REFERENCE ? `reference ≤ ${SMALL_REFERENCE} values` : `reference > ${SMALL_REFERENCE} values`;
  if (ref.sorted) {
    const nValues = distinctUnionOf(ref.sorted, cur.sorted ?? new Float64Array(0));
    const what = `${ref.kind === 'datetime' ? 'dates (as instants)' : 'numeric'} with ${nValues} distinct value${nValues === 1 ? '' : 's'}`;
    if (refCount <= SMALL_REFERENCE) return { test: nValues > FEW_VALUES ? 'ks' : 'chisquare', reason: `${size}, ${what}` };
    return { test: nValues > FEW_VALUES ? 'wasserstein' : 'jensenshannon', reason: `${size}, ${what}` };
  }
  const nValues = unionKeys(ref.counts!, cur.counts ?? new Map<string, number>()).length;
  const what = `categorical with ${nValues} value${nValues === 1 ? '' : 's'}`;
  if (refCount <= SMALL_REFERENCE) return { test: nValues <= 2 ? 'z' : 'chisquare', reason: `${size}, ${what}` };
  return { test: 'jensenshannon', reason: `${size}, ${what}` };
}

function countOf(s: ColumnSummary): number {
  if (s.sorted) return s.sorted.length;
  let n = 0;
  if (s.counts) for (const c of s.counts.values()) n += c;
  return n + s.other;
}

function unionKeys(a: Map<string, number>, b: Map<string, number>): string[] {
  const keys = [...a.keys()];
  for (const k of b.keys()) if (!a.has(k)) keys.push(k);
  return keys.sort();
}

function sharesOfKeys(counts: Map<string, number>, keys: string[]): Float64Array {
  let total = 0;
  for (const k of keys) total += counts.get(k) ?? 0;
  const out = new Float64Array(keys.length);
  if (total > 0) for (let i = 0; i < keys.length; i++) out[i] = (counts.get(keys[i]) ?? 0) / total;
  return out;
}

export function compareColumn(ref: ColumnSummary, cur: ColumnSummary, override?: ColumnOverride): ColumnDrift {
  const missing = { ref: ref.rows ? ref.missing / ref.rows : 0, cur: cur.rows ? cur.missing / cur.rows : 0 };
  const out: ColumnDrift = {
    name: ref.name,
    kind: ref.kind,
    type: ref.type,
    test: null,
    reason: '',
    statistic: null,
    pValue: null,
    threshold: NaN,
    drifted: false,
    psi: null,
    missing,
    outOfRange: null,
    newCategories: null,
    refSummary: null,
    curSummary: null,
    count: { ref: countOf(ref), cur: cur.kind === 'empty' ? 0 : countOf(cur) },
  };
  if (ref.kind === 'empty') {
    out.reason = 'the reference has no values in this column';
    return out;
  }
  const curKind = cur.kind === 'empty' ? ref.kind : cur.kind;
  if (curKind !== ref.kind) {
    out.reason = `type changed from ${ref.type} to ${cur.type}: not tested`;
    return out;
  }
  // A current column without values is empty in the reference's kind.
  const c: ColumnSummary =
    cur.kind === 'empty' ? { ...cur, kind: ref.kind, sorted: ref.sorted ? new Float64Array(0) : null, counts: ref.counts ? new Map() : null } : cur;
  if (ref.sorted) numericExtras(ref, c, out);
  else categoricalExtras(ref, c, out);
  if (out.count.ref === 0 || out.count.cur === 0) {
    out.reason = out.count.cur === 0 ? 'no values in the current batch' : 'no values in the reference';
    return out;
  }
  const chosen = chooseTest(ref, c);
  const test = override?.test ?? chosen.test;
  out.reason = override?.test ? 'chosen for this column' : chosen.reason;
  if ((test === 'ks' || test === 'wasserstein') && !ref.sorted) {
    out.reason = `${test} needs numbers; this column is ${ref.type}`;
    return out;
  }
  if (test === 'z' && unionKeys(catCounts(ref), catCounts(c)).length > 2) {
    out.reason = 'the z-test needs a column with at most two values';
    return out;
  }
  out.test = test;
  out.threshold = override?.threshold ?? defaultThreshold(test);
  runTest(test, ref, c, out);
  if (isPValueTest(test)) out.drifted = out.pValue !== null && out.pValue < out.threshold;
  else out.drifted = out.statistic !== null && out.statistic >= out.threshold;
  return out;
}

function catCounts(s: ColumnSummary): Map<string, number> {
  return s.counts ?? valueCountsOf(s.sorted!);
}

function runTest(test: DriftTestName, ref: ColumnSummary, cur: ColumnSummary, out: ColumnDrift): void {
  switch (test) {
    case 'ks': {
      const r = ks2sampOf(ref.sorted!, cur.sorted!);
      out.statistic = r.statistic;
      out.pValue = r.pValue;
      return;
    }
    case 'wasserstein': {
      const std = Math.max(populationStdOf(ref.sorted!), STD_FLOOR);
      out.statistic = wassersteinOf(ref.sorted!, cur.sorted!) / std;
      return;
    }
    case 'chisquare': {
      const r = chiSquareDrift(catCounts(ref), catCounts(cur));
      out.statistic = r.statistic;
      out.pValue = r.pValue;
      return;
    }
    case 'z': {
      const keys = unionKeys(catCounts(ref), catCounts(cur));
      const rc = catCounts(ref);
      const cc = catCounts(cur);
      const r = proportionZTest(rc.get(keys[0]) ?? 0, countOf(ref), cc.get(keys[0]) ?? 0, countOf(cur));
      out.statistic = r.statistic;
      out.pValue = r.pValue;
      return;
    }
    case 'jensenshannon': {
      if (ref.sorted) {
        const h = histogramSharesOf(ref.sorted, cur.sorted!, JS_BINS);
        out.statistic = jensenShannon(h.ref, h.cur);
      } else {
        const keys = unionKeys(ref.counts!, cur.counts!);
        out.statistic = jensenShannon(sharesOfKeys(ref.counts!, keys), sharesOfKeys(cur.counts!, keys));
      }
      return;
    }
    case 'psi':
      out.statistic = out.psi;
      return;
  }
}

function numericExtras(ref: ColumnSummary, cur: ColumnSummary, out: ColumnDrift): void {
  const r = ref.sorted!;
  const c = cur.sorted!;
  const curNonMissing = c.length + cur.nonFinite;
  if (r.length > 0) {
    const { below, above } = countOutside(c, valueAt(r, 0), valueAt(r, r.length - 1));
    // Infinite values are outside any finite range; the reference's own infinities make them in range.
    const inf = ref.nonFinite > 0 ? 0 : cur.nonFinite;
    const count = below + above + inf;
    out.outOfRange = { count, share: curNonMissing ? count / curNonMissing : 0 };
  }
  if (r.length > 0 && c.length > 0) {
    const edges = quantileBinEdgesOf(r, PSI_BINS);
    out.psi = psi(sharesOverOf(r, edges), sharesOverOf(c, edges));
    const h = histogramSharesOf(r, c, JS_BINS);
    const edgeList = Array.from(h.edges);
    out.refSummary = { kind: 'histogram', edges: edgeList, shares: Array.from(h.ref) };
    out.curSummary = { kind: 'histogram', edges: edgeList, shares: Array.from(h.cur) };
  }
}

function categoricalExtras(ref: ColumnSummary, cur: ColumnSummary, out: ColumnDrift): void {
  const rc = ref.counts!;
  const cc = cur.counts!;
  const fresh: Array<{ value: string; count: number }> = [];
  let freshRows = 0;
  for (const [k, n] of cc) {
    if (rc.has(k)) continue;
    fresh.push({ value: k, count: n });
    freshRows += n;
  }
  fresh.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const curCount = countOf(cur);
  out.newCategories = { values: fresh.slice(0, NEW_CATEGORIES_LISTED), distinct: fresh.length, rows: freshRows, share: curCount ? freshRows / curCount : 0 };
  if (countOf(ref) === 0 || curCount === 0) return;
  const keys = unionKeys(rc, cc);
  out.psi = psi(sharesOfKeys(rc, keys), sharesOfKeys(cc, keys));
  out.refSummary = categorySummary(rc, ref.other, keys, rc, cc);
  out.curSummary = categorySummary(cc, cur.other, keys, rc, cc);
}

/** The CHART_CATEGORIES categories most common over both sides (same list on each), the rest as one share. */
function categorySummary(counts: Map<string, number>, other: number, keys: string[], rc: Map<string, number>, cc: Map<string, number>): DistributionSummary {
  const rTotal = sum(rc);
  const cTotal = sum(cc);
  const weight = (k: string) => (rTotal ? (rc.get(k) ?? 0) / rTotal : 0) + (cTotal ? (cc.get(k) ?? 0) / cTotal : 0);
  const top = [...keys].sort((a, b) => weight(b) - weight(a) || (a < b ? -1 : a > b ? 1 : 0)).slice(0, CHART_CATEGORIES);
  const total = sum(counts) + other;
  const categories = top.map((value) => ({ value, share: total ? (counts.get(value) ?? 0) / total : 0 }));
  const shown = categories.reduce((s, c) => s + c.share, 0);
  return { kind: 'categories', categories, otherShare: total ? Math.max(0, 1 - shown) : 0 };
}

function sum(m: Map<string, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}
