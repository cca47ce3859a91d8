/** Where a hash worker writes the kept copy of a file it hashes (docs/data-store.md, "One read"). */
export interface KeepTarget {
  /** objects/.tmp: the copy is written here under `<pid>-<random>` (a dead writer's leftovers are removed). */
  tmpDir: string;
  /** objects/: the copy is renamed to `<first 2 hex>/<sha256>` below it once its digest is known. */
  objectsDir: string;
}

/** What became of the copy: renamed into place, or dropped because that content was already kept. */
export type KeptWhileHashing = 'stored' | 'present';

/** Everything `hashAndKeep` uses, passed in: the function must also run as source text in a hash worker. */
export interface HashAndKeepDeps {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  createHash: typeof import('node:crypto').createHash;
  randomBytes: typeof import('node:crypto').randomBytes;
  describe: (err: unknown, file: string) => string;
}

export type HashAndKeepOutcome =
  { sha256: string; size: number; mtimeMs: number; ino: number; retries: number; kept?: KeptWhileHashing; keepError?: string } | { error: string };

/**
 * Makes `hashAndKeep(file, target)`. It refers to nothing but its parameters and JavaScript's globals, so
 * the hash workers run the same code from `makeHashAndKeep.toString()` (see hashPool.ts). One read of each
 * block feeds both the sha256 and a positioned write of the same bytes to the temporary copy. The bytes
 * written are exactly the bytes hashed, so the digest verifies the copy; only then is it renamed to
 * objects/<2 hex>/<digest> (or dropped, when that content is kept already).
 *
 * Blocks of 64 KiB, written by the same thread right after hashing: the block is still in the CPU's cache
 * for the write. Measured on the 2-core benchmark machine (bench/RESULTS.md), 1 MiB or 4 MiB blocks, or
 * writes handed to the thread pool (another core, a cold cache), made the copy cost 2–10× more.
 *
 * No fsync: the object is a second copy of bytes still in the workspace when it is made, an object with
 * the wrong size is replaced by the next keep of that content, and a restore verifies every byte, so a
 * copy damaged by a power cut is reported, never used; an fsync would wait for the whole file to reach the disk.
 *
 * A file that changes during the read (seen by fstat before/after, and by the path now naming another
 * file) is read and written again from the start, like any hash; after 3 retries it gets no hash and its
 * copy is deleted. Failing to write the copy (a full disk) never fails the hash: the result carries
 * `keepError` and no object is made.
 */
export function makeHashAndKeep(deps: HashAndKeepDeps): (file: string, target: KeepTarget) => HashAndKeepOutcome {
  const { fs, path, createHash, randomBytes, describe } = deps;
  const buf = Buffer.allocUnsafe(64 * 1024);
  const codeOf = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return function hashAndKeep(file, target) {
    for (let attempt = 0; ; attempt++) {
      let fd: number;
      try {
        fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
      } catch (e) {
        return { error: describe(e, file) };
      }
      let out = -1;
      let tmp: string | null = null;
      let keepError: string | null = null;
      try {
        const before = fs.fstatSync(fd);
        if (!before.isFile()) return { error: `${file} is not a regular file (a device, FIFO or socket); it was not read.` };
        try {
          tmp = path.join(target.tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
          out = fs.openSync(tmp, 'wx', 0o644);
        } catch (e) {
          keepError = codeOf(e);
          tmp = null;
        }
        const h = createHash('sha256');
        let pos = 0;
        for (;;) {
          const n = fs.readSync(fd, buf, 0, buf.length, pos);
          if (n <= 0) break;
          const chunk = n === buf.length ? buf : buf.subarray(0, n);
          h.update(chunk);
          if (out >= 0 && keepError === null) {
            try {
              for (let off = 0; off < n;) off += fs.writeSync(out, chunk, off, n - off, pos + off);
            } catch (e) {
              keepError = codeOf(e);
            }
          }
          pos += n;
        }
        const after = fs.fstatSync(fd);
        const now = fs.statSync(file, { throwIfNoEntry: false });
        const stable =
          pos === before.size &&
          after.size === before.size &&
          after.mtimeMs === before.mtimeMs &&
          (!now || (now.ino === before.ino && now.mtimeMs === before.mtimeMs));
        if (!stable) {
          if (attempt >= 3)
            return { error: `${file} kept changing while it was being read (${attempt + 1} tries); fingerprint it again once the writer has finished.` };
          continue;
        }
        const sha256 = h.digest('hex');
        const result = { sha256, size: before.size, mtimeMs: before.mtimeMs, ino: before.ino, retries: attempt };
        if (out < 0 || keepError !== null) return { ...result, keepError: keepError ?? 'not written' };
        try {
          fs.closeSync(out);
          out = -1;
          const final = path.join(target.objectsDir, sha256.slice(0, 2), sha256);
          const there = fs.statSync(final, { throwIfNoEntry: false });
          if (there?.isFile() && there.size === pos) {
            // Touched, as a keep that reuses an object does: gc frees nothing younger than its grace period.
            const t = new Date();
            try {
              fs.utimesSync(final, t, t);
            } catch {
              /* a read-only store: still kept */
            }
            return { ...result, kept: 'present' };
          }
          fs.chmodSync(tmp!, 0o444);
          fs.mkdirSync(path.dirname(final), { recursive: true });
          fs.renameSync(tmp!, final);
          tmp = null;
          return { ...result, kept: 'stored' };
        } catch (e) {
          return { ...result, keepError: codeOf(e) };
        }
      } catch (e) {
        return { error: describe(e, file) };
      } finally {
        try {
          fs.closeSync(fd);
          if (out >= 0) fs.closeSync(out);
          if (tmp) fs.rmSync(tmp, { force: true });
        } catch {
          /* a leftover temporary is removed by the next keep once this process is gone */
        }
      }
    }
  };
}
