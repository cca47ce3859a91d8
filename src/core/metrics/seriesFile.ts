/**
 * One metric series of one run, on disk: `.lineage/cache/series/<run>/<key file>`. The index (lineage.db)
 * keeps only each series' summary; its points live here, so a save of the index costs what the index holds,
 * not the metric history, and a chart reads exactly the chunks it draws.
 *
 * A file is an 8-byte header, then one record per chunk of CHUNK_POINTS points:
 *   0 u32 magic · 4 u32 payload bytes · 8 u32 coarse-copy bytes · 12 u32 points
 *   16 f64 first step · 24 f64 last step · 32 u32 crc32(payload) · 36 u32 crc32(coarse copy)
 *   40 u8 coarse copy's flags (lodCodec.ts) · 41..43 reserved · 44 u32 crc32(bytes 0..43)
 *   then the payload (chunkCodec.ts) and the coarse copy (lodCodec.ts).
 * Only the last record changes after it is written: while it holds fewer than CHUNK_POINTS points it is
 * rewritten in place, longer (a chunk's encoding never shrinks when points are added). A crash mid-write
 * leaves a record whose lengths or checksums do not hold: the file is then one of the cases below.
 *
 * The files are a cache of the events files. A file is trusted to hold the first N points of its series as
 * the events produce them (the encoding is deterministic, so two processes writing the same run write the
 * same bytes at the same offsets); whoever finds it shorter than the index says, torn, or with a checksum
 * that fails, re-derives the run's series from its events (repairSeries.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from '../util/crc32';
import { createHash } from 'node:crypto';
import { concatPoints, decodeChunk, encodeChunk, SeriesPoints } from './chunkCodec';
import { encodeLod, FLAGS_OFFSET } from './lodCodec';

/** Points per chunk: a zoom or a live append reads and rewrites at most this many. */
export const CHUNK_POINTS = 8192;

const FILE_MAGIC = Buffer.from('LNSERIE1', 'latin1');
const RECORD_MAGIC = 0x4b4e4843; // "CHNK" little-endian
export const RECORD_HEADER = 48;

/** A series file whose bytes do not say what the index says they should (torn, damaged, missing). */
export class SeriesDamagedError extends Error {}

export interface ChunkRef {
  seq: number;
  offset: number;
  payloadLen: number;
  lodLen: number;
  n: number;
  /** Index of the chunk's first point in the series. */
  start: number;
  firstStep: number;
  lastStep: number;
  payloadCrc: number;
  lodCrc: number;
  lodFlags: number;
}

export interface SeriesIndex {
  file: string;
  /** Changes whenever the file does (size, mtime, inode). */
  stamp: string;
  chunks: ChunkRef[];
  points: number;
  /** End of the last whole record; bytes after it are a torn tail. */
  validEnd: number;
  size: number;
  /** Why the records stop before the end of the file, if they do. */
  problem?: string;
}

// ---------------------------------------------------------------- where

export function seriesRoot(lineageRoot: string): string {
  return path.join(lineageRoot, 'cache', 'series');
}

export function runSeriesDir(lineageRoot: string, runId: string): string {
  return path.join(seriesRoot(lineageRoot), runId);
}

/**
 * Metric keys are free text ("val/loss", "Loss" beside "loss", emoji): the name keeps a readable part and
 * a hash of the whole key, so keys never collide, even on case-insensitive file systems.
 */
export function seriesFileName(key: string): string {
  const readable = key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 48);
  const hash = createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16);
  return `${readable}.${hash}.series`;
}

export function seriesFile(lineageRoot: string, runId: string, key: string): string {
  return path.join(runSeriesDir(lineageRoot, runId), seriesFileName(key));
}

// ---------------------------------------------------------------- checksums

// crc32 is zlib's (src/core/util/crc32.ts), over each record's payload, coarse copy and header.

// ---------------------------------------------------------------- reading the index

const indexCache = new Map<string, SeriesIndex>();
const INDEX_CACHE_MAX = 20_000;

/**
 * The chunk records of a series file, from their headers alone (one small read per chunk), remembered
 * until the file changes. undefined when there is no file.
 */
