import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

const BUF_BYTES = 1024 * 1024;

export interface FileHash {
  sha256: string;
  size: number;
  mtimeMs: number;
  ino: number;
  /** Times the file changed under us and was read again. */
  retries: number;
}

export class FileChangedWhileHashingError extends Error {}

/** Opened without blocking (a FIFO with no writer would wait forever), and refused unless a regular file. */
export class NotRegularFileError extends Error {}

/** O_NONBLOCK where the platform has it: opening a FIFO then returns at once instead of waiting for a writer. */
export const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * sha256 of a whole file, streamed with one fixed buffer so memory stays flat for any size. The file is
 * fstat'ed before and after reading; if it changed in between (a writer was busy) it is read again, and
 * after `maxRetries` the caller gets an error instead of a hash of half-old content.
 */
export function hashFileSync(file: string, maxRetries = 3, buf: Buffer = Buffer.allocUnsafe(BUF_BYTES)): FileHash {
  for (let attempt = 0; ; attempt++) {
    const fd = fs.openSync(file, OPEN_FLAGS);
    try {
      const before = fs.fstatSync(fd);
      if (!before.isFile()) throw new NotRegularFileError(`${file} is not a regular file (a device, FIFO or socket); it was not read.`);
      const hash = createHash('sha256');
      let pos = 0;
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, pos);
        if (n <= 0) break;
        hash.update(n === buf.length ? buf : buf.subarray(0, n));
        pos += n;
      }
      const after = fs.fstatSync(fd);
      const pathNow = safeStat(file);
      const stable =
        pos === before.size &&
        after.size === before.size &&
        after.mtimeMs === before.mtimeMs &&
        (!pathNow || (pathNow.ino === before.ino && pathNow.mtimeMs === before.mtimeMs));
      if (stable) return { sha256: hash.digest('hex'), size: before.size, mtimeMs: before.mtimeMs, ino: before.ino, retries: attempt };
      if (attempt >= maxRetries)
        throw new FileChangedWhileHashingError(
          `${file} kept changing while it was being read (${attempt + 1} tries); fingerprint it again once the writer has finished.`,
        );
    } finally {
      fs.closeSync(fd);
    }
  }
}

function safeStat(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}

/** The same wording as the hash workers use, so a message reads the same whichever thread hashed. */
export function describeReadError(err: unknown, file: string): string {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof FileChangedWhileHashingError || err instanceof NotRegularFileError) return e.message;
  if (e.code === 'EACCES' || e.code === 'EPERM') return `${file} cannot be read (permission denied); fix its permissions or add it to the ignore list.`;
  if (e.code === 'ENOENT') return `${file} disappeared while fingerprinting (or is a broken symlink).`;
  if (e.code === 'EISDIR') return `${file} is a directory.`;
  return `${file} cannot be read (${e.code ?? ''} ${e.message}).`;
}
