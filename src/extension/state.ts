import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageWorkspace } from '../core/workspace';
import type { DatasetWatch } from './datasets/datasetWatch';

/** What the commands share: the output channel and, once opened, each workspace folder's Lineage. */
export class ExtensionContextState implements vscode.Disposable {
  static current: ExtensionContextState | undefined;
  readonly output = vscode.window.createOutputChannel('Lineage');
  private readonly workspaces = new Map<string, Promise<LineageWorkspace>>();
  readonly watches = new Map<string, DatasetWatch>();
  private readonly changed = new vscode.EventEmitter<string[]>();
  /** Fires with run ids whenever the index learned something about them (a live run logged, a run ended…). */
  readonly onDidChangeRuns = this.changed.event;
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

  /** Reads what runs appended (only `ids`, or every folder) and tells the views. */
  async sync(folder: string, ids?: string[]): Promise<void> {
    const ws = await this.workspace(folder);
    const report = await ws.sync(ids ? { only: ids } : {});
    if (report.changed.length || report.removed.length) {
      ws.store.scheduleSave(2000);
      this.changed.fire([...report.changed.map((c) => c.runId), ...report.removed]);
    }
  }

  fireChanged(ids: string[]): void {
    this.changed.fire(ids);
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
    this.output.dispose();
    ExtensionContextState.current = undefined;
  }
}

function interpreterExists(python: string): boolean {
  if (python.includes('/') || python.includes(path.sep)) return fs.existsSync(python);
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, python)));
}
