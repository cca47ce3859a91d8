import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelArtifact } from '../../core/runs/queries';
import { formatBytes as bytes } from '../../core/util/format';
import { lineagePaths, runDir } from '../../core/util/lineagePaths';
import { COMMANDS } from '../commands/ids';
import { engine } from '../engine';
import { folderItem, folderRoots, RunsRefreshedTree } from './folderLevel';

type Node = { kind: 'folder'; folder: string } | ({ kind: 'model'; folder: string } & ModelArtifact);

/** Models the runs logged, newest run first; under a level per workspace folder when several have a `.lineage`. */
export class ModelsTree extends RunsRefreshedTree<Node> implements vscode.TreeDataProvider<Node> {
  /** A warning for a model whose run's monitored newest batch drifted; set by activate(). */
  driftWarning: ((folder: string, runId: string) => string | undefined) | undefined;

  getTreeItem(m: Node): vscode.TreeItem {
    if (m.kind === 'folder') return folderItem(m.folder, 'models');
    const item = new vscode.TreeItem(`${m.name} · ${m.path.split('/').pop()}`, vscode.TreeItemCollapsibleState.None);
    item.description = `${m.flavor ?? 'model'}${m.size !== null ? ` · ${bytes(m.size)}` : ''}`;
    item.iconPath = new vscode.ThemeIcon('package');
    item.resourceUri = vscode.Uri.file(path.join(runDir(lineagePaths(m.folder), m.runId), m.path));
    item.command = { command: COMMANDS.openRun, title: 'Open Run', arguments: [m.runId] };
    item.contextValue = 'model';
    const drift = this.driftWarning?.(m.folder, m.runId);
    if (drift) {
      item.description = `⚠ ${drift} · ${item.description}`;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    }
    return item;
  }

  async getChildren(n?: Node): Promise<Node[]> {
    if (!n) return folderRoots(this.lineage, (folder) => this.models(folder));
    return n.kind === 'folder' ? this.models(n.folder) : [];
  }

  private async models(folder: string): Promise<Node[]> {
    const ws = await this.lineage.workspace(folder);
    const { listModels } = await engine();
    return listModels(ws.store).map((m) => ({ kind: 'model', folder, ...m }));
  }
}
