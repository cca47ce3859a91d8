/**
 * The reference's column summaries on disk, so the hundredth batch against the same training data does not
 * read it again: .lineage/cache/drift/<sha256>.v<CACHE_VERSION>, one binary file per reference content (not in
 * lineage.db: a 1,000,000-row reference is 8 MB per numeric column).
 *
 * Layout: "LNDRIFT\0", u32 header length, the header (JSON: format, rows, and per column its type, counts and
 * categories), zero padding to 8 bytes, every numeric column's sorted values as little-endian float64 one
 * after another (the host's byte order: little-endian on every platform Node runs on here), then a u32 CRC-32 of everything before it. A file that is short, fails its CRC, names
 * another sha256 or cannot be parsed is treated as absent and rebuilt; it is written to a temporary name and
 * renamed, so a reader never sees half a file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from '../util/crc32';
import type { TableFormat } from '../datasets/profile/types';
import type { ColumnSummary } from './summary';
import type { ColumnKind, DriftColumnType } from './types';

export const CACHE_VERSION = 1;
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
  const values = ref.columns.reduce((s, c) => s + (c.sorted ? c.sorted.length : 0), 0);
  const buf = Buffer.alloc(dataStart + values * 8 + 4);
  MAGIC.copy(buf, 0);
  buf.writeUInt32LE(json.length, 8);
  json.copy(buf, 12);
  let o = dataStart;
  for (const c of ref.columns) {
    if (!c.sorted) continue;
    buf.set(new Uint8Array(c.sorted.buffer, c.sorted.byteOffset, c.sorted.byteLength), o);
    o += c.sorted.byteLength;
  }
  buf.writeUInt32LE(crc32(buf.subarray(0, o)), o);
  const file = cacheFile(lineageRoot, ref.sha256);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    fs.writeFileSync(tmp, buf);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** The cached summaries of the reference with this sha256, or undefined when absent or damaged. */
export function readCachedReference(lineageRoot: string, sha256: string): CachedReference | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(cacheFile(lineageRoot, sha256));
  } catch {
    return undefined;
  }
  try {
    if (buf.length < 16 || !buf.subarray(0, 8).equals(MAGIC)) return undefined;
    if (crc32(buf.subarray(0, buf.length - 4)) !== buf.readUInt32LE(buf.length - 4)) return undefined;
    const len = buf.readUInt32LE(8);
    if (12 + len > buf.length - 4) return undefined;
    const header = JSON.parse(buf.toString('utf8', 12, 12 + len)) as { sha256: string; format: TableFormat; rows: number; columns: HeaderColumn[] };
    if (header.sha256 !== sha256 || !Array.isArray(header.columns)) return undefined;
    let o = Math.ceil((12 + len) / 8) * 8;
    const columns: ColumnSummary[] = [];
    for (const h of header.columns) {
      let sorted: Float64Array | null = null;
      if (h.n >= 0) {
        if (o + h.n * 8 > buf.length - 4) return undefined;
        sorted = new Float64Array(h.n);
        new Uint8Array(sorted.buffer).set(buf.subarray(o, o + h.n * 8));
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
    if (o !== buf.length - 4) return undefined;
    return { sha256, format: header.format, rows: header.rows, columns };
  } catch {
    return undefined;
  }
}
