/**
 * One column of a batch or reference as it is read, row by row: while every non-missing cell is a number the
 * values are kept row-aligned in a Float64Array (NaN = missing), otherwise each row holds a category code
 * (-1 missing). Types follow the profiler's rules (src/core/datasets/profile/index.ts): integer, number,
 * boolean, datetime or string over all non-missing values; a column mixing numbers and text is text, its
 * numbers counted by their canonical text ("3.0" as "3"). Booleans are "true"/"false" whatever their case.
 *
 * Categories are exact up to CATEGORY_CAP distinct values per column; values first seen after that are
 * counted together as OTHER_CODE (their share is reported, their text is not kept).
 *
 * Only columns whose rows are needed later (`keepRows`: the prediction and actual, for the performance) keep
 * row-aligned data; the others keep what the tests need. A numeric column, when growing its buffer would take
 * the table past its memory budget (budget.ts), writes the buffer to a temporary file in row order instead (a
 * chunk) and starts again; summary.ts sorts and merges the chunks. Row order is kept so that a column turning
 * to text later counts its numbers in the same order as in memory, and so that a column kept by row (whose
 * category codes spill the same way) can be read back row by row (numberBlocks, codeBlocks) for the
 * performance, in the order the in-memory rows would give.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as cells from '../datasets/profile/cells';
import { K_BOOL, K_DATE, K_FLOAT, K_INF, K_INT, K_MISSING, K_STRING, type CellKind } from '../datasets/profile/cells';
import type { MemoryTracker, SpillSpace } from './budget';
import { readFloats, readInts, writeFloats, writeInts } from './sortedFile';
import type { DriftColumnType } from './types';

export const CATEGORY_CAP = 10_000;
/** Longer categories are kept by categoryKey as a prefix and a digest, so 10,000 of them stay small. */
export const LONG_CATEGORY = 256;

/**
 * The category a text counts as: itself, or for a text longer than LONG_CATEGORY characters (free text, a
 * serialized blob) its first 200 characters with its length and a digest of the whole. Without this a
 * column's categories held up to CATEGORY_CAP whole texts in memory whatever the budget (10,000 cells of 1 MB
 * are 10 GB); distinct long texts stay distinct, equal ones equal, in the reference and in every batch.
 */
export function categoryKey(text: string): string {
  if (text.length <= LONG_CATEGORY) return text;
  const digest = createHash('sha256').update(text).digest('hex').slice(0, 16);
  // A fresh string: a slice would keep the whole cell alive.
  return Buffer.from(`${text.slice(0, 200)}… (${text.length} characters, sha256 ${digest}…)`, 'utf8').toString('utf8');
}
export const MISSING_CODE = -1;
export const OTHER_CODE = -2;

const BIT_NUMERIC = (1 << K_INT) | (1 << K_FLOAT) | (1 << K_INF);
const FIRST_CAPACITY = 1024;
/** Rows per block of an all-missing run of codes read back. */
const MISSING_BLOCK = 65536;

export interface ColumnMemory {
  /** Keep every row (row-aligned values or codes) for a row-by-row use after reading. Default true. */
  keepRows?: boolean;
  /** The table's memory budget; without it nothing is spilled. */
  tracker?: MemoryTracker;
  space?: SpillSpace;
}

export class ColumnData {
  private mask = 0;
  /** Rows filled so far (a JSON Lines row without this key is filled as missing later). */
  private n = 0;
  /** The values buffer is in use: numbers, or the instants of a column of dates (`dates`). */
  private numeric = true;
  private dates = false;
  private values: Float64Array | null;
  private codes: Int32Array | null = null;
  /** Rows written to chunk files before the buffer's first value. */
  private base = 0;
  /** Temporary files of float64 values in row order (NaN missing), oldest first. */
  private chunks: string[] = [];
  /** Rows of a kept column's codes written to code chunks before the codes buffer's first row. */
  private codeBase = 0;
  /** A kept column's codes past the budget, in row order: a file of int32 codes, or null for rows all missing. */
  private codeChunks: Array<{ file: string | null; rows: number }> = [];
  readonly keepRows: boolean;
  private readonly index = new Map<string, number>();
  readonly categories: string[] = [];
  private counts: number[] = [];
  otherCount = 0;
  missing = 0;

