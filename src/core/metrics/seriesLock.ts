import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isProcessAlive } from '../util/fsx';
import { ensureDir } from './seriesFile';

/**
 * A run's series files are written by whoever ingests the run: the extension while it trains, the CLI when
 * `lineage run` ends, a second window. Each writes the same bytes at the same offsets, but a shorter tail
 * chunk written over a longer one would tear it, so writers take this lock (a file beside the run's
 * folder) for the few milliseconds of a write. Synchronous: ingest writes inside a SQLite transaction.
 * Re-entrant within the process.
 */
const held = new Map<string, number>();
/** Scopes (withLazySeriesLock) that keep the lock, once someone inside them takes it, until they end. */
const lazyScopes = new Map<string, { taken: boolean }>();
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class SeriesLockTimeoutError extends Error {}

export function withSeriesLock<T>(seriesRoot: string, runId: string, fn: () => T, timeoutMs = 10_000): T {
  const file = lockFile(seriesRoot, runId);
  const depth = held.get(file) ?? 0;
  if (depth === 0) {
    acquire(file, timeoutMs);
    const scope = lazyScopes.get(file);
    if (scope) {
      // Kept until the enclosing scope ends: its next writes need no lock file of their own.
      scope.taken = true;
      held.set(file, 1);
      return fn();
    }
  }
  held.set(file, depth + 1);
  try {
    return fn();
  } finally {
    if (depth === 0) {
      held.delete(file);
      fs.rmSync(file, { force: true });
    } else held.set(file, depth);
  }
}

/**
 * Runs `fn`; the first withSeriesLock inside it takes the lock and keeps it until `fn` returns, so a slice
 * that writes many series of a run takes it once, and one that writes none (one-point series) not at all.
 */
export function withLazySeriesLock<T>(seriesRoot: string, runId: string, fn: () => T): T {
  const file = lockFile(seriesRoot, runId);
  if (held.has(file) || lazyScopes.has(file)) return fn();
  const scope = { taken: false };
  lazyScopes.set(file, scope);
  try {
    return fn();
  } finally {
    lazyScopes.delete(file);
    if (scope.taken) {
      held.delete(file);
      fs.rmSync(file, { force: true });
    }
  }
}

function lockFile(seriesRoot: string, runId: string): string {
  return path.join(seriesRoot, `${runId}.lock`);
}

function acquire(file: string, timeoutMs: number): void {
  ensureDir(path.dirname(file));
  const deadline = Date.now() + timeoutMs;
  let wait = 1;
  const me = JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() });
  for (;;) {
    try {
      fs.writeFileSync(file, me, { flag: 'wx' });
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        ensureDir(path.dirname(file), true); // the cache folder was removed (a rebuild): made again
        continue;
      }
      if (code !== 'EEXIST') throw err;
    }
    if (isStale(file)) {
      // Renamed away first, so two processes breaking the same stale lock cannot both take it.
      const grave = `${file}.stale.${process.pid}`;
      try {
        fs.renameSync(file, grave);
        fs.rmSync(grave, { force: true });
      } catch {
        /* another process broke it first */
      }
      continue;
    }
    if (Date.now() > deadline)
      throw new SeriesLockTimeoutError(
        `Another Lineage process has been writing ${path.basename(file, '.lock')}'s metric cache for over ${Math.round(timeoutMs / 1000)} s; ` +
          `if none is running, delete ${file}.`,
      );
    Atomics.wait(sleeper, 0, 0, wait);
    wait = Math.min(wait * 2, 20);
  }
}

/** Held by a process that is gone (same host), or for far longer than any write takes. */
function isStale(file: string): boolean {
  try {
    const text = fs.readFileSync(file, 'utf8');
    if (!text) return Date.now() - fs.statSync(file).mtimeMs > 2000;
    const owner = JSON.parse(text) as { pid: number; host: string; at: number };
    return (owner.host === os.hostname() && !isProcessAlive(owner.pid)) || Date.now() - owner.at > 60_000;
  } catch {
    return false;
  }
}
