import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import type { RunHandle } from '../../core/launcher/launch';
import type { RunManager } from '../runs/runManager';
import { COMMANDS } from '../commands/ids';
import { registerCommand } from '../commands/register';
import { parameterArgs, parameterDefaults } from './notebookParams';

/**
 * The notebook a command was invoked on: a file from the explorer, the notebook editor whose toolbar was
 * clicked (VS Code passes `{ notebookEditor: { notebookUri } }` or the editor itself), else the active one.
 */
export function notebookUriFrom(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg.fsPath.endsWith('.ipynb') ? arg : undefined;
  const a = arg as { notebookEditor?: { notebookUri?: unknown }; notebook?: { uri?: unknown }; uri?: unknown } | undefined;
  for (const u of [a?.notebookEditor?.notebookUri, a?.notebook?.uri, a?.uri]) if (u instanceof vscode.Uri && u.fsPath.endsWith('.ipynb')) return u;
  const active = vscode.window.activeNotebookEditor?.notebook.uri;
  return active?.fsPath.endsWith('.ipynb') ? active : undefined;
}

/** Whether the active editor is a cell of an open notebook (where "Run Current File" means the notebook). */
export function inNotebookCell(): boolean {
  return vscode.window.activeTextEditor?.document.uri.scheme === 'vscode-notebook-cell' && !!vscode.window.activeNotebookEditor;
}

/**
 * Runs a notebook as an experiment: saved first (the run executes the file on disk), then `lineage run
 * <notebook> [-p name=value …]` through the RunManager, which applies Workspace Trust, the interpreter
 * setting and the terminal, as for a script. With `askParams`, the parameters come from an input box that
 * starts from the notebook's parameters cell.
 */
export async function runNotebook(lineage: Lineage, runs: RunManager, arg: unknown, askParams: boolean): Promise<RunHandle | undefined> {
  const uri = notebookUriFrom(arg);
  if (!uri || uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(
      'Lineage: open a Jupyter notebook (.ipynb) saved in the workspace first, then run "Lineage: Run Notebook as Experiment".',
    );
    return undefined;
  }
  const open = vscode.workspace.notebookDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open?.isDirty && !(await open.save())) {
    void vscode.window.showErrorMessage(`Lineage: ${path.basename(uri.fsPath)} could not be saved, so it was not run; save it and run again.`);
    return undefined;
  }
  let args: string[] = [];
  if (askParams) {
    let value = '';
    try {
      value = parameterDefaults(fs.readFileSync(uri.fsPath, 'utf8'));
    } catch {
      // an unreadable notebook fails the run itself, with the reason
    }
    const text = await vscode.window.showInputBox({
      title: `Lineage: run ${path.basename(uri.fsPath)} with parameters`,
      prompt: 'name=value pairs set over the cell tagged "parameters" (values are Python literals)',
      value,
      validateInput: (t) => {
        const r = parameterArgs(t);
        return typeof r === 'string' ? r : undefined;
      },
    });
    if (text === undefined) return undefined;
    const r = parameterArgs(text);
    if (typeof r === 'string') return undefined;
    args = r;
  }
  const folder = lineage.folderOf(uri) ?? path.dirname(uri.fsPath);
  return runs.start({ folder, command: [uri.fsPath, ...args], cwd: path.dirname(uri.fsPath), title: path.basename(uri.fsPath) });
}

export function registerNotebookCommands(lineage: Lineage, runs: RunManager): vscode.Disposable[] {
  return [
    registerCommand(COMMANDS.runNotebook, (arg?: unknown) => runNotebook(lineage, runs, arg, false)),
    registerCommand(COMMANDS.runNotebookWithParams, (arg?: unknown) => runNotebook(lineage, runs, arg, true)),
  ];
}
