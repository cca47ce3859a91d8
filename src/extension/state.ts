import * as vscode from 'vscode';
import type { LineageWorkspace } from '../core/workspace';

/** What the commands share: the output channel and, once opened, each workspace folder's Lineage. */
export class ExtensionContextState implements vscode.Disposable {
  static current: ExtensionContextState | undefined;
  readonly output = vscode.window.createOutputChannel('Lineage');
  private readonly workspaces = new Map<string, Promise<LineageWorkspace>>();

  constructor(readonly context: vscode.ExtensionContext) {
    ExtensionContextState.current = this;
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
    this.output.dispose();
    ExtensionContextState.current = undefined;
  }
}
