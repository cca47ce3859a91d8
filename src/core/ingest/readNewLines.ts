import * as fs from 'node:fs';

// 4 MiB: each parse worker holds a slice's text and its parsed columns, and the main thread the slices
// waiting to be written; at 8 MiB a rebuild of 100 M points peaked near 390 MB, at 4 MiB near 300.
const READ_BYTES = 4 * 1024 * 1024;

export interface NewText {
  text: string;
  /** Byte offset just past the last complete line read. */
  endOffset: number;
}

/**
 * Yields the complete lines written after `offset`, in slices of about 8 MiB so memory stays bounded for
 * any file size. A trailing line without its newline is left for the next read: the writer may be
 * half-way through it. Cutting at a newline byte never splits a UTF-8 character.
 */
export function* readNewLines(file: string, offset: number, size: number): Generator<NewText> {
  if (size <= offset) return;
  const fd = fs.openSync(file, 'r');
  try {
    let pos = offset;
    let carry: Buffer | undefined;
    while (pos < size) {
      const want = Math.min(READ_BYTES, size - pos);
      const buf = Buffer.allocUnsafe(want);
      const got = fs.readSync(fd, buf, 0, want, pos);
      if (got <= 0) break;
      pos += got;
      const chunk = carry ? Buffer.concat([carry, buf.subarray(0, got)]) : buf.subarray(0, got);
      const lastNl = chunk.lastIndexOf(10);
      if (lastNl < 0) {
        carry = chunk;
        continue;
      }
      carry = lastNl + 1 < chunk.length ? Buffer.from(chunk.subarray(lastNl + 1)) : undefined;
      yield { text: chunk.toString('utf8', 0, lastNl + 1), endOffset: pos - (carry?.length ?? 0) };
    }
  } finally {
    fs.closeSync(fd);
  }
}
