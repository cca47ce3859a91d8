import * as vscode from 'vscode';
import { describeResult as describeBatch, type BatchResult } from '../../core/drift/monitorResults';
import { relativeTime } from '../../core/util/format';
import { COMMANDS } from '../commands/ids';
import type { Lineage } from '../lineage';
import type { MonitorService, MonitorState } from '../monitors/monitorService';
import { folderItem } from './folderLevel';

export type MonitorNode =
  | { kind: 'folder'; folder: string }
  | { kind: 'monitor'; folder: string; id: string }
  | { kind: 'batch'; folder: string; id: string; file: string; result: BatchResult | null }
  | { kind: 'message'; text: string };

const STATUS_ICON: Record<string, [string, string]> = {
  ok: ['pass', 'testing.iconPassed'],
  drift: ['warning', 'list.warningForeground'],
  schema: ['warning', 'list.warningForeground'],
  error: ['error', 'testing.iconFailed'],
};

/**
 * Monitors, then their batches newest first with each one's status; under a level per workspace folder when
 * several have monitors. The data is MonitorService's; this only draws it.
 */
export class MonitorTree implements vscode.TreeDataProvider<MonitorNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<MonitorNode | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly lineage: Lineage,
    private readonly service: MonitorService,
  ) {
    this.subscription = service.onDidChange(() => this.refresh());
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  private state(folder: string, id: string): MonitorState | undefined {
    return this.service.states(folder).find((s) => s.monitor.id === id);
  }

  getTreeItem(n: MonitorNode): vscode.TreeItem {
    if (n.kind === 'folder') return folderItem(n.folder, 'mon');
    if (n.kind === 'message') return new vscode.TreeItem(n.text, vscode.TreeItemCollapsibleState.None);
    if (n.kind === 'monitor') return this.monitorItem(n);
    // Relative to the glob's folder: files of the same name in subfolders (a `**` glob) stay apart.
    const base = this.state(n.folder, n.id)?.base;
    const label = base && n.file.startsWith(`${base}/`) ? n.file.slice(base.length + 1) : n.file;
    const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    item.id = `mon-batch:${n.folder}:${n.id}:${n.file}`;
    const r = n.result;
    item.description = r ? describeBatch(r) : 'not checked yet';
    const [icon, color] = r ? STATUS_ICON[r.status] : ['circle-outline', 'disabledForeground'];
    item.iconPath = new vscode.ThemeIcon(icon, new vscode.ThemeColor(color));
    item.tooltip = batchTooltip(n.file, r);
    item.contextValue = `monitorBatch.${r?.status ?? 'unchecked'}`;
    item.accessibilityInformation = { label: `${label}, ${item.description}` };
    item.command = { command: COMMANDS.openMonitorDrift, title: 'Open Drift Panel', arguments: [{ folder: n.folder, monitorId: n.id, file: n.file }] };
    return item;
  }

  private monitorItem(n: Extract<MonitorNode, { kind: 'monitor' }>): vscode.TreeItem {
    const s = this.state(n.folder, n.id);
    const item = new vscode.TreeItem(s?.monitor.name ?? n.id, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `mon:${n.folder}:${n.id}`;
    const newest = s?.batches[0]?.result;
    const count = s?.batches.length ?? 0;
    const parts: string[] = [];
    if (s?.checking) parts.push('checking…');
    if (s?.error) parts.push(`error: ${s.error}`);
    else if (newest && (newest.status === 'drift' || newest.status === 'schema'))
      parts.push(`⚠ ${newest.status === 'drift' ? 'drift' : 'schema change'} in newest batch`);
    else if (newest) parts.push(newest.status === 'ok' ? 'newest batch ok' : 'newest batch: error');
    parts.push(`${count} batch${count === 1 ? '' : 'es'}`);
    item.description = parts.join(' · ');
    const warn = !!s?.error || newest?.status === 'drift' || newest?.status === 'schema';
    item.iconPath = new vscode.ThemeIcon(warn ? 'warning' : 'pulse', warn ? new vscode.ThemeColor('list.warningForeground') : undefined);
    const m = s?.monitor;
    if (m) {
      const md = new vscode.MarkdownString(undefined, false);
      md.isTrusted = false;
      md.appendText(
        `${m.name}\n\nReference: ${m.run ? `run ${m.run}${m.referenceFile ? ` (${m.referenceFile})` : ''}` : m.reference}\n\nBatches: ${m.batches}`,
      );
      if (m.prediction) md.appendText(`\n\nPrediction column: ${m.prediction}`);
      if (m.actual) md.appendText(`\n\nActual column: ${m.actual}`);
      if (s?.error) md.appendText(`\n\n${s.error}`);
      item.tooltip = md;
    }
    item.contextValue = 'monitor';
    return item;
  }

  getChildren(n?: MonitorNode): MonitorNode[] {
    if (!n) {
      this.service.start();
      const folders = this.lineage.allFolders().filter((f) => this.service.loadedFolders().includes(f));
      if (folders.length > 1) return folders.map((folder) => ({ kind: 'folder', folder }));
      return folders.length ? this.monitors(folders[0]) : [];
    }
    if (n.kind === 'folder') return this.monitors(n.folder);
    if (n.kind !== 'monitor') return [];
    const s = this.state(n.folder, n.id);
    if (!s) return [];
    if (!s.batches.length) return [{ kind: 'message', text: `No batch matches ${s.monitor.batches} yet.` }];
    return s.batches.map((b) => ({ kind: 'batch', folder: n.folder, id: n.id, file: b.file, result: b.result }));
  }

  private monitors(folder: string): MonitorNode[] {
    const error = this.service.fileError(folder);
    const list: MonitorNode[] = this.service.states(folder).map((s) => ({ kind: 'monitor', folder, id: s.monitor.id }));
    return error ? [{ kind: 'message', text: `⚠ ${error}` }, ...list] : list;
  }

  getParent(): undefined {
    return undefined;
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }
}

function batchTooltip(file: string, r: BatchResult | null): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = false;
  if (!r) return md.appendText(`${file}\n\nNot checked yet: it is evaluated in a moment (or run "Lineage: Check Monitors").`);
  md.appendText(`${file}\n\n${describeBatch(r)}`);
  if (r.rows !== null) md.appendText(`\n\n${r.rows.toLocaleString('en-US')} rows · checked ${relativeTime(r.checkedAt)} · sha256 ${r.sha256.slice(0, 12)}…`);
  if (r.testedColumns) md.appendText(`\n\n${r.driftedColumns.length} of ${r.testedColumns} columns drifted${r.datasetDrifted ? ': dataset drift' : ''}.`);
  for (const c of r.newCategories) md.appendText(`\n\nNew in ${c.column}: ${c.values.join(', ')}`);
  for (const s of r.schema) md.appendText(`\n\nSchema: ${s.column} ${s.change === 'type_changed' ? `type ${s.from} → ${s.to}` : s.change}`);
  if (r.predictionDrifted) md.appendText('\n\nThe predictions drifted.');
  if (r.performance) md.appendText(`\n\n${r.performance.metric} on this batch: ${r.performance.value.toPrecision(4)}`);
  if (r.riskSentence) md.appendText(`\n\n${r.riskSentence}`);
  md.appendText('\n\nClick to open it in the Drift panel.');
  return md;
}
