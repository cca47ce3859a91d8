/**
 * One column's running statistics. Every cell goes through `addCell` (CSV/TSV: raw bytes) or `addJson`
 * (JSON Lines: a parsed value). The type is decided at the end from the kinds of all non-missing cells. While
 * a column could still be numeric it keeps its finite values (exact quantiles, histogram, distinct and top
 * values come from sorting them at the end); every other column counts its values' text in a ByteCounter.
 * A numeric column that meets a non-numeric value hands the numbers kept so far to the counter.
 */
import { ByteCounter } from './byteCounter';
import * as cells from './cells';
import { K_BOOL, K_DATE, K_FLOAT, K_INF, K_INT, K_MISSING, K_STRING, type CellKind } from './cells';
import { histogramCountsSorted, histogramEdges, scaleCounts } from './histogram';
import { HyperLogLog, hashNumber } from './hll';
import { Xorshift32, quantilesOf } from './quantiles';
import { sortNumbers } from './sortValues';
import type { ColumnProfile, ColumnType } from './types';

/** Distinct raw values counted exactly per column; past this `distinct` is an estimate. */
export const DISTINCT_CAP = 10_000;
/** Top values reported. */
export const TOP_K = 20;
/** Numeric and datetime columns with at most this many distinct values also get topValues. */
export const FEW_DISTINCT = 20;
/** Upper bound on finite values kept per numeric column for exact quantiles. */
export const MAX_EXACT_VALUES = 20_000_000;
/** Budget of kept values over all columns of a table (8 bytes each: 256 MiB). */
export const EXACT_VALUES_BUDGET = 32 * 1024 * 1024;
/** Past the exact-value cap, quantiles and histogram come from a uniform sample of this many values. */
export const SAMPLE_SIZE = 1 << 20;
/** Each column may keep at least this many, whatever the number of columns. */
export const MIN_EXACT_VALUES = 1 << 16;
/** Bytes of distinct value text kept over all columns (past a column's share: distinct is estimated). */
export const TEXT_BUDGET = 32 * 1024 * 1024;
/** A column's share of TEXT_BUDGET lies between these. */
export const MIN_TEXT = 64 * 1024;
export const MAX_TEXT = 16 * 1024 * 1024;

/** Canonical number texts are at most 24 characters ("-1.2345678901234567e-300"). */
const NUM_SCRATCH = Buffer.alloc(64);
const TRUE_BYTES = Buffer.from('true');
const FALSE_BYTES = Buffer.from('false');

const BIT_NUMERIC = (1 << K_INT) | (1 << K_FLOAT) | (1 << K_INF);
const BIT_DATE = 1 << K_DATE;
const BIT_BOOL = 1 << K_BOOL;

export class ColumnStats {
  /** Bit set of the kinds of the non-missing cells seen. */
  private mask = 0;
  count = 0;
  missing = 0;
  // numbers
  private numAlive = true;
  private vals: Float64Array | null;
  private nKept = 0;
  private nFinite = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private posInf = 0;
  private negInf = 0;
  private sampling = false;
  /** While sampling: the count of finite values at which the next one goes into the reservoir. */
  private nextReplace = 0;
  private rng: Xorshift32 | null = null;
  private numHll: HyperLogLog | null = null;
  // datetimes
  private dateAlive = true;
  private dMin = Infinity;
  private dMax = -Infinity;
  private dMinText = '';
  private dMaxText = '';
  // categories
  private readonly counter: ByteCounter;
  /** Set when the counts could not be exact (a column that turned non-numeric after sampling began). */
  private countsApproximate = false;
  private scratch = Buffer.allocUnsafe(256);

  constructor(
    readonly name: string,
    private readonly keepCap: number,
    textCap: number,
  ) {
    this.vals = new Float64Array(Math.min(1024, keepCap));
    this.counter = new ByteCounter(DISTINCT_CAP, textCap);
  }

  /** One CSV/TSV cell, buf[s, e) as written (unquoted). */
  addCell(buf: Uint8Array, s: number, e: number): void {
    let a = s;
    let b = e;
    if (a < b && (buf[a] <= 32 || buf[b - 1] <= 32)) {
      cells.trim(buf, s, e);
      a = cells.trimA;
      b = cells.trimB;
    }
    if (a === b) {
      this.missing++;
      return;
    }
    const kind = cells.classifyCell(buf, a, b);
    if (kind === K_MISSING) {
      this.missing++;
      return;
    }
    this.count++;
    if ((this.mask & (1 << kind)) === 0) this.newKind(kind);
    if (this.numAlive) {
      if (kind === K_INT || kind === K_FLOAT) this.addNumber(cells.OUT[0]);
      else if (kind === K_INF) this.addInfinity(cells.OUT[0]);
      return; // numbers are counted by value at the end, from the sorted values
    }
    if (this.dateAlive && kind === K_DATE) this.addDate(cells.OUT[1], buf, a, b);
    if (kind === K_INT || kind === K_FLOAT || kind === K_INF) this.countNumber(cells.OUT[0]);
    else this.counter.add(buf, s, e);
  }

