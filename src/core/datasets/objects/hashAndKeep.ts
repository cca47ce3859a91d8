/** Where a hash worker puts the kept copy of a file it hashes (docs/data-store.md, "While fingerprinting"). */
export interface KeepTarget {
  /** objects/.tmp: the copy is made here under `<pid>-<random>` (a dead writer's leftovers are removed). */
  tmpDir: string;
  /** objects/: the copy is renamed to `<first 2 hex>/<sha256>` below it once it is known to hold those bytes. */
  objectsDir: string;
  /** A file whose ctime or mtime is later than (start of its hash − this) is racy: see `makeHashAndKeep`. */
  racyMs: number;
  /**
   * Whether tmpDir's file system makes copy-on-write clones. Only then does the kernel copy: without clones
   * (ext4) it measured no cheaper than the copy in the read, and less steady (bench/RESULTS.md).
   */
  clones: boolean;
}

/**
 * How long after a file's last change (its ctime or mtime) a write could still leave both unchanged.
 * File times come from the kernel's coarse clock (a tick of up to 10 ms), a network file system stamps them
 * with the server's clock, and a clock can be stepped; git calls such files "racy". Seconds, not
 * milliseconds: a file this fresh is copied the slower way, which is rare for an input (written long before
 * the run that reads it) and costs one write of it, never a wrong object.
 */
export const RACY_MS = 3000;

/** What became of the copy: renamed into place, or none needed because that content was already kept. */
export type KeptWhileHashing = 'stored' | 'present';

/**
 * What shows a stored copy holds the bytes hashed: the kernel copied an unchanged file ('identity'), or the
 * copy was written from the very blocks the hash read ('hash': a racy file, or no clones).
 */
export type VerifiedBy = 'identity' | 'hash';

/** Everything `hashAndKeep` uses, passed in: the function must also run as source text in a hash worker. */
export interface HashAndKeepDeps {
  fs: typeof import('node:fs');
  path: typeof import('node:path');
  createHash: typeof import('node:crypto').createHash;
  randomBytes: typeof import('node:crypto').randomBytes;
  describe: (err: unknown, file: string) => string;
}

export type HashAndKeepOutcome =
  | {
      sha256: string;
      size: number;
      mtimeMs: number;
      ino: number;
      retries: number;
      kept?: KeptWhileHashing;
      verifiedBy?: VerifiedBy;
      keepError?: string;
    }
  | { error: string };

/**
 * Makes `hashAndKeep(file, target)`. It refers to nothing but its parameters and JavaScript's globals, so
 * the hash workers run the same code from `makeHashAndKeep.toString()` (see hashPool.ts).
 *
 * The file is hashed, then copied by the kernel (`copyFile`: a copy-on-write clone where the file system
 * has them, else copy_file_range/sendfile, no byte through user space), and the copy is trusted by the
 * source's identity instead of a second read: (dev, ino, size, mtime ns, ctime ns), taken by fstat before
 * the hash, must be what fstat says after it and what stat of the path says before and after the copy, and
 * the copy must have the size hashed. ctime cannot be set from user space and moves on every write (and
 * rename), so an unchanged identity means the kernel copied the bytes that were hashed. Only then is the copy
 * renamed to objects/<2 hex>/<digest>; when that object exists already nothing is copied at all.
 *
 * Except for a racy file (changed within `target.racyMs` of the hash): a write in the same clock tick as its
 * last one could leave its times as they were. Such a file, and every file where the file system does not
 * clone (`target.clones`: there the kernel's copy measured no cheaper), is copied in the read that hashes it:
 * each 256 KiB block is fed to the sha256 and written to the temporary copy by the same thread, so the bytes
 * written are exactly the bytes hashed. (256 KiB, written right after hashing: the block is still in the
 * core's L2 cache, and a quarter of the write calls of 64 KiB. Measured on a quiet 2-core EPYC with 512 KiB
 * of L2 per core, keep cost against `cp` of the same 1 GiB: 64 KiB 0.84×, 128 KiB 0.96×, 256 KiB 0.99–1.00×,
 * 512 KiB 0.57×; 1 MiB or 4 MiB blocks, or writes on the thread pool, were 2–10× dearer; bench/RESULTS.md.)
 *
 * No fsync: the object is a second copy of bytes still in the workspace when it is made, an object with
 * the wrong size is replaced by the next keep of that content, and a restore verifies every byte, so a
 * copy damaged by a power cut is reported, never used; an fsync would wait for the whole file to reach the disk.
 *
 * A file whose identity moves during the read or the copy is hashed (and copied) again from the start,
 * like any hash; after 3 retries it gets no hash and its copy is deleted. Failing to make the copy (a full
 * disk) never fails the hash: the result carries `keepError` and no object is made.
 */
