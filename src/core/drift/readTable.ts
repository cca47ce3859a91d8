/**
 * Reads a batch or reference table once, streaming: CSV, TSV or JSON Lines by extension, each optionally
 * gzip-compressed (.csv.gz, .jsonl.gz, …, decompressed with node:zlib as it streams). The sha256 of the file
 * as stored (compressed bytes for .gz) is taken in the same pass. Parsing reuses the profiler's byte-level
 * readers (src/core/datasets/profile); cells go to ColumnData.
 *
 * Unlike the profiler, which skips a malformed row with a warning, anything malformed stops the file with a
 * DriftInputError naming the file and line: a drift verdict on a batch with rows silently left out would be a
 * verdict on other data. Refused: bytes that are not UTF-8, a truncated or damaged gzip stream, a CSV row with
 * a different number of fields than the header, a JSON Lines line that is not a JSON object, a record longer
 * than 64 MiB (an unterminated quote). A file without rows is not an error (its report says so).
 *
 * Memory: the read buffer (about 4 MiB plus the longest record) and the columns: 8 bytes per row per numeric
 * column up to `budget` (then temporary files, see budget.ts), 4 per row per text column kept by row, plus each
 * text column's distinct categories (at most CATEGORY_CAP each).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { isUtf8 } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import { pipeline, Readable } from 'node:stream';
import type { RecordConsumer } from '../datasets/profile/chunks';
import { MAX_RECORD } from '../datasets/profile/chunks';
import type { ColumnStats } from '../datasets/profile/columnStats';
import { CsvReader } from '../datasets/profile/csvReader';
import { JsonlReader } from '../datasets/profile/jsonlReader';
import type { TableFormat } from '../datasets/profile/types';
import type { Warnings } from '../datasets/profile/warnings';
import { BUDGET_ENV, MemoryTracker, SpillSpace } from './budget';
import { ColumnData } from './columnData';
import { DriftInputError } from './driftError';
import { driftFormatOf } from './tableFormats';

export { driftFormatOf };

const CHUNK = 4 * 1024 * 1024;
const LF = 10;

export interface TableData {
  file: string;
  format: TableFormat;
  gzip: boolean;
  sha256: string;
  bytes: number;
  rows: number;
  /** In file order (JSON Lines: order of first appearance). */
  columns: ColumnData[];
  /** Removes the table's temporary files (columns past the memory budget); call when done with it. */
  dispose(): void;
}

export interface ReadTableOptions {
  /** @internal Read size; tests use tiny ones to put chunk boundaries everywhere. */
  chunkSize?: number;
  maxRecord?: number;
  /** Columns whose rows are needed after reading (row-aligned values or codes); default: all. */
  keepRows?: ReadonlySet<string>;
  /** Bytes the value buffers may take before columns go to temporary files (those kept by row too); default: no limit. */
  budget?: number;
}

export async function readTable(file: string, opts: ReadTableOptions = {}): Promise<TableData> {
  const kind = driftFormatOf(file);
  if (!kind) throw new DriftInputError(`${file}: not a table drift can read; use a .csv, .tsv, .jsonl or .ndjson file (optionally .gz).`);
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DriftInputError(code === 'ENOENT' ? `${file}: no such file.` : `${file}: cannot be read (${code ?? (err as Error).message}).`);
  }
  if (!st.isFile()) throw new DriftInputError(`${file}: not a regular file (a folder, device or FIFO); give a table file.`);

  const problem = (line: string) => {
    throw new DriftInputError(`${file}, ${line.replace(/; (row|line) skipped$/, '')}; fix or remove that line and run again.`);
  };
  const warnings = { problem, note: () => undefined } as unknown as Warnings;
  // The profiler's readers create and feed their columns through this factory and call only addCell/addJson
  // on them; ColumnData keeps every row instead of running statistics, so it stands in for ColumnStats here.
  const rowNow = () => reader.rows - 1;
  const tracker = opts.budget === undefined ? undefined : new MemoryTracker(opts.budget);
  const space = new SpillSpace();
  const memory = (name: string) => ({ keepRows: opts.keepRows ? opts.keepRows.has(name) : true, tracker, space });
  const make = (name: string) => new ColumnData(name, rowNow, memory(name)) as unknown as ColumnStats;
  const reader: CsvReader | JsonlReader =
    kind.format === 'jsonl'
      ? new JsonlReader(warnings, make)
      : new CsvReader(kind.format === 'csv' ? 44 : 9, warnings, (names) => {
          const seen = new Set<string>();
          for (const n of names) {
            if (seen.has(n)) throw new DriftInputError(`${file}, line 1: the header names column "${n}" twice; give every column its own name.`);
            seen.add(n);
          }
          return names.map(make);
        });

  const hash = createHash('sha256');
  const feeder = new Feeder(file, reader, opts.maxRecord ?? MAX_RECORD);
  const raw = fs.createReadStream(file, { highWaterMark: opts.chunkSize ?? CHUNK });
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of raw) {
      hash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
  }
  const source: AsyncIterable<Buffer> = kind.gzip
    ? pipeline(Readable.from(hashed()), createGunzip({ chunkSize: Math.min(opts.chunkSize ?? CHUNK, CHUNK) }), () => undefined)
    : hashed();
  try {
    for await (const chunk of source) feeder.push(chunk);
    feeder.finish();
  } catch (err) {
    raw.destroy();
    space.dispose();
    if (err instanceof DriftInputError) throw err;
    if (isNoSpace(err))
      throw new DriftInputError(
        `${file}: no room left for the temporary files of its values (${(err as Error).message}); free disk space or raise ${BUDGET_ENV}.`,
      );
    const e = err as NodeJS.ErrnoException;
    if (kind.gzip && typeof e.code === 'string' && e.code.startsWith('Z_')) {
      const why = e.code === 'Z_BUF_ERROR' ? 'the gzip stream ends early (the file is truncated)' : `it is not a valid gzip stream (${e.message})`;
      throw new DriftInputError(`${file}, after line ${feeder.line}: ${why}; copy or compress it again.`);
    }
    throw new DriftInputError(`${file}: cannot be read (${e.code ?? e.message}).`);
  }
  const rows = reader.rows;
  const columns = reader.columns as unknown as ColumnData[];
  try {
    for (const c of columns) c.padTo(rows);
  } catch (err) {
    space.dispose();
    throw err;
  }
  return { file, format: kind.format, gzip: kind.gzip, sha256: hash.digest('hex'), bytes: st.size, rows, columns, dispose: () => space.dispose() };
}

