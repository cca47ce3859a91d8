// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real commands.
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from '../commands/ids';
import { registerCommand } from '../commands/register';

const notYet = () => void vscode.window.showInformationMessage('Lineage: not available in this build yet.');

export function registerRegistryCommands(lineage: Lineage): vscode.Disposable[] {
  void lineage;
  return [
    registerCommand(COMMANDS.pushModel, notYet),
    registerCommand(COMMANDS.pullModel, notYet),
    registerCommand(COMMANDS.promoteModel, notYet),
    registerCommand(COMMANDS.rollbackModel, notYet),
    registerCommand(COMMANDS.copyModelReference, notYet),
    registerCommand(COMMANDS.openInRegistry, notYet),
    registerCommand(COMMANDS.exportModelCard, notYet),
    registerCommand(COMMANDS.syncRuns, notYet),
    registerCommand(COMMANDS.importRuns, notYet),
    registerCommand(COMMANDS.signInToRegistry, notYet),
    registerCommand(COMMANDS.forgetRegistryCredentials, notYet),
  ];
}