  constructor(
    readonly name: string,
    /** The 0-based row the reader is on (the readers count a row before handing its cells over). */
    private readonly currentRow: () => number,
    private readonly memory: ColumnMemory = {},
  ) {
    this.keepRows = memory.keepRows ?? true;
    // A tiny budget gets tiny chunks (tests use one to put many runs through the merge).
    const first = memory.tracker ? Math.max(16, Math.min(FIRST_CAPACITY, Math.floor(memory.tracker.budget / 8 / 64))) : FIRST_CAPACITY;
    this.values = new Float64Array(first);
    if (memory.tracker) memory.tracker.used += first * 8;
  }

  /** One CSV/TSV cell, buf[s, e) unquoted. */
  addCell(buf: Uint8Array, s: number, e: number): void {
    this.padTo(this.currentRow());
    let a = s;
    let b = e;
    if (a < b && (buf[a] <= 32 || buf[b - 1] <= 32)) {
      cells.trim(buf, s, e);
      a = cells.trimA;
      b = cells.trimB;
    }
    if (a === b) return this.pushMissing();
    const kind = cells.classifyCell(buf, a, b);
    if (kind === K_MISSING) return this.pushMissing();
    this.mask |= 1 << kind;
    if (kind === K_INT || kind === K_FLOAT || kind === K_INF) return this.pushNumber(cells.OUT[0]);
    if (kind === K_BOOL) return this.pushText((buf[a] | 0x20) === 116 ? 'true' : 'false');
    const text = Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('utf8');
    if (kind === K_DATE) return this.pushDate(text, cells.OUT[cells.DATE]);
    this.pushText(text);
  }

  /** One JSON value: null/undefined missing, numbers numbers, strings text unless a missing-value token. */
  addJson(v: unknown): void {
    this.padTo(this.currentRow());
    if (v === null || v === undefined) return this.pushMissing();
    if (typeof v === 'number') {
      this.mask |= 1 << (Number.isInteger(v) ? K_INT : Number.isFinite(v) ? K_FLOAT : K_INF);
      return this.pushNumber(v);
    }
    if (typeof v === 'boolean') {
      this.mask |= 1 << K_BOOL;
      return this.pushText(v ? 'true' : 'false');
    }
    if (typeof v !== 'string') {
      this.mask |= 1 << K_STRING;
      return this.pushText(JSON.stringify(v));
    }
    const text = v.trim();
    if (text === '' || /^(na|nan|null|none)$/i.test(text)) return this.pushMissing();
    const buf = Buffer.from(text, 'utf8');
    const kind: CellKind =
      buf[0] >= 48 && buf[0] <= 57 && (cells.parseDatetime(buf, 0, buf.length) || cells.utcDatetime(buf, 0, buf.length)) ? K_DATE : K_STRING;
    this.mask |= 1 << kind;
    if (kind === K_DATE) return this.pushDate(text, cells.OUT[cells.DATE]);
    this.pushText(text);
  }

  /** Fills the rows this column had no cell for (JSON Lines keys absent from a row) as missing. */
  padTo(row: number): void {
    while (this.n < row) this.pushMissing();
  }

  private grow(): void {
    if (this.numeric) {
      const v = this.values!;
      if (this.n - this.base === v.length) {
        const t = this.memory.tracker;
        if (t && this.memory.space && t.wouldExceed(v.length * 8)) this.spill();
        else {
          const bigger = new Float64Array(v.length * 2);
          bigger.set(v);
          this.values = bigger;
          if (t) t.used += v.length * 8;
        }
      }
    }
    if (this.codes) {
      const c = this.codes;
      if (this.n - this.codeBase === c.length) {
        const t = this.memory.tracker;
        if (t && this.memory.space && t.wouldExceed(c.length * 4)) this.spillCodes();
        else {
          const bigger = new Int32Array(c.length * 2);
          bigger.set(c);
          this.codes = bigger;
          if (t) t.used += c.length * 4;
        }
      }
    }
  }

  /** The full buffer goes to a chunk file; the buffer starts again at the next row. */
  private spill(): void {
    const file = this.memory.space!.file('rows');
    writeFloats(file, this.values!);
    this.chunks.push(file);
    this.base = this.n;
  }

