import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import type { RunRef } from './runArgs';
import { engine } from '../engine';
import { keyMetrics } from '../../core/runs/keyMetrics';
import { formatNumber, relativeTime } from '../../core/util/format';

/** One run picked from every folder's runs (a quick pick); undefined when cancelled or there are none. */
export async function pickRun(lineage: Lineage, title: string): Promise<Required<RunRef> | undefined> {
  return (await pickRuns(lineage, title, false))?.[0];
}

/**
 * Runs picked from every folder with a `.lineage` (each labelled with its folder when there are several).
 * `preselected` (with `many`): runs ticked and listed first, e.g. the one a context menu was opened on.
 */
export async function pickRuns(lineage: Lineage, title: string, many: boolean, preselected: string[] = []): Promise<Array<Required<RunRef>> | undefined> {
  const { listRuns } = await engine();
  const folders = lineage.folders();
  const items: Array<vscode.QuickPickItem & { id: string; folder: string }> = [];
  for (const folder of folders) {
    const ws = await lineage.workspace(folder);
    const where = folders.length > 1 ? `${path.basename(folder)} · ` : '';
    for (const r of listRuns(ws.store, { limit: 500 }))
      items.push({
        label: r.name,
        description: `${r.status} · ${keyMetrics(r.metrics, 2)
          .map((m) => `${m.key} ${formatNumber(m.last)}`)
          .join(' · ')}`,
        detail: `${where}${r.experiment} · ${relativeTime(r.startedAt)} · ${r.id}`,
        id: r.id,
        folder,
      });
  }
  if (items.length === 0) {
    void vscode.window.showInformationMessage('Lineage: no runs yet. Run a training script with "Lineage: Run Current File as Experiment".');
    return undefined;
  }
  const ref = (i: { id: string; folder: string }) => ({ id: i.id, folder: i.folder });
  if (many) {
    const ticked = new Set(preselected);
    const ordered = [...items.filter((i) => ticked.has(i.id)), ...items.filter((i) => !ticked.has(i.id))].map((i) => ({ ...i, picked: ticked.has(i.id) }));
    const picked = await vscode.window.showQuickPick(ordered, { title, canPickMany: true, matchOnDetail: true, matchOnDescription: true });
    return picked?.map(ref);
  }
  const picked = await vscode.window.showQuickPick(items, { title, matchOnDetail: true, matchOnDescription: true });
  return picked ? [ref(picked)] : undefined;
}
