import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LineagePaths } from '../../util/lineagePaths';
import { isProcessAlive } from '../../util/fsx';

const SHA256 = /^[0-9a-f]{64}$/;
const CHUNK = 4 * 1024 * 1024;

/** Where the bytes of one content live: objects/<first 2 hex>/<sha256>. */
export function objectPath(paths: LineagePaths, sha256: string): string {
  if (!SHA256.test(sha256)) throw new Error(`"${sha256}" is not a sha256; objects are named by the 64 hex digits of their content's sha256.`);
  return path.join(paths.objects, sha256.slice(0, 2), sha256);
}

/** A kept object under its final name. Only whole, verified copies are ever renamed there. */
export function hasObject(paths: LineagePaths, sha256: string): boolean {
  if (!SHA256.test(sha256)) return false;
  return fs.statSync(objectPath(paths, sha256), { throwIfNoEntry: false })?.isFile() ?? false;
}

/** Copies being written: a name here is never read as an object, and a dead writer's leftovers are removed. */
export function tempDir(paths: LineagePaths): string {
  return path.join(paths.objects, '.tmp');
}

/** `<pid>-<random>`: the pid says whether the writer is still alive, so the next keep knows what is debris. */
export function tempName(dir: string): string {
  return path.join(dir, `${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** Removes temporary copies whose writer died (a crash or kill mid-copy); returns how many. */
export function cleanDeadTemps(paths: LineagePaths): number {
  const dir = tempDir(paths);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of names) {
    const pid = Number(name.split('-')[0]);
    // A day-old temporary file is debris even if its pid now belongs to some other live process.
    const old = (fs.statSync(path.join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0) < dayAgo;
    if (isProcessAlive(pid) && !old) continue;
    try {
      fs.rmSync(path.join(dir, name), { force: true });
      removed++;
    } catch {
      /* another cleaner got it first */
    }
  }
  return removed;
}

export interface CopyResult {
  sha256: string;
  size: number;
  /** true when the file system made a copy-on-write clone (no bytes duplicated). */
  cloned: boolean;
}

/** Per folder: whether its file system makes copy-on-write clones (probed once per process). */
const clonesIn = new Map<string, boolean>();

/** Whether files in `dir` can be copied as copy-on-write clones (probed once per folder per process). */
export function probeClone(dir: string): boolean {
  let known = clonesIn.get(dir);
  if (known !== undefined) return known;
  const a = tempName(dir);
  const b = tempName(dir);
  try {
    fs.writeFileSync(a, 'x');
    fs.copyFileSync(a, b, fs.constants.COPYFILE_FICLONE_FORCE);
    known = true;
  } catch {
    known = false;
  } finally {
    fs.rmSync(a, { force: true });
    fs.rmSync(b, { force: true });
  }
  clonesIn.set(dir, known);
  return known;
}

/**
 * Copies `src` to the new file `dst` with `fs.copyFile` (a copy-on-write clone where the file system offers
 * one, else the kernel's own copy) and returns the sha256 of the bytes the copy holds, read back from the
 * copy itself. The hash follows the copy as it grows instead of waiting for it to end, so on two cores
 * keeping costs about what `cp` does. Never a hard link: an in-place edit of the source would change the
 * kept copy too.
 */
export async function copyVerifying(src: string, dst: string): Promise<CopyResult> {
  const cloned = probeClone(path.dirname(dst));
  let done = false;
  let failed: Error | undefined;
  const copying = fs.promises.copyFile(src, dst, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE).then(
    () => void (done = true),
    (err: Error) => void ((done = true), (failed = err)),
  );
  const tick = () => Promise.race([copying, new Promise((r) => setTimeout(r, 1))]);
  let h: fs.promises.FileHandle | undefined;
  while (!h) {
    try {
      h = await fs.promises.open(dst, fs.constants.O_RDONLY);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || done) {
        await copying;
        throw failed ?? err;
      }
      await tick();
    }
  }
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    for (;;) {
      const finished = done;
      const { bytesRead } = await h.read(buf, 0, CHUNK, pos);
      if (bytesRead > 0) {
        hash.update(buf.subarray(0, bytesRead));
        pos += bytesRead;
        continue;
      }
      // At the end of what is written so far: the end of the copy only once the copy had finished before this read.
      if (finished) break;
      await tick();
    }
    await copying;
    if (failed) throw failed;
    return { sha256: hash.digest('hex'), size: pos, cloned };
  } finally {
    await h.close();
  }
}

/** sha256 and size of a file, read without blocking the event loop (the editor keeps running). */
export async function hashFileAsync(file: string): Promise<{ sha256: string; size: number }> {
  const h = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    if (!(await h.stat()).isFile()) throw new Error(`${file} is not a regular file.`);
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK);
    let pos = 0;
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, CHUNK, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
    return { sha256: hash.digest('hex'), size: pos };
  } finally {
    await h.close();
  }
}

export type PutOutcome = { state: 'present' } | { state: 'stored'; cloned: boolean } | { state: 'changed'; sha256: string; size: number };

/**
 * Keeps the bytes of `src` as object `sha256`, unless it is already there. The copy goes to a temporary
 * name, is checked against the expected sha256, and only then renamed into place: no reader ever sees a
 * half object. A source whose bytes no longer match (edited since it was fingerprinted) is not kept.
 */
export async function putObject(paths: LineagePaths, src: string, sha256: string, size: number): Promise<PutOutcome> {
  const final = objectPath(paths, sha256);
  const st = fs.statSync(final, { throwIfNoEntry: false });
  if (st?.isFile() && st.size === size) {
    // A reused object is touched: gc frees nothing younger than its grace period, so a run being recorded
    // now keeps what it reuses even before its kept.json exists.
    const now = new Date();
    await fs.promises.utimes(final, now, now).catch(() => undefined);
    return { state: 'present' };
  }
  const tmpDir = tempDir(paths);
  await fs.promises.mkdir(tmpDir, { recursive: true });
  const tmp = tempName(tmpDir);
  try {
    let copy = await copyVerifying(src, tmp);
    // Read once more, whole: a read that raced the kernel's copy must not throw away a good copy.
    if (copy.sha256 !== sha256) copy = { ...copy, ...(await hashFileAsync(tmp)) };
    if (copy.sha256 !== sha256) {
      await fs.promises.rm(tmp, { force: true });
      return { state: 'changed', sha256: copy.sha256, size: copy.size };
    }
    await fs.promises.chmod(tmp, 0o444);
    await fs.promises.mkdir(path.dirname(final), { recursive: true });
    // Replaces a damaged object (wrong size, e.g. after a power cut) with the verified copy.
    await fs.promises.rename(tmp, final);
    return { state: 'stored', cloned: copy.cloned };
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}
