import * as vscode from 'vscode';
import type { CommandId } from './ids';

/** registerCommand for our own ids only: the table in ids.ts is the one list of them. */
export function registerCommand(id: CommandId, run: (...args: never[]) => unknown): vscode.Disposable {
  return vscode.commands.registerCommand(id, run);
}

/** executeCommand of one of our own commands. */
export function runCommand<T = unknown>(id: CommandId, ...args: unknown[]): Thenable<T> {
  return vscode.commands.executeCommand<T>(id, ...args);
}
