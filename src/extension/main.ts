import * as vscode from 'vscode';
import { registerRunCurrentFile } from './commands/runCurrentFile';
import { registerDataCommands } from './commands/dataCommands';
import { ExtensionContextState } from './state';

declare const __lineageLoadStart: number | undefined;

/**
 * Activation only registers commands: nothing here touches sql.js or the disk, so opening a Python file
 * costs the user almost nothing. The engine loads on the first command that needs it.
 */
export function activate(context: vscode.ExtensionContext): { activationMs: number } {
  const t0 = typeof __lineageLoadStart === 'number' ? __lineageLoadStart : performance.now();
  const state = new ExtensionContextState(context);
  context.subscriptions.push(state, registerRunCurrentFile(state), ...registerDataCommands(state));
  const activationMs = performance.now() - t0;
  state.log(`Lineage activated in ${activationMs.toFixed(1)} ms (module load + activate).`);
  return { activationMs };
}

export function deactivate(): Promise<void> | undefined {
  return ExtensionContextState.current?.flush();
}
