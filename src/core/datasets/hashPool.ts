import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { hashFileSync, FileHash, describeReadError } from './hashFile';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { makeHashAndKeep, type KeepTarget, type KeptWhileHashing, type VerifiedBy } from './objects/hashAndKeep';

/** A hash, and for a file hashed with a keep target, what became of its kept copy (or why there is none). */
export type HashOutcome = (FileHash & { kept?: KeptWhileHashing; verifiedBy?: VerifiedBy; keepError?: string }) | { error: string };

// The worker is inline source so it needs no separate bundle; it repeats hashFileSync's checks (regular files
// only, opened without blocking, before/after fstat). hashAndKeep is the very function the calling thread
// uses (objects/hashAndKeep.ts), as source text.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { createHash, randomBytes } = require('node:crypto');
const buf = Buffer.allocUnsafe(1024 * 1024);
function hashOne(file) {
  for (let attempt = 0; ; attempt++) {
    let fd;
    try { fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK || 0)); } catch (e) { return { error: describe(e, file) }; }
    try {
      const before = fs.fstatSync(fd);
      if (!before.isFile()) return { error: file + ' is not a regular file (a device, FIFO or socket); it was not read.' };
      const h = createHash('sha256');
      let pos = 0;
      for (;;) { const n = fs.readSync(fd, buf, 0, buf.length, pos); if (n <= 0) break; h.update(n === buf.length ? buf : buf.subarray(0, n)); pos += n; }
      const after = fs.fstatSync(fd);
      if (pos === before.size && after.size === before.size && after.mtimeMs === before.mtimeMs)
        return { sha256: h.digest('hex'), size: before.size, mtimeMs: before.mtimeMs, ino: before.ino, retries: attempt };
      if (attempt >= 3) return { error: file + ' kept changing while it was being read; fingerprint it again once the writer has finished.' };
    } catch (e) { return { error: describe(e, file) }; }
    finally { fs.closeSync(fd); }
  }
}
function describe(e, file) {
  if (e.code === 'EACCES' || e.code === 'EPERM') return file + ' cannot be read (permission denied); fix its permissions or add it to the ignore list.';
  if (e.code === 'ENOENT') return file + ' disappeared while fingerprinting (or is a broken symlink).';
  if (e.code === 'EISDIR') return file + ' is a directory.';
  return file + ' cannot be read (' + (e.code || '') + ' ' + e.message + ').';
}
const hashAndKeep = (${makeHashAndKeep.toString()})({ fs, path, createHash, randomBytes, describe });
parentPort.on('message', (msg) =>
  parentPort.postMessage({ id: msg.id, results: msg.files.map((f, i) => (msg.keep && msg.keep[i] ? hashAndKeep(f, msg.keep[i]) : hashOne(f))) }),
);
`;

const hashAndKeepHere = makeHashAndKeep({ fs, path, createHash, randomBytes, describe: describeReadError });

/**
 * Hashes many files on every core. Files go to the workers in batches so message passing stays cheap
 * next to the hashing; a single file is hashed on the calling thread, where a worker would only add cost.
 */
export class HashPool {
  private workers: Worker[] = [];
  private nextId = 0;
  private pending = new Map<number, (r: HashOutcome[]) => void>();

  constructor(private readonly size = Math.max(1, Math.min(os.availableParallelism?.() ?? os.cpus().length, 8))) {}

  private ensureWorkers(): void {
    if (this.workers.length) return;
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.on('message', (m: { id: number; results: HashOutcome[] }) => {
        const cb = this.pending.get(m.id);
        this.pending.delete(m.id);
        cb?.(m.results);
      });
      this.workers.push(w);
    }
  }

  /** `keep[i]`, when given, also keeps file i's bytes as an object once hashed (objects/hashAndKeep.ts). */
  async hashAll(files: string[], onDone?: (done: number) => void, keep?: Array<KeepTarget | undefined>): Promise<HashOutcome[]> {
    if (files.length <= 2) {
      const out: HashOutcome[] = [];
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        try {
          out.push(keep?.[i] ? hashAndKeepHere(f, keep[i]!) : hashFileSync(f));
        } catch (err) {
          out.push({ error: describeReadError(err, f) });
        }
      }
      return out;
    }
    this.ensureWorkers();
    const out = new Array<HashOutcome>(files.length);
    const batch = Math.max(1, Math.min(256, Math.ceil(files.length / (this.size * 4))));
    let next = 0;
    let done = 0;
    const runWorker = async (w: Worker) => {
      while (next < files.length) {
        const start = next;
        next = Math.min(files.length, next + batch);
        const id = this.nextId++;
        const results = await new Promise<HashOutcome[]>((resolve) => {
          this.pending.set(id, resolve);
          w.postMessage({ id, files: files.slice(start, next), keep: keep?.slice(start, next) });
        });
        for (let i = 0; i < results.length; i++) out[start + i] = results[i];
        done += results.length;
        onDone?.(done);
      }
    };
    await Promise.all(this.workers.map(runWorker));
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}
