import * as vscode from 'vscode';
import type { Lineage } from '../lineage';

/**
 * The workspace folder a panel's runs belong to: in a multi-root window each folder has its own
 * `.lineage`, so the folder that recorded one of them. Without any (runs not found, or no ids yet) the
 * editor's default folder.
 */
export function folderOfRuns(lineage: Lineage, runIds: string[]): string | undefined {
  for (const id of runIds) {
    const folder = lineage.folderOfRun(id);
    if (folder) return folder;
  }
  return lineage.folderOf();
}

/** A saved folder still open in this window (a restored panel whose folder was removed falls back). */
export function openFolder(folder: string | undefined): string | undefined {
  return folder && (vscode.workspace.workspaceFolders ?? []).some((f) => f.uri.fsPath === folder) ? folder : undefined;
}
