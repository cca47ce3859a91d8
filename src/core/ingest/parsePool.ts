import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ParsedSlice } from './parseNewEvents';
import type { ParseReply, ParseRequest } from './parseWorker';

/** Below this many bytes to read, a worker's start-up costs more than it saves. */
export const PARALLEL_MIN_BYTES = 4 * 1024 * 1024;

export function findWorkerScript(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    for (const c of [path.join(dir, 'ingestWorker.js'), path.join(dir, 'dist', 'ingestWorker.js')]) if (fs.existsSync(c)) return c;
    dir = path.dirname(dir);
  }
  return undefined;
}

interface Job {
  onSlice: (s: ParsedSlice) => void;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** A small pool of parse workers; jobs go to the least busy one and slices come back in file order. */
export class ParsePool {
  private workers: Array<{ w: Worker; busy: number }> = [];

  get size(): number {
    return this.workers.length;
  }
  private jobs = new Map<number, Job>();
  private nextId = 0;

  static create(): ParsePool | undefined {
    const script = findWorkerScript();
    if (!script) return undefined;
    // One worker per core (at most 4): parsing is what limits a rebuild (8 M points on 2 cores: 3.1 s with two
    // workers, 4.6–5.2 s with one). LINEAGE_PARSE_WORKERS overrides it for measurements.
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    return new ParsePool(script, Number(process.env.LINEAGE_PARSE_WORKERS) || Math.max(1, Math.min(cores, 4)));
  }

  private constructor(script: string, size: number) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(script);
      const entry = { w, busy: 0 };
      w.on('message', (m: ParseReply) => {
        const job = this.jobs.get(m.id);
        if (!job) return;
        if (!m.last) return job.onSlice(m.slice);
        entry.busy--;
        this.jobs.delete(m.id);
        if (m.error) job.reject(new Error(m.error));
        else job.resolve();
      });
      w.on('error', (err) => {
        for (const j of this.jobs.values()) j.reject(err);
        this.jobs.clear();
      });
      this.workers.push(entry);
    }
  }

  parse(file: string, offset: number, size: number, firstLine: number, onSlice: (s: ParsedSlice) => void): Promise<void> {
    const entry = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    entry.busy++;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { onSlice, resolve, reject });
      const req: ParseRequest = { id, file, offset, size, firstLine };
      entry.w.postMessage(req);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((e) => e.w.terminate()));
    this.workers = [];
  }
}
