import * as fs from 'node:fs';
import * as path from 'node:path';

export const LINEAGE_DIR = '.lineage';

export interface LineagePaths {
  workspace: string;
  root: string;
  db: string;
  lock: string;
  runs: string;
  /** Deleted runs, when the system has no trash a rename can reach (a server, a container, Windows). */
  trash: string;
  /** One file per dataset version, so a rebuild restores every fingerprint. */
  fingerprints: string;
  /** Written with the first save; its presence means an index existed before. */
  marker: string;
  /** Kept input bytes, content-addressed: objects/<first 2 hex>/<sha256> (docs/data-store.md). */
  objects: string;
  /** Pushes, promotions and rollbacks, append-only (history.jsonl), and what a push left to resume. */
  registry: string;
}

export function lineagePaths(workspace: string): LineagePaths {
  const root = path.join(workspace, LINEAGE_DIR);
  return {
    workspace,
    root,
    db: path.join(root, 'lineage.db'),
    lock: path.join(root, 'lineage.db.lock'),
    runs: path.join(root, 'runs'),
    trash: path.join(root, 'trash'),
    fingerprints: path.join(root, 'fingerprints'),
    marker: path.join(root, 'lineage.json'),
    objects: path.join(root, 'objects'),
    registry: path.join(root, 'registry'),
  };
}

/**
 * The workspace is the nearest folder upward holding `.lineage`; failing that the git root; failing that
 * `start` itself. The same rule as the Python SDK's start_run, so both find the same store.
 */
export function findWorkspace(start: string): string {
  let dir = path.resolve(start);
  let gitRoot: string | undefined;
  for (;;) {
    if (fs.existsSync(path.join(dir, LINEAGE_DIR))) return dir;
    if (!gitRoot && fs.existsSync(path.join(dir, '.git'))) gitRoot = dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return gitRoot ?? path.resolve(start);
}

export function runDir(paths: LineagePaths, runId: string): string {
  return path.join(paths.runs, runId);
}
