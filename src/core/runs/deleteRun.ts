import * as fs from 'node:fs';
import type { LineageWorkspace } from '../workspace';
import { deleteRunRows, dropEmptyExperiments } from '../ingest/ingestRun';
import { runDir } from '../util/lineagePaths';
import { moveToTrashDir, systemTrashDir, trashWithDesktopTool } from '../util/trash';
import { listRuns } from './queries';

export interface DeleteRunOptions {
  /** Remove the folder for good instead of moving it to a trash. */
  permanent?: boolean;
  /**
   * The system trash to move runs into; false skips it (straight to the workspace's trash). Default: the
   * user's trash for this OS, and the desktop's trash command for a folder on another filesystem.
   */
  systemTrash?: string | false;
}

/** Where a deleted run's folder went. */
export type DeletedTo = 'system-trash' | 'workspace-trash' | 'deleted' | 'already-gone';

export interface DeletedRun {
  id: string;
  to: DeletedTo;
  /** The folder's new place when it went to a trash. */
  path?: string;
}

export class RunInProgressError extends Error {}

/**
 * Deletes a run: its folder goes to the system trash when a rename can reach it, else to .lineage/trash
 * in the workspace (a server, a container, Windows), or is removed only when `permanent` is asked; then
 * the run leaves the index. The folder moves first, so a failure leaves the run fully there; and a
 * rebuild, which reads only .lineage/runs, never brings it back. Does not save the index: callers
 * deleting several runs save once.
 */
export function deleteRun(ws: LineageWorkspace, runId: string, opts: DeleteRunOptions = {}): DeletedRun {
  const run = listRuns(ws.store, { ids: [runId] })[0];
  // The launcher would write run.json into a new folder at the end and the run would come back half-empty.
  if (run?.status === 'running') throw new RunInProgressError(`Run ${runId} is still running; stop it before deleting it.`);
  const dir = runDir(ws.paths, runId);
  const result = moveAway(dir, ws.paths.trash, opts);
  ws.store.transaction(() => {
    deleteRunRows(ws.store, runId);
    dropEmptyExperiments(ws.store);
  });
  return { id: runId, ...result };
}

function moveAway(dir: string, workspaceTrash: string, opts: DeleteRunOptions): Omit<DeletedRun, 'id'> {
  if (!fs.existsSync(dir)) return { to: 'already-gone' };
  if (opts.permanent) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { to: 'deleted' };
  }
  const system = opts.systemTrash === undefined ? systemTrashDir() : opts.systemTrash || undefined;
  if (system) {
    const moved = moveToTrashDir(dir, system);
    if (moved) return { to: 'system-trash', path: moved };
    if (opts.systemTrash === undefined && trashWithDesktopTool(dir)) return { to: 'system-trash' };
  }
  // Inside the workspace, hence on the same filesystem as the run: the rename cannot cross devices.
  const moved = moveToTrashDir(dir, workspaceTrash, false);
  if (!moved) throw new Error(`Could not move ${dir} to ${workspaceTrash}.`);
  return { to: 'workspace-trash', path: moved };
}
