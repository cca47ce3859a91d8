import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store';
import {
  deleteRunRows,
  dropEmptyExperiments,
  ingestRun,
  IngestResult,
  prepareRun,
  readAllStates,
  PreparedRun,
  applySlice,
  finishRun,
  loadSummaries,
  parseNewEvents,
} from './ingestRun';
import { ParsePool, PARALLEL_MIN_BYTES } from './parsePool';
import { RUN_ID_PATTERN } from '../util/ids';

export interface SyncReport {
  scanned: number;
  changed: IngestResult[];
  removed: string[];
  problems: string[];
}

export interface SyncOptions {
  onProgress?: (done: number, total: number) => void;
  /** Only these runs (live updates); the default is every folder. */
  only?: string[];
  /** Parse on worker threads when there is this much to read (default 4 MiB); Infinity turns it off. */
  parallelMinBytes?: number;
}

/**
 * Makes the index match the run folders: new and grown runs are read incrementally, runs whose folder is
 * gone are dropped. A big backlog (a rebuild, a first open) is parsed on worker threads while this
 * thread writes; either way the event loop gets a turn often, so the editor never freezes.
 */
export async function syncRuns(store: Store, opts: SyncOptions = {}): Promise<SyncReport> {
  const report: SyncReport = { scanned: 0, changed: [], removed: [], problems: [] };
  const folders = opts.only ?? listRunFolders(store.paths.runs);
  // A live update of a few runs reads their rows one by one; a full sync reads them all at once.
  const states = opts.only ? undefined : readAllStates(store);
  const known = new Set(states?.keys());

  const preps: PreparedRun[] = [];
  const runsDir = path.join(store.paths.runs, path.sep);
  let i = 0;
  while (i < folders.length) {
    store.transaction(() => {
      const batchStart = Date.now();
      for (; i < folders.length && Date.now() - batchStart < 100; i++) {
        const id = folders[i];
        known.delete(id);
        try {
          preps.push(prepareRun(store, runsDir + id, states ? (states.get(id) ?? null) : undefined));
        } catch (err) {
          report.problems.push(`${id}: ${(err as Error).message}`);
        }
        report.scanned++;
      }
    });
    if (i < folders.length) await new Promise((r) => setImmediate(r));
  }

  const toRead = preps.filter((p) => p.size > p.offset);
  const bytes = toRead.reduce((n, p) => n + (p.size - p.offset), 0);
  const pool = bytes >= (opts.parallelMinBytes ?? PARALLEL_MIN_BYTES) && toRead.length > 1 ? ParsePool.create() : undefined;
  if (pool) await parseInParallel(store, pool, toRead, report, opts);
  else await parseInline(store, toRead, report, opts);

  store.transaction(() => {
    for (const p of preps) {
      if (p.reread) {
        try {
          report.changed.push(ingestRun(store, p.runDir, true));
        } catch (err) {
          report.problems.push(`${p.runId}: ${(err as Error).message}`);
        }
        continue;
      }
      try {
        finishRun(store, p);
      } catch (err) {
        report.problems.push(`${p.runId}: ${(err as Error).message}`);
      }
      if (p.result.changed) report.changed.push(p.result);
      if (p.result.problem) report.problems.push(`${p.runId}: ${p.result.problem}`);
    }
  });

  if (!opts.only) {
    for (const id of known) {
      store.transaction(() => deleteRunRows(store, id));
      report.removed.push(id);
    }
    // Only a run that left or moved can empty an experiment (this scans every run).
    if (report.removed.length || report.changed.length) dropEmptyExperiments(store);
  }
  opts.onProgress?.(folders.length, folders.length);
  return report;
}

async function parseInline(store: Store, preps: PreparedRun[], report: SyncReport, opts: SyncOptions): Promise<void> {
  let k = 0;
  while (k < preps.length) {
    store.transaction(() => {
      const batchStart = Date.now();
      for (; k < preps.length && Date.now() - batchStart < 100; k++) {
        const p = preps[k];
        try {
          store.transaction(() => {
            const summaries = loadSummaries(store, p.runId);
            for (const slice of parseNewEvents(p.eventsFile, p.offset, p.size, p.firstLine)) applySlice(store, p, slice, summaries);
          });
        } catch (err) {
          report.problems.push(`${p.runId}: ${(err as Error).message}`);
        }
      }
    });
    if (k < preps.length) {
      opts.onProgress?.(k, preps.length);
      await new Promise((r) => setImmediate(r));
    }
  }
}

async function parseInParallel(store: Store, pool: ParsePool, preps: PreparedRun[], report: SyncReport, opts: SyncOptions): Promise<void> {
  let next = 0;
  let done = 0;
  let lastCommit = Date.now();
  store.beginBatch();
  let ok = false;
  try {
    const lane = async () => {
      while (next < preps.length) {
        const p = preps[next++];
        const summaries = loadSummaries(store, p.runId);
        try {
          await pool.parse(p.eventsFile, p.offset, p.size, p.firstLine, (slice) => {
            try {
              applySlice(store, p, slice, summaries);
            } catch (err) {
              report.problems.push(`${p.runId}: ${(err as Error).message}`);
            }
            if (Date.now() - lastCommit > 250) {
              store.checkpoint();
              lastCommit = Date.now();
            }
          });
        } catch (err) {
          report.problems.push(`${p.runId}: ${(err as Error).message}`);
        }
        done++;
        opts.onProgress?.(done, preps.length);
      }
    };
    // Two jobs per worker keep each busy while the main thread applies the other's slices.
    await Promise.all(Array.from({ length: 2 * pool.size }, lane));
    ok = true;
  } finally {
    store.endBatch(ok);
    await pool.close();
  }
}

export function listRunFolders(runsDir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir);
  } catch {
    return [];
  }
  return names.filter((n) => RUN_ID_PATTERN.test(n) || isRunFolder(path.join(runsDir, n))).sort();
}

function isRunFolder(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'run.json')) || fs.existsSync(path.join(dir, 'events.jsonl'));
}
