import type { Store } from '../store/store';
import type { LineagePaths } from '../util/lineagePaths';
import { fingerprint } from './fingerprint';
import { HashPool } from './hashPool';
import { StatCache } from './statCache';
import { resolveDatasetPath } from './datasetIndex';

export interface DatasetChange {
  key: string;
  state: 'unchanged' | 'modified' | 'missing';
  /** The newest run that used this dataset: the change happened after it. */
  sinceRun: { id: string; name: string } | null;
  recordedSha: string | null;
  currentSha: string | null;
}

/** Dataset paths worth watching: inputs that runs used (newest first, bounded). */
export function watchedDatasetKeys(store: Store, limit = 500): string[] {
  return store
    .all<{ path: string }>(
      `SELECT rd.path FROM run_datasets rd JOIN runs r ON r.id = rd.run_id
       WHERE rd.dataset_id IS NOT NULL AND rd.role <> 'output'
       GROUP BY rd.path ORDER BY max(r.started_at) DESC LIMIT ?`,
      [limit],
    )
    .map((r) => r.path);
}

/** Compares each dataset with the version its newest run used ("changed since run X"). */
export async function checkDatasetChanges(store: Store, paths: LineagePaths, keys: string[]): Promise<DatasetChange[]> {
  const cache = new StatCache(store);
  const pool = new HashPool();
  const out: DatasetChange[] = [];
  try {
    for (const key of keys) {
      const last = store.get<{ id: string; name: string; sha: string | null }>(
        `SELECT r.id, r.name, d.fingerprint AS sha FROM run_datasets rd JOIN runs r ON r.id = rd.run_id JOIN datasets d ON d.id = rd.dataset_id
         WHERE rd.path = ? AND rd.role <> 'output' ORDER BY r.started_at DESC LIMIT 1`,
        [key],
      );
      const fp = await fingerprint(resolveDatasetPath(paths.workspace, key), { cache, pool });
      const state = fp.kind === 'missing' ? 'missing' : last && fp.sha256 === last.sha ? 'unchanged' : 'modified';
      out.push({ key, state, sinceRun: last ? { id: last.id, name: last.name } : null, recordedSha: last?.sha ?? null, currentSha: fp.sha256 });
    }
  } finally {
    cache.flush();
    await pool.close();
  }
  return out;
}