function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Hands whole records to a profiler reader, carrying a partial record over; checks UTF-8 and counts lines. */
class Feeder {
  private work = Buffer.allocUnsafe(0);
  private end = 0;
  private bomChecked = false;
  /** 1-based line at the start of the unconsumed bytes. */
  line = 1;

  constructor(
    private readonly file: string,
    private readonly consumer: RecordConsumer,
    private readonly maxRecord: number,
  ) {}

  push(chunk: Buffer): void {
    if (this.end + chunk.length > this.work.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.work.length * 2, this.end + chunk.length, 64 * 1024));
      this.work.copy(bigger, 0, 0, this.end);
      this.work = bigger;
    }
    chunk.copy(this.work, this.end);
    this.end += chunk.length;
    if (!this.bomChecked) {
      if (this.end < 3) return;
      this.dropBom();
    }
    this.consume(false);
    if (this.end > this.maxRecord)
      throw new DriftInputError(
        `${this.file}, line ${this.line}: a record longer than ${Math.round(this.maxRecord / 1048576)} MiB (an unterminated quote?); fix that line.`,
      );
  }

  finish(): void {
    if (!this.bomChecked) this.dropBom();
    this.consume(true);
  }

  private dropBom(): void {
    this.bomChecked = true;
    const w = this.work;
    if (this.end >= 3 && w[0] === 0xef && w[1] === 0xbb && w[2] === 0xbf) {
      w.copy(w, 0, 3, this.end);
      this.end -= 3;
    }
  }

  private consume(eof: boolean): void {
    const w = this.work;
    // Checked before parsing: the readers would turn invalid bytes into U+FFFD without a word.
    const stop = eof ? this.end : w.lastIndexOf(LF, this.end - 1) + 1;
    if (stop > 0 && !isUtf8(w.subarray(0, stop))) {
      const bad = firstInvalidUtf8(w, 0, stop);
      throw new DriftInputError(
        `${this.file}, line ${this.line + countLf(w, 0, bad)}: bytes that are not UTF-8 (0x${w[bad].toString(16).padStart(2, '0')} at byte ${bad} of this chunk); save the file as UTF-8.`,
      );
    }
    const used = this.consumer.consume(w, this.end, eof);
    if (used <= 0) return;
    this.line += countLf(w, 0, used);
    if (used < this.end) w.copy(w, 0, used, this.end);
    this.end -= used;
  }
}

function countLf(buf: Buffer, s: number, e: number): number {
  let n = 0;
  for (let i = buf.indexOf(LF, s); i >= 0 && i < e; i = buf.indexOf(LF, i + 1)) n++;
  return n;
}

/** Offset of the first byte in buf[s, e) that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(buf: Uint8Array, s: number, e: number): number {
  let i = s;
  while (i < e) {
    const c = buf[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (need === 0) return i;
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
    if (i + need >= e) return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = buf[i + k];
      if ((d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return e;
}
