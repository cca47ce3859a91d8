/**
 * One column of a batch or reference as it is read, row by row: while every non-missing cell is a number the
 * values are kept row-aligned in a Float64Array (NaN = missing), otherwise each row holds a category code
 * (-1 missing). Types follow the profiler's rules (src/core/datasets/profile/index.ts): integer, number,
 * boolean, datetime or string over all non-missing values; a column mixing numbers and text is text, its
 * numbers counted by their canonical text ("3.0" as "3"). Booleans are "true"/"false" whatever their case.
 *
 * Categories are exact up to CATEGORY_CAP distinct values per column; values first seen after that are
 * counted together as OTHER_CODE (their share is reported, their text is not kept).
 */
import * as cells from '../datasets/profile/cells';
import { K_BOOL, K_DATE, K_FLOAT, K_INF, K_INT, K_MISSING, K_STRING, type CellKind } from '../datasets/profile/cells';
import type { DriftColumnType } from './types';

export const CATEGORY_CAP = 10_000;
export const MISSING_CODE = -1;
export const OTHER_CODE = -2;

const BIT_NUMERIC = (1 << K_INT) | (1 << K_FLOAT) | (1 << K_INF);

export class ColumnData {
  private mask = 0;
  /** Rows filled so far (a JSON Lines row without this key is filled as missing later). */
  private n = 0;
  private numeric = true;
  private values: Float64Array | null = new Float64Array(1024);
  private codes: Int32Array | null = null;
  private readonly index = new Map<string, number>();
  readonly categories: string[] = [];
  private counts: number[] = [];
  otherCount = 0;
  missing = 0;

  constructor(
    readonly name: string,
    /** The 0-based row the reader is on (the readers count a row before handing its cells over). */
    private readonly currentRow: () => number,
  ) {}

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
    this.pushText(Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('utf8'));
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
    const kind: CellKind = buf[0] >= 48 && buf[0] <= 57 && cells.parseDatetime(buf, 0, buf.length) ? K_DATE : K_STRING;
    this.mask |= 1 << kind;
    this.pushText(text);
  }

  /** Fills the rows this column had no cell for (JSON Lines keys absent from a row) as missing. */
  padTo(row: number): void {
    while (this.n < row) this.pushMissing();
  }

  private grow(): void {
    if (this.numeric) {
      const v = this.values!;
      if (this.n === v.length) {
        const bigger = new Float64Array(v.length * 2);
        bigger.set(v);
        this.values = bigger;
      }
    } else {
      const c = this.codes!;
      if (this.n === c.length) {
        const bigger = new Int32Array(c.length * 2);
        bigger.set(c);
        this.codes = bigger;
      }
    }
  }

  private pushMissing(): void {
    this.grow();
    if (this.numeric) this.values![this.n++] = NaN;
    else this.codes![this.n++] = MISSING_CODE;
    this.missing++;
  }

  private pushNumber(x: number): void {
    if (!this.numeric) return this.pushText(String(x === 0 ? 0 : x));
    this.grow();
    this.values![this.n++] = x;
  }

  private pushText(text: string): void {
    if (this.numeric) this.toCategorical();
    this.grow();
    this.codes![this.n++] = this.codeOf(text);
  }

  private codeOf(text: string): number {
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

  /** The first text value in a numeric column: the numbers so far become categories by their canonical text. */
  private toCategorical(): void {
    const vals = this.values!;
    const codes = new Int32Array(Math.max(1024, vals.length));
    for (let i = 0; i < this.n; i++) {
      const x = vals[i];
      codes[i] = x !== x ? MISSING_CODE : this.codeOf(String(x === 0 ? 0 : x));
    }
    this.numeric = false;
    this.values = null;
    this.codes = codes;
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
    return this.numeric && this.mask !== 0;
  }

  /** Row-aligned numbers (NaN missing) of a numeric column, `rows` long. */
  numbers(rows: number): Float64Array {
    this.padTo(rows);
    if (!this.numeric) throw new Error(`column ${this.name} is not numeric`);
    return this.values!.subarray(0, rows);
  }

  /** Row-aligned category codes (MISSING_CODE, OTHER_CODE) of a text column, `rows` long. */
  codesOf(rows: number): Int32Array {
    this.padTo(rows);
    if (this.numeric) throw new Error(`column ${this.name} is numeric`);
    return this.codes!.subarray(0, rows);
  }

  /** Category → count (text columns; OTHER not included). */
  categoryCounts(): Map<string, number> {
    const out = new Map<string, number>();
    for (let i = 0; i < this.categories.length; i++) out.set(this.categories[i], this.counts[i]);
    return out;
  }
}