  /** One JSON value (undefined/null: missing). Strings are strings unless they are a missing-value token or
   *  an ISO datetime; numbers are integers when Number.isInteger. */
  addJson(v: unknown): void {
    if (v === null || v === undefined) {
      this.missing++;
      return;
    }
    if (typeof v === 'number') {
      // (JSON.parse gives ±Infinity for a number too large for a double, such as 1e400)
      const kind = Number.isInteger(v) ? K_INT : Number.isFinite(v) ? K_FLOAT : K_INF;
      this.count++;
      if ((this.mask & (1 << kind)) === 0) this.newKind(kind);
      if (!this.numAlive) this.countNumber(v);
      else if (kind === K_INF) this.addInfinity(v);
      else this.addNumber(v);
      return;
    }
    if (typeof v === 'boolean') {
      this.count++;
      if ((this.mask & (1 << K_BOOL)) === 0) this.newKind(K_BOOL);
      this.counter.add(v ? TRUE_BYTES : FALSE_BYTES, 0, v ? 4 : 5);
      return;
    }
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (text.length * 3 > this.scratch.length) this.scratch = Buffer.allocUnsafe(Math.max(text.length * 3, this.scratch.length * 2));
    const buf = this.scratch;
    const len = buf.write(text, 0, 'utf8');
    let kind: CellKind = K_STRING;
    if (typeof v === 'string') {
      let a = 0;
      let b = len;
      if (len > 0 && (buf[0] <= 32 || buf[len - 1] <= 32)) {
        cells.trim(buf, 0, len);
        a = cells.trimA;
        b = cells.trimB;
      }
      if (a === b || cells.isMissingToken(buf, a, b)) {
        this.missing++;
        return;
      }
      if (buf[a] >= 48 && buf[a] <= 57 && cells.parseDatetime(buf, a, b)) kind = K_DATE;
    }
    this.count++;
    if ((this.mask & (1 << kind)) === 0) this.newKind(kind);
    if (this.dateAlive && kind === K_DATE) this.addDate(cells.OUT[1], buf, 0, len);
    this.counter.add(buf, 0, len);
  }

  private newKind(kind: CellKind): void {
    this.mask |= 1 << kind;
    if (this.numAlive && (this.mask & ~BIT_NUMERIC) !== 0) {
      // No longer a numeric column: count the numbers kept so far as values (canonical text) from now on.
      this.numAlive = false;
      if (this.sampling) this.countsApproximate = true; // only a sample of the earlier numbers is left
      const vals = this.vals!;
      for (let i = 0; i < this.nKept; i++) this.countNumber(vals[i]);
      for (let i = 0; i < this.posInf; i++) this.countNumber(Infinity);
      for (let i = 0; i < this.negInf; i++) this.countNumber(-Infinity);
      this.vals = null;
      this.numHll = null;
    }
    if (this.dateAlive && (this.mask & ~BIT_DATE) !== 0) this.dateAlive = false;
  }

  /** Counts a number in a non-numeric column by its canonical text ("1.0" and "1" are both "1"). */
  private countNumber(x: number): void {
    const text = String(x === 0 ? 0 : x);
    const len = NUM_SCRATCH.write(text, 0, 'latin1');
    this.counter.add(NUM_SCRATCH, 0, len);
  }

  /** Room for n values (a row-count estimate), so the kept values need not be copied as they grow. */
  reserve(n: number): void {
    const vals = this.vals;
    if (!this.numAlive || vals === null || this.sampling || vals.length >= n) return;
    const bigger = new Float64Array(Math.min(this.keepCap, Math.ceil(n)));
    bigger.set(vals.subarray(0, this.nKept));
    this.vals = bigger;
  }

  private addNumber(x: number): void {
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    const vals = this.vals!;
    if (this.nKept < vals.length) vals[this.nKept++] = x;
    else this.addNumberSlow(x);
  }

