import * as vscode from 'vscode';
import type { ExtensionContextState } from '../state';
import { FolderRuns } from './folderRuns';

/**
 * Keeps every workspace folder's runs in the index as they are recorded, by this window or anyone else
 * (the CLI in a terminal, another window), so views update by themselves.
 */
export class RunsWatcher implements vscode.Disposable {
  private readonly folders = new Map<string, FolderRuns>();
  private readonly subscriptions: vscode.Disposable[];
  private toldFallback = false;

  constructor(private readonly state: ExtensionContextState) {
    this.subscriptions = [
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.remove(f.uri);
        for (const f of e.added) this.add(f.uri);
      }),
      state.onDidChangeRunsIn((e) => void this.folders.get(e.folder)?.reconcile()),
      state.onDidOpenIndex((folder) => void this.folders.get(folder)?.reconcile()),
    ];
    for (const f of vscode.workspace.workspaceFolders ?? []) this.add(f.uri);
  }

  /** The run folders watched now (runs in progress, and folders just made), for tests. */
  watchedRuns(): string[] {
    return [...this.folders.values()].flatMap((f) => f.watched);
  }

  private add(uri: vscode.Uri): void {
    if (uri.scheme !== 'file' || this.folders.has(uri.fsPath)) return;
    this.folders.set(uri.fsPath, new FolderRuns(uri.fsPath, this.state, (what, reason) => this.fallback(what, reason)));
  }

  private remove(uri: vscode.Uri): void {
    this.folders.get(uri.fsPath)?.dispose();
    this.folders.delete(uri.fsPath);
    void this.state.releaseFolder(uri.fsPath);
  }

  private fallback(what: string, reason: string): void {
    if (this.toldFallback) return;
    this.toldFallback = true;
    this.state.log(
      `Cannot watch ${what} (${reason}): runs recorded outside this window are checked every second instead. ` +
        'If this is the file-watch limit, raise it: sudo sysctl fs.inotify.max_user_watches=524288',
    );
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const f of this.folders.values()) f.dispose();
    this.folders.clear();
  }
}
