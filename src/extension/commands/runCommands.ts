import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import type { RunManager } from '../runs/runManager';
import { argsAfterScript, rerunCommand, runRefsFrom, splitArgs } from './runArgs';
import { pickRun } from './pickRuns';
import { COMMANDS } from './ids';
import { IMPORTED_TAG } from '../../core/runs/importedTag';
import { registerCommand } from './register';
import { engine } from '../engine';
import { lastArgsFor } from '../lenses/scriptArgs';
import { inNotebookCell, registerNotebookCommands, runNotebook } from '../notebooks/notebookCommands';

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
export function registerRunCommands(lineage: Lineage, runs: RunManager): vscode.Disposable[] {
  const runFile = async (uri: vscode.Uri | undefined, askArgs: boolean, presetArgs?: string) => {
    // A notebook (from the explorer, or a cell of an open one) runs as a notebook, its params from its parameters cell.
    if (uri?.fsPath.endsWith('.ipynb') || (!uri && inNotebookCell())) return runNotebook(lineage, runs, uri, askArgs);
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'python') {
      void vscode.window.showErrorMessage('Lineage: open a Python training script first, then run "Lineage: Run Current File as Experiment".');
      return;
    }
    if (doc.isDirty) await doc.save();
    const folder = lineage.folderOf(doc.uri) ?? path.dirname(doc.uri.fsPath);
    let args: string[] = [];
    if (askArgs) {
      const value = presetArgs ?? (await lastArgsFor(lineage, folder, doc));
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
    let [ref] = runRefsFrom(arg);
    if (!ref) ref = (await pickRun(lineage, 'Rerun which run?')) ?? { id: '' };
    const folder = ref.folder ?? lineage.folderOfRun(ref.id);
    if (!ref.id || !folder) return;
    const ws = await lineage.workspace(folder);
    const { getRun } = await engine();
    const r = getRun(ws.store, ref.id);
    if (r.tags[IMPORTED_TAG])
      return void vscode.window.showInformationMessage(
        `Lineage: ${r.name} was imported from ${r.tags[IMPORTED_TAG]} and is read-only here; rerun it where it was made.`,
      );
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
    const command = rerunCommand(prefix, newArgs);
    const cwd = r.cwd && fs.existsSync(r.cwd) ? r.cwd : folder;
    return runs.start({ folder, command, cwd, title: path.basename(command[0]), experiment: r.experiment });
  };

  return [
    registerCommand(COMMANDS.runCurrentFile, (uri?: vscode.Uri) => runFile(uri instanceof vscode.Uri ? uri : undefined, false)),
    registerCommand(COMMANDS.runWithParams, (uri?: vscode.Uri, preset?: string) =>
      runFile(uri instanceof vscode.Uri ? uri : undefined, true, typeof preset === 'string' ? preset : undefined),
    ),
    ...registerNotebookCommands(lineage, runs),
    registerCommand(COMMANDS.rerun, (arg?: unknown) => rerun(arg, false)),
    registerCommand(COMMANDS.rerunWithParams, (arg?: unknown) => rerun(arg, true)),
    registerCommand(COMMANDS.stopRun, async (arg?: unknown) => {
      let [id] = runRefsFrom(arg).map((r) => r.id);
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
