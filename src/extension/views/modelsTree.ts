import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelArtifact } from '../../core/runs/queries';
import type { HistoryEntry } from '../../core/registry/history';
import { formatBytes as bytes } from '../../core/util/format';
import { lineagePaths, runDir } from '../../core/util/lineagePaths';
import { watchPath, type PathWatch } from '../../core/util/watchFiles';
import { COMMANDS } from '../commands/ids';
import { engine } from '../engine';
import { folderItem, folderRoots, RunsRefreshedTree } from './folderLevel';

/** A model row: its pushes (newest first), each with the aliases that point at it now. */
export type ModelNode = { kind: 'model'; folder: string; pushes: PushNode[] } & ModelArtifact;
export interface PushNode {
  kind: 'push';
  folder: string;
  entry: HistoryEntry;
  aliases: string[];
}
interface DetailNode {
  kind: 'detail';
  id: string;
  label: string;
  value: string;
}
type Node = { kind: 'folder'; folder: string } | ModelNode | PushNode | DetailNode;

/**
 * Models the runs logged, newest run first, each with where it was pushed (registry, reference, digest or
 * version, when, by which run) and the aliases that point at it; under a level per workspace folder when
 * several have a `.lineage`. Pushes come from `.lineage/registry/history.jsonl`.
 */
export class ModelsTree extends RunsRefreshedTree<Node> implements vscode.TreeDataProvider<Node> {
  /** A warning for a model whose run's monitored newest batch drifted; set by activate(). */
  driftWarning: ((folder: string, runId: string) => string | undefined) | undefined;
  /** Per folder: the watch on .lineage/registry (or on .lineage until that folder exists), so a push from a terminal shows. */
  private readonly historyWatches = new Map<string, { watch: PathWatch; onRegistry: boolean }>();
  private historyTimer: NodeJS.Timeout | undefined;

  override dispose(): void {
    for (const w of this.historyWatches.values()) w.watch.close();
    this.historyWatches.clear();
    clearTimeout(this.historyTimer);
    super.dispose();
  }

  private watchHistory(folder: string): void {
    const paths = lineagePaths(folder);
    const onRegistry = fs.existsSync(paths.registry);
    const have = this.historyWatches.get(folder);
    if (have && (have.onRegistry || !onRegistry)) return;
    have?.watch.close();
    const target = onRegistry ? paths.registry : paths.root;
    try {
      const watch = watchPath(
        target,
        (name) => {
          if (name !== null && name !== (onRegistry ? 'history.jsonl' : 'registry')) return;
          clearTimeout(this.historyTimer);
          this.historyTimer = setTimeout(() => this.refresh(), 300);
        },
        { pollMs: 2000, onFallback: (reason) => this.lineage.log(`Watching ${target} by polling (${reason}).`) },
      );
      this.historyWatches.set(folder, { watch, onRegistry });
    } catch {
      // .lineage went away meanwhile: the next refresh tries again.
    }
  }

  getTreeItem(m: Node): vscode.TreeItem {
    if (m.kind === 'folder') return folderItem(m.folder, 'models');
    if (m.kind === 'push') return pushItem(m);
    if (m.kind === 'detail') {
      const item = new vscode.TreeItem(m.label, vscode.TreeItemCollapsibleState.None);
      item.id = m.id;
      item.description = m.value;
      item.tooltip = `${m.label}: ${m.value}`;
      return item;
    }
    const item = new vscode.TreeItem(
      `${m.name} · ${m.path.split('/').pop()}`,
      m.pushes.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
    );
    item.id = `model:${m.folder}:${m.runId}:${m.path}`;
    const aliases = [...new Set(m.pushes.flatMap((p) => p.aliases))];
    item.description = `${m.flavor ?? 'model'}${m.size !== null ? ` · ${bytes(m.size)}` : ''}${m.pushes.length ? ` · pushed ${m.pushes.length}×` : ''}${aliases.length ? ` · ${aliases.join(', ')}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(m.pushes.length ? 'cloud' : 'package');
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
    if (n.kind === 'folder') return this.models(n.folder);
    if (n.kind === 'model') return n.pushes;
    if (n.kind === 'push') return details(n);
    return [];
  }

