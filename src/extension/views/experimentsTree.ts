import * as vscode from 'vscode';
import type { ExtensionContextState } from '../state';
import type { RunSummary } from '../../core/runs/queries';
import { keyMetrics } from '../../core/runs/keyMetrics';
import { formatNumber, relativeTime, formatDuration } from '../../core/util/format';

/** Runs per page: enough to scroll, few enough that 10,000 runs open instantly. */
export const PAGE = 200;

export type ExperimentNode =
  | { kind: 'experiment'; folder: string; name: string; runs: number }
  | { kind: 'run'; folder: string; run: RunSummary }
  | { kind: 'more'; folder: string; experiment: string; offset: number }
  | { kind: 'message'; text: string };
type RunNode = Extract<ExperimentNode, { kind: 'run' }>;

const STATUS_ICON: Record<string, [string, string | undefined]> = {
  running: ['sync~spin', 'charts.blue'],
  finished: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  killed: ['circle-slash', 'disabledForeground'],
};

/**
 * Experiments, then their runs newest first, a page at a time. With a filter set, only matching runs show
 * (the filter is compiled to one SQL query by the core).
 */
export class ExperimentsTree implements vscode.TreeDataProvider<ExperimentNode> {
  private readonly emitter = new vscode.EventEmitter<ExperimentNode | ExperimentNode[] | undefined>();
  /** `undefined`: the whole tree; else the run nodes whose rows changed. */
  readonly onDidChangeTreeData = this.emitter.event;
  /**
   * One node object per run, handed out by every getChildren: VS Code finds the row to redraw by the
   * object it was given, so an update must fire that very object.
   */
  private readonly runNodes = new Map<string, RunNode>();
  private filterText: string | undefined;
  private filtered: Set<string> | undefined;
  /** How many runs each experiment shows (grows with "Show more"). */
  private readonly shown = new Map<string, number>();

  constructor(private readonly state: ExtensionContextState) {}

  get filter(): string | undefined {
    return this.filterText;
  }

  /** Throws FilterSyntaxError for bad text, leaving the current filter as it was. */
  async setFilter(text: string | undefined): Promise<number | undefined> {
    const next = text?.trim() || undefined;
    let filtered: Set<string> | undefined;
    let count: number | undefined;
    if (next) {
      const { filterRuns, parseFilter } = await import('../../core/runs/filter');
      const expr = parseFilter(next);
      const folder = this.state.folderOf();
      if (folder) {
        const ws = await this.state.workspace(folder);
        const ids = filterRuns(ws.store, expr);
        filtered = new Set(ids);
        count = ids.length;
      }
    }
    this.filterText = next;
    this.filtered = filtered;
    void vscode.commands.executeCommand('setContext', 'lineage.filtered', !!this.filterText);
    this.refresh();
    return count;
  }

  showMore(experiment: string): void {
    this.shown.set(experiment, (this.shown.get(experiment) ?? PAGE) + PAGE);
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
    if (folder !== this.state.folderOf()) return;
    // The filter is the set of runs that matched when it was set: others are not shown.
    const shown = ids.filter((id) => !this.filtered || this.filtered.has(id));
    if (shown.length === 0) return;
    if (!shown.every((id) => this.runNodes.has(id))) return this.refresh();
    const ws = await this.state.workspace(folder);
    const { listRuns } = await import('../../core/runs/queries');
    const fresh = new Map(listRuns(ws.store, { ids: shown }).map((r) => [r.id, r]));
    const nodes: RunNode[] = [];
    for (const id of shown) {
      const node = this.runNodes.get(id);
      const run = fresh.get(id);
      if (!run) this.runNodes.delete(id);
      if (!node || !run || run.experiment !== node.run.experiment || run.startedAt !== node.run.startedAt) return this.refresh();
      node.run = run;
      nodes.push(node);
    }
    this.emitter.fire(nodes);
  }

  private nodeFor(folder: string, run: RunSummary): RunNode {
    let node = this.runNodes.get(run.id);
    if (node && node.folder === folder) node.run = run;
    else this.runNodes.set(run.id, (node = { kind: 'run', folder, run }));
    return node;
  }

