/** What the real-VS Code suites share: the workspace, polling, and starting commands without waiting. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'lineage-dev.lineage';
export const PYTHON = '/usr/bin/python3';

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'a workspace folder is open');
  return folder.uri.fsPath;
}

/** Polls `probe` every `everyMs` until it gives a value (not undefined), or fails saying what it waited for. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Commands that end by showing a notification with a button only settle when it is closed: start them, don't wait. */
export function startCommand(id: string, ...args: unknown[]): { error(): unknown } {
  let error: unknown;
  vscode.commands.executeCommand(id, ...args).then(undefined, (err: unknown) => {
    error = err;
    console.error(`${id} failed: ${String(err)}`);
  });
  return { error: () => error };
}
