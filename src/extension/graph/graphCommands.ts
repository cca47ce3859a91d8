// Placeholder wired into main.ts so helpers working in parallel own this file alone; replaced by the real commands.
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from '../commands/ids';
import { registerCommand } from '../commands/register';

const notYet = () => void vscode.window.showInformationMessage('Lineage: not available in this build yet.');

export function registerGraphCommands(lineage: Lineage): vscode.Disposable[] {
  void lineage;
  return [registerCommand(COMMANDS.showLineage, notYet), registerCommand(COMMANDS.rerunStale, notYet)];
}
