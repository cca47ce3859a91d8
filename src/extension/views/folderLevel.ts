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
