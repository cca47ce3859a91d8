/** What the real-VS Code suites share: the workspace, polling, and starting commands without waiting. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
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

/** run.mjs collects these lines from the extension host's console into the figures file. */
export const FIGURE_MARKER = 'LINEAGE_FIGURE';

/**
 * A timing the suite measured, with an anchor measured in the same run (the same host, the same load), so
 * bench/vscode_latency.mjs can report the ratio rather than judge a raw figure on a machine it does not
 * know. Timings are not asserted in the suites: a slow CI machine is not a failed test.
 */
export interface Figure {
  name: string;
  ms: number;
  anchor: string;
  anchorMs: number;
  /** The limit the suite used to assert, for reference in the bench's report. */
  formerLimitMs?: number;
}

export function recordFigure(f: Figure): void {
  console.log(`${FIGURE_MARKER} ${JSON.stringify({ ...f, ms: Math.round(f.ms * 10) / 10, anchorMs: Math.round(f.anchorMs * 10) / 10 })}`);
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * The operating system's own notification latency for `file`: a bare fs.watch on it, from `change()` to
 * its first event. What any watcher-driven update costs at least; the anchor of the live-update figures.
 */
export function rawWatch(file: string): { arm(): void; seen(): Promise<number>; close(): void } {
  let t0 = 0;
  let resolve: (ms: number) => void = () => undefined;
  let pending: Promise<number> = Promise.resolve(NaN);
  const w = fs.watch(file, { persistent: false }, () => {
    if (!t0) return;
    resolve(performance.now() - t0);
    t0 = 0;
  });
  return {
    arm() {
      pending = new Promise<number>((r) => (resolve = r));
      t0 = performance.now();
    },
    seen: () => Promise.race([pending, new Promise<number>((r) => setTimeout(() => r(NaN), 5000))]),
    close: () => w.close(),
  };
}

/** The longest time the extension host's event loop went without running a 10 ms timer, while `fn` ran. */
export async function longestStall<T>(fn: () => Promise<T>): Promise<{ value: T; stallMs: number }> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 10);
  try {
    const value = await fn();
    longest = Math.max(longest, performance.now() - last);
    return { value, stallMs: longest };
  } finally {
    clearInterval(ticker);
  }
}

/** Records every showWarningMessage text from now on (the real one still shows them) until `restore()`. */
export function recordWarnings(): { said: string[]; restore: () => void } {
  const said: string[] = [];
  const win = vscode.window as { showWarningMessage: (...a: unknown[]) => Thenable<unknown> };
  const original = win.showWarningMessage;
  win.showWarningMessage = (...a: unknown[]) => {
    said.push(String(a[0]));
    return original.apply(vscode.window, a);
  };
  return { said, restore: () => (win.showWarningMessage = original) };
}
