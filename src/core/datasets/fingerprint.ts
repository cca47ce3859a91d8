import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HashPool, HashOutcome } from './hashPool';
import type { KeepTarget, KeptWhileHashing, VerifiedBy } from './objects/hashAndKeep';
import { StatCache } from './statCache';
import { ignoreMatcher, DEFAULT_IGNORE } from './ignore';

export interface FileEntry {
  /** Relative to the fingerprinted folder, with forward slashes. */
  rel: string;
  size: number;
  sha256: string | null;
  error?: string;
}

export interface Fingerprint {
  absPath: string;
  kind: 'file' | 'folder' | 'missing';
  /** For a file, exactly what `sha256sum` prints; for a folder, a hash over its sorted manifest. */
  sha256: string | null;
  size: number;
  fileCount: number;
  mtimeMs: number;
  files?: FileEntry[];
  warnings: string[];
  stats: { hashed: number; cached: number; bytesHashed: number; retried: number };
  /** A device, FIFO or socket: never read (it could block or never end), so it has no hash. */
  notRegular?: true;
}

export interface FingerprintOptions {
  cache?: StatCache;
  ignore?: string[];
  pool?: HashPool;
  onProgress?: (phase: 'scan' | 'hash', done: number, total: number) => void;
  /** Keep copies of the files hashed now (not those the stat cache answers), made right after their hash. */
  keepWhileHashing?: KeepWhileHashing;
}

/** Supplied by the object store (objects/keepPlan.ts): which files to copy while hashing, and where. */
export interface KeepWhileHashing {
  target: KeepTarget;
  /** Decided before any byte is read (the hash is not known yet); `rel` is relative to the fingerprinted target. */
  select(files: Array<{ abs: string; rel: string; size: number }>): Promise<boolean[]>;
  /** After hashing each selected file: its copy's fate, or undefined when none was made (an error, a change). */
  settled(
    file: { abs: string; rel: string },
    plannedSize: number,
    outcome: { sha256: string; size: number; kept?: KeptWhileHashing; verifiedBy?: VerifiedBy } | undefined,
  ): void;
}

interface Found {
  abs: string;
  rel: string;
  size: number;
  mtimeMs: number;
  /** Changes on every write and cannot be set back (unlike mtime), so a restored mtime cannot fool the folder cache. */
  ctimeMs: number;
  ino: number;
}

/** A dataset path `memory:sha256:<hex>`: arrays a script trained on, hashed by the Python SDK. */
export const MEMORY_DATASET = /(?:^|[\\/])memory:sha256:([0-9a-f]{64})$/;

/**
 * Content fingerprint of a file or folder: every byte hashed (MLflow hashes only the first 10,000 rows),
 * unchanged files answered from the stat cache, the rest hashed on every core.
 */