  private async models(folder: string): Promise<Node[]> {
    const ws = await this.lineage.workspace(folder);
    this.watchHistory(folder);
    const { listModels } = await engine();
    const { readHistory } = await import('../../core/registry/history');
    const { aliasHolders } = await import('../../core/registry/promote');
    const { modelKey } = await import('../../core/registry/reference');
    let entries: HistoryEntry[] = [];
    try {
      entries = readHistory(ws.paths).entries;
    } catch (err) {
      this.lineage.log(`Could not read .lineage/registry/history.jsonl: ${(err as Error).message}`);
    }
    // The aliases each (model, digest or version) holds now, as the history tells it.
    const holds = new Map<string, string[]>();
    const seen = new Set<string>();
    for (const e of entries) {
      if (!e.alias || e.type === 'push') continue;
      const k = `${modelKey(e.target)}\0${e.alias}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const top = aliasHolders(entries, e.target, e.alias).pop();
      if (!top) continue;
      const hk = `${modelKey(e.target)}\0${top}`;
      holds.set(hk, [...(holds.get(hk) ?? []), e.alias]);
    }
    const models = listModels(ws.store);
    const perRun = new Map<string, number>();
    for (const m of models) perRun.set(m.runId, (perRun.get(m.runId) ?? 0) + 1);
    return models.map((m) => {
      const pushes = entries
        .filter((e) => e.type === 'push' && e.runId === m.runId && (e.model?.path === m.path || perRun.get(m.runId) === 1))
        .reverse()
        .map((entry): PushNode => {
          const ref = entry.digest ?? entry.version ?? '';
          const aliases = [...(holds.get(`${modelKey(entry.target)}\0${ref}`) ?? [])];
          if (entry.target.kind === 'mlflow' && entry.alias && !aliases.includes(entry.alias)) aliases.push(entry.alias);
          return { kind: 'push', folder, entry, aliases };
        });
      return { kind: 'model', folder, pushes, ...m };
    });
  }
}

function pushItem(p: PushNode): vscode.TreeItem {
  const e = p.entry;
  const where = e.target.kind === 'oci' ? `${e.target.repository}:${e.target.tag}` : `${e.target.modelName}${e.version ? ` v${e.version}` : ''}`;
  const item = new vscode.TreeItem(`${e.registry.name} · ${where}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `push:${p.folder}:${e.at}:${e.reference}`;
  const ref = e.digest ? e.digest.slice(0, 19) : e.version ? `version ${e.version}` : '';
  item.description = `${ref}${p.aliases.length ? ` · ${p.aliases.join(', ')}` : ''}`;
  item.iconPath = new vscode.ThemeIcon(p.aliases.includes('production') ? 'rocket' : 'cloud-upload');
  const md = new vscode.MarkdownString(undefined, false);
  md.appendText(`${e.reference}\n\n`);
  md.appendText(`${e.digest ? `digest ${e.digest}` : `version ${e.version ?? '?'}`}\n\npushed ${e.at} by ${e.by} from run ${e.runId}`);
  if (p.aliases.length) md.appendText(`\n\naliases: ${p.aliases.join(', ')}`);
  item.tooltip = md;
  item.contextValue = 'modelPush';
  return item;
}

function details(p: PushNode): DetailNode[] {
  const e = p.entry;
  const rows: Array<[string, string]> = [
    ['Registry', `${e.registry.name} (${e.registry.url})`],
    ['Reference', e.reference],
    e.digest ? ['Digest', e.digest] : ['Version', e.version ?? '?'],
    ['Pushed', `${e.at.replace('T', ' ').slice(0, 19)} UTC by ${e.by}`],
    ['Run', e.runId],
  ];
  if (p.aliases.length) rows.push(['Aliases', p.aliases.join(', ')]);
  return rows.map(([label, value]) => ({ kind: 'detail', id: `detail:${p.folder}:${e.at}:${e.reference}:${label}`, label, value }));
}