export function makeHashAndKeep(deps: HashAndKeepDeps): (file: string, target: KeepTarget) => HashAndKeepOutcome {
  const { fs, path, createHash, randomBytes, describe } = deps;
  // 256 KiB for a copy in the read (see above); 1 MiB, as a plain hash reads, when the kernel copies.
  const small = Buffer.allocUnsafe(256 * 1024);
  const large = Buffer.allocUnsafe(1024 * 1024);
  const codeOf = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  // What a plain (non-bigint) stat says: the stat cache compares these with the walk's numbers.
  const msOf = (ns: bigint) => Number(ns / 1000000000n) * 1e3 + Number(ns % 1000000000n) / 1e6;
  const same = (a: import('node:fs').BigIntStats, b: import('node:fs').BigIntStats | undefined) =>
    !!b && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
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
      const changed = () =>
        attempt >= 3
          ? { error: `${file} kept changing while it was being read (${attempt + 1} tries); fingerprint it again once the writer has finished.` }
          : null;
      try {
        const startMs = Date.now();
        const before = fs.fstatSync(fd, { bigint: true });
        if (!before.isFile()) return { error: `${file} is not a regular file (a device, FIFO or socket); it was not read.` };
        const size = Number(before.size);
        // A file system that reports no ctime (0) gives no identity to trust.
        const racy = before.ctimeNs === 0n || msOf(before.ctimeNs) > startMs - target.racyMs || msOf(before.mtimeNs) > startMs - target.racyMs;
        const inRead = racy || !target.clones;
        tmp = path.join(target.tmpDir, `${process.pid}-${randomBytes(6).toString('hex')}`);
        if (inRead)
          try {
            out = fs.openSync(tmp, 'wx', 0o644);
          } catch (e) {
            keepError = codeOf(e);
            tmp = null;
          }
        const buf = inRead ? small : large;
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
        const now = fs.statSync(file, { bigint: true, throwIfNoEntry: false });
        if (pos !== size || !same(before, fs.fstatSync(fd, { bigint: true })) || (now && !same(before, now))) {
          const gaveUp = changed();
          if (gaveUp) return gaveUp;
          continue;
        }
        const sha256 = h.digest('hex');
        const result = { sha256, size, mtimeMs: msOf(before.mtimeNs), ino: Number(before.ino), retries: attempt };
        if (keepError !== null || !tmp) return { ...result, keepError: keepError ?? 'not written' };
        try {
          if (out >= 0) {
            fs.closeSync(out);
            out = -1;
          }
          const final = path.join(target.objectsDir, sha256.slice(0, 2), sha256);
          const there = fs.statSync(final, { throwIfNoEntry: false });
          if (there?.isFile() && there.size === size) {
            // Touched, as a keep that reuses an object does: gc frees nothing younger than its grace period.
            const t = new Date();
            try {
              fs.utimesSync(final, t, t);
            } catch {
              /* a read-only store: still kept */
            }
            return { ...result, kept: 'present' };
          }
          if (!inRead) {
            if (!now) return { ...result, keepError: 'ENOENT' };
            fs.copyFileSync(file, tmp, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE);
            const copied = fs.statSync(tmp).size;
            if (!same(before, fs.statSync(file, { bigint: true, throwIfNoEntry: false })) || copied !== size) {
              // Written to (or replaced) since it was hashed: the copy may hold other bytes. Start again.
              const gaveUp = changed();
              if (gaveUp) return gaveUp;
              continue;
            }
          }
          fs.chmodSync(tmp, 0o444);
          fs.mkdirSync(path.dirname(final), { recursive: true });
          fs.renameSync(tmp, final);
          tmp = null;
          return { ...result, kept: 'stored', verifiedBy: inRead ? 'hash' : 'identity' };
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
