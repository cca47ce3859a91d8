/**
 * The reference side: a table's column summaries, from .lineage/cache/drift when this content was seen
 * before (found by sha256), else read once and cached. The sha256 itself is remembered per (path, size,
 * mtime, inode) in the cache folder's stat.json, so an unchanged reference is neither parsed nor hashed again.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hashFileSync } from '../datasets/hashFile';
import { memoryBudget } from './budget';
import { cacheDir, readCachedReference, writeCachedReference, type CachedReference } from './cache';
import { DriftInputError } from './driftError';
import { driftFormatOf, readTable } from './readTable';
import { DiskSorted } from './sortedFile';
import { summarize } from './summary';

export interface ReferenceData extends CachedReference {
  file: string;
  /** True when the summaries came from the cache (the table was not parsed). */
  cached: boolean;
  ms: number;
  /** Bytes of sorted values held in memory (the rest of the budget is the batches'). */
  memoryBytes: number;
  /** Removes temporary files the reference's columns live in (past the budget, with no cache to hold them). */
  dispose(): void;
}

const noTemp = () => undefined;

function withMemory(ref: CachedReference, file: string, cached: boolean, started: number, dispose: () => void = noTemp): ReferenceData {
  let memoryBytes = 0;
  for (const c of ref.columns) if (c.sorted instanceof Float64Array) memoryBytes += c.sorted.byteLength;
  return { ...ref, file, cached, ms: Date.now() - started, memoryBytes, dispose };
}

interface StatEntry {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

const STAT_FILE = 'stat.json';
/** Paths remembered in stat.json; the oldest are dropped past this. */
const STAT_ENTRIES = 500;

function readStats(lineageRoot: string): Record<string, StatEntry> {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(cacheDir(lineageRoot), STAT_FILE), 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, StatEntry>) : {};
  } catch {
    return {};
  }
}

function writeStats(lineageRoot: string, stats: Record<string, StatEntry>): void {
  const entries = Object.entries(stats).slice(-STAT_ENTRIES);
  const file = path.join(cacheDir(lineageRoot), STAT_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(tmp, JSON.stringify(Object.fromEntries(entries)));
    fs.renameSync(tmp, file);
  } catch {
    // Only a speed-up: without it the reference is hashed again next time.
    fs.rmSync(tmp, { force: true });
  }
}

/** The sha256 of a file, from stat.json when the file is unchanged since it was last hashed there. */
export function sha256Of(file: string, lineageRoot: string | null): string {
  const abs = path.resolve(file);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DriftInputError(code === 'ENOENT' ? `${file}: no such file.` : `${file}: cannot be read (${code ?? (err as Error).message}).`);
  }
  if (!st.isFile()) throw new DriftInputError(`${file}: not a regular file (a folder, device or FIFO); give a table file.`);
  const stats = lineageRoot ? readStats(lineageRoot) : {};
  const known = Object.hasOwn(stats, abs) ? stats[abs] : undefined;
  if (known && known.size === st.size && known.mtimeMs === st.mtimeMs && known.ino === st.ino && typeof known.sha256 === 'string') return known.sha256;
  let h;
  try {
    h = hashFileSync(abs);
  } catch (err) {
    throw new DriftInputError(`${file}: ${(err as Error).message}`);
  }
  if (lineageRoot) {
    delete stats[abs];
    stats[abs] = { size: h.size, mtimeMs: h.mtimeMs, ino: h.ino, sha256: h.sha256 };
    writeStats(lineageRoot, stats);
  }
  return h.sha256;
}

/**
 * The reference's summaries. `lineageRoot` null: no cache (a file outside any workspace). `expectSha`: the
 * content must have this sha256 (a run's recorded input); when the file changed since, the cached copy of
 * that content is used if there is one, else a DriftInputError says what changed.
 */
export async function loadReference(
  file: string,
  lineageRoot: string | null,
  expectSha?: { sha256: string; what: string },
  budgetOption?: number,
): Promise<ReferenceData> {
  const started = Date.now();
  // The reference keeps at most half the budget in memory; the batches get the rest.
  const share = Math.floor(memoryBudget(budgetOption) / 2);
  if (!driftFormatOf(file)) throw new DriftInputError(`${file}: not a table drift can read; use a .csv, .tsv, .jsonl or .ndjson file (optionally .gz).`);
  let sha: string;
  let note: string | undefined;
  if (expectSha && !fs.existsSync(file)) sha = '';
  else sha = sha256Of(file, lineageRoot);
  if (expectSha && sha !== expectSha.sha256) {
    const kept = lineageRoot ? readCachedReference(lineageRoot, expectSha.sha256, share) : undefined;
    if (kept) return withMemory(kept, file, true, started);
    note = sha ? `it has changed since (now sha256 ${sha.slice(0, 12)}…)` : 'it is no longer there';
    throw new DriftInputError(
      `${expectSha.what} was read by the run as sha256 ${expectSha.sha256}, but ${note}, and no cached copy of that version is left. ` +
        `Restore that version (\`lineage data of <run>\` lists the run's data), or compare against the file as it is now by giving it instead of the run: lineage drift ${file} <batch…>.`,
    );
  }
  if (lineageRoot) {
    const hit = readCachedReference(lineageRoot, sha, share);
    if (hit) return withMemory(hit, file, true, started);
  }
  const t = await readTable(file, { keepRows: new Set(), budget: share });
  try {
    const columns = t.columns.map((c) => summarize(c, t.rows));
    const ref: CachedReference = { sha256: t.sha256, format: t.format, rows: t.rows, columns };
    const onDisk = columns.some((c) => c.sorted instanceof DiskSorted);
    if (lineageRoot) {
      try {
        writeCachedReference(lineageRoot, ref);
        // Columns on disk are read from the cache file from now on: the temporary files can go.
        const back = onDisk ? readCachedReference(lineageRoot, t.sha256, share) : undefined;
        if (back) {
          t.dispose();
          return withMemory(back, file, false, started);
        }
      } catch {
        // A read-only workspace still gets its report; the next batch reads the reference again.
      }
    }
    if (!onDisk) t.dispose();
    return withMemory(ref, file, false, started, onDisk ? () => t.dispose() : noTemp);
  } catch (err) {
    t.dispose();
    throw err;
  }
}
