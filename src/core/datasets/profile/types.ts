/** Public shapes of a table profile. See index.ts for what each figure means and the limits that apply. */

export type TableFormat = 'csv' | 'tsv' | 'jsonl';

export type ColumnType = 'integer' | 'number' | 'boolean' | 'string' | 'datetime' | 'empty';

export interface Quantiles {
  p01: number;
  p05: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  p99: number;
}

export interface ColumnProfile {
  name: string;
  type: ColumnType;
  /** Non-missing values (infinite numbers included). */
  count: number;
  /** Empty cells, "NA", "NaN", "null", "None" (case-insensitive, surrounding blanks ignored), JSON null, and
   *  (JSON Lines) rows that lack the key. */
  missing: number;
  /** Distinct non-missing values: exact up to DISTINCT_CAP distinct values per column (numeric columns: exact
   *  whenever the quantiles are), beyond that a HyperLogLog estimate and `distinctCapped` is true. */
  distinct?: number;
  distinctCapped?: boolean;
  // numbers (integer/number); finite values only.
  min?: number;
  max?: number;
  mean?: number;
  /** Sample standard deviation (n-1); absent with fewer than two finite values. */
  std?: number;
  quantiles?: Quantiles;
  /** True when the column held more values than the exact-quantile cap (see index.ts) and quantiles/histogram
   *  come from a uniform sample (reservoir) of them; count/min/max/mean/std stay exact. */
  quantilesApproximate?: boolean;
  /** 20 equal-width bins over [min, max], the last closed on the right (numpy.histogram). */
  histogram?: { edges: number[]; counts: number[] };
  /** Infinite values ("inf", "-Infinity", "1e999", …): counted in `count`, left out of min/max/mean/std/
   *  quantiles/histogram. Present only when non-zero. */
  nonFinite?: number;
  // datetimes: earliest and latest value as written in the file (naive times compared as UTC).
  minDatetime?: string;
  maxDatetime?: string;
  /** Top 20 by frequency, ties by value; for string/boolean columns, and for numeric/datetime columns with at
   *  most 20 distinct values (numbers are then shown in canonical form, e.g. "3" for "3.0"). */
  topValues?: Array<{ value: string; count: number }>;
}

export interface TableProfile {
  format: TableFormat;
  /** Data rows profiled (header, blank lines and malformed rows not included). */
  rows: number;
  columns: ColumnProfile[];
  /** Size of the file in bytes. */
  bytes: number;
  sampled: false;
  warnings: string[];
}

export interface ProfileOptions {
  /** Overrides the format implied by the file extension. */
  format?: TableFormat;
  /** Called after each chunk read (and once at the end with bytesDone === bytesTotal). */
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** @internal Read size (default 4 MiB); tests use tiny ones to put chunk boundaries everywhere. */
  chunkSize?: number;
  /** @internal Longest record accepted (default 64 MiB). */
  maxRecordBytes?: number;
  /** @internal Finite values kept per numeric column for exact quantiles (default: see keepCapFor). */
  maxExactValues?: number;
}
