import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import type { GraphTarget } from '../../../webview/graph/protocol';

/** What "Show Lineage" and "Re-run Stale Steps" act on, with the workspace folder that recorded it. */
export interface GraphRef {
  target: GraphTarget;
  folder: string | undefined;
}

/**
 * The target of a command from wherever it was invoked: a run id (the Run panel, other commands), an
 * Experiments-tree run, a Models-view model, a Datasets-view dataset, version or run, a file in the
 * explorer, or `{ ref, folder }` (the graph panel). Undefined when the argument names none of these.
 */
export function graphRefFrom(lineage: Lineage, arg: unknown): GraphRef | undefined {
  if (typeof arg === 'string' && arg) return { target: { ref: arg }, folder: lineage.folderOfRun(arg) ?? lineage.folderOf() };
  if (arg instanceof vscode.Uri) {
    const folder = lineage.folderOf(arg);
    return folder ? { target: { ref: path.relative(folder, arg.fsPath).split(path.sep).join('/') }, folder } : undefined;
  }
  if (!arg || typeof arg !== 'object') return undefined;
  const n = arg as Record<string, unknown>;
  const str = (k: string) => (typeof n[k] === 'string' ? n[k] : undefined);
  const folder = str('folder');
  if (str('ref')) return { target: { ref: str('ref')! }, folder: folder ?? lineage.folderOf() };
  if (typeof n.runId === 'string' && !n.kind) return { target: { ref: n.runId }, folder: folder ?? lineage.folderOfRun(n.runId) };
  switch (n.kind) {
    case 'run': {
      // The Experiments tree's run ({ run: RunSummary }) or the Datasets view's run under a version ({ id }).
      const run = n.run as { id?: unknown } | undefined;
      const id = typeof run?.id === 'string' ? run.id : str('id');
      return id ? { target: { ref: id }, folder: folder ?? lineage.folderOfRun(id) } : undefined;
    }
    case 'model': {
      const runId = str('runId');
      const p = str('path');
      return runId && p ? { target: { ref: `${runId}:${p}` }, folder: folder ?? lineage.folderOfRun(runId) } : undefined;
    }
    case 'dataset':
      return str('path') ? { target: { ref: str('path')! }, folder } : undefined;
    case 'version': {
      const sha = str('sha');
      return str('path') && sha && /^[0-9a-f]{64}$/.test(sha) ? { target: { ref: str('path')!, sha256: sha }, folder } : undefined;
    }
  }
  return undefined;
}
