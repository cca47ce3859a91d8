/**
 * Sorted numbers that may live on disk: a column's finite values, ascending, as little-endian float64 in a
 * file (a spilled column's merged runs, or a slice of the reference cache file). SortedReader walks either
 * kind in blocks, so the statistics read a column of any length in bounded memory; mergeSorted is the k-way
 * merge of sorted runs into one file.
 */
import * as fs from 'node:fs';

/** Values read at a time per reader (512 KiB). */
export const READ_BLOCK = 65536;

export class DiskSorted {
  constructor(
    readonly file: string,
    /** Byte offset of the first value in the file. */
    readonly offset: number,
    readonly length: number,
  ) {}

  /** The i-th value (0-based); one read, for the few random accesses (quantiles, ends). */
  at(i: number): number {
    const b = Buffer.alloc(8);
    const fd = fs.openSync(this.file, 'r');
    try {
      fs.readSync(fd, b, 0, 8, this.offset + i * 8);
    } finally {
      fs.closeSync(fd);
    }
    return b.readDoubleLE(0);
  }
}

export type SortedValues = Float64Array | DiskSorted;

export function valueAt(s: SortedValues, i: number): number {
  return s instanceof DiskSorted ? s.at(i) : s[i];
}

/** Sequential access to sorted values: has() before peek()/take(). */
export class SortedReader {
  private buf: Float64Array;
  private pos = 0;
  private end: number;
  /** Values of the source read so far (on disk). */
  private read = 0;

  constructor(
    private readonly src: SortedValues,
    block = READ_BLOCK,
  ) {
    if (src instanceof DiskSorted) {
      this.buf = new Float64Array(Math.max(1, Math.min(block, src.length)));
      this.end = 0;
    } else {
      this.buf = src;
      this.end = src.length;
    }
  }

  has(): boolean {
    return this.pos < this.end || this.fill();
  }

  peek(): number {
    return this.buf[this.pos];
  }

  take(): number {
    return this.buf[this.pos++];
  }

  /** The rest of the current block (after has()); its memory is reused by the next fill. */
  takeBlock(): Float64Array {
    const b = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return b;
  }

  private fill(): boolean {
    const src = this.src;
    if (!(src instanceof DiskSorted) || this.read >= src.length) return false;
    const n = Math.min(this.buf.length, src.length - this.read);
    const bytes = new Uint8Array(this.buf.buffer, this.buf.byteOffset, n * 8);
    const fd = fs.openSync(src.file, 'r');
    try {
      let got = 0;
      while (got < bytes.length) {
        const r = fs.readSync(fd, bytes, got, bytes.length - got, src.offset + (this.read * 8 + got));
        if (r === 0) throw new Error(`${src.file}: ends before its ${src.length} values`);
        got += r;
      }
    } finally {
      fs.closeSync(fd);
    }
    this.read += n;
    this.pos = 0;
    this.end = n;
    return true;
  }
}

/** Appends float64 values to a file through a block buffer. */
export class FloatWriter {
  private readonly fd: number;
  private readonly buf = new Float64Array(READ_BLOCK);
  private n = 0;
  count = 0;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  push(x: number): void {
    this.buf[this.n++] = x;
    if (this.n === this.buf.length) this.flush();
  }

  write(values: Float64Array): void {
    this.flush();
    writeAll(this.fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.count += values.length;
  }

  private flush(): void {
    if (this.n === 0) return;
    writeAll(this.fd, new Uint8Array(this.buf.buffer, 0, this.n * 8));
    this.count += this.n;
    this.n = 0;
  }

  close(): void {
    try {
      this.flush();
    } finally {
      fs.closeSync(this.fd);
    }
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let o = 0;
  while (o < bytes.length) o += fs.writeSync(fd, bytes, o, bytes.length - o);
}

/** The k-way merge of ascending sources into `file`, each source read `block` values at a time. */
export function mergeSorted(sources: SortedValues[], file: string, block = READ_BLOCK): DiskSorted {
  const readers = sources.map((s) => new SortedReader(s, block)).filter((r) => r.has());
  // A binary min-heap of readers by their next value.
  const heap = readers;
  const less = (a: SortedReader, b: SortedReader) => a.peek() < b.peek();
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      if (l >= heap.length) return;
      const r = l + 1;
      const m = r < heap.length && less(heap[r], heap[l]) ? r : l;
      if (!less(heap[m], heap[i])) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  const out = new FloatWriter(file);
  try {
    while (heap.length > 0) {
      const top = heap[0];
      out.push(top.take());
      if (!top.has()) {
        const last = heap.pop()!;
        if (heap.length === 0) break;
        heap[0] = last;
      }
      down(0);
    }
  } finally {
    out.close();
  }
  return new DiskSorted(file, 0, out.count);
}

/** Writes float64 values to a new file. */
export function writeFloats(file: string, values: Float64Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    writeAll(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes int32 values (a kept column's category codes) to a new file. */
export function writeInts(file: string, values: Int32Array): void {
  const fd = fs.openSync(file, 'w');
  try {
    writeAll(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  } finally {
    fs.closeSync(fd);
  }
}

/** A whole file of int32 values. */
export function readInts(file: string): Int32Array {
  const bytes = readBytes(file, 4);
  return new Int32Array(bytes.buffer, 0, bytes.byteLength / 4);
}

/** A whole file of float64 values. */
export function readFloats(file: string): Float64Array {
  const bytes = readBytes(file, 8);
  return new Float64Array(bytes.buffer, 0, bytes.byteLength / 8);
}

/** A whole file, as many bytes as whole values of `size` bytes it holds, in a buffer of its own. */
function readBytes(file: string, size: number): Uint8Array {
  const fd = fs.openSync(file, 'r');
  try {
    const bytes = new Uint8Array(Math.floor(fs.fstatSync(fd).size / size) * size);
    let got = 0;
    while (got < bytes.length) {
      const r = fs.readSync(fd, bytes, got, bytes.length - got, got);
      if (r === 0) throw new Error(`${file}: ends early`);
      got += r;
    }
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}