  private addNumberSlow(x: number): void {
    if (this.sampling) {
      this.addNumberSampled(x);
      return;
    }
    const vals = this.vals!;
    if (vals.length >= this.keepCap) {
      this.startSampling();
      this.addNumberSampled(x);
      return;
    }
    const bigger = new Float64Array(Math.min(this.keepCap, vals.length * 2));
    bigger.set(vals);
    this.vals = bigger;
    bigger[this.nKept++] = x;
  }

  /** Past the cap: Welford's update for mean and variance, HyperLogLog for distinct, and reservoir sampling
   *  for quantiles and histogram: the n-th value replaces a random kept one with probability k / n (Algorithm
   *  R), with the gaps between replacements drawn directly (geometric, p = k / n at the start of the gap: the
   *  error of holding p fixed over a gap is of order 1/k) so that most values cost no random number. */
  private addNumberSampled(x: number): void {
    const n = ++this.nFinite;
    const d = x - this.mean;
    this.mean += d / n;
    this.m2 += d * (x - this.mean);
    this.numHll!.add(hashNumber(x));
    if (n === this.nextReplace) {
      this.vals![this.rng!.below(this.nKept)] = x;
      this.nextReplace = n + this.gap(n);
    }
  }

  /** Values until the next one that goes into the reservoir, after the n-th (≥ 1). */
  private gap(n: number): number {
    const p = this.nKept / n;
    if (p >= 1) return 1;
    const u = 1 - this.rng!.next01(); // (0, 1]
    return Math.floor(Math.log(u) / Math.log1p(-p)) + 1;
  }

  private startSampling(): void {
    this.sampling = true;
    this.rng = new Xorshift32();
    this.numHll = new HyperLogLog();
    let vals = this.vals!;
    const n = this.nKept;
    for (let i = 0; i < n; i++) this.numHll.add(hashNumber(vals[i]));
    this.nFinite = n;
    [this.mean, this.m2] = meanAndM2(vals, n);
    // the reservoir: a uniform random subset of SAMPLE_SIZE of the values kept so far (partial Fisher–Yates)
    const k = Math.min(n, SAMPLE_SIZE);
    if (k < n) {
      for (let i = 0; i < k; i++) {
        const j = i + this.rng.below(n - i);
        const t = vals[i];
        vals[i] = vals[j];
        vals[j] = t;
      }
      vals = vals.slice(0, k);
      this.vals = vals;
      this.nKept = k;
    }
    this.nextReplace = n + this.gap(n);
  }

  private addInfinity(x: number): void {
    if (x > 0) this.posInf++;
    else this.negInf++;
  }

  private addDate(ms: number, buf: Uint8Array, a: number, b: number): void {
    if (ms < this.dMin) {
      this.dMin = ms;
      this.dMinText = Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('utf8');
    }
    if (ms > this.dMax) {
      this.dMax = ms;
      this.dMaxText = Buffer.from(buf.buffer, buf.byteOffset + a, b - a).toString('utf8');
    }
  }

  /** Type from the kinds seen. */
  type(): ColumnType {
    const m = this.mask;
    if (m === 0) return 'empty';
    if (m === 1 << K_INT) return 'integer';
    if ((m & ~BIT_NUMERIC) === 0) return 'number';
    if (m === BIT_BOOL) return 'boolean';
    if (m === BIT_DATE) return 'datetime';
    return 'string';
  }

  /** The profile; `rows` is the number of rows of the table (cells a row lacked count as missing). */
  finish(rows: number, warn: (msg: string) => void): ColumnProfile {
    const type = this.type();
    const missing = this.missing + Math.max(0, rows - this.count - this.missing);
    const p: ColumnProfile = { name: this.name, type, count: this.count, missing };
    if (type === 'integer' || type === 'number') this.finishNumeric(p, warn);
    else if (type === 'empty') p.distinct = 0;
    else {
      p.distinct = this.counter.distinct();
      if (this.counter.capped || this.countsApproximate) p.distinctCapped = true;
      if (type === 'datetime') {
        p.minDatetime = this.dMinText;
        p.maxDatetime = this.dMaxText;
      }
      if (type === 'string' || type === 'boolean' || p.distinct <= FEW_DISTINCT) p.topValues = this.counter.top(TOP_K);
    }
    return p;
  }

