import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PythonInfo } from '../runs/runRecord';
import { writeFileAtomicSync } from '../util/fsx';

// importlib.metadata is in the standard library from 3.8, so no pip is needed to list what is installed.
// `dirs` are where the packages were found (and every folder on sys.path): installing or removing a package
// adds or removes a folder in one of them, which changes its mtime, so a cached list is checked with stats.
const PROBE = `
import sys, json, os
dirs = set(p for p in sys.path if p and os.path.isdir(p))
try:
    from importlib import metadata
    pk = {}
    for d in metadata.distributions():
        n = d.metadata.get("Name")
        where = getattr(d, "_path", None)
        if where is not None:
            dirs.add(str(where.parent))
        if n and n not in pk:
            pk[n] = d.version
except Exception:
    pk = {}
print(json.dumps({"path": sys.executable, "version": sys.version.split()[0], "packages": [{"name": k, "version": v} for k, v in sorted(pk.items(), key=lambda kv: kv[0].lower())], "dirs": sorted(dirs)}))
`;

interface CacheEntry {
  key: string;
  /** mtime of sys.executable and of every folder the packages came from, when listed. */
  stamps: Record<string, number>;
  info: PythonInfo;
}

/**
 * The interpreter's version and installed packages. Listing them starts a second interpreter that reads
 * every package's metadata (~0.4 s for a scientific environment, longer than a short script), so the list
 * is kept in `cacheDir` and reused while the interpreter and the folders it found packages in are unchanged
 * (a few stats); a change to any of them lists them again.
 */
export async function capturePython(interpreter: string, cwd: string, cacheDir?: string): Promise<PythonInfo | undefined> {
  // -I: the probe sees neither PYTHONPATH, the user's site folder nor cwd, so only these decide what it sees.
  const key = JSON.stringify([interpreter, path.isAbsolute(interpreter) ? '' : (process.env.PATH ?? '')]);
  const file = cacheDir && path.join(cacheDir, `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.json`);
  const cached = file ? readCache(file, key) : undefined;
  if (cached) return cached;
  const probed = await probe(interpreter, cwd);
  if (!probed) return undefined;
  const { dirs, ...info } = probed;
  if (file) writeCache(file, key, info, [info.path, ...(dirs ?? [])]);
  return info;
}

function readCache(file: string, key: string): PythonInfo | undefined {
  try {
    const e = JSON.parse(fs.readFileSync(file, 'utf8')) as CacheEntry;
    if (e.key !== key) return undefined;
    for (const [p, mtime] of Object.entries(e.stamps)) if (fs.statSync(p).mtimeMs !== mtime) return undefined;
    return e.info;
  } catch {
    return undefined; // missing, unreadable, or a folder that is gone: list them again
  }
}

function writeCache(file: string, key: string, info: PythonInfo, paths: string[]): void {
  try {
    const stamps: Record<string, number> = {};
    for (const p of paths) stamps[p] = fs.statSync(p).mtimeMs;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomicSync(file, JSON.stringify({ key, stamps, info } satisfies CacheEntry));
  } catch {
    /* a cache: without it the next run lists the packages again */
  }
}

function probe(interpreter: string, cwd: string): Promise<(PythonInfo & { dirs?: string[] }) | undefined> {
  return new Promise((resolve) => {
    const child = execFile(interpreter, ['-I', '-c', PROBE], { cwd, timeout: 30000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return resolve(undefined);
      try {
        resolve(JSON.parse(stdout) as PythonInfo & { dirs?: string[] });
      } catch {
        resolve(undefined);
      }
    });
    // A second interpreter reading every installed package's metadata runs while the script starts: at a low
    // priority it takes mostly CPU the script leaves idle. Not the lowest: on cores the script keeps busy it
    // still gets ~10%, so even a large environment is listed well within the timeout.
    try {
      if (child.pid) os.setPriority(child.pid, 10);
    } catch {
      /* not allowed here: it runs at normal priority */
    }
  });
}
