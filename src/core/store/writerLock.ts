import * as fs from 'node:fs';
import * as os from 'node:os';
import { isProcessAlive } from '../util/fsx';

/**
 * An exclusive lock file around saves of the database, so two VS Code windows and the CLI never write it
 * at once. A lock left by a process that died (same host, pid gone) or older than `staleMs` is taken over.
 */
export interface LockOwner {
  pid: number;
  host: string;
  at: number;
}

export class LockTimeoutError extends Error {}

export async function withWriterLock<T>(file: string, fn: () => Promise<T>, timeoutMs = 15000, staleMs = 60000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let wait = 5;
  for (;;) {
    if (tryAcquire(file, staleMs)) break;
    if (Date.now() > deadline) {
      const owner = readOwner(file);
      throw new LockTimeoutError(
        `Another Lineage process (pid ${owner?.pid ?? '?'} on ${owner?.host ?? '?'}) has held ${file} for over ${Math.round(timeoutMs / 1000)} s. ` +
          'If no other Lineage window or CLI is running, delete that file and try again.',
      );
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 100);
  }
  try {
    return await fn();
  } finally {
    release(file);
  }
}

function tryAcquire(file: string, staleMs: number): boolean {
  const me: LockOwner = { pid: process.pid, host: os.hostname(), at: Date.now() };
  try {
    const fd = fs.openSync(file, 'wx');
    fs.writeSync(fd, JSON.stringify(me));
    fs.closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const owner = readOwner(file);
  const stale =
    owner === undefined
      ? ageMs(file) > 2000 // a lock file still empty after 2 s belongs to a writer that died mid-create
      : (owner.host === os.hostname() && !isProcessAlive(owner.pid)) || Date.now() - owner.at > staleMs;
  if (stale) {
    // Rename first so two processes breaking the same stale lock cannot both believe they own it.
    const grave = `${file}.stale.${process.pid}`;
    try {
      fs.renameSync(file, grave);
      fs.rmSync(grave, { force: true });
    } catch {
      /* someone else broke it first */
    }
  }
  return false;
}

function readOwner(file: string): LockOwner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as LockOwner;
    return typeof o.pid === 'number' ? o : undefined;
  } catch {
    return undefined;
  }
}

function ageMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function release(file: string): void {
  const owner = readOwner(file);
  if (owner && owner.pid === process.pid && owner.host === os.hostname()) fs.rmSync(file, { force: true });
}
