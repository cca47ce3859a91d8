/**
 * JSON Lines: one JSON object per line; blank lines are skipped, a line that is not valid JSON or not an
 * object is skipped with a warning. Columns are the keys in order of first appearance; a row without a key
 * counts as missing for it. Nested objects and arrays are profiled as strings (their JSON text).
 */
import type { RecordConsumer } from './chunks';
import type { ColumnStats } from './columnStats';
import type { Warnings } from './warnings';

const LF = 10;

export class JsonlReader implements RecordConsumer {
  rows = 0;
  readonly columns: ColumnStats[] = [];
  private readonly byName = new Map<string, ColumnStats>();
  private line = 1;
  private lastKeys: string[] = [];
  private lastCols: ColumnStats[] = [];

  constructor(
    private readonly warnings: Warnings,
    private readonly makeColumn: (name: string) => ColumnStats,
  ) {}

  consume(buf: Buffer, end: number, eof: boolean): number {
    // decode all complete lines at once, then cut the text into lines
    const stop = eof ? end : end > 0 ? buf.lastIndexOf(LF, end - 1) + 1 : 0;
    if (stop <= 0) return 0;
    const text = buf.toString('utf8', 0, stop);
    let p = 0;
    while (p < text.length) {
      let nl = text.indexOf('\n', p);
      if (nl < 0) nl = text.length;
      this.handleLine(text, p, nl);
      p = nl + 1;
    }
    return stop;
  }

  private handleLine(text: string, s: number, e: number): void {
    const line = this.line++;
    let blank = true;
    for (let i = s; i < e; i++) {
      const c = text.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 13) {
        blank = false;
        break;
      }
    }
    if (blank) return;
    let obj: unknown;
    try {
      obj = JSON.parse(text.slice(s, e));
    } catch (err) {
      this.warnings.problem(`line ${line}: not valid JSON (${(err as Error).message}); line skipped`);
      return;
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      this.warnings.problem(`line ${line}: not a JSON object; line skipped`);
      return;
    }
    this.rows++;
    const rec = obj as Record<string, unknown>;
    const keys = Object.keys(rec);
    // rows usually repeat the previous row's keys: then their columns are known without a lookup
    let cols = this.lastCols;
    if (keys.length !== this.lastKeys.length || !sameKeys(keys, this.lastKeys)) {
      cols = keys.map((key) => {
        let col = this.byName.get(key);
        if (col === undefined) {
          col = this.makeColumn(key);
          this.byName.set(key, col);
          this.columns.push(col);
        }
        return col;
      });
      this.lastKeys = keys;
      this.lastCols = cols;
    }
    for (let i = 0; i < keys.length; i++) cols[i].addJson(rec[keys[i]]);
  }
}

function sameKeys(a: string[], b: string[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
