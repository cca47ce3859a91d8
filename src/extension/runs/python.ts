import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { setting } from '../config';
import { COMMANDS } from '../commands/ids';
import { runCommand } from '../commands/register';

/**
 * The interpreter for a script: the Python extension's active environment when it is installed (its
 * public API), else `lineage.pythonPath`, else `python3`. A missing one gets a message with a way out.
 */
export async function pythonFor(lineage: Lineage, resource: vscode.Uri): Promise<string | undefined> {
  const { python, exists } = await chosenPython(lineage, resource);
  if (!exists) {
    const pick = await vscode.window.showErrorMessage(
      `Lineage: the Python interpreter "${python}" was not found. Choose one to run training scripts with.`,
      'Select Interpreter',
    );
    if (pick) await runCommand(COMMANDS.selectInterpreter);
    return undefined;
  }
  return python;
}

/**
 * The interpreter pythonFor would use and whether it exists, without asking anything: for callers that say
 * so in their own place (the Explain panel's what-if, which must not wait on a notification).
 */
export async function chosenPython(lineage: Lineage, resource: vscode.Uri): Promise<{ python: string; exists: boolean }> {
  let python = setting('pythonPath', resource);
  if (!python) {
    try {
      const ext = vscode.extensions.getExtension<{ environments?: { getActiveEnvironmentPath(r?: vscode.Uri): { path: string } } }>('ms-python.python');
      const api = ext ? (ext.isActive ? ext.exports : await ext.activate()) : undefined;
      python = api?.environments?.getActiveEnvironmentPath(resource)?.path ?? '';
    } catch (err) {
      lineage.log(`The Python extension did not give an interpreter: ${(err as Error).message}`);
    }
  }
  python ||= 'python3';
  return { python, exists: interpreterExists(python) };
}

function interpreterExists(python: string): boolean {
  if (python.includes('/') || python.includes(path.sep)) return fs.existsSync(python);
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, python)));
}
