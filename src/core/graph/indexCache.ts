import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/fsx';

/** The index's arrays, by name: what is written to disk and read back. */
export interface IndexArrays {
  ints: Record<IntField, Int32Array>;
  runStarted: Float64Array;
  strings: Record<StringField, Array<string | null>>;
}
export const INT_FIELDS = [
  'meta', // [known runs]
  'useRun',
  'usePath',
  'useSha',
  'useWrite',
  'useProducer',
  'sameNewest',
  'runReadsAt',
  'runReads',
  'runWritesAt',
  'runWrites',
  'runModelsAt',
  'shaReadersAt',
  'shaReaders',
  'shaWritersAt',
  'shaWriters',
  'pathUsesAt',
  'pathUses',
] as const;
export const STRING_FIELDS = ['runId', 'runName', 'runStatus', 'runExperiment', 'runCommand', 'runCwd', 'paths', 'shas', 'modelPath'] as const;
export type IntField = (typeof INT_FIELDS)[number];
export type StringField = (typeof STRING_FIELDS)[number];

/**
 * The graph index's arrays on disk, so `lineage graph` over 10,000 runs does not query and number them again
 * while no run changed: `LGI1`, a header (JSON: the generation token it was made at, each array's length),
 * then the number arrays as they lie in memory and every string in one UTF-8 text, NUL between strings. It is
 * a copy: a file from another token, of the wrong size or shape, or unreadable is ignored and replaced.
 */
const MAGIC = 'LGI1';
/** Stands for null in the string text (a command or folder a run did not record). */
const NULL = '\u0001';
const SEP = '\u0000';

interface Header {
  token: string;
  ints: Record<IntField, number>;
  started: number;
  strings: Record<StringField, number>;
  stringBytes: number;
  total: number;
}

export function indexCacheFile(lineageRoot: string): string {
  return path.join(lineageRoot, 'cache', 'graph-index.bin');
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Writes the copy; a failure (disk full, read-only folder) only costs the next call the queries. */
export function writeIndexCache(file: string, token: string, a: IndexArrays): void {
  const all: string[] = [];
  const strings = {} as Record<StringField, number>;
  for (const f of STRING_FIELDS) {
    strings[f] = a.strings[f].length;
    for (const s of a.strings[f]) {
      // A string holding a separator could not be told apart: no copy then (the index works from the store).
      if (s !== null && (s.includes(SEP) || s === NULL)) return;
      all.push(s ?? NULL);
    }
  }
  const text = Buffer.from(all.join(SEP), 'utf8');
  const ints = {} as Record<IntField, number>;
  for (const f of INT_FIELDS) ints[f] = a.ints[f].length;
  const header: Header = { token, ints, started: a.runStarted.length, strings, stringBytes: text.length, total: 0 };
  let body = 0;
  for (const f of INT_FIELDS) body += pad8(a.ints[f].byteLength);
  body += a.runStarted.byteLength + text.length;
  // The header's own length depends on `total`: sized with a wide number first, then the real one padded to it.
  header.total = 1e15;
  const jsonLen = Buffer.byteLength(JSON.stringify(header));
  const headLen = pad8(8 + jsonLen);
  header.total = headLen + body;
  const out = Buffer.alloc(header.total);
  out.write(MAGIC, 0, 'latin1');
  // Spaces after the JSON fill it to the length sized above (JSON.parse ignores them).
  out.write(JSON.stringify(header).padEnd(jsonLen, ' '), 8, 'utf8');
  out.writeUInt32LE(jsonLen, 4);
  let off = headLen;
  for (const f of INT_FIELDS) {
    const v = a.ints[f];
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), off);
    off += pad8(v.byteLength);
  }
  out.set(new Uint8Array(a.runStarted.buffer, a.runStarted.byteOffset, a.runStarted.byteLength), off);
  off += a.runStarted.byteLength;
  out.set(text, off);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomicSync(file, out);
  } catch {
    /* the next call reads the store again */
  }
}

/** The arrays kept at `token`, or undefined when there is no such copy (or it is damaged). */
export function readIndexCache(file: string, token: string): IndexArrays | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    if (buf.length < 8 || buf.toString('latin1', 0, 4) !== MAGIC) return undefined;
    const jsonLen = buf.readUInt32LE(4);
    const header = JSON.parse(buf.toString('utf8', 8, 8 + jsonLen)) as Header;
    if (header.token !== token || header.total !== buf.length) return undefined;
    let off = pad8(8 + jsonLen);
    const ints = {} as Record<IntField, Int32Array>;
    for (const f of INT_FIELDS) {
      const len = header.ints[f];
      const v = new Int32Array(len);
      new Uint8Array(v.buffer).set(buf.subarray(off, off + len * 4));
      ints[f] = v;
      off += pad8(len * 4);
    }
    const runStarted = new Float64Array(header.started);
    new Uint8Array(runStarted.buffer).set(buf.subarray(off, off + header.started * 8));
    off += header.started * 8;
    const text = buf.toString('utf8', off, off + header.stringBytes);
    const list = text.length === 0 && header.stringBytes === 0 ? [] : text.split(SEP);
    const strings = {} as Record<StringField, Array<string | null>>;
    let at = 0;
    for (const f of STRING_FIELDS) {
      const n = header.strings[f];
      const part: Array<string | null> = list.slice(at, at + n);
      for (let i = 0; i < part.length; i++) if (part[i] === NULL) part[i] = null;
      strings[f] = part;
      at += n;
    }
    if (at !== list.length) return undefined;
    const a: IndexArrays = { ints, runStarted, strings };
    return wellFormed(a) ? a : undefined;
  } catch {
    return undefined;
  }
}

/** Every number points inside what it numbers, so a damaged copy cannot send the walk out of its arrays. */
function wellFormed(a: IndexArrays): boolean {
  const i = a.ints;
  const s = a.strings;
  const runs = s.runId.length;
  const uses = i.useRun.length;
  const paths = s.paths.length;
  const shas = s.shas.length;
  const within = (v: Int32Array, lo: number, hi: number) => {
    for (let k = 0; k < v.length; k++) if (v[k] < lo || v[k] >= hi) return false;
    return true;
  };
  const offsets = (at: Int32Array, n: number, items: number) => at.length === n + 1 && at[0] === 0 && at[n] === items && within(at, 0, items + 1);
  const sameLength = [s.runName, s.runStatus, s.runExperiment, s.runCommand, s.runCwd].every((x) => x.length === runs);
  return (
    sameLength &&
    i.meta.length === 1 &&
    i.meta[0] >= 0 &&
    i.meta[0] <= runs &&
    a.runStarted.length === runs &&
    [i.usePath, i.useSha, i.useWrite, i.useProducer].every((x) => x.length === uses) &&
    within(i.useRun, 0, runs) &&
    within(i.usePath, 0, paths) &&
    within(i.useSha, -1, shas) &&
    within(i.useWrite, 0, 2) &&
    within(i.useProducer, -1, uses) &&
    i.sameNewest.length === runs &&
    within(i.sameNewest, -1, runs) &&
    offsets(i.runReadsAt, runs, i.runReads.length) &&
    offsets(i.runWritesAt, runs, i.runWrites.length) &&
    offsets(i.runModelsAt, runs, s.modelPath.length) &&
    offsets(i.shaReadersAt, shas, i.shaReaders.length) &&
    offsets(i.shaWritersAt, shas, i.shaWriters.length) &&
    offsets(i.pathUsesAt, paths, i.pathUses.length) &&
    [i.runReads, i.runWrites, i.shaReaders, i.shaWriters, i.pathUses].every((x) => within(x, 0, uses))
  );
}
