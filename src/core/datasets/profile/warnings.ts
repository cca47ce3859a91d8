/** Problems found while reading: the first MAX_LISTED are kept word for word, the rest only counted. */

export const MAX_LISTED = 20;

export class Warnings {
  private readonly listed: string[] = [];
  /** Problems with rows or lines (malformed rows, broken JSON). */
  problems = 0;
  private readonly notes: string[] = [];

  /** A row-level problem (counted; listed while fewer than MAX_LISTED). */
  problem(msg: string): void {
    this.problems++;
    if (this.listed.length < MAX_LISTED) this.listed.push(msg);
  }

  /** A table- or column-level note (one per column at most), always listed. */
  note(msg: string): void {
    this.notes.push(msg);
  }

  list(): string[] {
    const out = [...this.listed];
    if (this.problems > this.listed.length) {
      out.push(`… ${this.problems - this.listed.length} more problems not listed (${this.problems} in total)`);
    }
    return out.concat(this.notes);
  }
}
