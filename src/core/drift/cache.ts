/**
 * The reference's column summaries on disk, so the hundredth batch against the same training data does not
 * read it again: .lineage/cache/drift/<sha256>.v<CACHE_VERSION>, one binary file per reference content (not in
 * lineage.db: a 1,000,000-row reference is 8 MB per numeric column).
 *
 * Layout: "LNDRIFT\0", u32 header length, the header (JSON: format, rows, and per column its type, counts and
 * categories), zero padding to 8 bytes, every numeric column's sorted values as little-endian float64 one
 * after another (the host's byte order: little-endian on every platform Node runs on here), then a u32 CRC-32 of everything before it. A file that is short, fails its CRC, names
 * another sha256 or cannot be parsed is treated as absent and rebuilt; it is written to a temporary name and
 * renamed, so a reader never sees half a file. Both ways stream: a column that is on disk (past the memory
 * budget) is copied in blocks, and a cache file larger than the budget allows is checked in blocks and its
 * columns read from it when the tests need them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from '../util/crc32';
import { removeStaleTemps } from './staleTemp';
import type { TableFormat } from '../datasets/profile/types';
import { DiskSorted, SortedReader, type SortedValues } from './sortedFile';
import type { ColumnSummary } from './summary';
import type { ColumnKind, DriftColumnType } from './types';

// 3: texts over LONG_CATEGORY characters are counted by categoryKey (columnData.ts), not whole.
// 4: date-times written with a "UTC" suffix are datetime columns (columnData.ts utcDatetime), not text.
export const CACHE_VERSION = 4;
const MAGIC = Buffer.from('LNDRIFT\0', 'latin1');

export interface CachedReference {
  sha256: string;
  format: TableFormat;
  rows: number;
  columns: ColumnSummary[];
}

interface HeaderColumn {
  name: string;
  kind: ColumnKind;
  type: DriftColumnType;
  missing: number;
  nonFinite: number;
  /** Values of `sorted` (numeric), -1 otherwise. */
  n: number;
  counts?: Array<[string, number]>;
  other: number;
}

export function cacheDir(lineageRoot: string): string {
  return path.join(lineageRoot, 'cache', 'drift');
}

export function cacheFile(lineageRoot: string, sha256: string): string {
  return path.join(cacheDir(lineageRoot), `${sha256}.v${CACHE_VERSION}`);
}

export function writeCachedReference(lineageRoot: string, ref: CachedReference): void {
  const header: { sha256: string; format: TableFormat; rows: number; columns: HeaderColumn[] } = {
    sha256: ref.sha256,
    format: ref.format,
    rows: ref.rows,
    columns: ref.columns.map((c) => ({
      name: c.name,
      kind: c.kind,
      type: c.type,
      missing: c.missing,
      nonFinite: c.nonFinite,
      n: c.sorted ? c.sorted.length : -1,
      ...(c.counts ? { counts: [...c.counts] } : {}),
      other: c.other,
    })),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const headEnd = 12 + json.length;
  const dataStart = Math.ceil(headEnd / 8) * 8;
  const head = Buffer.alloc(dataStart);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(json.length, 8);
  json.copy(head, 12);
  const file = cacheFile(lineageRoot, ref.sha256);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  removeStaleTemps(path.dirname(file), (name) => {
    const m = /\.(\d+)(?:\.\d+)?\.tmp$/.exec(name);
    return m ? Number(m[1]) : undefined;
  });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  // Written in pieces (a column on disk is copied a block at a time), the CRC carried along.
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    let crc = 0;
    const put = (bytes: Uint8Array) => {
      crc = crc32(bytes, crc);
      for (let o = 0; o < bytes.length;) o += fs.writeSync(fd!, bytes, o, bytes.length - o);
    };
    put(head);
    for (const c of ref.columns) {
      const s = c.sorted;
      if (!s) continue;
      if (s instanceof DiskSorted) {
        for (const r = new SortedReader(s); r.has();) {
          const block = r.takeBlock();
          put(new Uint8Array(block.buffer, block.byteOffset, block.byteLength));
        }
      } else put(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
    }
    const tail = Buffer.alloc(4);
    tail.writeUInt32LE(crc, 0);
    for (let o = 0; o < 4;) o += fs.writeSync(fd, tail, o, 4 - o);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * The cached summaries of the reference with this sha256, or undefined when absent or damaged. When its
 * values take more than `inMemoryBytes`, they are left in the file (checked, then read in blocks when needed).
 */
export function readCachedReference(lineageRoot: string, sha256: string, inMemoryBytes = Infinity): CachedReference | undefined {
  const file = cacheFile(lineageRoot, sha256);
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return undefined;
  }
  if (size > inMemoryBytes) return readCacheOnDisk(file, sha256, size);
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) return undefined;
    if (crc32(buf.subarray(0, buf.length - 4)) !== buf.readUInt32LE(buf.length - 4)) return undefined;
    const len = buf.readUInt32LE(8);
    if (12 + len > buf.length - 4) return undefined;
    const header = parseHeader(buf.toString('utf8', 12, 12 + len), sha256);
    if (!header) return undefined;
    return columnsOf(header, sha256, Math.ceil((12 + len) / 8) * 8, buf.length - 4, (o, n) => {
      const sorted = new Float64Array(n);
      new Uint8Array(sorted.buffer).set(buf.subarray(o, o + n * 8));
      return sorted;
    });
  } catch {
    return undefined;
  }
}

