import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../../src/core/store/store';

export const sha = (text: string) => createHash('sha256').update(text).digest('hex');

export interface SeedRun {
  id: string;
  name?: string;
  startedAt: number;
  command?: string[];
  cwd?: string;
  reads?: Array<[string, string | null]>;
  writes?: Array<[string, string | null]>;
  models?: string[];
}

/**
 * Rows as the ingest writes them (runs, datasets, run_datasets, artifacts) straight into a real sql.js
 * store: what the graph reads, without starting a process per run (the benchmark seeds 10,000 this way).
 */
export function seedRuns(store: Store, runs: SeedRun[]): void {
  store.transaction(() => {
    store.run("INSERT OR IGNORE INTO experiments (id, name, created_at) VALUES (1, 'pipeline', 0)");
    const versions = new Map<string, number>();
    const versionId = (p: string, s: string | null): number | null => {
      if (!s) return null;
      const k = `${p}\u0000${s}`;
      let id = versions.get(k);
      if (id === undefined) {
        store.run('INSERT OR IGNORE INTO datasets (path, fingerprint, size, file_count, mtime, created_at, kind) VALUES (?, ?, 0, 1, 0, 0, ?)', [p, s, 'file']);
        id = store.get<{ id: number }>('SELECT id FROM datasets WHERE path = ? AND fingerprint = ?', [p, s])!.id;
        versions.set(k, id);
      }
      return id;
    };
    for (const r of runs) {
      store.run('INSERT INTO runs (id, experiment_id, name, status, started_at, command, cwd) VALUES (?, 1, ?, ?, ?, ?, ?)', [
        r.id,
        r.name ?? r.id,
        'finished',
        r.startedAt,
        JSON.stringify(r.command ?? ['python3', `${r.name ?? r.id}.py`]),
        r.cwd ?? '/w',
      ]);
      for (const [p, s] of r.reads ?? [])
        store.run('INSERT INTO run_datasets (run_id, path, role, dataset_id) VALUES (?, ?, ?, ?)', [r.id, p, 'input', versionId(p, s)]);
      for (const [p, s] of r.writes ?? [])
        store.run('INSERT INTO run_datasets (run_id, path, role, dataset_id) VALUES (?, ?, ?, ?)', [r.id, p, 'output', versionId(p, s)]);
      for (const m of r.models ?? []) store.run("INSERT INTO artifacts (run_id, path, kind, flavor, size) VALUES (?, ?, 'model', 'pickle', 1)", [r.id, m]);
    }
  });
}

/** Writes a file in the workspace and returns its sha256. */
export function writeData(workspace: string, rel: string, text: string): string {
  fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
  fs.writeFileSync(path.join(workspace, rel), text);
  return sha(text);
}
