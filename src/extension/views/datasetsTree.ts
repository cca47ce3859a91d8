import * as vscode from 'vscode';
import type { ExtensionContextState } from '../state';
import { formatBytes as bytes, relativeTime } from '../../core/util/format';

type Node =
  | { kind: 'dataset'; folder: string; path: string; versions: number }
  | { kind: 'version'; folder: string; path: string; id: number; sha: string; size: number; createdAt: number; rows: number | null }
  | { kind: 'run'; folder: string; id: string; name: string; role: string; status: string };

/** Each dataset, its versions (fingerprints) newest first, and the runs that used them; changes marked. */
export class DatasetsTree implements vscode.TreeDataProvider<Node> {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly state: ExtensionContextState) {
    state.onDidChangeRuns(() => this.refresh());
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  getTreeItem(n: Node): vscode.TreeItem {
    if (n.kind === 'dataset') {
      const change = this.state.watches.get(n.folder)?.changes.get(n.path);
      const item = new vscode.TreeItem(n.path, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `ds:${n.path}`;
      item.description = change && change.state !== 'unchanged' ? `${change.state} since run ${change.sinceRun?.name ?? '?'}` : `${n.versions} version${n.versions === 1 ? '' : 's'}`;
      item.iconPath = new vscode.ThemeIcon(change && change.state !== 'unchanged' ? 'warning' : 'database', change && change.state !== 'unchanged' ? new vscode.ThemeColor('list.warningForeground') : undefined);
      item.resourceUri = vscode.Uri.file(`${n.folder}/${n.path}`);
      item.contextValue = 'dataset';
      return item;
    }
    if (n.kind === 'version') {
      const item = new vscode.TreeItem(n.sha.slice(0, 12), vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `dsv:${n.id}`;
      item.description = `${bytes(n.size)}${n.rows !== null ? ` · ${n.rows.toLocaleString('en-US')} rows` : ''} · ${relativeTime(n.createdAt)}`;
      item.tooltip = `sha256 ${n.sha}`;
      item.iconPath = new vscode.ThemeIcon('fingerprint');
      item.contextValue = 'datasetVersion';
      return item;
    }
    const item = new vscode.TreeItem(n.name, vscode.TreeItemCollapsibleState.None);
    item.description = `${n.role} · ${n.status}`;
    item.iconPath = new vscode.ThemeIcon('beaker');
    item.command = { command: 'lineage.openRun', title: 'Open Run', arguments: [n.id] };
    return item;
  }

  async getChildren(n?: Node): Promise<Node[]> {
    const folder = this.state.folderOf();
    if (!folder || !this.state.hasLineage(folder)) return [];
    const ws = await this.state.workspace(folder);
    if (!n)
      return ws.store
        .all<{ path: string; n: number }>('SELECT path, count(*) AS n FROM datasets GROUP BY path ORDER BY max(created_at) DESC LIMIT 1000')
        .map((r) => ({ kind: 'dataset', folder, path: r.path, versions: r.n }));
    if (n.kind === 'dataset')
      return ws.store
        .all<{ id: number; fingerprint: string; size: number; created_at: number; rows: number | null }>(
          "SELECT id, fingerprint, size, created_at, json_extract(profile, '$.rows') AS rows FROM datasets WHERE path = ? ORDER BY created_at DESC",
          [n.path],
        )
        .map((r) => ({ kind: 'version', folder, path: n.path, id: r.id, sha: r.fingerprint ?? '', size: r.size ?? 0, createdAt: r.created_at, rows: r.rows }));
    if (n.kind === 'version')
      return ws.store
        .all<{ id: string; name: string; role: string; status: string }>(
          'SELECT r.id, r.name, rd.role, r.status FROM run_datasets rd JOIN runs r ON r.id = rd.run_id WHERE rd.dataset_id = ? ORDER BY r.started_at DESC LIMIT 500',
          [n.id],
        )
        .map((r) => ({ kind: 'run', folder, ...r }));
    return [];
  }
}

export class ModelsTree implements vscode.TreeDataProvider<{ runId: string; name: string; path: string; flavor: string | null; size: number | null; folder: string }> {
  private readonly emitter = new vscode.EventEmitter<undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(private readonly state: ExtensionContextState) {
    state.onDidChangeRuns(() => this.emitter.fire(undefined));
  }

  getTreeItem(m: { runId: string; name: string; path: string; flavor: string | null; size: number | null; folder: string }): vscode.TreeItem {
    const item = new vscode.TreeItem(`${m.name} · ${m.path.split('/').pop()}`, vscode.TreeItemCollapsibleState.None);
    item.description = `${m.flavor ?? 'model'}${m.size !== null ? ` · ${bytes(m.size)}` : ''}`;
    item.iconPath = new vscode.ThemeIcon('package');
    item.resourceUri = vscode.Uri.file(`${m.folder}/.lineage/runs/${m.runId}/${m.path}`);
    item.command = { command: 'lineage.openRun', title: 'Open Run', arguments: [m.runId] };
    item.contextValue = 'model';
    return item;
  }

  async getChildren(): Promise<Array<{ runId: string; name: string; path: string; flavor: string | null; size: number | null; folder: string }>> {
    const folder = this.state.folderOf();
    if (!folder || !this.state.hasLineage(folder)) return [];
    const ws = await this.state.workspace(folder);
    return ws.store
      .all<{ runId: string; name: string; path: string; flavor: string | null; size: number | null }>(
        "SELECT a.run_id AS runId, r.name, a.path, a.flavor, a.size FROM artifacts a JOIN runs r ON r.id = a.run_id WHERE a.kind = 'model' ORDER BY r.started_at DESC LIMIT 500",
      )
      .map((m) => ({ ...m, folder }));
  }
}

