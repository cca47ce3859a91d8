import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageWorkspace } from '../core/workspace';
import type { DatasetWatch } from './datasets/datasetWatch';

/** Runs read by one sync of named runs at most (about 75 ms of work). */
const SYNC_SLICE = 500;

/** What the commands share: the output channel and, once opened, each workspace folder's Lineage. */
export class ExtensionContextState implements vscode.Disposable {
  static current: ExtensionContextState | undefined;
  readonly output = vscode.window.createOutputChannel('Lineage');
  private readonly workspaces = new Map<string, Promise<LineageWorkspace>>();
  readonly watches = new Map<string, DatasetWatch>();
  private readonly changed = new vscode.EventEmitter<string[]>();
  /** Fires with run ids whenever the index learned something about them (a live run logged, a run ended…). */
  readonly onDidChangeRuns = this.changed.event;
  private readonly changedIn = new vscode.EventEmitter<RunsChange>();
  /** The same, with the workspace folder, for views that show one folder and watchers that serve each. */
  readonly onDidChangeRunsIn = this.changedIn.event;
  private readonly opened = new vscode.EventEmitter<string>();
  /** A folder's index was opened (and brought up to date with its run folders, without a change event). */
  readonly onDidOpenIndex = this.opened.event;
  /** Per folder: the sync running now (the tail) and the one waiting for it, which later callers join. */
  private readonly syncTail = new Map<string, Promise<void>>();
  private readonly syncNext = new Map<string, { ids: Set<string> | undefined; done: Promise<void> }>();
  /** The Experiments view, once created (for its filter message). */
  treeView: Promise<vscode.TreeView<unknown>> | undefined;

  constructor(readonly context: vscode.ExtensionContext) {
    ExtensionContextState.current = this;
  }

