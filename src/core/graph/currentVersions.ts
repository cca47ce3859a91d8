import type { Store } from '../store/store';
import { fingerprint } from '../datasets/fingerprint';
import { HashPool } from '../datasets/hashPool';
import { StatCache } from '../datasets/statCache';
import { resolveDatasetPath } from '../datasets/datasetIndex';
import type { CurrentVersions } from './staleness';

/**
 * The sha256 of each path as it is now. The stat cache answers unchanged files with one stat each, so
 * only a file edited since it was last fingerprinted is read again. A path that cannot be read counts as
 * unknown (left out), never as changed.
 */
export async function currentVersions(store: Store, workspace: string, paths: Iterable<string>, ignore?: string[]): Promise<CurrentVersions> {
  const out: CurrentVersions = new Map();
  const cache = new StatCache(store);
  const pool = new HashPool();
  try {
    for (const p of paths) {
      try {
        const fp = await fingerprint(resolveDatasetPath(workspace, p), { cache, pool, ignore });
        if (fp.kind === 'missing') out.set(p, null);
        else if (fp.sha256) out.set(p, fp.sha256);
      } catch {
        /* unreadable: unknown */
      }
    }
  } finally {
    cache.flush();
    await pool.close();
  }
  return out;
}
