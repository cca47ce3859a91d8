import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from '../commands/ids';
import { registerCommand } from '../commands/register';
import { pickRun } from '../commands/pickRuns';
import { GraphPanel, registerGraphPanel } from '../panels/graphPanel';
import { graphRefFrom, type GraphRef } from './graphTarget';

/** The run a command acts on when it was given none: the user picks one. */
async function refOrPick(lineage: Lineage, arg: unknown, title: string): Promise<GraphRef | undefined> {
  const ref = graphRefFrom(lineage, arg);
  if (ref) return ref;
  const picked = await pickRun(lineage, title);
  return picked ? { target: { ref: picked.id }, folder: picked.folder } : undefined;
}

/**
 * "Show Lineage" (the graph panel of a run, model or dataset version) and "Re-run Stale Steps" (the
 * `lineage rerun-stale` command in a terminal, so its plan and each step's output are seen as they run
 * and each step is recorded by the same code as `lineage run`).
 */
export function registerGraphCommands(lineage: Lineage): vscode.Disposable[] {
  return [
    registerGraphPanel(lineage),
    registerCommand(COMMANDS.showLineage, async (arg?: unknown) => {
      const ref = await refOrPick(lineage, arg, 'Show the lineage of which run?');
      if (!ref) return;
      if (!ref.folder) return void vscode.window.showErrorMessage('Lineage: open the folder that holds this run’s .lineage to see its lineage.');
      return GraphPanel.show(lineage, { folder: ref.folder, target: ref.target, direction: 'both' });
    }),
    registerCommand(COMMANDS.rerunStale, async (arg?: unknown) => {
      const ref = await refOrPick(lineage, arg, 'Re-run the stale steps upstream of which run?');
      if (!ref?.folder) return;
      if (!vscode.workspace.isTrusted) {
        const pick = await vscode.window.showWarningMessage(
          'Lineage does not run scripts in an untrusted workspace. Trust this folder to re-run steps.',
          'Manage Workspace Trust',
        );
        if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
        return;
      }
      if (ref.target.sha256)
        return void vscode.window.showInformationMessage('Lineage: re-run stale steps from a run or a file’s current content, not from an old version.');
      const cli = path.join(lineage.context.extensionPath, 'dist', 'cli.js');
      const terminal = vscode.window.createTerminal({
        name: 'Lineage: re-run stale steps',
        cwd: ref.folder,
        shellPath: process.execPath,
        shellArgs: [cli, 'rerun-stale', ref.target.ref, '--workspace', ref.folder],
        // The editor's own Node runs the CLI, as the `lineage` command in its terminals does (terminalEnv.ts).
        env: { ELECTRON_RUN_AS_NODE: '1' },
        iconPath: new vscode.ThemeIcon('run-all'),
      });
      terminal.show();
      return terminal;
    }),
  ];
}