export function readIndex(file: string): SeriesIndex | undefined {
  let st: fs.Stats | undefined;
  try {
    st = fs.statSync(file, { throwIfNoEntry: false });
  } catch {
    st = undefined;
  }
  if (!st) {
    indexCache.delete(file);
    return undefined;
  }
  const stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const hit = indexCache.get(file);
  if (hit && hit.stamp === stamp) {
    indexCache.delete(file);
    indexCache.set(file, hit);
    return hit;
  }
  const fd = fs.openSync(file, 'r');
  let idx: SeriesIndex;
  try {
    idx = scan(fd, file, st.size, stamp);
  } finally {
    fs.closeSync(fd);
  }
  remember(idx);
  return idx;
}

function remember(idx: SeriesIndex): void {
  indexCache.delete(idx.file);
  indexCache.set(idx.file, idx);
  if (indexCache.size > INDEX_CACHE_MAX) indexCache.delete(indexCache.keys().next().value as string);
}

/** Forget remembered indexes (a folder replaced by a repair, a test that edits files by hand). */
export function forgetIndexes(dir?: string): void {
  if (!dir) {
    madeDirs.clear();
    return indexCache.clear();
  }
  madeDirs.delete(dir);
  const prefix = dir + path.sep;
  for (const k of [...indexCache.keys()]) if (k.startsWith(prefix)) indexCache.delete(k);
}

function scan(fd: number, file: string, size: number, stamp: string): SeriesIndex {
  const idx: SeriesIndex = { file, stamp, chunks: [], points: 0, validEnd: 0, size };
  if (size === 0) return idx;
  const head = Buffer.alloc(RECORD_HEADER);
  if (size < FILE_MAGIC.length || fs.readSync(fd, head, 0, FILE_MAGIC.length, 0) < FILE_MAGIC.length || !head.subarray(0, 8).equals(FILE_MAGIC)) {
    idx.problem = 'not a Lineage series file';
    return idx;
  }
  let off = FILE_MAGIC.length;
  idx.validEnd = off;
  while (off + RECORD_HEADER <= size) {
    if (fs.readSync(fd, head, 0, RECORD_HEADER, off) < RECORD_HEADER) break;
    const ref = parseHeader(head, off, idx.chunks.length, idx.points);
    if (!ref) {
      idx.problem = `damaged chunk header at byte ${off}`;
      return idx;
    }
    const end = off + RECORD_HEADER + ref.payloadLen + ref.lodLen;
    if (end > size) break;
    idx.chunks.push(ref);
    idx.points += ref.n;
    off = end;
    idx.validEnd = off;
  }
  if (off < size) idx.problem = `${size - off} bytes after the last whole chunk (a write cut short)`;
  return idx;
}

function parseHeader(h: Buffer, offset: number, seq: number, start: number): ChunkRef | undefined {
  if (h.readUInt32LE(0) !== RECORD_MAGIC) return undefined;
  if (h.readUInt32LE(44) !== crc32(h.subarray(0, 44))) return undefined;
  return {
    seq,
    offset,
    payloadLen: h.readUInt32LE(4),
    lodLen: h.readUInt32LE(8),
    n: h.readUInt32LE(12),
    start,
    firstStep: h.readDoubleLE(16),
    lastStep: h.readDoubleLE(24),
    payloadCrc: h.readUInt32LE(32),
    lodCrc: h.readUInt32LE(36),
    lodFlags: h.readUInt8(40),
  };
}

// ---------------------------------------------------------------- reading chunks

/** The payloads of chunks [from, to] of `idx`, checked; positioned reads of just those bytes. */
export function readPayloads(idx: SeriesIndex, from = 0, to = idx.chunks.length - 1): Uint8Array[] {
  return readParts(idx, from, to, 'payload');
}

/** The coarse copies of every chunk (null for a chunk written without one). */
export function readLods(idx: SeriesIndex): (Uint8Array | null)[] {
  return readParts(idx, 0, idx.chunks.length - 1, 'lod');
}

