import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';

/**
 * The folders a Lineage view lists: each workspace folder with a `.lineage`. Views put a level per folder
 * above their items only when there are two or more, so a single-folder window looks as it always did.
 */
export function lineageFolders(lineage: Lineage): string[] {
  return lineage.folders();
}

/** The row of a workspace folder in a view; `view` keeps ids apart between views. */
export function folderItem(folder: string, view: string): vscode.TreeItem {
  const name = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(folder))?.name ?? path.basename(folder);
  const item = new vscode.TreeItem(name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `${view}-folder:${folder}`;
  item.iconPath = new vscode.ThemeIcon('root-folder');
  item.tooltip = folder;
  item.contextValue = 'folder';
  return item;
}

/** A workspace folder's row in a view with several folders. */
export interface FolderNode {
  kind: 'folder';
  folder: string;
}

/** A view's top level: its items for the one folder, or a row per folder when there are several. */
export async function folderRoots<N>(lineage: Lineage, itemsOf: (folder: string) => Promise<N[]>): Promise<Array<N | FolderNode>> {
  const folders = lineageFolders(lineage);
  if (folders.length > 1) return folders.map((folder) => ({ kind: 'folder', folder }));
  return folders.length ? itemsOf(folders[0]) : [];
}

/**
 * A tree that shows the whole index again whenever runs change (datasets, models): its change event and
 * the subscription it owns, disposed together.
 */
export abstract class RunsRefreshedTree<N> implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<N | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(protected readonly lineage: Lineage) {
    this.subscription = lineage.onDidChangeRuns(() => this.refresh());
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}
