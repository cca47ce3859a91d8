/**
 * Tabular profiler for CSV, TSV and JSON Lines: per-column type, missing values, distinct count, numeric
 * summary (exact mean and sample std, exact quantiles by linear interpolation as numpy's default, a 20-bin
 * histogram bin for bin as numpy.histogram) and top values. The profile is the reference that later drift
 * detection compares a dataset against.
 *
 * Reading: the file is streamed in 4 MiB chunks through byte-level parsers (csvReader.ts, jsonlReader.ts);
 * every row is looked at (`sampled: false`) and memory stays bounded (see the caps below). Format by
 * extension: .csv (comma), .tsv/.tab (tab), .jsonl/.ndjson (JSON Lines); anything else gives undefined unless
 * opts.format says. CSV/TSV need a header row.
 *
 * Decisions and limits (also in the ColumnProfile field comments):
 * - Missing: an empty or blank cell, "NA", "NaN", "null", "None" (case-insensitive, blanks around ignored),
 *   "+nan"/"-nan", JSON null, and in JSON Lines a key absent from a row.
 * - Infinite values ("inf", "-Infinity", or a number too large for a double such as "1e999") are numbers:
 *   counted in `count` and `nonFinite`, left out of min/max/mean/std/quantiles/histogram, and a warning
 *   says so. A column with one of them is 'number', not 'integer'.
 * - Types, over all rows: integer if every non-missing value is [+-]digits; number if all are numeric;
 *   boolean if all are true/false (case-insensitive); datetime if all are ISO-8601 dates or date-times
 *   (YYYY-MM-DD[(T| )HH:MM[:SS[.f]][Z|±HH[:MM]]]); else string. JSON numbers are integers when
 *   Number.isInteger (so 2.0 counts as an integer); JSON strings are never numbers or booleans, but can be
 *   datetimes or missing-value tokens; nested objects/arrays are strings (their JSON text).
 * - Numbers parse exactly as Python's float() does (correctly rounded; integers past 2^53 become the nearest
 *   double, as in float()). Mean and std: a compensated sum and
 *   the corrected two-pass sum of squares over the kept values (at least as accurate as Welford's update,
 *   which takes over for values past the cap below).
 * - Distinct values: exact up to DISTINCT_CAP (10,000) distinct values per column, then a HyperLogLog
 *   estimate (~1 % error) flagged `distinctCapped`; top values then come from the values first seen before
 *   the cap. Numeric columns count distinct by value ("1.0" = "1"), exactly whenever quantiles are exact. In a
 *   column that mixes numbers and text, numbers are counted by their canonical text ("3.0" as "3").
 * - Exact quantiles keep every finite value of a numeric column in a Float64Array: up to
 *   min(20M, max(65,536, 32M / columns)) values per column, so at most 256 MiB for a table of up to 512
 *   columns. Past that a column switches to a seeded uniform reservoir sample of up to SAMPLE_SIZE (1,048,576)
 *   values for quantiles and histogram (flagged `quantilesApproximate`, with a warning; rank error about
 *   0.05 %), a HyperLogLog for distinct, and Welford's update for mean and std; count, min, max, mean and std
 *   stay exact. Sorting a column at the end briefly needs a second buffer of its size.
 *   Distinct-value text is kept up to 32 MiB / columns per column (64 KiB–16 MiB); past that, as past the
 *   distinct cap.
 * - Malformed input never throws: a CSV/TSV row whose field count differs from the header's is skipped, as
 *   is a JSON Lines line that is not valid JSON or not an object; the first 20 such problems are listed in
 *   `warnings` (with their line numbers) and the rest counted. Blank lines are skipped silently. A record
 *   longer than 64 MiB (an unterminated quote) stops reading with a warning; the profile covers the rows
 *   before it. Only an unreadable file rejects.
 */
import * as path from 'node:path';
import { MAX_RECORD, readRecords } from './chunks';
import { ColumnStats, limitsFor } from './columnStats';
import { CsvReader } from './csvReader';
import { JsonlReader } from './jsonlReader';
import type { ProfileOptions, TableFormat, TableProfile } from './types';
import { Warnings } from './warnings';

export type { ColumnProfile, ColumnType, ProfileOptions, Quantiles, TableFormat, TableProfile } from './types';
export { DISTINCT_CAP, FEW_DISTINCT, MAX_EXACT_VALUES, SAMPLE_SIZE, TOP_K, limitsFor } from './columnStats';

const EXTENSIONS: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
};

/** The table format a file name implies, or undefined. */
export function tableFormatOf(file: string): TableFormat | undefined {
  return EXTENSIONS[path.extname(file).toLowerCase()];
}

/** Profiles a table file; undefined when it is not a table format (by extension, unless opts.format says).
 *  Rejects only when the file cannot be read. */
export async function profileTable(file: string, opts: ProfileOptions = {}): Promise<TableProfile | undefined> {
  const format = opts.format ?? tableFormatOf(file);
  if (format === undefined) return undefined;
  const warnings = new Warnings();
  let made = 0;
  const newColumn = (name: string, columns: number) => {
    const limits = limitsFor(columns);
    return new ColumnStats(name, opts.maxExactValues ?? limits.keep, limits.text);
  };
  const reader =
    format === 'jsonl'
      ? // columns appear as rows are read: a column's share assumes at least 16 of them
        new JsonlReader(warnings, (name) => newColumn(name, Math.max(16, ++made)))
      : new CsvReader(format === 'csv' ? 44 : 9, warnings, (names) => names.map((n) => newColumn(n, names.length)));
  let hinted = false;
  const result = await readRecords(file, reader, {
    chunkSize: opts.chunkSize,
    maxRecord: opts.maxRecordBytes,
    onProgress: (done, total) => {
      if (!hinted && reader.rows > 0) {
        // after the first chunk: room for the rows the whole file will likely have
        hinted = true;
        const estimate = (reader.rows * total) / done;
        for (const c of reader.columns) c.reserve(estimate * 1.05 + 1024);
      }
      opts.onProgress?.(done, total);
    },
  });
  if (reader instanceof CsvReader && reader.header === null) warnings.note('no header row: the file is empty');
  const rows = reader.rows;
  const columns = reader.columns;
  if (result.stoppedAt !== undefined) {
    const mib = (opts.maxRecordBytes ?? MAX_RECORD) / (1024 * 1024);
    warnings.note(
      `stopped reading at byte ${result.stoppedAt}: a record longer than ${+mib.toFixed(3)} MiB (an unterminated ` +
        'quote?); the profile covers the rows before it',
    );
  }
  const profiles = columns.map((c) => c.finish(rows, (m) => warnings.note(m)));
  return { format, rows, columns: profiles, bytes: result.size, sampled: false, warnings: warnings.list() };
}
