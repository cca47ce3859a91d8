/**
 * RFC 4180 reader over raw bytes: fields separated by `delimiter`, records by LF, CRLF or a lone CR; a field
 * that starts with a double quote runs to the matching quote and may hold delimiters, line breaks and doubled
 * quotes (""). Lenient like Python's csv module: a quote inside an unquoted field is an ordinary character,
 * and text after a closing quote is appended to the field. The first record is the header. A record with a
 * different number of fields than the header is skipped with a warning; blank lines are skipped silently.
 * Fields are handed to the column statistics as byte ranges of the read buffer; only fields with doubled
 * quotes are copied (to undo the escaping).
 */
import type { RecordConsumer } from './chunks';
import type { ColumnStats } from './columnStats';
import type { Warnings } from './warnings';

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** Per field of the current record: its end offset, with the flag in bits 30–31 (0 plain, 1 quoted without
 *  escapes: strip the quotes, 2 needs unescaping). A field starts one byte after the previous one ends. */
const FLAG_SHIFT = 30;
const END_MASK = (1 << FLAG_SHIFT) - 1;

export class CsvReader implements RecordConsumer {
  header: string[] | null = null;
  columns: ColumnStats[] = [];
  rows = 0;
  /** 1-based line number where the next record starts. */
  private line = 1;
  private fEnd = new Int32Array(64);
  private scratch = Buffer.allocUnsafe(1024);
  private unterminated = false;
  /** Largest of the bytes that end an unquoted field (delimiter, LF, CR): one compare rules most bytes out. */
  private readonly maxStop: number;

  constructor(
    private readonly delimiter: number,
    private readonly warnings: Warnings,
    private readonly makeColumns: (names: string[]) => ColumnStats[],
  ) {
    this.maxStop = Math.max(delimiter, LF, CR);
  }

  consume(buf: Buffer, end: number, eof: boolean): number {
    if (end > END_MASK) throw new Error('csv buffer too large');
    const d = this.delimiter;
    const maxStop = this.maxStop;
    let fEnd = this.fEnd;
    let cap = fEnd.length;
    let pos = 0;
    while (pos < end) {
      const recStart = pos;
      let nf = 0;
      let nl = 0;
      for (;;) {
        // one field from pos
        let flag = 0;
        if (pos < end && buf[pos] === QUOTE) {
          flag = 1;
          pos++;
          for (;;) {
            if (pos >= end) {
              if (!eof) return recStart;
              flag = 2;
              this.unterminated = true;
              break;
            }
            const c = buf[pos];
            if (c === QUOTE) {
              if (pos + 1 < end) {
                if (buf[pos + 1] === QUOTE) {
                  flag = 2;
                  pos += 2;
                  continue;
                }
              } else if (!eof) return recStart;
              pos++;
              break;
            }
            if (c === LF) nl++;
            pos++;
          }
          while (pos < end) {
            const c = buf[pos];
            if (c <= maxStop && (c === d || c === LF || c === CR)) break;
            flag = 2;
            pos++;
          }
        } else {
          while (pos < end) {
            const c = buf[pos];
            if (c <= maxStop && (c === d || c === LF || c === CR)) break;
            pos++;
          }
        }
        if (nf === cap) {
          const bigger = new Int32Array(cap * 2);
          bigger.set(fEnd);
          this.fEnd = fEnd = bigger;
          cap = bigger.length;
        }
        fEnd[nf++] = pos | (flag << FLAG_SHIFT);
        if (pos >= end) {
          if (!eof) return recStart;
          this.endRecord(buf, recStart, nf, nl);
          return end;
        }
        const c = buf[pos];
        pos++;
        if (c === d) continue;
        if (c === CR) {
          if (pos < end) {
            if (buf[pos] === LF) pos++;
          } else if (!eof) return recStart;
        }
        nl++;
        this.endRecord(buf, recStart, nf, nl);
        break;
      }
    }
    return pos;
  }

  private endRecord(buf: Buffer, recStart: number, nf: number, nl: number): void {
    const line = this.line;
    this.line += nl;
    const fEnd = this.fEnd;
    if (this.unterminated) {
      this.unterminated = false;
      this.warnings.problem(`line ${line}: quoted field not closed before the end of the file`);
    }
    if (nf === 1 && fEnd[0] === recStart) return; // blank line (flag 0, empty)
    if (this.header === null) {
      const names: string[] = [];
      let s = recStart;
      for (let i = 0; i < nf; i++) {
        const e = fEnd[i] & END_MASK;
        const flag = fEnd[i] >>> FLAG_SHIFT;
        if (flag === 0) names.push(buf.toString('utf8', s, e));
        else if (flag === 1) names.push(buf.toString('utf8', s + 1, e - 1));
        else names.push(this.scratch.toString('utf8', 0, this.unescape(buf, s, e)));
        s = e + 1;
      }
      this.header = names;
      this.columns = this.makeColumns(names);
      return;
    }
    const cols = this.columns;
    if (nf !== cols.length) {
      this.warnings.problem(`line ${line}: ${nf} field${nf === 1 ? '' : 's'}, expected ${cols.length}; row skipped`);
      return;
    }
    this.rows++;
    let s = recStart;
    for (let i = 0; i < nf; i++) {
      const v = fEnd[i];
      if (v >>> FLAG_SHIFT === 0) {
        cols[i].addCell(buf, s, v);
        s = v + 1;
      } else {
        const e = v & END_MASK;
        if (v >>> FLAG_SHIFT === 1) cols[i].addCell(buf, s + 1, e - 1);
        else cols[i].addCell(this.scratch, 0, this.unescape(buf, s, e));
        s = e + 1;
      }
    }
  }

  /** Copies the field buf[s, e) (starting with a quote) into scratch without its quotes and with "" → ". */
  private unescape(buf: Buffer, s: number, e: number): number {
    if (this.scratch.length < e - s) this.scratch = Buffer.allocUnsafe(Math.max(e - s, this.scratch.length * 2));
    const out = this.scratch;
    let o = 0;
    let i = s + 1;
    while (i < e) {
      const c = buf[i];
      if (c === QUOTE) {
        if (i + 1 < e && buf[i + 1] === QUOTE) {
          out[o++] = QUOTE;
          i += 2;
          continue;
        }
        i++;
        break;
      }
      out[o++] = c;
      i++;
    }
    while (i < e) out[o++] = buf[i++];
    return o;
  }
}