  /** The full codes buffer goes to a code chunk; the buffer starts again at the next row. */
  private spillCodes(): void {
    const file = this.memory.space!.file('codes');
    writeInts(file, this.codes!);
    this.codeChunks.push({ file, rows: this.codes!.length });
    this.codeBase = this.n;
  }

  private pushMissing(): void {
    this.grow();
    if (this.numeric) this.values![this.n - this.base] = NaN;
    if (this.codes) this.codes[this.n - this.codeBase] = MISSING_CODE;
    this.n++;
    this.missing++;
  }

  private pushNumber(x: number): void {
    if (!this.numeric || this.dates) return this.pushText(String(x === 0 ? 0 : x));
    this.grow();
    this.values![this.n - this.base] = x;
    this.n++;
  }

  /**
   * A date: while every value so far is a date, its instant (ms since the epoch, UTC for naive times) is kept
   * as a number for the tests, and its text counted as a category too, in case the column turns out to be text.
   */
  private pushDate(text: string, ms: number): void {
    if (!this.numeric || (!this.dates && (this.mask & ~(1 << K_DATE)) !== 0)) return this.pushText(text);
    if (!this.dates) this.startDates();
    this.grow();
    this.values![this.n - this.base] = ms;
    const code = this.codeOf(text);
    if (this.codes) this.codes[this.n - this.codeBase] = code;
    this.n++;
  }

  /** The first date of a column with nothing else yet: every row so far was missing. */
  private startDates(): void {
    this.dates = true;
    if (!this.keepRows) return;
    // Rows already in value chunks are all missing: one entry stands for them, not a file.
    if (this.base > 0) this.codeChunks.push({ file: null, rows: this.base });
    this.codeBase = this.base;
    const codes = new Int32Array(Math.max(FIRST_CAPACITY, this.values!.length)).fill(MISSING_CODE, 0, this.n - this.base);
    this.codes = codes;
    if (this.memory.tracker) this.memory.tracker.used += codes.length * 4;
  }

  /** Something other than a date in a date column: it is text, whose categories (the dates' texts) are already counted. */
  private datesToText(): void {
    if (this.memory.tracker) this.memory.tracker.used -= this.values!.length * 8;
    this.dates = false;
    this.numeric = false;
    this.values = null;
    this.dropChunks();
  }

  private pushText(text: string): void {
    if (this.dates) this.datesToText();
    else if (this.numeric) this.toCategorical();
    this.grow();
    const code = this.codeOf(text);
    if (this.codes) this.codes[this.n - this.codeBase] = code;
    this.n++;
  }

  private codeOf(cell: string): number {
    const text = categoryKey(cell);
    let code = this.index.get(text);
    if (code === undefined) {
      if (this.categories.length >= CATEGORY_CAP) {
        this.otherCount++;
        return OTHER_CODE;
      }
      code = this.categories.length;
      this.index.set(text, code);
      this.categories.push(text);
      this.counts.push(0);
    }
    this.counts[code]++;
    return code;
  }

  /** The first text value in a numeric column: the numbers so far become categories by their canonical text, in row order. */
  private toCategorical(): void {
    const count = (x: number) => (x !== x ? MISSING_CODE : this.codeOf(String(x === 0 ? 0 : x)));
    for (const file of this.chunks) {
      const vals = readFloats(file);
      if (!this.keepRows) {
        for (let i = 0; i < vals.length; i++) count(vals[i]);
        continue;
      }
      // A kept column's spilled numbers become spilled codes, chunk for chunk, so its rows stay on disk.
      const codes = new Int32Array(vals.length);
      for (let i = 0; i < vals.length; i++) codes[i] = count(vals[i]);
      const out = this.memory.space!.file('codes');
      writeInts(out, codes);
      this.codeChunks.push({ file: out, rows: codes.length });
    }
    const vals = this.values!;
    const inBuffer = this.n - this.base;
    const t = this.memory.tracker;
    if (this.keepRows) {
      this.codeBase = this.base;
      const codes = new Int32Array(Math.max(FIRST_CAPACITY, vals.length));
      for (let i = 0; i < inBuffer; i++) codes[i] = count(vals[i]);
      this.codes = codes;
      if (t) t.used += codes.length * 4;
    } else for (let i = 0; i < inBuffer; i++) count(vals[i]);
    if (t) t.used -= vals.length * 8;
    this.numeric = false;
    this.values = null;
    this.dropChunks();
  }