  /** The workspace folder of a file, or the first folder. */
  folderOf(uri?: vscode.Uri): string | undefined {
    const f = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
    return (f ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
  }

  /**
   * The interpreter for a script: the Python extension's active environment when it is installed (its
   * public API), else `lineage.pythonPath`, else `python3`. A missing one gets a message with a way out.
   */
  async pythonFor(resource: vscode.Uri): Promise<string | undefined> {
    let python = vscode.workspace.getConfiguration('lineage', resource).get<string>('pythonPath') || '';
    if (!python) {
      try {
        const ext = vscode.extensions.getExtension<{ environments?: { getActiveEnvironmentPath(r?: vscode.Uri): { path: string } } }>('ms-python.python');
        const api = ext ? (ext.isActive ? ext.exports : await ext.activate()) : undefined;
        python = api?.environments?.getActiveEnvironmentPath(resource)?.path ?? '';
      } catch (err) {
        this.log(`The Python extension did not give an interpreter: ${(err as Error).message}`);
      }
    }
    python ||= 'python3';
    if (!interpreterExists(python)) {
      const pick = await vscode.window.showErrorMessage(
        `Lineage: the Python interpreter "${python}" was not found. Choose one to run training scripts with.`,
        'Select Interpreter',
      );
      if (pick) await vscode.commands.executeCommand('lineage.selectInterpreter');
      return undefined;
    }
    return python;
  }

  /** Forgets the open index (before a rebuild replaces the file under it). */
  async closeWorkspace(folder: string): Promise<void> {
    const ws = this.workspaces.get(folder);
    this.workspaces.delete(folder);
    this.watches.get(folder)?.dispose();
    this.watches.delete(folder);
    if (ws) (await ws.catch(() => undefined))?.close();
  }

  hasLineage(folder: string): boolean {
    return fs.existsSync(path.join(folder, '.lineage'));
  }

  /**
   * Reads what runs appended (only `ids`, or every folder) and tells the views. One sync at a time per
   * folder: two reading the same run at once would both apply its new lines. Calls made while one runs
   * are merged into the next.
   */
  sync(folder: string, ids?: string[]): Promise<void> {
    const next = this.syncNext.get(folder);
    if (next) {
      if (!ids) next.ids = undefined;
      else if (next.ids) for (const id of ids) next.ids.add(id);
      return next.done;
    }
    const job: { ids: Set<string> | undefined; done: Promise<void> } = { ids: ids && new Set(ids), done: Promise.resolve() };
    job.done = (this.syncTail.get(folder) ?? Promise.resolve()).then(() => {
      this.syncNext.delete(folder);
      return this.syncNow(folder, job.ids && [...job.ids]);
    });
    this.syncNext.set(folder, job);
    this.syncTail.set(folder, job.done.catch(() => undefined));
    return job.done;
  }

  private async syncNow(folder: string, ids: string[] | undefined): Promise<void> {
    const ws = await this.workspace(folder);
    // Read alone, a deleted folder would come back as a run "recovered" without its run.json: only a
    // full sync drops it.
    if (ids?.some((id) => !fs.existsSync(path.join(ws.paths.runs, id)))) ids = undefined;
    // Thousands of new folders at once (a sweep copied in) are read a slice at a time, the editor
    // answering in between.
    const slices = ids ? Array.from({ length: Math.ceil(ids.length / SYNC_SLICE) }, (_, k) => ids!.slice(k * SYNC_SLICE, (k + 1) * SYNC_SLICE)) : [undefined];
    for (const only of slices) {
      await new Promise((r) => setImmediate(r));
      const report = await ws.sync(only ? { only } : {});
      if (report.changed.length || report.removed.length) {
        ws.store.scheduleSave(2000);
        this.fireChanged([...report.changed.map((c) => c.runId), ...report.removed], folder);
      }
    }
  }

  fireChanged(ids: string[], folder?: string): void {
    this.changed.fire(ids);
    this.changedIn.fire({ folder: folder ?? this.folderOf() ?? '', ids });
  }

  /** Whether the folder's index is open (or opening): watchers use it to avoid opening one for nothing. */
  isOpen(folder: string): boolean {
    return this.workspaces.has(folder);
  }

  /** A folder left the window: save its index and let it go. */
  async releaseFolder(folder: string): Promise<void> {
    const ws = await this.workspaces.get(folder)?.catch(() => undefined);
    await ws?.save().catch((err: Error) => this.log(`Could not save the index: ${err.message}`));
    await this.closeWorkspace(folder);
  }

  log(line: string): void {
    this.output.appendLine(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  }

  /** Opens (once) the index for a workspace folder and shows anything the store wants the user to know. */
  workspace(folder: string): Promise<LineageWorkspace> {
    let ws = this.workspaces.get(folder);
    if (!ws) {
      ws = import('../core/workspace').then(async ({ LineageWorkspace }) => {
        const opened = await LineageWorkspace.open(folder);
        this.showNotices(opened);
        const { DatasetWatch } = await import('./datasets/datasetWatch');
        const watch = new DatasetWatch(opened, (l) => this.log(l));
        this.watches.set(folder, watch);
        void watch.refresh().catch((err) => this.log(`Could not watch datasets: ${(err as Error).message}`));
        setImmediate(() => this.opened.fire(folder));
        return opened;
      });
      ws.catch(() => this.workspaces.delete(folder));
      this.workspaces.set(folder, ws);
    }
    return ws;
  }

  showNotices(ws: LineageWorkspace): void {
    for (const n of ws.store.notices.splice(0)) {
      this.log(n);
      void vscode.window.showWarningMessage(`Lineage: ${n}`);
    }
  }

  async flush(): Promise<void> {
    for (const ws of this.workspaces.values()) {
      try {
        await (await ws).save();
      } catch (err) {
        this.log(`Could not save the index: ${(err as Error).message}`);
      }
    }
  }

  dispose(): void {
    for (const w of this.watches.values()) w.dispose();
    this.changed.dispose();
    this.changedIn.dispose();
    this.opened.dispose();
    this.output.dispose();
    ExtensionContextState.current = undefined;
  }
}

export interface RunsChange {
  folder: string;
  ids: string[];
}

function interpreterExists(python: string): boolean {
  if (python.includes('/') || python.includes(path.sep)) return fs.existsSync(python);
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, python)));
}
