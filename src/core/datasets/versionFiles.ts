import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { writeFileAtomicSync } from '../util/fsx';
import type { LineagePaths } from '../util/lineagePaths';
import type { Fingerprint } from './fingerprint';

/**
 * Fingerprints live on disk, like runs, so a rebuilt index loses none of them: one content-addressed file
 * per version (`.lineage/fingerprints/<sha256>.json.gz`, manifest and profile included), and in each run
 * folder a `datasets.json` naming the versions that run used.
 */
export interface VersionFile {
  schema: 1;
  sha256: string;
  kind: Fingerprint['kind'];
  size: number;
  fileCount: number;
  mtimeMs: number;
  takenAt: string;
  files?: Array<[string, number, string | null]>;
  warnings: string[];
  profile?: unknown;
}

export interface RunDatasetLink {
  path: string;
  role: string;
  sha256: string | null;
  note?: string;
}

export function versionFilePath(paths: LineagePaths, sha256: string): string {
  return path.join(paths.fingerprints, `${sha256}.json.gz`);
}

export function writeVersionFile(paths: LineagePaths, fp: Fingerprint, profile: unknown): void {
  if (!fp.sha256) return;
  const file = versionFilePath(paths, fp.sha256);
  if (fs.existsSync(file)) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body: VersionFile = {
    schema: 1,
    sha256: fp.sha256,
    kind: fp.kind,
    size: fp.size,
    fileCount: fp.fileCount,
    mtimeMs: fp.mtimeMs,
    takenAt: new Date().toISOString(),
    files: fp.files?.map((f) => [f.rel, f.size, f.sha256]),
    warnings: fp.warnings,
    profile: profile ?? undefined,
  };
  writeFileAtomicSync(file, gzipSync(JSON.stringify(body)));
}

export function readVersionFile(paths: LineagePaths, sha256: string): VersionFile | undefined {
  try {
    return JSON.parse(gunzipSync(fs.readFileSync(versionFilePath(paths, sha256))).toString('utf8')) as VersionFile;
  } catch {
    return undefined;
  }
}

export function writeRunDatasets(runDir: string, links: RunDatasetLink[]): void {
  writeFileAtomicSync(path.join(runDir, 'datasets.json'), JSON.stringify({ schema: 1, datasets: links }, null, 2));
}

export function readRunDatasets(runDir: string): RunDatasetLink[] | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(runDir, 'datasets.json'), 'utf8')) as { datasets?: RunDatasetLink[] };
    return Array.isArray(j.datasets) ? j.datasets : undefined;
  } catch {
    return undefined;
  }
}
