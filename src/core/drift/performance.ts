/**
 * The model's performance on a batch, from its prediction and actual columns row by row (rows missing either
 * are left out): RMSE and MAE when the actual is numeric with more than two distinct values, accuracy
 * otherwise (classes compared by their text, numbers by canonical text: "1.0" equals "1").
 */
import { MISSING_CODE, OTHER_CODE, type ColumnData } from './columnData';
import type { Performance } from './types';

function rowValue(col: ColumnData, rows: number): (i: number) => number | string | null {
  if (col.isNumeric || col.type === 'empty') {
    const v = col.numbers(rows);
    return (i) => (v[i] !== v[i] ? null : v[i]);
  }
  const codes = col.codesOf(rows);
  return (i) => {
    const c = codes[i];
    return c === MISSING_CODE || c === OTHER_CODE ? null : col.categories[c];
  };
}

export function performanceOf(pred: ColumnData, actual: ColumnData, rows: number, runMetrics: Array<{ key: string; last: number | null }>): Performance | null {
  const p = rowValue(pred, rows);
  const a = rowValue(actual, rows);
  const regression = actual.isNumeric && pred.isNumeric && distinctAtLeast(actual.numbers(rows), 3);
  let n = 0;
  if (regression) {
    let se = 0;
    let ae = 0;
    for (let i = 0; i < rows; i++) {
      const x = p(i);
      const y = a(i);
      if (x === null || y === null) continue;
      const d = (x as number) - (y as number);
      if (!Number.isFinite(d)) continue;
      se += d * d;
      ae += Math.abs(d);
      n++;
    }
    if (n === 0) return null;
    return { metric: 'rmse', rmse: Math.sqrt(se / n), mae: ae / n, rows: n, runMetric: pickRunMetric(runMetrics, /rmse$/i) };
  }
  let right = 0;
  for (let i = 0; i < rows; i++) {
    const x = p(i);
    const y = a(i);
    if (x === null || y === null) continue;
    n++;
    if (canonical(x) === canonical(y)) right++;
  }
  if (n === 0) return null;
  return { metric: 'accuracy', accuracy: right / n, rows: n, runMetric: pickRunMetric(runMetrics, /acc(uracy)?$/i) };
}

function canonical(v: number | string): string {
  if (typeof v === 'number') return String(v === 0 ? 0 : v);
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? String(n === 0 ? 0 : n) : v.toLowerCase();
}

function distinctAtLeast(v: Float64Array, k: number): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < v.length && seen.size < k; i++) if (v[i] === v[i]) seen.add(v[i]);
  return seen.size >= k;
}

/** The run's own figure for the metric: a validation/test one first (val_rmse, test_rmse), then any. */
function pickRunMetric(metrics: Array<{ key: string; last: number | null }>, pattern: RegExp): { name: string; value: number } | null {
  const ok = metrics.filter((m) => pattern.test(m.key) && m.last !== null && Number.isFinite(m.last));
  const pref = ok.find((m) => /^(val|valid|validation|test|eval)[_./-]/i.test(m.key)) ?? ok.find((m) => !/^train[_./-]/i.test(m.key)) ?? ok[0];
  return pref ? { name: pref.key, value: pref.last! } : null;
}
