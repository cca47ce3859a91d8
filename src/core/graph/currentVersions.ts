import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store';
import { fingerprint } from '../datasets/fingerprint';
import { HashPool } from '../datasets/hashPool';
import { StatCache } from '../datasets/statCache';
import { resolveDatasetPath } from '../datasets/datasetIndex';
import type { CurrentVersions } from './staleness';

/**
 * The sha256 of each path as it is now. The stat cache is loaded once for the whole workspace, so an
 * unchanged file costs one stat (10,000 inputs in tens of milliseconds); only a file edited since it was
 * last fingerprinted, and folders, go through fingerprint() and are read again. A path that cannot be
 * read counts as unknown (left out), never as changed.
 */
/** A relative path that resolving would not change: no leading or doubled slash, no `.` or `..` part, no trailing slash. */
const PLAIN = /^(?!\/)(?!.*\/\/)(?!(.*\/)?\.\.?(\/|$))(?!.*\/$).+$/;

export async function currentVersions(store: Store, workspace: string, paths: Iterable<string>, ignore?: string[]): Promise<CurrentVersions> {
  const out: CurrentVersions = new Map();
  const cache = new StatCache(store);
  const list = [...paths];
  // A few paths (one target file, a short chain): their own rows; many: the whole workspace's in one query.
  const few = list.length <= 64;
  const root = path.resolve(workspace) + path.sep;
  if (!few) cache.load(root);
  const slow: string[] = [];
  for (const p of list) {
    // A plain relative key joined by hand: resolving 10,000 paths was a tenth of this call.
    const abs = path.sep === '/' && PLAIN.test(p) ? root + p : path.resolve(resolveDatasetPath(workspace, p));
    if (few) cache.load(abs);
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(abs, { throwIfNoEntry: false });
    } catch {
      continue;
    }
    if (!st) {
      out.set(p, null);
      continue;
    }
    const hit = st.isFile() ? cache.lookup(abs, st.size, st.mtimeMs, st.ino) : undefined;
    if (hit) out.set(p, hit);
    else slow.push(p);
  }
  if (slow.length === 0) return out;
  const pool = new HashPool();
  try {
    for (const p of slow) {
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
    // The cache's rows are written past Store.run, so the save that keeps them for the next call is asked for here.
    store.markDirty();
    await pool.close();
  }
  return out;
}