function readParts(idx: SeriesIndex, from: number, to: number, part: 'payload'): Uint8Array[];
function readParts(idx: SeriesIndex, from: number, to: number, part: 'lod'): (Uint8Array | null)[];
function readParts(idx: SeriesIndex, from: number, to: number, part: 'payload' | 'lod'): (Uint8Array | null)[] {
  const out: (Uint8Array | null)[] = [];
  if (to < from) return out;
  let fd: number;
  try {
    fd = fs.openSync(idx.file, 'r');
  } catch (err) {
    throw new SeriesDamagedError(`${path.basename(idx.file)} could not be read (${(err as Error).message})`);
  }
  try {
    for (let i = from; i <= to; i++) {
      const c = idx.chunks[i];
      const len = part === 'payload' ? c.payloadLen : c.lodLen;
      if (part === 'lod' && len === 0) {
        out.push(null);
        continue;
      }
      // A fresh buffer per part (not Buffer's pool), so decoders may view it with aligned typed arrays.
      const bytes = new Uint8Array(len);
      const at = c.offset + RECORD_HEADER + (part === 'payload' ? 0 : c.payloadLen);
      const got = fs.readSync(fd, bytes, 0, len, at);
      const want = part === 'payload' ? c.payloadCrc : c.lodCrc;
      if (got !== len || crc32(bytes) !== want)
        throw new SeriesDamagedError(
          `chunk ${i} of ${path.basename(idx.file)} is damaged (its ${part === 'payload' ? 'points' : 'coarse copy'} fail their checksum)`,
        );
      out.push(bytes);
    }
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

/** Every point of the series in the file, in log order. */
export function readAllPoints(idx: SeriesIndex): SeriesPoints {
  const parts = readPayloads(idx).map(decodeChunkChecked(idx));
  const n = parts.reduce((a, p) => a + p.values.length, 0);
  const out: SeriesPoints = { steps: new Float64Array(n), ts: new Float64Array(n), values: new Float64Array(n) };
  let o = 0;
  for (const p of parts) {
    out.steps.set(p.steps, o);
    out.ts.set(p.ts, o);
    out.values.set(p.values, o);
    o += p.values.length;
  }
  return out;
}

/** decodeChunk, with a failure named after the file (a checksum that holds over bytes it cannot decode). */
export function decodeChunkChecked(idx: SeriesIndex): (bytes: Uint8Array, i: number) => SeriesPoints {
  return (bytes, i) => {
    try {
      return decodeChunk(bytes);
    } catch (err) {
      throw new SeriesDamagedError(`chunk ${i} of ${path.basename(idx.file)} is damaged (${(err as Error).message})`);
    }
  };
}

// ---------------------------------------------------------------- writing

/**
 * Folders this process made or found: a recursive mkdir per write was a tenth of a bulk ingest of small
 * runs. One removed behind our back (another process deleted the run) shows as ENOENT at the next open,
 * which makes it again.
 */
const madeDirs = new Set<string>();

export function ensureDir(dir: string, again = false): void {
  if (!again && madeDirs.has(dir)) return;
  fs.mkdirSync(dir, { recursive: true });
  madeDirs.add(dir);
  if (madeDirs.size > 50_000) madeDirs.clear();
}

function openForAppend(file: string): number {
  try {
    return fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    ensureDir(path.dirname(file), true);
    return fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  }
}

/**
 * Makes the file hold the series' points [0, position + add.length), given that `add` are points
 * [position, …). Points the file already holds are kept (another process, or this one before a crash,
 * wrote the same points from the same events); a file holding fewer than `position` points cannot be
 * continued and throws SeriesDamagedError. The caller holds the run's series lock.
 */
export function appendAt(file: string, position: number, add: SeriesPoints): SeriesIndex {
  ensureDir(path.dirname(file));
  const fd = openForAppend(file);
  try {
    const st = fs.fstatSync(fd);
    const cached = indexCache.get(file);
    const stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
    const idx = cached && cached.stamp === stamp ? cached : scan(fd, file, st.size, stamp);
    if (idx.points < position)
      throw new SeriesDamagedError(
        `${path.basename(file)} holds ${idx.points} points where the index has ${position}${idx.problem ? ` (${idx.problem})` : ''}`,
      );
    const skip = idx.points - position;
    const n = add.values.length;
    if (skip >= n) return idx;
    let points = skip > 0 ? slicePoints(add, skip, n) : add;
    let writeAt = Math.max(idx.validEnd, FILE_MAGIC.length);
    const chunks = idx.chunks.slice();
    let start = idx.points;
    const tail = chunks[chunks.length - 1];
    if (tail && tail.n < CHUNK_POINTS) {
      const [bytes] = readPayloads(idx, tail.seq, tail.seq);
      points = concatPoints(decodeChunkChecked(idx)(bytes, tail.seq), points);
      writeAt = tail.offset;
      start = tail.start;
      chunks.pop();
    }
    const records: Buffer[] = [];
    let off = writeAt;
    const total = points.values.length;
    for (let from = 0; from < total; from += CHUNK_POINTS) {
      const to = Math.min(total, from + CHUNK_POINTS);
      const rec = encodeRecord(points, from, to);
      chunks.push({ ...rec.ref, seq: chunks.length, offset: off, start });
      records.push(rec.bytes);
      off += rec.bytes.length;
      start += to - from;
    }
    // A new file, or one with no whole record whose first bytes are not ours: it starts over.
    const needMagic = idx.validEnd < FILE_MAGIC.length;
    if (needMagic) records.unshift(FILE_MAGIC);
    const buf = records.length === 1 ? records[0] : Buffer.concat(records);
    const at = needMagic ? 0 : writeAt;
    let done = 0;
    while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, at + done);
    // Whatever lay past the new end (a torn tail) goes: the file is exactly its records.
    if (st.size > off) fs.ftruncateSync(fd, off);
    const after = fs.fstatSync(fd);
    const next: SeriesIndex = {
      file,
      stamp: `${after.size}:${after.mtimeMs}:${after.ino}`,
      chunks,
      points: start,
      validEnd: off,
      size: after.size,
    };
    remember(next);
    return next;
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes chunk records whose bytes already exist (the migration from the database's chunk rows). */
export function writeRecords(file: string, records: { payload: Uint8Array; lod: Uint8Array | null; n: number; firstStep: number; lastStep: number }[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const parts: Buffer[] = [FILE_MAGIC];
  for (const r of records) {
    const lod = r.lod ?? new Uint8Array(0);
    parts.push(
      recordHeader(r.payload, lod, r.n, r.firstStep, r.lastStep),
      Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength),
      Buffer.from(lod),
    );
  }
  fs.writeFileSync(file, Buffer.concat(parts));
  indexCache.delete(file);
}

function encodeRecord(p: SeriesPoints, from: number, to: number): { bytes: Buffer; ref: Omit<ChunkRef, 'seq' | 'offset' | 'start'> } {
  const payload = encodeChunk(p, from, to);
  const lod = encodeLod(p, from, to);
  const header = recordHeader(payload, lod, to - from, p.steps[from], p.steps[to - 1]);
  return {
    bytes: Buffer.concat([header, payload, lod]),
    ref: {
      payloadLen: payload.length,
      lodLen: lod.length,
      n: to - from,
      firstStep: p.steps[from],
      lastStep: p.steps[to - 1],
      payloadCrc: header.readUInt32LE(32),
      lodCrc: header.readUInt32LE(36),
      lodFlags: header.readUInt8(40),
    },
  };
}

function recordHeader(payload: Uint8Array, lod: Uint8Array, n: number, firstStep: number, lastStep: number): Buffer {
  const h = Buffer.alloc(RECORD_HEADER);
  h.writeUInt32LE(RECORD_MAGIC, 0);
  h.writeUInt32LE(payload.length, 4);
  h.writeUInt32LE(lod.length, 8);
  h.writeUInt32LE(n, 12);
  h.writeDoubleLE(firstStep, 16);
  h.writeDoubleLE(lastStep, 24);
  h.writeUInt32LE(crc32(payload), 32);
  h.writeUInt32LE(lod.length ? crc32(lod) : 0, 36);
  h.writeUInt8(lod.length > FLAGS_OFFSET ? lod[FLAGS_OFFSET] : 0, 40);
  h.writeUInt32LE(crc32(h.subarray(0, 44)), 44);
  return h;
}

export function slicePoints(p: SeriesPoints, from: number, to: number): SeriesPoints {
  return { steps: p.steps.subarray(from, to), ts: p.ts.subarray(from, to), values: p.values.subarray(from, to) };
}
