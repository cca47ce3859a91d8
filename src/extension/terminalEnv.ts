import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { setting } from './config';

/**
 * Puts `lineage` on the PATH of the integrated terminals (an environment variable collection), so runs
 * started there with `lineage run` are recorded exactly like runs started from the editor. The shim uses
 * the extension host's own Node (Electron in desktop VS Code, hence ELECTRON_RUN_AS_NODE).
 */
export function installTerminalCli(context: vscode.ExtensionContext): void {
  const bin = path.join(context.globalStorageUri.fsPath, 'bin');
  const cli = path.join(context.extensionPath, 'dist', 'cli.js');
  const shim = path.join(bin, 'lineage');
  const text = `#!/bin/sh\n# Written by the Lineage extension: runs its CLI with the editor's Node.\nELECTRON_RUN_AS_NODE=1 exec "${process.execPath}" "${cli}" "$@"\n`;
  try {
    fs.mkdirSync(bin, { recursive: true });
    if (!fs.existsSync(shim) || fs.readFileSync(shim, 'utf8') !== text) fs.writeFileSync(shim, text, { mode: 0o755 });
  } catch {
    return;
  }
  const env = context.environmentVariableCollection;
  env.description = 'Puts the `lineage` command on the PATH and passes the Python interpreter chosen for Lineage.';
  env.prepend('PATH', bin + path.delimiter);
  const python = setting('pythonPath');
  if (python) env.replace('LINEAGE_PYTHON', python);
  else env.delete('LINEAGE_PYTHON');
}
