import * as vscode from 'vscode';
import { formatBytes as bytes, relativeTime } from '../../core/util/format';
import { hasObject } from '../../core/datasets/objects/objectStore';
import { lineagePaths } from '../../core/util/lineagePaths';
import { COMMANDS } from '../commands/ids';
import { engine } from '../engine';
import { folderItem, folderRoots, RunsRefreshedTree } from './folderLevel';

/** A version in the tree: what "Restore This Version" receives. */
export type DatasetVersionNode = {
  kind: 'version';
  folder: string;
  path: string;
  id: number;
  sha: string;
  size: number;
  createdAt: number;
  rows: number | null;
};

type Node =
  | { kind: 'folder'; folder: string }
  | { kind: 'dataset'; folder: string; path: string; versions: number }
  | DatasetVersionNode
  | { kind: 'run'; folder: string; id: string; name: string; role: string; status: string };

/**
 * Each dataset, its versions (fingerprints) newest first, and the runs that used them; changes marked.
 * Under a level per workspace folder when several have a `.lineage`.
 */
export class DatasetsTree extends RunsRefreshedTree<Node> implements vscode.TreeDataProvider<Node> {
  getTreeItem(n: Node): vscode.TreeItem {
    if (n.kind === 'folder') return folderItem(n.folder, 'ds');
    if (n.kind === 'dataset') {
      const change = this.lineage.watches.get(n.folder)?.changes.get(n.path);
      const item = new vscode.TreeItem(n.path, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `ds:${n.folder}:${n.path}`;
      item.description =
        change && change.state !== 'unchanged'
          ? `${change.state} since run ${change.sinceRun?.name ?? '?'}`
          : `${n.versions} version${n.versions === 1 ? '' : 's'}`;
      item.iconPath = new vscode.ThemeIcon(
        change && change.state !== 'unchanged' ? 'warning' : 'database',
        change && change.state !== 'unchanged' ? new vscode.ThemeColor('list.warningForeground') : undefined,
      );
      item.resourceUri = vscode.Uri.file(`${n.folder}/${n.path}`);
      item.contextValue = 'dataset';
      return item;
    }
    if (n.kind === 'version') {
      const item = new vscode.TreeItem(n.sha.slice(0, 12), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `dsv:${n.folder}:${n.id}`;
      item.description = `${bytes(n.size)}${n.rows !== null ? ` · ${n.rows.toLocaleString('en-US')} rows` : ''} · ${relativeTime(n.createdAt)}`;
      // One stat: whether the bytes of this (file) version are in the kept data, so Restore This Version can write them back.
      const kept = n.sha.length === 64 && hasObject(lineagePaths(n.folder), n.sha);
      item.tooltip = `sha256 ${n.sha}${kept ? '\nKept: "Restore This Version" writes these bytes back.' : ''}`;
      item.iconPath = new vscode.ThemeIcon('fingerprint');
      item.contextValue = 'datasetVersion';
      return item;
    }
    const item = new vscode.TreeItem(n.name, vscode.TreeItemCollapsibleState.None);
    item.description = `${n.role} · ${n.status}`;
    item.iconPath = new vscode.ThemeIcon('beaker');
    item.command = { command: COMMANDS.openRun, title: 'Open Run', arguments: [n.id] };
    return item;
  }

  async getChildren(n?: Node): Promise<Node[]> {
    if (!n) return folderRoots(this.lineage, (folder) => this.datasets(folder));
    if (n.kind === 'folder') return this.datasets(n.folder);
    const ws = await this.lineage.workspace(n.folder);
    const { datasetVersions, runsOfVersion } = await engine();
    if (n.kind === 'dataset') return datasetVersions(ws.store, n.path).map((v) => ({ kind: 'version', folder: n.folder, path: n.path, ...v }));
    if (n.kind === 'version') return runsOfVersion(ws.store, n.id).map((r) => ({ kind: 'run', folder: n.folder, ...r }));
    return [];
  }

  private async datasets(folder: string): Promise<Node[]> {
    const ws = await this.lineage.workspace(folder);
    const { listDatasets } = await engine();
    return listDatasets(ws.store).map((d) => ({ kind: 'dataset', folder, path: d.path, versions: d.versions }));
  }
}