  /** Removes the chunk files (the table's SpillSpace removes its whole folder in the end anyway). */
  dropChunks(): void {
    for (const f of this.chunks) fs.rmSync(f, { force: true });
    this.chunks = [];
  }

  /** Code chunks of a column kept by row (files and all-missing runs), oldest first. */
  get spilledCodeChunks(): number {
    return this.codeChunks.length;
  }

  /** The profiler's type over all non-missing values. */
  get type(): DriftColumnType {
    const m = this.mask;
    if (m === 0) return 'empty';
    if ((m & ~BIT_NUMERIC) === 0) return m === 1 << K_INT ? 'integer' : 'number';
    if (m === 1 << K_BOOL) return 'boolean';
    if (m === 1 << K_DATE) return 'datetime';
    return 'string';
  }

  get isNumeric(): boolean {
    return this.numeric && !this.dates && this.mask !== 0;
  }

  /** Every non-missing value is a date; numbers() gives their instants in ms since the epoch. */
  get isDate(): boolean {
    return this.dates;
  }

  /**
   * A numeric or date column's values in row order (NaN missing), `rows` in all, a block at a time: each chunk
   * file, then the buffer. Blocks of a column that never spilled are views of its buffer; do not change them.
   */
  *numberBlocks(rows: number): Generator<Float64Array> {
    this.padTo(rows);
    if (!this.numeric) throw new Error(`column ${this.name} is not numeric`);
    for (const f of this.chunks) yield readFloats(f);
    yield this.values!.subarray(0, this.n - this.base);
  }

  /** A kept text or date column's category codes in row order, `rows` in all, a block at a time (as numberBlocks). */
  *codeBlocks(rows: number): Generator<Int32Array> {
    this.padTo(rows);
    if (this.numeric && !this.dates) throw new Error(`column ${this.name} is numeric`);
    if (!this.codes) throw new Error(`column ${this.name} was read without its rows`);
    for (const c of this.codeChunks) {
      if (c.file !== null) yield readInts(c.file);
      else for (let left = c.rows; left > 0; left -= MISSING_BLOCK) yield new Int32Array(Math.min(left, MISSING_BLOCK)).fill(MISSING_CODE);
    }
    yield this.codes.subarray(0, this.n - this.codeBase);
  }

  /** Row-aligned numbers (NaN missing) of a numeric or date column, `rows` long; not for a column that spilled. */
  numbers(rows: number): Float64Array {
    this.padTo(rows);
    if (!this.numeric) throw new Error(`column ${this.name} is not numeric`);
    if (this.chunks.length) throw new Error(`column ${this.name} went to disk: its rows are not in memory`);
    return this.values!.subarray(0, rows);
  }

  /** The chunk files of a numeric column that spilled (row order), oldest first. */
  get spilledChunks(): readonly string[] {
    return this.chunks;
  }

  /** A numeric column's values after its last chunk (all of them when it never spilled). */
  tail(rows: number): Float64Array {
    this.padTo(rows);
    return this.values!.subarray(0, this.n - this.base);
  }

  get spillSpace(): SpillSpace | undefined {
    return this.memory.space;
  }

  get tracker(): MemoryTracker | undefined {
    return this.memory.tracker;
  }

  /** Row-aligned category codes (MISSING_CODE, OTHER_CODE) of a text column kept by row, `rows` long. */
  codesOf(rows: number): Int32Array {
    this.padTo(rows);
    if (this.numeric && !this.dates) throw new Error(`column ${this.name} is numeric`);
    if (!this.codes) throw new Error(`column ${this.name} was read without its rows`);
    if (this.codeChunks.length) throw new Error(`column ${this.name} went to disk: its rows are not in memory`);
    return this.codes.subarray(0, rows);
  }

  /** Category → count (text columns; OTHER not included). */
  categoryCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (let i = 0; i < this.categories.length; i++) out.set(this.categories[i], this.counts[i]);
    return out;
  }
}
