import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { LineageWorkspace } from '../core/workspace';
import { lineagePaths, runDir } from '../core/util/lineagePaths';
import { isRunIdShape } from '../core/runs/runPaths';
import type { DatasetWatch } from './datasets/datasetWatch';
import { engine } from './engine';

/** Runs read by one sync of named runs at most (about 75 ms of work). */
const SYNC_SLICE = 500;

export interface RunsChange {
  folder: string;
  ids: string[];
}

/**
 * The workspace folders' Lineage indexes, one per folder that has a `.lineage` (a multi-root window can
 * have several), opened on first use; the events that say which runs changed in which folder; and the
 * output log. Views, commands and panels share the one instance activate() makes.
 */
export class Lineage implements vscode.Disposable {
  static current: Lineage | undefined;
  readonly output = vscode.window.createOutputChannel('Lineage');
  private readonly workspaces = new Map<string, Promise<LineageWorkspace>>();
  readonly watches = new Map<string, DatasetWatch>();
  private readonly changed = new vscode.EventEmitter<string[]>();
  /** Fires with run ids whenever the index learned something about them (a live run logged, a run ended…). */
  readonly onDidChangeRuns = this.changed.event;
  private readonly changedIn = new vscode.EventEmitter<RunsChange>();
  /** The same, with the workspace folder, for views that show each folder and watchers that serve each. */
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
    Lineage.current = this;
  }

  /** The window's local folders, in the order VS Code lists them. */
  allFolders(): string[] {
    return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
  }

  /** The folders that hold a `.lineage`: the ones views list. */
  folders(): string[] {
    return this.allFolders().filter((f) => this.hasLineage(f));
  }

  /**
   * The workspace folder of a file (without one, of the active editor's file); for a file outside every
   * folder, the first folder with a `.lineage`, else the first folder. Commands on runs use folderOfRun.
   */
  folderOf(uri?: vscode.Uri): string | undefined {
    const of = (u: vscode.Uri | undefined) => (u ? vscode.workspace.getWorkspaceFolder(u)?.uri.fsPath : undefined);
    return of(uri ?? vscode.window.activeTextEditor?.document.uri) ?? this.folders()[0] ?? this.allFolders()[0];
  }

  /** The folder that recorded a run: its folder under `.lineage/runs` says so (run ids are unique). */
  folderOfRun(id: string): string | undefined {
    // Only a run id: `../x` would find (and hand to the caller) a folder outside `.lineage/runs`.
    if (!isRunIdShape(id)) return undefined;
    return this.folders().find((f) => fs.existsSync(runDir(lineagePaths(f), id)));
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
    return fs.existsSync(lineagePaths(folder).root);
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
    this.syncTail.set(
      folder,
      job.done.catch(() => undefined),
    );
    return job.done;
  }

  private async syncNow(folder: string, ids: string[] | undefined): Promise<void> {
    const ws = await this.workspace(folder);
    // Read alone, a deleted folder would come back as a run "recovered" without its run.json: only a
    // full sync drops it.
    if (ids?.some((id) => !fs.existsSync(runDir(ws.paths, id)))) ids = undefined;
    // Thousands of new folders at once (a sweep copied in) are read a slice at a time, the editor
    // answering in between.
    const slices = ids ? Array.from({ length: Math.ceil(ids.length / SYNC_SLICE) }, (_, k) => ids.slice(k * SYNC_SLICE, (k + 1) * SYNC_SLICE)) : [undefined];
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
      ws = engine().then(async ({ LineageWorkspace, DatasetWatch }) => {
        const opened = await LineageWorkspace.open(folder, { onMigrateProgress: migrationProgress() });
        this.showNotices(opened);
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
    this.watches.clear();
    this.changed.dispose();
    this.changedIn.dispose();
    this.opened.dispose();
    this.output.dispose();
    Lineage.current = undefined;
  }
}

/**
 * A notification that appears only if a store written by an older Lineage has to move its metric points
 * to the cache files (once, on first open; seconds for a big store).
 */
function migrationProgress(): (done: number, total: number) => void {
  let report: ((message: string) => void) | undefined;
  let finish: (() => void) | undefined;
  let started = false;
  let ended = false;
  return (done, total) => {
    if (done >= total) ended = true;
    if (!started) {
      started = true;
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Lineage: moving metric points out of lineage.db (once)' },
        (progress) =>
          new Promise<void>((resolve) => {
            report = (message) => progress.report({ message });
            finish = resolve;
            if (ended) resolve();
          }),
      );
    }
    report?.(`${done} of ${total} series`);
    if (done >= total) finish?.();
  };
}
