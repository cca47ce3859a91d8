import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import type { RunSummary } from '../../core/runs/queries';
import { keyMetrics } from '../../core/runs/keyMetrics';
import { formatNumber, relativeTime, formatDuration } from '../../core/util/format';
import { COMMANDS, CONTEXT_KEYS } from '../commands/ids';
import { engine } from '../engine';
import { paramText } from '../../core/events/paramValue';
import { folderItem, folderRoots } from './folderLevel';
import { runContextValue } from './runContext';

/** Runs per page: enough to scroll, few enough that 10,000 runs open instantly. */
export const PAGE = 200;

export type ExperimentNode =
  | { kind: 'folder'; folder: string }
  | { kind: 'experiment'; folder: string; name: string; runs: number }
  | { kind: 'run'; folder: string; run: RunSummary; children?: number }
  | { kind: 'more'; folder: string; experiment: string; offset: number }
  | { kind: 'message'; text: string };
type RunNode = Extract<ExperimentNode, { kind: 'run' }>;

const STATUS_ICON: Record<string, [string, string | undefined]> = {
  running: ['sync~spin', 'charts.blue'],
  finished: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  killed: ['circle-slash', 'disabledForeground'],
};

/** Keys of per-folder maps: a folder and a run id or experiment name. */
const key = (folder: string, name: string) => `${folder}\0${name}`;

/**
 * Experiments, then their runs newest first, a page at a time; under a level per workspace folder when
 * several have a `.lineage`. With a filter set, only matching runs show (the filter is compiled to one
 * SQL query by the core, in each folder).
 */
