import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionContextState } from '../state';
import type { RunManager } from '../runs/runManager';
import { argsAfterScript, runIdsFrom, splitArgs } from './runArgs';

/** What is wrong with a typed argument line (an unclosed quote…), for an input box; undefined when fine. */
function argsError(text: string): string | undefined {
  try {
    splitArgs(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Run, rerun, stop: everything that starts or ends a process. */
export function registerRunCommands(state: ExtensionContextState, runs: RunManager): vscode.Disposable[] {
  const runFile = async (uri: vscode.Uri | undefined, askArgs: boolean, presetArgs?: string) => {
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'python') {
      void vscode.window.showErrorMessage('Lineage: open a Python training script first, then run "Lineage: Run Current File as Experiment".');
      return;
    }
    if (doc.isDirty) await doc.save();
    const folder = state.folderOf(doc.uri) ?? path.dirname(doc.uri.fsPath);
    let args: string[] = [];
    if (askArgs) {
      const { lastArgsFor } = await import('../lenses/scriptArgs');
      const value = presetArgs ?? (await lastArgsFor(state, folder, doc));
      const text = await vscode.window.showInputBox({
        title: `Lineage: run ${path.basename(doc.uri.fsPath)} with parameters`,
        prompt: 'Arguments for the script, as on a command line',
        value,
        validateInput: argsError,
      });
      if (text === undefined) return;
      args = splitArgs(text);
    }
    return runs.start({ folder, command: [doc.uri.fsPath, ...args], cwd: path.dirname(doc.uri.fsPath), title: path.basename(doc.uri.fsPath) });
  };

  const rerun = async (arg: unknown, askArgs: boolean) => {
    const folder = state.folderOf();
    if (!folder) return;
    const ws = await state.workspace(folder);
    let [id] = runIdsFrom(arg);
    if (!id) id = (await pickRun(state, folder, 'Rerun which run?')) ?? '';
    if (!id) return;
    const { getRun } = await import('../../core/runs/queries');
    const r = getRun(ws.store, id);
    const { prefix, args } = argsAfterScript(r.command);
    let newArgs = args;
    if (askArgs) {
      const text = await vscode.window.showInputBox({
        title: `Lineage: rerun ${r.name} with changed parameters`,
        prompt: `Arguments for ${path.basename(prefix[prefix.length - 1] ?? 'the command')}`,
        value: args,
        validateInput: argsError,
      });
      if (text === undefined) return;
      newArgs = text;
    }
    // The interpreter comes from today's settings; the script and its arguments from the run.
    const scriptIdx = prefix.findIndex((a) => a.endsWith('.py'));
    const command = scriptIdx >= 0 ? [prefix[scriptIdx], ...splitArgs(newArgs)] : [...prefix, ...splitArgs(newArgs)];
    const cwd = r.cwd && require('node:fs').existsSync(r.cwd) ? r.cwd : folder;
    return runs.start({ folder, command, cwd, title: path.basename(command[0]), experiment: r.experiment });
  };

  return [
    vscode.commands.registerCommand('lineage.runCurrentFile', (uri?: vscode.Uri) => runFile(uri instanceof vscode.Uri ? uri : undefined, false)),
    vscode.commands.registerCommand('lineage.runWithParams', (uri?: vscode.Uri, preset?: string) =>
      runFile(uri instanceof vscode.Uri ? uri : undefined, true, typeof preset === 'string' ? preset : undefined),
    ),
    vscode.commands.registerCommand('lineage.rerun', (arg?: unknown) => rerun(arg, false)),
    vscode.commands.registerCommand('lineage.rerunWithParams', (arg?: unknown) => rerun(arg, true)),
    vscode.commands.registerCommand('lineage.stopRun', async (arg?: unknown) => {
      let [id] = runIdsFrom(arg);
      if (!id) {
        const live = [...runs.live.entries()];
        if (live.length === 0) return void vscode.window.showInformationMessage('Lineage: no run is in progress.');
        if (live.length === 1) id = live[0][0];
        else {
          const pick = await vscode.window.showQuickPick(
            live.map(([rid, l]) => ({ label: l.name, description: l.latest, detail: rid, id: rid })),
            { title: 'Lineage: stop which run?' },
          );
          id = pick?.id ?? '';
        }
      }
      if (!id) return;
      if (!runs.stop(id)) void vscode.window.showWarningMessage(`Lineage: run ${id} is not running in this window; stop it where it was started.`);
    }),
  ];
}

export async function pickRun(state: ExtensionContextState, folder: string, title: string, many = false): Promise<string | undefined> {
  const picks = await pickRuns(state, folder, title, many);
  return picks?.[0];
}

/** `preselected` (with `many`): runs ticked and listed first, e.g. the one a context menu was opened on. */
export async function pickRuns(state: ExtensionContextState, folder: string, title: string, many: boolean, preselected: string[] = []): Promise<string[] | undefined> {
  const ws = await state.workspace(folder);
  const { listRuns } = await import('../../core/runs/queries');
  const { keyMetrics } = await import('../../core/runs/keyMetrics');
  const { formatNumber, relativeTime } = await import('../../core/util/format');
  const items = listRuns(ws.store, { limit: 500 }).map((r) => ({
    label: r.name,
    description: `${r.status} · ${keyMetrics(r.metrics, 2).map((m) => `${m.key} ${formatNumber(m.last)}`).join(' · ')}`,
    detail: `${r.experiment} · ${relativeTime(r.startedAt)} · ${r.id}`,
    id: r.id,
  }));
  if (items.length === 0) {
    void vscode.window.showInformationMessage('Lineage: no runs yet. Run a training script with "Lineage: Run Current File as Experiment".');
    return undefined;
  }
  if (many) {
    const ticked = new Set(preselected);
    const ordered = [...items.filter((i) => ticked.has(i.id)), ...items.filter((i) => !ticked.has(i.id))].map((i) => ({ ...i, picked: ticked.has(i.id) }));
    const picked = await vscode.window.showQuickPick(ordered, { title, canPickMany: true, matchOnDetail: true, matchOnDescription: true });
    return picked?.map((p) => p.id);
  }
  const picked = await vscode.window.showQuickPick(items, { title, matchOnDetail: true, matchOnDescription: true });
  return picked ? [picked.id] : undefined;
}
