/**
 * What the Drift panel derives from the engine's report, without the DOM: one drift score per column on a
 * common scale (1 = the column's own drift line, whatever its test), the sorts of the column table, and the
 * words and numbers the page prints. The report itself is never recomputed here.
 */
import { fmt } from '../shared/format';
import type { BatchFailure, BatchReport, ColumnDrift, ColumnSort, DriftReport } from './protocol';

const P_TESTS = new Set(['ks', 'chisquare', 'z']);
/** p-values below this count as this (a p-value of exactly 0 would make the score infinite). */
const P_FLOOR = 1e-300;

export function isFailure(b: BatchReport | BatchFailure): b is BatchFailure {
  return 'error' in b;
}

export function isPValue(c: ColumnDrift): boolean {
  return c.test !== null && P_TESTS.has(c.test);
}

/**
 * A column's drift relative to its threshold, so columns tested differently share one axis and 1 is the line:
 * distances (Wasserstein / std, Jensen–Shannon, PSI) statistic / threshold; p-value tests (KS, chi-squared,
 * z) log p / log threshold, which is 1 at p = threshold and grows as p falls (0 at p = 1). Null when untested.
 */
export function driftScore(c: ColumnDrift): number | null {
  if (c.test === null) return null;
  if (isPValue(c)) {
    const p = num(c.pValue);
    const t = c.threshold;
    if (p === null || !(t > 0 && t < 1)) return null;
    return Math.log(Math.max(p, P_FLOOR)) / Math.log(t);
  }
  const s = num(c.statistic);
  if (s === null || !(c.threshold > 0)) return null;
  return s / c.threshold;
}

/** A finite number, or null (the JSON report carries NaN as null and ±Infinity as text). */
export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The columns in table order: by drift (drifted first, then by score) or by risk (the engine's ranking first). */
export function sortColumns(b: BatchReport, sort: ColumnSort): ColumnDrift[] {
  const byDrift = (x: ColumnDrift, y: ColumnDrift) =>
    Number(y.drifted) - Number(x.drifted) || (driftScore(y) ?? -1) - (driftScore(x) ?? -1) || x.name.localeCompare(y.name);
  const cols = [...b.columns];
  if (sort === 'drift' || b.risk.length === 0) return cols.sort(byDrift);
  const rank = new Map(b.risk.map((r, i) => [r.column, i]));
  return cols.sort((x, y) => (rank.get(x.name) ?? Infinity) - (rank.get(y.name) ?? Infinity) || byDrift(x, y));
}

/** Every column the table lists: the features, then the prediction and the actual (label) columns. */
export function tableColumns(b: BatchReport, sort: ColumnSort): Array<{ c: ColumnDrift; role: 'feature' | 'prediction' | 'actual' }> {
  return [
    ...sortColumns(b, sort).map((c) => ({ c, role: 'feature' as const })),
    ...(b.prediction ? [{ c: b.prediction, role: 'prediction' as const }] : []),
    ...(b.actual ? [{ c: b.actual, role: 'actual' as const }] : []),
  ];
}

export const TEST_NAMES: Record<string, string> = {
  ks: 'Kolmogorov–Smirnov',
  chisquare: 'chi-squared',
  z: 'two-proportion z-test',
  wasserstein: 'Wasserstein / std',
  jensenshannon: 'Jensen–Shannon',
  psi: 'PSI',
};

export function pct(v: number | null | undefined): string {
  const n = num(v);
  if (n === null) return '—';
  if (n === 0) return '0%';
  if (n < 0.001) return '<0.1%';
  return `${+(n * 100).toFixed(1)}%`;
}

/** "p < 0.05" for p-value tests, "≥ 0.1" for distances. */
export function thresholdText(c: ColumnDrift): string {
  if (c.test === null) return '—';
  return isPValue(c) ? `p < ${fmt(c.threshold)}` : `≥ ${fmt(c.threshold)}`;
}

export function verdictText(c: ColumnDrift): string {
  return c.test === null ? 'not tested' : c.drifted ? 'drift' : 'ok';
}

/** The test's numbers in one sentence: "Wasserstein / std 0.284 ≥ 0.1: drift." */
export function testSentence(c: ColumnDrift): string {
  if (c.test === null) return `Not tested: ${c.note ?? c.reason}`;
  const name = TEST_NAMES[c.test] ?? c.test;
  const verdict = c.drifted ? 'drift' : 'no drift';
  if (isPValue(c)) return `${name}: statistic ${fmt(num(c.statistic))}, p-value ${fmt(num(c.pValue))} (drift when p < ${fmt(c.threshold)}): ${verdict}.`;
  return `${name} ${fmt(num(c.statistic))} (drift at ≥ ${fmt(c.threshold)}): ${verdict}.`;
}

export function missingText(c: ColumnDrift): string {
  return c.missing.ref === 0 && c.missing.cur === 0 ? '0% → 0%' : `${pct(c.missing.ref)} → ${pct(c.missing.cur)}`;
}

export function outOfRangeText(c: ColumnDrift): string {
  if (!c.outOfRange) return '—';
  return c.outOfRange.count > 0 ? `${c.outOfRange.count.toLocaleString('en-US')} (${pct(c.outOfRange.share)})` : '0';
}

export function newCategoriesText(c: ColumnDrift): string {
  const n = c.newCategories;
  if (!n) return '—';
  if (n.distinct === 0) return 'none';
  const more = n.distinct > n.values.length ? `, and ${n.distinct - n.values.length} more` : '';
  return `${n.values.map((v) => v.value).join(', ')}${more} (${n.rows.toLocaleString('en-US')} rows, ${pct(n.share)})`;
}

/** A batch's file name without its folder (paths are long; the title attribute keeps the whole path). */
export function baseName(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts[parts.length - 1] || file;
}

/** One line per batch for the batch list: "batch-02.jsonl — drift in 2 of 4 columns". */
export function batchStatus(b: BatchReport | BatchFailure): string {
  if (isFailure(b)) return 'could not be read';
  const d = b.dataset;
  const schema = b.schema.length ? `, ${b.schema.length} schema change${b.schema.length === 1 ? '' : 's'}` : '';
  if (d.testedColumns === 0) return `nothing tested${schema}`;
  if (d.drifted) return `dataset drift: ${d.driftedColumns} of ${d.testedColumns} columns${schema}`;
  return d.driftedColumns ? `drift in ${d.driftedColumns} of ${d.testedColumns} columns${schema}` : `ok${schema}`;
}

/** The performance figure of a batch on one scale for the over-time chart (RMSE or accuracy). */
export function performanceValue(b: BatchReport | BatchFailure): number | null {
  if (isFailure(b) || !b.performance) return null;
  const p = b.performance;
  return num(p.metric === 'rmse' ? p.rmse : p.accuracy);
}

/** The report's metric name for the over-time chart's second axis, when any batch has one. */
export function performanceMetric(r: DriftReport): 'rmse' | 'accuracy' | null {
  for (const b of r.batches) if (!isFailure(b) && b.performance) return b.performance.metric;
  return null;
}
