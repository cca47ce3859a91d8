import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from './ids';
import { registerCommand } from './register';
import { runRefsFrom, type RunRef } from './runArgs';
import { engine } from '../engine';
import { ExplainPanel } from '../panels/explainPanel';
import { explainTargetOf } from '../panels/panelMessages';
import { relativeTime } from '../../core/util/format';

/**
 * What "Explain" receives: a tree node or a run id (menus, lenses), or `{ runId, name, folder }` (the run panel),
 * checked by explainTargetOf (a well-formed run id, a folder open in this window).
 */
function targetOf(arg: unknown): (RunRef & { name?: string }) | undefined {
  const open = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  if (arg && typeof arg === 'object' && typeof (arg as { runId?: unknown }).runId === 'string') {
    const a = arg as { runId: string; name?: unknown; folder?: unknown };
    return explainTargetOf({ id: a.runId, name: a.name, folder: a.folder }, open);
  }
  const ref = runRefsFrom(arg)[0];
  return ref ? explainTargetOf(ref, open) : undefined;
}

/** A run with an explanation, picked from every folder's runs that have one; undefined when cancelled or none. */
async function pickExplainedRun(lineage: Lineage): Promise<(RunRef & { name?: string }) | undefined> {
  const { runsWithExplanations, listRuns, listExplanations } = await engine();
  const folders = lineage.folders();
  const items: Array<vscode.QuickPickItem & { id: string; folder: string; name: string }> = [];
  for (const folder of folders) {
    const ws = await lineage.workspace(folder);
    const where = folders.length > 1 ? `${path.basename(folder)} · ` : '';
    for (const r of listRuns(ws.store, { ids: [...runsWithExplanations(ws.store)], limit: 500 }))
      for (const e of listExplanations(ws.store, r.id))
        items.push({
          label: r.name,
          description: `${e.name} · ${e.method}${e.exact ? '' : ' (approximate)'} · ${e.rows.toLocaleString('en-US')} rows × ${e.features} features`,
          detail: `${where}${r.experiment} · ${relativeTime(r.startedAt)} · ${r.id}`,
          id: r.id,
          folder,
          name: e.name,
        });
  }
  if (items.length === 0) {
    void vscode.window.showInformationMessage(
      'Lineage: no run has an explanation yet. Call lineage.explain(model, X) in a training script after fitting, and run it with Lineage.',
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, { title: 'Explain which run?', matchOnDescription: true, matchOnDetail: true });
  return picked ? { id: picked.id, folder: picked.folder, name: picked.name } : undefined;
}

/** "Lineage: Explain Run…": from the palette (a quick pick of runs with an explanation), the tree, the run panel or a lens. */
export function registerExplainCommands(lineage: Lineage): vscode.Disposable[] {
  return [
    registerCommand(COMMANDS.explainRun, async (arg?: unknown) => {
      const target = targetOf(arg) ?? (await pickExplainedRun(lineage));
      if (!target?.id) return;
      const folder = target.folder ?? lineage.folderOfRun(target.id);
      ExplainPanel.show(lineage, target.id, folder, target.name);
    }),
  ];
}