export async function fingerprint(target: string, opts: FingerprintOptions = {}): Promise<Fingerprint> {
  const absPath = path.resolve(target);
  const warnings: string[] = [];
  const stats = { hashed: 0, cached: 0, bytesHashed: 0, retried: 0 };
  // In-memory training data (framework autolog, docs/autolog.md) is named by the sha256 the SDK took of it.
  const memory = MEMORY_DATASET.exec(absPath);
  if (memory) return { absPath, kind: 'file', sha256: memory[1], size: 0, fileCount: 1, mtimeMs: 0, warnings: [], stats };
  let st: fs.Stats;
  try {
    st = fs.statSync(absPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return { absPath, kind: 'missing', sha256: null, size: 0, fileCount: 0, mtimeMs: 0, warnings: [`${target} does not exist.`], stats };
    if (code === 'ELOOP') throw new Error(`${target} is a symlink loop; point it at a real file or folder.`, { cause: err });
    throw err;
  }
  if (!st.isDirectory() && !st.isFile())
    return {
      absPath,
      kind: 'file',
      sha256: null,
      size: 0,
      fileCount: 0,
      mtimeMs: st.mtimeMs,
      warnings: [`${target} is not a regular file (a device, FIFO or socket), so it was not read; point it at a file or folder.`],
      stats,
      notRegular: true,
    };
  const cache = opts.cache ?? new StatCache(undefined);
  const pool = opts.pool ?? new HashPool();
  try {
    if (!st.isDirectory()) {
      cache.load(absPath);
      const [entry] = await hashEntries(
        [{ abs: absPath, rel: path.basename(absPath), size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, ino: st.ino }],
        cache,
        pool,
        stats,
        warnings,
        opts,
      );
      cache.flush();
      return { absPath, kind: 'file', sha256: entry.sha256, size: entry.size, fileCount: 1, mtimeMs: st.mtimeMs, warnings, stats };
    }
    const found = walk(absPath, ignoreMatcher(opts.ignore ?? DEFAULT_IGNORE), warnings, opts.onProgress);
    const listingDigest = digestListing(found, warnings);
    const known = cache.folder(absPath);
    if (known && known.listingDigest === listingDigest) {
      // Nothing was added, removed, resized, touched or replaced: the last result still holds.
      stats.cached = known.fileCount;
      let files: FileEntry[] | undefined;
      const result: Fingerprint = {
        absPath,
        kind: 'folder',
        sha256: known.sha256,
        size: known.size,
        fileCount: known.fileCount,
        mtimeMs: known.mtimeMs,
        warnings,
        stats,
      };
      Object.defineProperty(result, 'files', { enumerable: true, get: () => (files ??= known.files()) });
      return result;
    }
    cache.load(absPath + path.sep);
    const entries = await hashEntries(found, cache, pool, stats, warnings, opts);
    cache.flush();
    entries.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
    const h = createHash('sha256');
    let size = 0;
    for (const e of entries) {
      h.update(`${e.rel}\t${e.size}\t${e.sha256 ?? 'unreadable'}\n`);
      size += e.size;
    }
    const mtimeMs = found.reduce((m, f) => Math.max(m, f.mtimeMs), st.mtimeMs);
    const sha256 = h.digest('hex');
    // A listing with unreadable files is not cached whole: they must be tried again next time.
    if (entries.every((e) => e.sha256 !== null))
      cache.rememberFolder(absPath, { listingDigest, sha256, size, fileCount: entries.length, mtimeMs, warnings }, entries);
    return { absPath, kind: 'folder', sha256, size, fileCount: entries.length, mtimeMs, files: entries, warnings, stats };
  } finally {
    if (!opts.pool) await pool.close();
  }
}

async function hashEntries(
  found: Found[],
  cache: StatCache,
  pool: HashPool,
  stats: Fingerprint['stats'],
  warnings: string[],
  opts: FingerprintOptions,
): Promise<FileEntry[]> {
  const out = new Array<FileEntry>(found.length);
  const misses: number[] = [];
  for (let i = 0; i < found.length; i++) {
    const f = found[i];
    const sha = cache.lookup(f.abs, f.size, f.mtimeMs, f.ino);
    if (sha) {
      out[i] = { rel: f.rel, size: f.size, sha256: sha };
      stats.cached++;
    } else misses.push(i);
  }
  const total = misses.length;
  const keeper = opts.keepWhileHashing;
  const chosen = keeper && total ? await keeper.select(misses.map((i) => ({ abs: found[i].abs, rel: found[i].rel, size: found[i].size }))) : [];
  opts.onProgress?.('hash', 0, total);
  const results: HashOutcome[] = await pool.hashAll(
    misses.map((i) => found[i].abs),
    (done) => opts.onProgress?.('hash', done, total),
    chosen.some(Boolean) ? chosen.map((c) => (c ? keeper!.target : undefined)) : undefined,
  );
  if (keeper)
    for (let k = 0; k < misses.length; k++) {
      if (!chosen[k]) continue;
      const r = results[k];
      keeper.settled(found[misses[k]], found[misses[k]].size, 'error' in r ? undefined : r);
    }
  for (let k = 0; k < misses.length; k++) {
    const f = found[misses[k]];
    const r = results[k];
    if ('error' in r) {
      warnings.push(r.error);
      out[misses[k]] = { rel: f.rel, size: f.size, sha256: null, error: r.error };
      continue;
    }
    stats.hashed++;
    stats.bytesHashed += r.size;
    if (r.retries) {
      stats.retried++;
      warnings.push(`${f.rel} changed while it was being read; it was read again.`);
    }
    cache.remember(f.abs, { size: r.size, mtimeMs: r.mtimeMs, ino: r.ino, sha256: r.sha256 });
    out[misses[k]] = { rel: f.rel, size: r.size, sha256: r.sha256 };
  }
  return out;
}

/** A digest of what the walk saw (names, sizes, times, inodes) and what it skipped, in walk order. */
function digestListing(found: Found[], warnings: string[]): string {
  const h = createHash('sha256');
  let batch = '';
  for (const f of found) {
    batch += `${f.rel}\0${f.size}\0${f.mtimeMs}\0${f.ctimeMs}\0${f.ino}\n`;
    if (batch.length > 1 << 16) {
      h.update(batch);
      batch = '';
    }
  }
  h.update(batch);
  h.update(warnings.join('\n'));
  return h.digest('hex');
}

/**
 * Lists the files under `root` in a fixed order (names sorted in each folder), following symlinks but
 * never round a loop. Plain folders need no stat (the directory entry says what they are), and only
 * symlinked folders can lead back, so only those are checked against the folders already seen.
 */
function walk(root: string, ignored: (name: string) => boolean, warnings: string[], onProgress?: FingerprintOptions['onProgress']): Found[] {
  const out: Found[] = [];
  const rootStat = fs.statSync(root);
  const visited = new Set<string>([`${rootStat.dev}:${rootStat.ino}`, fs.realpathSync(root)]);
  const stack: Array<[string, string]> = [[root, '']];
  let lastReport = Date.now();
  while (stack.length) {
    const [dir, relDir] = stack.pop()!;
    let dirents: fs.Dirent[];
    try {
      dirents = fs.readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      warnings.push(`${relDir || '.'}: cannot list this folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); its files are left out.`);
      continue;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: Array<[string, string]> = [];
    for (const d of dirents) {
      if (ignored(d.name)) continue;
      const abs = dir + path.sep + d.name;
      const rel = relDir ? relDir + '/' + d.name : d.name;
      if (d.isDirectory()) {
        subdirs.push([abs, rel]);
        continue;
      }
      let s: fs.Stats | undefined;
      try {
        s = fs.statSync(abs);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        warnings.push(
          code === 'ELOOP'
            ? `${rel} is a symlink loop; skipped.`
            : code === 'ENOENT'
              ? `${rel} is a broken symlink; skipped.`
              : `${rel} cannot be read (${code}); skipped.`,
        );
        continue;
      }
      if (s.isDirectory()) {
        // A symlink to a folder: follow it once, unless it leads somewhere already included.
        let real: string;
        try {
          real = fs.realpathSync(abs);
        } catch {
          real = abs;
        }
        const key = `${s.dev}:${s.ino}`;
        const inside = [...visited].some((v) => !v.includes(':') && (real === v || real.startsWith(v + path.sep) || v.startsWith(real + path.sep)));
        if (visited.has(key) || inside) {
          warnings.push(`${rel} links back to a folder already included (symlink loop); skipped.`);
          continue;
        }
        visited.add(key);
        visited.add(real);
        subdirs.push([abs, rel]);
      } else if (s.isFile()) {
        out.push({ abs, rel, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino });
      } else {
        warnings.push(`${rel} is not a regular file (a socket, FIFO or device); skipped.`);
      }
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
    if (onProgress && Date.now() - lastReport > 200) {
      onProgress('scan', out.length, 0);
      lastReport = Date.now();
    }
  }
  return out;
}
