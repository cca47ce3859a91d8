/**
 * Reads a file in chunks (CHUNK_SIZE) and hands them to a consumer that takes whole records only; the bytes of
 * an unfinished record are carried over to the front of the next buffer. The next chunk is read while the
 * consumer works on the current one. A UTF-8 byte order mark at the start of the file is dropped. Memory:
 * three chunk-sized buffers, plus room for the longest record (at most maxRecord bytes).
 */
import * as fs from 'node:fs';

export const CHUNK_SIZE = 4 * 1024 * 1024;
/** A record (row, line) longer than this stops the reading (most likely an unterminated quote). */
export const MAX_RECORD = 64 * 1024 * 1024;

export interface RecordConsumer {
  /** Consume the complete records at the front of buf[0, end); return how many bytes were consumed. With
   *  eof, everything up to end must be consumed. */
  consume(buf: Buffer, end: number, eof: boolean): number;
}

export interface ReadResult {
  /** Size of the file when it was opened. */
  size: number;
  /** Set when reading stopped early, with the file offset of the record that was too long. */
  stoppedAt?: number;
}

export interface ReadOptions {
  chunkSize?: number;
  maxRecord?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function readRecords(file: string, consumer: RecordConsumer, opts: ReadOptions = {}): Promise<ReadResult> {
  const chunkSize = Math.max(1, opts.chunkSize ?? CHUNK_SIZE);
  const maxRecord = opts.maxRecord ?? MAX_RECORD;
  // Without blocking, and regular files only: a FIFO or device named like a table would never end.
  const fh = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`${file} is not a regular file (a device, FIFO or socket); it was not read.`);
    const total = st.size;
    let work = Buffer.allocUnsafe(chunkSize + Math.min(chunkSize, 64 * 1024));
    let end = 0; // bytes in work
    let fileOffset = 0; // file offset of work[0]
    let readPos = 0;
    let bomChecked = false;
    const bufs = [Buffer.allocUnsafe(chunkSize), Buffer.allocUnsafe(chunkSize)];
    let which = 0;
    const readInto = (b: Buffer) => fh.read(b, 0, b.length, readPos).then((r) => r.bytesRead);
    let pending = readInto(bufs[which]);
    for (;;) {
      const n = await pending;
      const chunk = bufs[which];
      readPos += n;
      const eof = n === 0;
      if (!eof) {
        which ^= 1;
        pending = readInto(bufs[which]);
        if (end + n > work.length) {
          const bigger = Buffer.allocUnsafe(Math.max(work.length * 2, end + n));
          work.copy(bigger, 0, 0, end);
          work = bigger;
        }
        chunk.copy(work, end, 0, n);
        end += n;
      }
      if (!bomChecked) {
        if (end < 3 && !eof) continue;
        bomChecked = true;
        if (end >= 3 && work[0] === 0xef && work[1] === 0xbb && work[2] === 0xbf) {
          work.copy(work, 0, 3, end);
          end -= 3;
          fileOffset = 3;
        }
      }
      const used = consumer.consume(work, end, eof);
      if (eof) {
        opts.onProgress?.(total, total);
        return { size: total };
      }
      if (used > 0) {
        if (used < end) work.copy(work, 0, used, end);
        end -= used;
        fileOffset += used;
      }
      opts.onProgress?.(readPos, total);
      if (end > maxRecord) {
        await pending.catch(() => 0);
        return { size: total, stoppedAt: fileOffset };
      }
    }
  } finally {
    await fh.close();
  }
}
