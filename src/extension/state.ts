import * as vscode from 'vscode';
import type { LineageWorkspace } from '../core/workspace';
import type { DatasetWatch } from './datasets/datasetWatch';

/** What the commands share: the output channel and, once opened, each workspace folder's Lineage. */
export class ExtensionContextState implements vscode.Disposable {
  static current: ExtensionContextState | undefined;
  readonly output = vscode.window.createOutputChannel('Lineage');
  private readonly workspaces = new Map<string, Promise<LineageWorkspace>>();
  readonly watches = new Map<string, DatasetWatch>();

  constructor(readonly context: vscode.ExtensionContext) {
    ExtensionContextState.current = this;
  }

  /** The workspace folder of a file, or the first folder. */
  folderOf(uri?: vscode.Uri): string | undefined {
    const f = uri ? vscode.workspace.getWorkspaceFolder(uri) : undefined;
    return (f ?? vscode.workspace.workspaceFolders?.[0])?.uri.fsPath;
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
    this.output.dispose();
    ExtensionContextState.current = undefined;
  }
}
