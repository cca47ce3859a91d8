import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store';
import { ingestRun, deleteRunRows, IngestResult } from './ingestRun';
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
}

/**
 * Makes the index match the run folders: new and grown runs are read incrementally, runs whose folder is
 * gone are dropped. Yields to the event loop between runs so a full rebuild never freezes the editor.
 */
export async function syncRuns(store: Store, opts: SyncOptions = {}): Promise<SyncReport> {
  const report: SyncReport = { scanned: 0, changed: [], removed: [], problems: [] };
  const folders = opts.only ?? listRunFolders(store.paths.runs);
  const known = new Set(store.all<{ id: string }>('SELECT id FROM runs').map((r) => r.id));
  let lastYield = Date.now();
  for (let i = 0; i < folders.length; i++) {
    const id = folders[i];
    const dir = path.join(store.paths.runs, id);
    known.delete(id);
    try {
      const r = ingestRun(store, dir);
      if (r.changed) report.changed.push(r);
      if (r.problem) report.problems.push(`${id}: ${r.problem}`);
    } catch (err) {
      report.problems.push(`${id}: ${(err as Error).message}`);
    }
    report.scanned++;
    if (Date.now() - lastYield > 50) {
      opts.onProgress?.(i + 1, folders.length);
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
  }
  if (!opts.only) {
    for (const id of known) {
      store.transaction(() => deleteRunRows(store, id));
      report.removed.push(id);
    }
    store.run('DELETE FROM experiments WHERE id NOT IN (SELECT DISTINCT experiment_id FROM runs)');
  }
  opts.onProgress?.(folders.length, folders.length);
  return report;
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
