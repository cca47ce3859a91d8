import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store';
import type { LineagePaths } from '../util/lineagePaths';
import { fingerprint, Fingerprint } from './fingerprint';
import { HashPool } from './hashPool';
import { StatCache } from './statCache';
import { datasetKey, recordVersion, resolveDatasetPath } from './datasetIndex';
import { readRunDatasets, readVersionFile, RunDatasetLink, writeRunDatasets, writeVersionFile } from './versionFiles';
import { profileTable, tableFormatOf } from './profile';
import { keepRunData, type KeepConfig, type KeptReport } from './objects';
import { KeepPlan } from './objects/keepPlan';

/** Tables above this size are fingerprinted but not profiled automatically (profile them on demand). */
export const AUTO_PROFILE_MAX_BYTES = 2 * 1024 * 1024 * 1024;

export interface FingerprintRunOptions {
  ignore?: string[];
  onProgress?: (message: string) => void;
  /** Keeping the run's data once fingerprinted: settings over .lineage/config.json, or false to skip it. */
  keep?: Partial<KeepConfig> | false;
  /** What keeping did (runs/<id>/kept.json holds the same); a failure of it never fails fingerprinting. */
  onKept?: (report: KeptReport | Error) => void;
}

export interface FingerprintedDataset {
  path: string;
  role: string;
  fp: Fingerprint;
  note?: string;
}

/**
 * Fingerprints every dataset a run recorded (explicitly or by automatic capture), profiles new table
 * versions, and writes the result next to the run so the index can always be rebuilt with it.
 */
export async function fingerprintRunDatasets(
  store: Store,
  paths: LineagePaths,
  runId: string,
  opts: FingerprintRunOptions = {},
): Promise<FingerprintedDataset[]> {
  const rows = store.all<{ path: string; role: string; seen_size: number | null; seen_mtime_ms: number | null }>(
    'SELECT path, role, seen_size, seen_mtime_ms FROM run_datasets WHERE run_id = ? ORDER BY path, role',
    [runId],
  );
  if (rows.length === 0) return [];
  const cache = new StatCache(store);
  const pool = new HashPool();
  // A file hashed now (new or changed) and to be kept is copied in the read that hashes it (or, where the file system clones, by the kernel right after); the rest is kept after.
  const plan = opts.keep === false ? undefined : new KeepPlan(paths, opts.keep);
  const out: FingerprintedDataset[] = [];
  try {
    for (const r of rows) {
      const key = datasetKey(paths.workspace, r.path);
      opts.onProgress?.(`Fingerprinting ${key}`);
      const abs = resolveDatasetPath(paths.workspace, key);
      const fp = await fingerprint(abs, { cache, pool, ignore: opts.ignore, keepWhileHashing: plan?.forDataset(key, r.role, abs) });
      let note: string | undefined;
      if (fp.kind === 'missing') note = 'The file was gone when the run ended.';
      else if (fp.notRegular) note = 'Not a regular file (a device, FIFO or socket): it was not read, so it has no fingerprint.';
      else if (
        fp.kind === 'file' &&
        r.seen_size !== null &&
        r.seen_mtime_ms !== null &&
        (fp.size !== r.seen_size || Math.abs(fp.mtimeMs - r.seen_mtime_ms) > 1) &&
        r.role !== 'output'
      )
        note = 'The file changed while the run was using it; this fingerprint is of the version at the end of the run.';
      let profile: unknown;
      if (fp.kind === 'file' && fp.sha256 && tableFormatOf(fp.absPath) && fp.size <= AUTO_PROFILE_MAX_BYTES && !readVersionFile(paths, fp.sha256)) {
        opts.onProgress?.(`Profiling ${key}`);
        try {
          profile = await profileTable(fp.absPath);
        } catch (err) {
          fp.warnings.push(`Could not profile ${key}: ${(err as Error).message}`);
        }
      }
      writeVersionFile(paths, fp, profile);
      out.push({ path: key, role: r.role, fp, note });
    }
  } finally {
    await pool.close();
  }
  const runDir = path.join(paths.runs, runId);
  const links: RunDatasetLink[] = out.map((d) => ({ path: d.path, role: d.role, sha256: d.fp.sha256, ...(d.note ? { note: d.note } : {}) }));
  writeRunDatasets(runDir, links);
  applyRunDatasets(store, paths, runId, runDir);
  if (opts.keep !== false) {
    // After fingerprinting: what was not copied in the same read is copied now and checked against the
    // sha256 the run recorded, and kept.json says file by file what was kept.
    try {
      const report = await keepRunData(store, paths, runId, {
        config: opts.keep,
        onProgress: opts.onProgress,
        keptWhileFingerprinting: plan?.stored,
      });
      opts.onKept?.(report);
    } catch (err) {
      opts.onKept?.(err as Error);
    }
  }
  return out;
}

/** Ingest step: links a run to the versions named in its datasets.json (when that file changed). */
export function applyRunDatasets(store: Store, paths: LineagePaths, runId: string, runDir: string): boolean {
  let mtime: number;
  try {
    // Most runs have none: no exception for that (a sync stats this in every run folder).
    const st = fs.statSync(path.join(runDir, 'datasets.json'), { throwIfNoEntry: false });
    if (!st) return false;
    mtime = st.mtimeMs;
  } catch {
    return false;
  }
  const known = store.get<{ datasets_mtime: number | null }>('SELECT datasets_mtime FROM runs WHERE id = ?', [runId]);
  if (!known || known.datasets_mtime === mtime) return false;
  const links = readRunDatasets(runDir) ?? [];
  store.transaction(() => {
    for (const l of links) {
      let datasetId: number | null = null;
      if (l.sha256) {
        const v = readVersionFile(paths, l.sha256);
        const fp: Fingerprint = v
          ? {
              absPath: resolveDatasetPath(paths.workspace, l.path),
              kind: v.kind,
              sha256: v.sha256,
              size: v.size,
              fileCount: v.fileCount,
              mtimeMs: v.mtimeMs,
              files: v.files?.map(([rel, size, sha256]) => ({ rel, size, sha256 })),
              warnings: v.warnings,
              stats: { hashed: 0, cached: 0, bytesHashed: 0, retried: 0 },
            }
          : {
              absPath: l.path,
              kind: 'file',
              sha256: l.sha256,
              size: 0,
              fileCount: 1,
              mtimeMs: 0,
              warnings: ['fingerprint details file is missing'],
              stats: { hashed: 0, cached: 0, bytesHashed: 0, retried: 0 },
            };
        datasetId = recordVersion(store, l.path, fp, v?.profile);
      }
      store.run(
        `INSERT INTO run_datasets (run_id, path, role, dataset_id, note) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, path, role) DO UPDATE SET dataset_id = excluded.dataset_id, note = excluded.note`,
        [runId, l.path, l.role, datasetId, l.note ?? null],
      );
    }
    store.run('UPDATE runs SET datasets_mtime = ? WHERE id = ?', [mtime, runId]);
  });
  return true;
}
