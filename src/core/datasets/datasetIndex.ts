import * as path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Store } from '../store/store';
import type { Fingerprint, FileEntry } from './fingerprint';

export interface DatasetVersion {
  id: number;
  /** Workspace-relative with forward slashes when inside the workspace, else absolute. */
  path: string;
  kind: 'file' | 'folder' | 'missing';
  sha256: string | null;
  size: number;
  fileCount: number;
  mtimeMs: number;
  createdAt: number;
  profile: unknown;
  warnings: string[];
}

/** How a dataset path is keyed: relative to the workspace when inside it, so the store moves with the folder. */
export function datasetKey(workspace: string, p: string): string {
  const abs = path.resolve(workspace, p);
  const rel = path.relative(workspace, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : abs;
}

/**
 * Versions of one path, newest first: by the start of the first run that used each (when the version entered
 * the work), then by when the index met it. The index's own time alone is not enough: a rebuild, or one sync
 * of several finished runs, records their versions in whatever order it meets the run folders, often in the
 * same millisecond.
 */
const NEWEST_FIRST = `coalesce((SELECT min(r.started_at) FROM run_datasets rd JOIN runs r ON r.id = rd.run_id WHERE rd.path = datasets.path AND rd.dataset_id = datasets.id), created_at) DESC, created_at DESC, id DESC`;

export function resolveDatasetPath(workspace: string, key: string): string {
  return path.isAbsolute(key) ? key : path.join(workspace, key);
}

/** Stores a fingerprint once per (path, content); returns its id. */
export function recordVersion(store: Store, key: string, fp: Fingerprint, profile?: unknown): number {
  const existing = store.get<{ id: number; profile: string | null }>('SELECT id, profile FROM datasets WHERE path = ? AND fingerprint IS ?', [key, fp.sha256]);
  if (existing) {
    if (profile !== undefined && existing.profile === null) store.run('UPDATE datasets SET profile = ? WHERE id = ?', [JSON.stringify(profile), existing.id]);
    return existing.id;
  }
  const manifest = fp.files ? deflateRawSync(Buffer.from(JSON.stringify(fp.files.map((f) => [f.rel, f.size, f.sha256])))) : null;
  store.run(
    `INSERT INTO datasets (path, fingerprint, size, file_count, mtime, profile, created_at, kind, manifest, warnings)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      key,
      fp.sha256,
      fp.size,
      fp.fileCount,
      fp.mtimeMs,
      profile === undefined ? null : JSON.stringify(profile),
      Date.now(),
      fp.kind,
      manifest,
      fp.warnings.length ? JSON.stringify(fp.warnings.slice(0, 50)) : null,
    ],
  );
  return store.get<{ id: number }>('SELECT last_insert_rowid() AS id')!.id;
}

type Row = {
  id: number;
  path: string;
  kind: string | null;
  fingerprint: string | null;
  size: number | null;
  file_count: number | null;
  mtime: number | null;
  created_at: number;
  profile: string | null;
  warnings: string | null;
};

function toVersion(r: Row): DatasetVersion {
  return {
    id: r.id,
    path: r.path,
    kind: (r.kind ?? 'file') as DatasetVersion['kind'],
    sha256: r.fingerprint,
    size: r.size ?? 0,
    fileCount: r.file_count ?? 0,
    mtimeMs: r.mtime ?? 0,
    createdAt: r.created_at,
    profile: r.profile ? (JSON.parse(r.profile) as unknown) : null,
    warnings: r.warnings ? (JSON.parse(r.warnings) as string[]) : [],
  };
}

export function getVersion(store: Store, id: number): DatasetVersion | undefined {
  const r = store.get<Row>('SELECT id, path, kind, fingerprint, size, file_count, mtime, created_at, profile, warnings FROM datasets WHERE id = ?', [id]);
  return r ? toVersion(r) : undefined;
}

/** A fingerprint given by its sha256 (or a unique prefix of at least 6 characters). */
export function findVersionBySha(store: Store, prefix: string): DatasetVersion[] {
  if (!/^[0-9a-f]{6,64}$/.test(prefix)) return [];
  return store
    .all<Row>(
      'SELECT id, path, kind, fingerprint, size, file_count, mtime, created_at, profile, warnings FROM datasets WHERE fingerprint LIKE ? ORDER BY created_at DESC',
      [prefix + '%'],
    )
    .map(toVersion);
}

export function getManifest(store: Store, id: number): FileEntry[] | undefined {
  const r = store.get<{ manifest: Uint8Array | null }>('SELECT manifest FROM datasets WHERE id = ?', [id]);
  if (!r?.manifest) return undefined;
  const rows = JSON.parse(inflateRawSync(r.manifest).toString('utf8')) as Array<[string, number, string | null]>;
  return rows.map(([rel, size, sha256]) => ({ rel, size, sha256 }));
}

export interface RunDataset {
  path: string;
  role: string;
  note: string | null;
  version: DatasetVersion | null;
}

export function datasetsOfRun(store: Store, runId: string): RunDataset[] {
  return store
    .all<{ path: string; role: string; note: string | null; dataset_id: number | null }>(
      'SELECT path, role, note, dataset_id FROM run_datasets WHERE run_id = ? ORDER BY role, path',
      [runId],
    )
    .map((r) => ({ path: r.path, role: r.role, note: r.note, version: r.dataset_id === null ? null : (getVersion(store, r.dataset_id) ?? null) }));
}

export interface VersionUse {
  version: DatasetVersion;
  runs: Array<{ id: string; name: string; role: string; startedAt: number | null; status: string }>;
}

/** Every run that used each version of a dataset, newest version first. */
export function runsUsingDataset(store: Store, key: string): VersionUse[] {
  const versions = store
    .all<Row>(
      `SELECT id, path, kind, fingerprint, size, file_count, mtime, created_at, profile, warnings FROM datasets WHERE path = ? ORDER BY ${NEWEST_FIRST}`,
      [key],
    )
    .map(toVersion);
  return versions.map((version) => ({
    version,
    runs: store.all(
      `SELECT r.id, r.name, rd.role, r.started_at AS startedAt, r.status FROM run_datasets rd JOIN runs r ON r.id = rd.run_id
       WHERE rd.dataset_id = ? ORDER BY r.started_at DESC`,
      [version.id],
    ),
  }));
}

/** Each dataset path runs used or that was fingerprinted, with its number of versions, newest first. */
export function listDatasets(store: Store, limit = 1000): Array<{ path: string; versions: number }> {
  return store.all<{ path: string; versions: number }>('SELECT path, count(*) AS versions FROM datasets GROUP BY path ORDER BY max(created_at) DESC LIMIT ?', [
    limit,
  ]);
}

export interface VersionRow {
  id: number;
  sha: string;
  size: number;
  createdAt: number;
  rows: number | null;
}

/** A dataset's versions newest first, with the row count of its profile: what a list of them shows. */
export function datasetVersions(store: Store, key: string): VersionRow[] {
  return store
    .all<{ id: number; fingerprint: string | null; size: number | null; created_at: number; rows: number | null }>(
      `SELECT id, fingerprint, size, created_at, json_extract(profile, '$.rows') AS rows FROM datasets WHERE path = ? ORDER BY ${NEWEST_FIRST}`,
      [key],
    )
    .map((r) => ({ id: r.id, sha: r.fingerprint ?? '', size: r.size ?? 0, createdAt: r.created_at, rows: r.rows }));
}

/** The runs that used one version, newest first. */
export function runsOfVersion(store: Store, versionId: number, limit = 500): Array<{ id: string; name: string; role: string; status: string }> {
  return store.all(
    'SELECT r.id, r.name, rd.role, r.status FROM run_datasets rd JOIN runs r ON r.id = rd.run_id WHERE rd.dataset_id = ? ORDER BY r.started_at DESC LIMIT ?',
    [versionId, limit],
  );
}

/** The newest run that read this dataset (not wrote it), with the version it recorded. */
export function lastReadOf(store: Store, key: string): { runName: string; sha: string | null; size: number | null; mtime: number | null } | undefined {
  return store.get(
    `SELECT r.name AS runName, d.fingerprint AS sha, d.size, d.mtime FROM run_datasets rd JOIN runs r ON r.id = rd.run_id
     LEFT JOIN datasets d ON d.id = rd.dataset_id
     WHERE rd.path = ? AND rd.role <> 'output' ORDER BY r.started_at DESC LIMIT 1`,
    [key],
  );
}
