/**
 * The table files drift reads, by name: CSV, TSV (.tsv, .tab), JSON Lines (.jsonl, .ndjson), each optionally
 * gzip-compressed. One list for the reader (readTable.ts), the CLI, the monitors and the panels' message
 * checks; nothing here imports the reader, so a panel can check a name without loading it.
 */
import * as path from 'node:path';
import type { TableFormat } from '../datasets/profile/types';

const FORMATS: Readonly<Record<string, TableFormat>> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** The format and compression a file name implies, or undefined when it is not a table drift can read. */
export function driftFormatOf(file: string): { format: TableFormat; gzip: boolean } | undefined {
  const lower = file.toLowerCase();
  const gzip = lower.endsWith('.gz');
  const base = gzip ? lower.slice(0, -3) : lower;
  const format = Object.hasOwn(FORMATS, path.extname(base)) ? FORMATS[path.extname(base)] : undefined;
  return format ? { format, gzip } : undefined;
}