  getTreeItem(node: ExperimentNode): vscode.TreeItem {
    switch (node.kind) {
      case 'experiment': {
        const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `exp:${node.name}`;
        item.description = `${node.runs} run${node.runs === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.contextValue = 'experiment';
        return item;
      }
      case 'run':
        return runItem(node.run);
      case 'more': {
        const item = new vscode.TreeItem('Show more runs…', vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'lineage.showMoreRuns', title: 'Show more', arguments: [node.experiment] };
        return item;
      }
      case 'message':
        return new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    }
  }

  async getChildren(node?: ExperimentNode): Promise<ExperimentNode[]> {
    const folder = this.state.folderOf();
    if (!folder) return [];
    if (!this.state.hasLineage(folder) && !node) return [];
    const ws = await this.state.workspace(folder);
    if (!node) {
      const rows = ws.store.all<{ name: string; n: number }>(
        `SELECT e.name, count(r.id) AS n FROM experiments e JOIN runs r ON r.experiment_id = e.id
         GROUP BY e.id ORDER BY max(r.started_at) DESC`,
      );
      if (this.filtered) {
        const { listRuns } = await import('../../core/runs/queries');
        const byExp = new Map<string, number>();
        for (const r of listRuns(ws.store, { ids: [...this.filtered].slice(0, 50000) })) byExp.set(r.experiment, (byExp.get(r.experiment) ?? 0) + 1);
        const list = rows.filter((r) => byExp.has(r.name)).map((r) => ({ kind: 'experiment' as const, folder, name: r.name, runs: byExp.get(r.name)! }));
        return list.length ? list : [{ kind: 'message', text: 'No run matches the filter.' }];
      }
      return rows.map((r) => ({ kind: 'experiment', folder, name: r.name, runs: r.n }));
    }
    if (node.kind !== 'experiment') return [];
    const { listRuns } = await import('../../core/runs/queries');
    const limit = this.shown.get(node.name) ?? PAGE;
    const runs = this.filtered
      ? listRuns(ws.store, { experiment: node.name, ids: [...this.filtered], limit: limit + 1 })
      : listRuns(ws.store, { experiment: node.name, limit: limit + 1 });
    const out: ExperimentNode[] = runs.slice(0, limit).map((run) => this.nodeFor(folder, run));
    if (runs.length > limit) out.push({ kind: 'more', folder, experiment: node.name, offset: limit });
    return out;
  }

  /** Params and final metrics only when the pointer rests on a run: the list itself stays cheap. */
  async resolveTreeItem(item: vscode.TreeItem, node: ExperimentNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'run') return item;
    const ws = await this.state.workspace(node.folder);
    const { getRun } = await import('../../core/runs/queries');
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
      for (const [k, v] of params.slice(0, 25)) md.appendMarkdown(`| ${esc(k)} | ${esc(String(v))} |\n`);
      md.appendMarkdown('\n');
    }
    if (r.metrics.length) {
      md.appendMarkdown('| metric | last | min | max |\n|---|---|---|---|\n');
      for (const m of r.metrics.slice(0, 25)) md.appendMarkdown(`| ${esc(m.key)} | ${formatNumber(m.last)} | ${formatNumber(m.min)} | ${formatNumber(m.max)} |\n`);
    }
    const tags = Object.entries(r.tags);
    if (tags.length) md.appendMarkdown(`\n${tags.map(([k, v]) => `\`${esc(k)}=${esc(v)}\``).join(' ')}\n`);
    item.tooltip = md;
    return item;
  }

  getParent(): undefined {
    return undefined;
  }
}

export function runItem(run: RunSummary): vscode.TreeItem {
  const item = new vscode.TreeItem(`${run.starred ? '★ ' : ''}${run.name}`, vscode.TreeItemCollapsibleState.None);
  item.id = `run:${run.id}`;
  const metric = keyMetrics(run.metrics, 1)[0];
  item.description = [metric ? `${metric.key} ${formatNumber(metric.last)}` : '', relativeTime(run.startedAt)].filter(Boolean).join(' · ');
  const [icon, color] = STATUS_ICON[run.status] ?? ['circle-outline', undefined];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = `run.${run.status}${run.starred ? '.starred' : ''}`;
  item.accessibilityInformation = { label: `${run.name}, ${run.status}${metric ? `, ${metric.key} ${formatNumber(metric.last)}` : ''}` };
  item.command = { command: 'lineage.openRun', title: 'Open Run', arguments: [run.id] };
  return item;
}

/** User text goes into markdown tooltips: escape everything markdown or HTML could act on. */
function esc(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>&~]/g, (c) => `\\${c}`).replace(/\n/g, ' ');
}
