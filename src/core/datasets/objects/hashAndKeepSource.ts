/** Where a hash worker writes the kept copy of a file it hashes (docs/data-store.md, "One read"). */
export interface KeepTarget {
  /** objects/.tmp: the copy is written here under `<pid>-<random>` (a dead writer's leftovers are removed). */
  tmpDir: string;
  /** objects/: the copy is renamed to `<first 2 hex>/<sha256>` below it once its digest is known. */
  objectsDir: string;
}

/** What became of the copy: renamed into place, or dropped because that content was already kept. */
export type KeptWhileHashing = 'stored' | 'present';

/**
 * Source of `hashAndKeep(file, target)` for the hash workers (inline, like the rest of the worker). One read
 * of each block feeds both the sha256 and a positioned write of the same bytes to the temporary copy; the
 * writes go to the thread pool while the next blocks are read and hashed, so on two cores the copy costs
 * little more than the hash. The bytes written are exactly the bytes hashed, so the digest verifies the
 * copy; only then is it renamed to objects/<2 hex>/<digest>.
 *
 * No fsync: the object is a second copy of bytes still in the workspace when it is made, an object with
 * the wrong size is replaced by the next keep of that content, and a restore verifies every byte, so a
 * copy damaged by a power cut is reported, never used; an fsync would write the whole file out at once.
 *
 * A file that changes during the read (seen by fstat before/after, and by the path now naming another
 * file) is read and written again from the start, like any hash; after 3 retries it gets no hash and its
 * copy is deleted. Failing to write the copy (a full disk) never fails the hash: the result carries
 * `keepError` and no object.
 */
export const HASH_AND_KEEP_SOURCE = `
const KEEP_BLOCK = 4 * 1024 * 1024;
const keepBufs = [];
function writeAllAt(fd, buf, pos) {
  return new Promise((resolve, reject) => {
    let off = 0;
    const step = () => fs.write(fd, buf, off, buf.length - off, pos + off, (err, n) => {
      if (err) return reject(err);
      off += n;
      if (off < buf.length) step(); else resolve();
    });
    step();
  });
}
async function hashAndKeep(file, target) {
  while (keepBufs.length < 4) keepBufs.push(Buffer.allocUnsafe(KEEP_BLOCK));
  for (let attempt = 0; ; attempt++) {
    let fd;
    try { fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0)); } catch (e) { return { error: describe(e, file) }; }
    let out = -1;
    let tmp = null;
    let keepError = null;
    const pending = [null, null, null, null];
    try {
      const before = fs.fstatSync(fd);
      if (!before.isFile()) return { error: file + ' is not a regular file (a device, FIFO or socket); it was not read.' };
      try {
        tmp = path.join(target.tmpDir, process.pid + '-' + randomBytes(6).toString('hex'));
        out = fs.openSync(tmp, 'wx', 0o644);
      } catch (e) { keepError = e.code || e.message; tmp = null; }
      const h = createHash('sha256');
      let pos = 0;
      for (let i = 0; ; i++) {
        const slot = i % keepBufs.length;
        // The buffer is reused only once its previous write has finished.
        if (pending[slot]) { await pending[slot]; pending[slot] = null; }
        const b = keepBufs[slot];
        const n = fs.readSync(fd, b, 0, b.length, pos);
        if (n <= 0) break;
        const chunk = n === b.length ? b : b.subarray(0, n);
        if (out >= 0 && keepError === null) pending[slot] = writeAllAt(out, chunk, pos).catch((e) => { keepError = keepError || e.code || e.message; });
        h.update(chunk);
        pos += n;
      }
      await Promise.all(pending);
      const after = fs.fstatSync(fd);
      let now = null;
      try { now = fs.statSync(file); } catch { now = null; }
      const stable = pos === before.size && after.size === before.size && after.mtimeMs === before.mtimeMs &&
        (!now || (now.ino === before.ino && now.mtimeMs === before.mtimeMs));
      if (!stable) {
        if (attempt >= 3) return { error: file + ' kept changing while it was being read (' + (attempt + 1) + ' tries); fingerprint it again once the writer has finished.' };
        continue;
      }
      const sha256 = h.digest('hex');
      const result = { sha256, size: before.size, mtimeMs: before.mtimeMs, ino: before.ino, retries: attempt };
      if (out < 0 || keepError !== null) return Object.assign(result, { keepError: keepError || 'not written' });
      try {
        fs.closeSync(out);
        out = -1;
        const final = path.join(target.objectsDir, sha256.slice(0, 2), sha256);
        const there = fs.statSync(final, { throwIfNoEntry: false });
        if (there && there.isFile() && there.size === pos) {
          // Touched, as a keep that reuses an object does: gc frees nothing younger than its grace period.
          const t = new Date();
          try { fs.utimesSync(final, t, t); } catch { /* read-only store: still kept */ }
          return Object.assign(result, { kept: 'present' });
        }
        fs.chmodSync(tmp, 0o444);
        fs.mkdirSync(path.dirname(final), { recursive: true });
        fs.renameSync(tmp, final);
        tmp = null;
        return Object.assign(result, { kept: 'stored' });
      } catch (e) {
        return Object.assign(result, { keepError: e.code || e.message });
      }
    } catch (e) {
      await Promise.all(pending);
      return { error: describe(e, file) };
    } finally {
      fs.closeSync(fd);
      if (out >= 0) { try { fs.closeSync(out); } catch { /* already closed */ } }
      if (tmp) { try { fs.rmSync(tmp, { force: true }); } catch { /* the next keep removes it */ } }
    }
  }
}
`;
