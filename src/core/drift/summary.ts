/**
 * What the tests need of one column, on either side: the finite values sorted (numeric) or the category
 * counts (text). The reference's summaries are what the cache keeps (cache.ts), so a reference is read once.
 * Infinite values are counted apart and left out of the tests (as Evidently drops them with NaN).
 */
import * as fs from 'node:fs';
import { sortNumbers } from '../datasets/profile/sortValues';
import type { ColumnData } from './columnData';
import { DiskSorted, mergeSorted, READ_BLOCK, readFloats, writeFloats, type SortedValues } from './sortedFile';
import type { ColumnKind, DriftColumnType } from './types';

export interface ColumnSummary {
  name: string;
  kind: ColumnKind;
  type: DriftColumnType;
  /** Rows of the table (missing ones included). */
  rows: number;
  missing: number;
  /** Numeric: the finite values, ascending, in memory or (past the memory budget) in a file; datetime: the
   *  instants in ms since the epoch. */
  sorted: SortedValues | null;
  /** Numeric: +/-Infinity values (not in `sorted`). */
  nonFinite: number;
  /** Text: category → rows. */
  counts: Map<string, number> | null;
  /** Text: rows whose category came after the CATEGORY_CAP distinct ones (counted, not named). */
  other: number;
}

export function kindOf(type: DriftColumnType): ColumnKind {
  if (type === 'integer' || type === 'number') return 'numeric';
  if (type === 'boolean' || type === 'string') return 'categorical';
  return type;
}

export function summarize(col: ColumnData, rows: number): ColumnSummary {
  const type = col.type;
  const kind = kindOf(type);
  const base = { name: col.name, kind, type, rows, missing: col.missing, sorted: null, nonFinite: 0, counts: null, other: 0 };
  // Dates are compared as their instants (ms since the epoch), like numbers.
  if (col.isNumeric || col.isDate) {
    if (col.spilledChunks.length > 0) return { ...base, ...mergeSpilled(col, rows) };
    const vals = col.numbers(rows);
    // A column not kept by row is sorted in its own buffer: no second copy of the values.
    const kept = col.keepRows ? new Float64Array(rows - col.missing) : vals;
    const { n, nonFinite } = finiteSorted(vals, rows, kept);
    return { ...base, sorted: kept === vals || n < kept.length ? kept.subarray(0, n) : kept, nonFinite };
  }
  if (kind === 'empty') return base;
  return { ...base, counts: col.categoryCounts(), other: col.otherCount };
}

/** The finite values of vals[0, len) into out (which may be vals itself), sorted ascending. */
function finiteSorted(vals: Float64Array, len: number, out: Float64Array): { n: number; nonFinite: number } {
  let n = 0;
  let nonFinite = 0;
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  for (let i = 0; i < len; i++) {
    const x = vals[i];
    if (x !== x) continue;
    if (x === Infinity || x === -Infinity) {
      nonFinite++;
      continue;
    }
    out[n++] = x;
    if (x < min) min = x;
    if (x > max) max = x;
    if (integers && !Number.isInteger(x)) integers = false;
  }
  sortNumbers(out, n, min, max, integers);
  return { n, nonFinite };
}

/**
 * A spilled column's sorted values, on disk: each row-order chunk is read back, its finite values sorted and
 * written as a run (the chunk removed), then the runs and the sorted tail are merged into one file. A column
 * kept by row (the prediction, the actual) keeps its chunks and its buffer in row order for the performance:
 * its tail is sorted in a copy.
 */
function mergeSpilled(col: ColumnData, rows: number): { sorted: DiskSorted; nonFinite: number } {
  const space = col.spillSpace!;
  const runs: SortedValues[] = [];
  const runFiles: string[] = [];
  let nonFinite = 0;
  for (const chunk of col.spilledChunks) {
    const vals = readFloats(chunk);
    const r = finiteSorted(vals, vals.length, vals);
    nonFinite += r.nonFinite;
    const file = space.file('run');
    writeFloats(file, vals.subarray(0, r.n));
    if (!col.keepRows) fs.rmSync(chunk, { force: true });
    runs.push(new DiskSorted(file, 0, r.n));
    runFiles.push(file);
  }
  if (!col.keepRows) col.dropChunks();
  const tail = col.keepRows ? col.tail(rows).slice() : col.tail(rows);
  const t = finiteSorted(tail, tail.length, tail);
  nonFinite += t.nonFinite;
  runs.push(tail.subarray(0, t.n));
  // Each run's read buffer takes a share of half the budget (at least 256 values).
  const budget = col.tracker?.budget ?? 0;
  const block = Math.max(256, Math.min(READ_BLOCK, Math.floor(budget / 16 / runs.length)));
  const sorted = mergeSorted(runs, space.file('sorted'), block);
  for (const f of runFiles) fs.rmSync(f, { force: true });
  return { sorted, nonFinite };
}

/** Number of distinct values in the union of two ascending arrays. */
export function distinctUnion(a: Float64Array, b: Float64Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  let last = NaN;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && a[i] <= b[j]) ? a[i++] : b[j++];
    if (x !== last) {
      n++;
      last = x;
    }
  }
  return n;
}

/** Counts of the distinct values of an ascending array, keyed by canonical text ("3" for 3.0). */
export function valueCounts(sorted: Float64Array): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  while (i < sorted.length) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    out.set(String(sorted[i] === 0 ? 0 : sorted[i]), j - i);
    i = j;
  }
  return out;
}

/** Population standard deviation (numpy's np.std, ddof 0), two-pass. */
export function populationStd(a: Float64Array): number {
  if (a.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  const mean = s / a.length;
  let ss = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - mean;
    ss += d * d;
  }
  return Math.sqrt(ss / a.length);
}
