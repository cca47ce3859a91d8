import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { WATCH_LIMIT_ADVICE } from '../../core/util/watchFiles';
import { FolderRuns } from './folderRuns';

/**
 * Keeps every workspace folder's runs in the index as they are recorded, by this window or anyone else
 * (the CLI in a terminal, another window), so views update by themselves.
 */
export class RunsWatcher implements vscode.Disposable {
  private readonly folders = new Map<string, FolderRuns>();
  private readonly subscriptions: vscode.Disposable[];
  private toldFallback = false;

  constructor(private readonly lineage: Lineage) {
    this.subscriptions = [
      vscode.workspace.onDidChangeWorkspaceFolders((e) => {
        for (const f of e.removed) this.remove(f.uri);
        for (const f of e.added) this.add(f.uri);
      }),
      lineage.onDidChangeRunsIn((e) => void this.folders.get(e.folder)?.reconcile()),
      lineage.onDidOpenIndex((folder) => void this.folders.get(folder)?.reconcile()),
    ];
    for (const f of vscode.workspace.workspaceFolders ?? []) this.add(f.uri);
  }

  /** The run folders watched now (runs in progress, and folders just made), for tests. */
  watchedRuns(): string[] {
    return [...this.folders.values()].flatMap((f) => f.watched);
  }

  private add(uri: vscode.Uri): void {
    if (uri.scheme !== 'file' || this.folders.has(uri.fsPath)) return;
    this.folders.set(uri.fsPath, new FolderRuns(uri.fsPath, this.lineage, (what, reason) => this.fallback(what, reason)));
  }

  private remove(uri: vscode.Uri): void {
    this.folders.get(uri.fsPath)?.dispose();
    this.folders.delete(uri.fsPath);
    void this.lineage.releaseFolder(uri.fsPath);
  }

  private fallback(what: string, reason: string): void {
    if (this.toldFallback) return;
    this.toldFallback = true;
    this.lineage.log(
      `Cannot watch ${what} (${reason}): runs recorded outside this window are checked every second instead. ` +
        `If this is the file-watch limit, raise it: ${WATCH_LIMIT_ADVICE}`,
    );
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    for (const f of this.folders.values()) f.dispose();
    this.folders.clear();
  }
}