  private finishNumeric(p: ColumnProfile, warn: (msg: string) => void): void {
    const nonFinite = this.posInf + this.negInf;
    if (nonFinite > 0) {
      p.nonFinite = nonFinite;
      warn(`column "${this.name}": ${nonFinite} infinite value${nonFinite === 1 ? '' : 's'} counted but left out of ` + 'min/max/mean/std/quantiles/histogram');
    }
    const n = this.nKept;
    const vals = this.vals!;
    let sorted: Float64Array | null = null;
    if (n > 0) {
      sortNumbers(vals, n, this.min, this.max, this.mask === 1 << K_INT);
      sorted = vals;
      p.min = this.min === 0 ? 0 : this.min; // no -0 in a profile
      p.max = this.max === 0 ? 0 : this.max;
      if (!this.sampling) {
        this.nFinite = n;
        const [mean, std] = meanAndStd(vals, n, Math.max(-this.min, this.max));
        p.mean = mean;
        if (n >= 2) p.std = std;
      } else {
        p.mean = this.mean;
        if (this.nFinite >= 2) p.std = Math.sqrt(this.m2 / (this.nFinite - 1));
      }
      p.quantiles = quantilesOf(sorted, n);
      const edges = histogramEdges(this.min, this.max);
      let counts = histogramCountsSorted(sorted, n, edges);
      if (this.sampling) {
        counts = scaleCounts(counts, this.nFinite);
        p.quantilesApproximate = true;
        warn(
          `column "${this.name}": ${this.nFinite} values, more than the ${this.keepCap} kept for exact quantiles; ` +
            `quantiles and histogram come from a uniform sample of ${n} of them`,
        );
      }
      p.histogram = { edges, counts };
    }
    // distinct values (and, when few, the top values) by numeric value
    if (this.sampling) {
      p.distinct = this.numHll!.estimate() + (this.posInf > 0 ? 1 : 0) + (this.negInf > 0 ? 1 : 0);
      p.distinctCapped = true;
      return;
    }
    const runs: Array<{ value: number; count: number }> = [];
    let distinct = 0;
    for (let i = 0; i < n;) {
      const v = sorted![i];
      let j = i + 1;
      while (j < n && sorted![j] === v) j++;
      distinct++;
      if (runs.length <= FEW_DISTINCT) runs.push({ value: v, count: j - i });
      i = j;
    }
    if (this.posInf > 0) runs.push({ value: Infinity, count: this.posInf });
    if (this.negInf > 0) runs.push({ value: -Infinity, count: this.negInf });
    p.distinct = distinct + (this.posInf > 0 ? 1 : 0) + (this.negInf > 0 ? 1 : 0);
    if (p.distinct <= FEW_DISTINCT) {
      p.topValues = runs
        .sort((x, y) => y.count - x.count || x.value - y.value)
        .slice(0, TOP_K)
        .map((r) => ({ value: String(r.value === 0 ? 0 : r.value), count: r.count }));
    }
  }
}

/**
 * Mean and sum of squared deviations of a[0, n): a compensated (Neumaier) sum for the mean, then the corrected
 * two-pass sum of squares (Chan, Golub & LeVeque), which is at least as accurate as Welford's update.
 */
export function meanAndM2(a: Float64Array, n: number): [number, number] {
  if (n === 0) return [0, 0];
  let sum = 0;
  let comp = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const t = sum + x;
    if (Math.abs(sum) >= Math.abs(x)) comp += sum - t + x;
    else comp += x - t + sum;
    sum = t;
  }
  const mean = (sum + comp) / n;
  let ss = 0;
  let dev = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - mean;
    ss += d * d;
    dev += d;
  }
  return [mean, Math.max(0, ss - (dev * dev) / n)];
}

/** Mean and sample standard deviation of a[0, n) (std NaN for n < 2); values whose magnitude (up to maxAbs)
 *  could overflow the sums are scaled by a power of two first, which is exact. */
export function meanAndStd(a: Float64Array, n: number, maxAbs: number): [number, number] {
  if (maxAbs < 1e150) {
    const [mean, m2] = meanAndM2(a, n);
    return [mean, Math.sqrt(m2 / (n - 1))];
  }
  const down = 2 ** -600;
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) scaled[i] = a[i] * down;
  const [mean, m2] = meanAndM2(scaled, n);
  return [mean * 2 ** 600, Math.sqrt(m2 / (n - 1)) * 2 ** 600];
}

/** Per-column memory limits for a table of `columns` columns: finite values kept for exact quantiles, and
 *  bytes of distinct value text kept for exact distinct/top-value counts. */
export function limitsFor(columns: number): { keep: number; text: number } {
  const n = Math.max(1, columns);
  return {
    keep: Math.min(MAX_EXACT_VALUES, Math.max(MIN_EXACT_VALUES, Math.floor(EXACT_VALUES_BUDGET / n))),
    text: Math.min(MAX_TEXT, Math.max(MIN_TEXT, Math.floor(TEXT_BUDGET / n))),
  };
}
