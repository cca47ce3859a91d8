import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { cancelled } from './session';

/**
 * sha256 of model files on a worker thread. A push runs in the extension host, where hashing a 200 MB model
 * on the main thread (4 MiB at a time, as the chunks went out) stalled the editor for milliseconds per piece,
 * 50 pieces in a row. One worker per push, started on first use and fed files one after another; a file of up
 * to SMALL bytes is hashed where it is asked for, as a worker message would cost more than the hash.
 */

const SMALL = 256 << 10;

// Inline source, so the worker needs no separate bundle (as datasets/hashPool.ts does).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const buf = Buffer.allocUnsafe(1024 * 1024);
parentPort.on('message', ({ id, file }) => {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const h = createHash('sha256');
    for (let pos = 0; ; ) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n <= 0) break;
      h.update(n === buf.length ? buf : buf.subarray(0, n));
      pos += n;
    }
    parentPort.postMessage({ id, hex: h.digest('hex') });
  } catch (e) {
    parentPort.postMessage({ id, error: e.message, code: e.code });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
});
`;

interface Pending {
  resolve(digest: string): void;
  reject(err: Error): void;
}

export class OffThreadHasher {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly signal?: AbortSignal) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private readonly onAbort = () => this.fail(cancelled('hashing the model files'));

  /** `sha256:<hex>` of the file as it is on disk now. */
  async digest(absPath: string, size: number): Promise<string> {
    if (this.signal?.aborted) throw cancelled('hashing the model files');
    if (size <= SMALL) {
      return `sha256:${createHash('sha256')
        .update(await fs.promises.readFile(absPath))
        .digest('hex')}`;
    }
    const w = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, file: absPath });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', (m: { id: number; hex?: string; error?: string; code?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (!p) return;
      if (m.hex) p.resolve(`sha256:${m.hex}`);
      else p.reject(Object.assign(new Error(m.error ?? 'hashing failed'), { code: m.code }));
    });
    w.on('error', (err) => this.fail(err));
    w.on('exit', () => {
      if (this.worker === w) this.worker = undefined;
      this.fail(new Error('the hashing thread stopped'));
    });
    this.worker = w;
    return w;
  }

  private fail(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    void this.worker?.terminate();
    this.worker = undefined;
  }

  async close(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    const w = this.worker;
    this.worker = undefined;
    this.fail(new Error('the push ended'));
    await w?.terminate();
  }
}
