import type { Store } from '../store/store';
import type { LineagePaths } from '../util/lineagePaths';
import { fingerprint, Fingerprint } from './fingerprint';
import { HashPool } from './hashPool';
import { StatCache } from './statCache';
import { datasetsOfRun, DatasetVersion, getManifest, resolveDatasetPath } from './datasetIndex';
import { diffManifests, FilesDiff } from './diff';

export type DataState = 'unchanged' | 'modified' | 'missing' | 'not fingerprinted';

export interface DatasetStatus {
  path: string;
  role: string;
  state: DataState;
  recorded: DatasetVersion | null;
  current: Fingerprint | null;
  /** Folders: which files changed. A single file: itself, when modified. */
  files?: FilesDiff;
}

/**
 * Is the data a run used still the same in the workspace? Each dataset is fingerprinted again (the stat
 * cache makes that a few stat calls when nothing changed) and compared with what the run recorded.
 */
export async function dataStatus(store: Store, paths: LineagePaths, runId: string, opts: { ignore?: string[] } = {}): Promise<DatasetStatus[]> {
  const cache = new StatCache(store);
  const pool = new HashPool();
  const out: DatasetStatus[] = [];
  try {
    for (const d of datasetsOfRun(store, runId)) {
      if (!d.version || !d.version.sha256) {
        out.push({ path: d.path, role: d.role, state: 'not fingerprinted', recorded: d.version, current: null });
        continue;
      }
      const current = await fingerprint(resolveDatasetPath(paths.workspace, d.path), { cache, pool, ignore: opts.ignore });
      if (current.kind === 'missing') {
        out.push({ path: d.path, role: d.role, state: 'missing', recorded: d.version, current });
        continue;
      }
      if (current.sha256 === d.version.sha256) {
        out.push({ path: d.path, role: d.role, state: 'unchanged', recorded: d.version, current });
        continue;
      }
      let files: FilesDiff | undefined;
      const before = getManifest(store, d.version.id);
      if (before && current.files) files = diffManifests(before, current.files);
      else files = { added: [], removed: [], modified: [d.path], unchanged: 0 };
      out.push({ path: d.path, role: d.role, state: 'modified', recorded: d.version, current, files });
    }
  } finally {
    cache.flush();
    await pool.close();
  }
  return out;
}
