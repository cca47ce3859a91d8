import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Temporary files and folders a drift check left behind when its process was killed (SIGKILL, out of memory,
 * a power cut): no exit hook ran, and a spilled column or a half-written reference cache can be gigabytes.
 * Each name carries its writer's pid; the next check removes those whose process is gone, and any older than
 * a day (the pid may have been reused since).
 */
const DAY_MS = 24 * 3600 * 1000;

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the entries of `dir` whose name `pidOf` reads a pid from, when that process is gone or the entry is a day old. */
export function removeStaleTemps(dir: string, pidOf: (name: string) => number | undefined, now = Date.now()): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = pidOf(name);
    if (pid === undefined || pid === process.pid) continue;
    const abs = path.join(dir, name);
    try {
      if (!alive(pid) || now - fs.statSync(abs).mtimeMs > DAY_MS) fs.rmSync(abs, { recursive: true, force: true });
    } catch {
      // Another process removed it first, or it is not ours to remove: left alone.
    }
  }
}
