/**
 * The model's performance on a batch, from its prediction and actual columns row by row (rows missing either
 * are left out): RMSE and MAE when the actual is numeric with more than two distinct values, accuracy
 * otherwise (classes compared by their text, numbers by canonical text: "1.0" equals "1"). The rows are read
 * in order a block at a time, from temporary files for a column past the memory budget: the same sums in the
 * same order as in memory.
 */
import { MISSING_CODE, OTHER_CODE, type ColumnData } from './columnData';
import type { Performance } from './types';

/** A column's values row by row, read a block at a time (from its chunk files when it went past the budget). */
class RowCursor {
  private block: Float64Array | Int32Array = new Float64Array(0);
  private i = 0;

  constructor(
    private readonly blocks: Iterator<Float64Array | Int32Array>,
    private readonly valueAt: (block: Float64Array | Int32Array, i: number) => number | string | null,
  ) {}

  /** The next row's value; null when missing. */
  next(): number | string | null {
    while (this.i >= this.block.length) {
      const r = this.blocks.next();
      if (r.done) throw new Error('a column ran out of rows');
      this.block = r.value;
      this.i = 0;
    }
    return this.valueAt(this.block, this.i++);
  }
}

function rows(col: ColumnData, n: number): RowCursor {
  if (col.isNumeric || col.type === 'empty') return new RowCursor(col.numberBlocks(n), (b, i) => (b[i] !== b[i] ? null : b[i]));
  return new RowCursor(col.codeBlocks(n), (b, i) => {
    const c = b[i];
    return c === MISSING_CODE || c === OTHER_CODE ? null : col.categories[c];
  });
}

export function performanceOf(pred: ColumnData, actual: ColumnData, n: number, runMetrics: Array<{ key: string; last: number | null }>): Performance | null {
  const regression = actual.isNumeric && pred.isNumeric && distinctAtLeast(actual.numberBlocks(n), 3);
  const p = rows(pred, n);
  const a = rows(actual, n);
  let count = 0;
  if (regression) {
    let se = 0;
    let ae = 0;
    for (let i = 0; i < n; i++) {
      const x = p.next();
      const y = a.next();
      if (x === null || y === null) continue;
      const d = (x as number) - (y as number);
      if (!Number.isFinite(d)) continue;
      se += d * d;
      ae += Math.abs(d);
      count++;
    }
    if (count === 0) return null;
    return { metric: 'rmse', rmse: Math.sqrt(se / count), mae: ae / count, rows: count, runMetric: pickRunMetric(runMetrics, /rmse$/i) };
  }
  let right = 0;
  for (let i = 0; i < n; i++) {
    const x = p.next();
    const y = a.next();
    if (x === null || y === null) continue;
    count++;
    if (canonical(x) === canonical(y)) right++;
  }
  if (count === 0) return null;
  return { metric: 'accuracy', accuracy: right / count, rows: count, runMetric: pickRunMetric(runMetrics, /acc(uracy)?$/i) };
}

function canonical(v: number | string): string {
  if (typeof v === 'number') return String(v === 0 ? 0 : v);
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? String(n === 0 ? 0 : n) : v.toLowerCase();
}

function distinctAtLeast(blocks: Iterable<Float64Array>, k: number): boolean {
  const seen = new Set<number>();
  for (const v of blocks) {
    for (let i = 0; i < v.length && seen.size < k; i++) if (v[i] === v[i]) seen.add(v[i]);
    if (seen.size >= k) return true;
  }
  return false;
}

/** The run's own figure for the metric: a validation/test one first (val_rmse, test_rmse), then any. */
function pickRunMetric(metrics: Array<{ key: string; last: number | null }>, pattern: RegExp): { name: string; value: number } | null {
  const ok = metrics.filter((m) => pattern.test(m.key) && m.last !== null && Number.isFinite(m.last));
  const pref = ok.find((m) => /^(val|valid|validation|test|eval)[_./-]/i.test(m.key)) ?? ok.find((m) => !/^train[_./-]/i.test(m.key)) ?? ok[0];
  return pref ? { name: pref.key, value: pref.last! } : null;
}