type Header = { sha256: string; format: TableFormat; rows: number; columns: HeaderColumn[] };

function parseHeader(text: string, sha256: string): Header | undefined {
  const header = JSON.parse(text) as Header;
  return header.sha256 === sha256 && Array.isArray(header.columns) ? header : undefined;
}

/** The summaries, each numeric column's values made by `values(byte offset, count)`; undefined when the layout does not add up. */
function columnsOf(header: Header, sha256: string, start: number, end: number, values: (o: number, n: number) => SortedValues): CachedReference | undefined {
  let o = start;
  const columns: ColumnSummary[] = [];
  for (const h of header.columns) {
    let sorted: SortedValues | null = null;
    if (h.n >= 0) {
      if (o + h.n * 8 > end) return undefined;
      sorted = values(o, h.n);
      o += h.n * 8;
    }
    columns.push({
      name: h.name,
      kind: h.kind,
      type: h.type,
      rows: header.rows,
      missing: h.missing,
      sorted,
      nonFinite: h.nonFinite,
      counts: h.counts ? new Map(h.counts) : null,
      other: h.other,
    });
  }
  if (o !== end) return undefined;
  return { sha256, format: header.format, rows: header.rows, columns };
}

/** A cache file too large for the memory budget: its CRC checked in blocks, its columns left in it. */
function readCacheOnDisk(file: string, sha256: string, size: number): CachedReference | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    if (size < 16) return undefined;
    const block = Buffer.alloc(4 * 1024 * 1024);
    let crc = 0;
    for (let o = 0; o < size - 4;) {
      const r = fs.readSync(fd, block, 0, Math.min(block.length, size - 4 - o), o);
      if (r === 0) return undefined;
      crc = crc32(block.subarray(0, r), crc);
      o += r;
    }
    const small = Buffer.alloc(12);
    fs.readSync(fd, small, 0, 4, size - 4);
    if (crc !== small.readUInt32LE(0)) return undefined;
    fs.readSync(fd, small, 0, 12, 0);
    if (!small.subarray(0, 8).equals(MAGIC)) return undefined;
    const len = small.readUInt32LE(8);
    if (12 + len > size - 4) return undefined;
    const text = Buffer.alloc(len);
    fs.readSync(fd, text, 0, len, 12);
    const header = parseHeader(text.toString('utf8'), sha256);
    if (!header) return undefined;
    return columnsOf(header, sha256, Math.ceil((12 + len) / 8) * 8, size - 4, (o, n) => new DiskSorted(file, o, n));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