export class ExperimentsTree implements vscode.TreeDataProvider<ExperimentNode>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<ExperimentNode | ExperimentNode[] | undefined>();
  /** `undefined`: the whole tree; else the run nodes whose rows changed. */
  readonly onDidChangeTreeData = this.emitter.event;
  /**
   * One node object per run, handed out by every getChildren: VS Code finds the row to redraw by the
   * object it was given, so an update must fire that very object.
   */
  private readonly runNodes = new Map<string, RunNode>();
  private filterText: string | undefined;
  /** Per folder, the runs that matched the filter when it was set. */
  private filtered: Map<string, Set<string>> | undefined;
  /** How many runs each experiment shows (grows with "Show more"). */
  private readonly shown = new Map<string, number>();
  /** Per folder, each child run's parent (a search's candidates show under the search's run). */
  private readonly parents = new Map<string, Map<string, string>>();
  /** Per folder, the runs with an explanation (their rows offer "Explain"): read when runs are listed or change. */
  private readonly explained = new Map<string, Set<string>>();
  /** Runs imported from MLflow, per folder: no Rerun or Reproduce on them. */
  private readonly imported = new Map<string, Set<string>>();

  /** A warning for a run whose monitored newest batch drifted ("drift in newest batch"); set by activate(). */
  driftWarning: ((folder: string, runId: string) => string | undefined) | undefined;

  constructor(private readonly lineage: Lineage) {}

  get filter(): string | undefined {
    return this.filterText;
  }

  /** Throws FilterSyntaxError for bad text, leaving the current filter as it was. */
  async setFilter(text: string | undefined): Promise<number | undefined> {
    const next = text?.trim() || undefined;
    let filtered: Map<string, Set<string>> | undefined;
    let count: number | undefined;
    if (next) {
      const { filterRuns, parseFilter } = await engine();
      const expr = parseFilter(next);
      filtered = new Map();
      for (const folder of this.lineage.folders()) {
        const ws = await this.lineage.workspace(folder);
        const ids = filterRuns(ws.store, expr);
        filtered.set(folder, new Set(ids));
        count = (count ?? 0) + ids.length;
      }
    }
    this.filterText = next;
    this.filtered = filtered;
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.filtered, !!this.filterText);
    this.refresh();
    return count;
  }

  showMore(experiment: string, folder = this.lineage.folderOf() ?? ''): void {
    const k = key(folder, experiment);
    this.shown.set(k, (this.shown.get(k) ?? PAGE) + PAGE);
    this.refresh();
  }

  refresh(): void {
    this.emitter.fire(undefined);
  }

  /**
   * Redraws only the rows of runs already listed when that is all that changed (a live run logged, a run
   * ended or was starred): redrawing the whole tree replaces every row, and a selection being made with
   * ctrl+click can be lost. Runs that appear or go refresh the whole tree (the counts and order change).
   */
  async runsChanged(folder: string, ids: string[]): Promise<void> {
    // The filter is the set of runs that matched when it was set: others are not shown.
    const matched = this.filtered?.get(folder);
    const shown = ids.filter((id) => !this.filtered || matched?.has(id));
    if (shown.length === 0) return;
    if (!shown.every((id) => this.runNodes.has(key(folder, id)))) return this.refresh();
    const ws = await this.lineage.workspace(folder);
    const { listRuns, runsWithExplanations, importedRunIds } = await engine();
    const fresh = new Map(listRuns(ws.store, { ids: shown }).map((r) => [r.id, r]));
    this.explained.set(folder, runsWithExplanations(ws.store));
    this.imported.set(folder, importedRunIds(ws.store));
    const nodes: RunNode[] = [];
    for (const id of shown) {
      const node = this.runNodes.get(key(folder, id));
      const run = fresh.get(id);
      if (!run) this.runNodes.delete(key(folder, id));
      if (!node || !run || run.experiment !== node.run.experiment || run.startedAt !== node.run.startedAt) return this.refresh();
      node.run = run;
      nodes.push(node);
    }
    this.emitter.fire(nodes);
  }

  private nodeFor(folder: string, run: RunSummary, children?: number): RunNode {
    let node = this.runNodes.get(key(folder, run.id));
    if (node) node.run = run;
    else this.runNodes.set(key(folder, run.id), (node = { kind: 'run', folder, run }));
    node.children = children || undefined;
    return node;
  }

  getTreeItem(node: ExperimentNode): vscode.TreeItem {
    switch (node.kind) {
      case 'folder':
        return folderItem(node.folder, 'exp');
      case 'experiment': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `exp:${node.folder}:${node.name}`;
        item.description = `${node.runs} run${node.runs === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.contextValue = 'experiment';
        return item;
      }
      case 'run': {
        const item = runItem(
          node.run,
          this.explained.get(node.folder)?.has(node.run.id) ?? false,
          this.driftWarning?.(node.folder, node.run.id),
          this.imported.get(node.folder)?.has(node.run.id) ?? false,
        );
        if (node.children) {
          // A search's run: its candidates below it, folded; "Compare" on it opens them all.
          item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
          item.description = `${node.children} child run${node.children === 1 ? '' : 's'} · ${String(item.description)}`;
          item.contextValue += '.parent';
        }
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem('Show more runs…', vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: COMMANDS.showMoreRuns, title: 'Show more', arguments: [node.experiment, node.folder] };
        return item;
      }
      case 'message':
        return new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    }
  }

  async getChildren(node?: ExperimentNode): Promise<ExperimentNode[]> {
    if (!node) return folderRoots(this.lineage, (folder) => this.experiments(folder));
    if (node.kind === 'folder') return this.experiments(node.folder);
    if (node.kind === 'run' && node.children) return this.childrenOf(node);
    if (node.kind !== 'experiment') return [];
    const folder = node.folder;
    const ws = await this.lineage.workspace(folder);
    const { listRuns, runsWithExplanations, importedRunIds, parentLinks, childCounts } = await engine();
    this.explained.set(folder, runsWithExplanations(ws.store));
    this.imported.set(folder, importedRunIds(ws.store));
    const links = parentLinks(ws.store);
    this.parents.set(folder, links);
    const counts = childCounts(links);
    const limit = this.shown.get(key(folder, node.name)) ?? PAGE;
    const matched = this.filtered?.get(folder);
    // Child runs are listed under their parent: the page asks for that many more rows, then leaves them out.
    const want = limit + 1 + links.size;
    const runs = (
      this.filtered
        ? listRuns(ws.store, { experiment: node.name, ids: [...(matched ?? [])], limit: want })
        : listRuns(ws.store, { experiment: node.name, limit: want })
    )
      .filter((r) => !links.has(r.id))
      .slice(0, limit + 1);
    const out: ExperimentNode[] = runs.slice(0, limit).map((run) => this.nodeFor(folder, run, counts.get(run.id)));
    if (runs.length > limit) out.push({ kind: 'more', folder, experiment: node.name, offset: limit });
    return out;
  }

  private async childrenOf(node: RunNode): Promise<ExperimentNode[]> {
    const ws = await this.lineage.workspace(node.folder);
    const { listRuns, childRunIds } = await engine();
    const ids = childRunIds(ws.store, node.run.id);
    const byId = new Map(listRuns(ws.store, { ids }).map((r) => [r.id, r]));
    return ids.flatMap((id) => (byId.has(id) ? [this.nodeFor(node.folder, byId.get(id)!)] : []));
  }

  private async experiments(folder: string): Promise<ExperimentNode[]> {
    const ws = await this.lineage.workspace(folder);
    const { listExperiments, listRuns } = await engine();
    const rows = listExperiments(ws.store);
    if (this.filtered) {
      const byExp = new Map<string, number>();
      for (const r of listRuns(ws.store, { ids: [...(this.filtered.get(folder) ?? [])].slice(0, 50000) }))
        byExp.set(r.experiment, (byExp.get(r.experiment) ?? 0) + 1);
      const list = rows.filter((r) => byExp.has(r.name)).map((r) => ({ kind: 'experiment' as const, folder, name: r.name, runs: byExp.get(r.name)! }));
      return list.length ? list : [{ kind: 'message', text: 'No run matches the filter.' }];
    }
    return rows.map((r) => ({ kind: 'experiment', folder, name: r.name, runs: r.runs }));
  }

  /** Params and final metrics only when the pointer rests on a run: the list itself stays cheap. */
  async resolveTreeItem(item: vscode.TreeItem, node: ExperimentNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'run') return item;
    const ws = await this.lineage.workspace(node.folder);
    const { getRun } = await engine();
    const r = getRun(ws.store, node.run.id);
    const md = new vscode.MarkdownString(undefined, true);
    md.supportHtml = false;
    md.isTrusted = false;
    md.appendMarkdown(`**${esc(r.name)}** · ${r.status} · ${formatDuration(r.durationMs)}\n\n`);
    md.appendMarkdown(`\`${r.id}\`${r.git ? ` · ${esc(r.git.branch ?? '')} ${r.git.commit.slice(0, 8)}${r.git.dirty ? ' (dirty)' : ''}` : ''}\n\n`);
    if (r.note) md.appendMarkdown(`_${esc(r.note)}_\n\n`);
    const params = Object.entries(r.params);
    if (params.length) {
      md.appendMarkdown('| param | value |\n|---|---|\n');
      for (const [k, v] of params.slice(0, 25)) md.appendMarkdown(`| ${esc(k)} | ${esc(paramText(v))} |\n`);
      md.appendMarkdown('\n');
    }
    if (r.metrics.length) {
      md.appendMarkdown('| metric | last | min | max |\n|---|---|---|---|\n');
      for (const m of r.metrics.slice(0, 25))
        md.appendMarkdown(`| ${esc(m.key)} | ${formatNumber(m.last)} | ${formatNumber(m.min)} | ${formatNumber(m.max)} |\n`);
    }
    const tags = Object.entries(r.tags);
    if (tags.length) md.appendMarkdown(`\n${tags.map(([k, v]) => `\`${esc(k)}=${esc(v)}\``).join(' ')}\n`);
    item.tooltip = md;
    return item;
  }

  getParent(): undefined {
    return undefined;
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

/** `explained`: the run has an explanation (its context value ends in `.explained`, so the menu offers Explain). */
/** `drift`: the newest batch a monitor of this run checked drifted: said first in the row, with a warning icon. */
/** `imported`: a run from `lineage import` (context value `.imported`: no Rerun, Reproduce or Re-run Stale Steps). */
export function runItem(run: RunSummary, explained = false, drift?: string, imported = false): vscode.TreeItem {
  const item = new vscode.TreeItem(`${run.starred ? '★ ' : ''}${run.name}`, vscode.TreeItemCollapsibleState.None);
  item.id = `run:${run.id}`;
  const metric = keyMetrics(run.metrics, 1)[0];
  item.description = [metric ? `${metric.key} ${formatNumber(metric.last)}` : '', relativeTime(run.startedAt)].filter(Boolean).join(' · ');
  const [icon, color] = STATUS_ICON[run.status] ?? ['circle-outline', undefined];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = runContextValue(run, { explained, imported });
  item.accessibilityInformation = { label: `${run.name}, ${run.status}${metric ? `, ${metric.key} ${formatNumber(metric.last)}` : ''}` };
  item.command = { command: COMMANDS.openRun, title: 'Open Run', arguments: [run.id] };
  if (drift) {
    item.description = `⚠ ${drift} · ${String(item.description)}`;
    item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
    item.contextValue += '.drifted';
    item.accessibilityInformation = { label: `${item.accessibilityInformation.label}, ${drift}` };
  }
  return item;
}

/** User text goes into markdown tooltips: escape everything markdown or HTML could act on. */
function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>&~]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}
