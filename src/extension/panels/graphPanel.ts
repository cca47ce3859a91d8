import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import {
  DIRECTIONS,
  GraphFailed,
  GraphFocus,
  GraphOpenNode,
  GraphReady,
  GraphRefresh,
  GraphRerunStale,
  GraphSetDirection,
  GraphShow,
  type Direction,
  type GraphState,
  type GraphTarget,
  type LineageGraph,
} from '../../../webview/graph/protocol';
import { COMMANDS } from '../commands/ids';
import { PanelHost } from './panelHost';
import { openFolder } from './panelFolder';

export const GRAPH_VIEW_TYPE = 'lineage.graph';

type Ready = { state: GraphState | null };

/** The graph engine, loaded on first use (nothing of it on the activation path). */
const graphCore = () =>
  Promise.all([
    import('../../core/graph/lineageGraph'),
    import('../../core/graph/target'),
    import('../../core/runs/queries'),
    import('../../core/datasets/datasetIndex'),
  ]).then(([g, t, q, d]) => ({ ...g, GraphTargetError: t.GraphTargetError, RunNotFoundError: q.RunNotFoundError, datasetKey: d.datasetKey }));

/** A saved or posted state, checked like any message from the webview. */
export function graphStateOf(m: unknown): GraphState | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const s = m as Partial<GraphState>;
  const t = s.target as Partial<GraphTarget> | undefined;
  if (!t || typeof t.ref !== 'string' || !t.ref || t.ref.length > 4096) return undefined;
  if (t.sha256 !== undefined && (typeof t.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(t.sha256))) return undefined;
  const direction = DIRECTIONS.includes(s.direction as Direction) ? (s.direction as Direction) : 'both';
  return {
    folder: typeof s.folder === 'string' ? s.folder : undefined,
    target: t.sha256 ? { ref: t.ref, sha256: t.sha256 } : { ref: t.ref },
    direction,
    focused: typeof s.focused === 'string' ? s.focused : undefined,
  };
}

const keyOf = (s: GraphState) => JSON.stringify([s.folder ?? '', s.target.ref, s.target.sha256 ?? '']);

/**
 * The Lineage graph panel's host side: one panel per target (a run, a model, a data version). It builds the
 * graph with the engine (core/graph, the same as `lineage graph`), sends it whole, and acts on the page's
 * requests: open a node (a run opens its Run panel, a data version reveals its file), change direction,
 * check the files again, re-run the stale steps.
 */
export class GraphPanel extends PanelHost<Ready> {
  private static byKey = new Map<string, GraphPanel>();
  private graph?: LineageGraph;
  private computing = 0;

  static show(state: Lineage, s: GraphState): GraphPanel {
    const open = GraphPanel.byKey.get(keyOf(s));
    if (open) {
      open.panel.reveal();
      if (open.s && open.s.direction !== s.direction) {
        open.s.direction = s.direction;
        void open.compute();
      }
      return open;
    }
    return new GraphPanel(state, PanelHost.create(state, GRAPH_VIEW_TYPE, 'Lineage'), s);
  }

  static revive(state: Lineage, panel: vscode.WebviewPanel, saved: GraphState | undefined): void {
    const s = graphStateOf(saved);
    if (s) s.folder = openFolder(s.folder) ?? state.folderOf();
    new GraphPanel(state, panel, s);
  }

  /** The open panel of a target (a run id, model ref or path): for the real-VS Code tests only (main.ts `LineageApi.testPanels.graph`). */
  static opened(ref: string): GraphPanel | undefined {
    return [...GraphPanel.byKey.values()].find((p) => p.s?.target.ref === ref);
  }

  /** The graph last sent to the page (tests read nodes, staleness and edges from it). */
  get shownGraph(): LineageGraph | undefined {
    return this.graph;
  }

  private constructor(
    state: Lineage,
    panel: vscode.WebviewPanel,
    private s: GraphState | undefined,
  ) {
    super(state, panel, {
      viewType: GRAPH_VIEW_TYPE,
      label: 'Lineage graph panel',
      ready: GraphReady,
      title: 'Lineage: Graph',
      scripts: ['graph.js'],
      styles: ['graph.css'],
    });
    if (s) GraphPanel.byKey.set(keyOf(s), this);
    this.ipc
      .on(GraphOpenNode, (m) => this.open(typeof m.nodeId === 'string' ? m.nodeId : ''))
      .on(GraphSetDirection, (m) => {
        if (!this.s || !DIRECTIONS.includes(m.direction)) return;
        this.s.direction = m.direction;
        return this.compute();
      })
      .on(GraphRefresh, () => this.compute())
      .on(GraphRerunStale, () => {
        if (this.s) return vscode.commands.executeCommand(COMMANDS.rerunStale, { ref: this.s.target.ref, folder: this.s.folder });
      })
      .on(GraphFocus, (m) => {
        if (this.s && typeof m.nodeId === 'string') this.s.focused = m.nodeId;
      });
    this.disposables.push(
      state.onDidChangeRuns(() => {
        // A run that ended may have re-run a step: the graph is built again when it is seen.
        if (this.panel.visible && this.graph) void this.compute();
      }),
    );
  }

  protected onReady(m: Ready): Promise<void> {
    const saved = graphStateOf(m.state);
    if (!this.s && saved) {
      saved.folder = openFolder(saved.folder) ?? this.state.folderOf();
      this.s = saved;
      GraphPanel.byKey.set(keyOf(saved), this);
    } else if (this.s && saved && keyOf(saved) === keyOf(this.s)) {
      this.s.direction = saved.direction;
      this.s.focused = saved.focused;
    }
    return this.compute();
  }

  private async compute(): Promise<void> {
    const fail = (message: string) => this.ipc.notify(GraphFailed, { message });
    const s = this.s;
    if (!s) return fail('This panel does not know what to show any more. Use “Show Lineage” on a run, a model or a dataset again.');
    if (!s.folder) return fail('Open the folder of this run to see its lineage.');
    const token = ++this.computing;
    const core = await graphCore();
    try {
      const ws = await this.state.workspace(s.folder);
      const ref = s.target.sha256 ? { kind: 'data' as const, path: core.datasetKey(s.folder, s.target.ref), sha256: s.target.sha256 } : s.target.ref;
      const { graph, timings } = await core.lineageGraph(ws.store, s.folder, ref, s.direction);
      if (token !== this.computing) return;
      this.log(`graph of ${s.target.ref}: ${graph.nodes.length} nodes in ${(timings.indexMs + timings.fingerprintMs + timings.buildMs).toFixed(0)} ms`);
      this.graph = graph;
      const target = graph.nodes.find((n) => n.id === graph.target);
      const title = `Lineage: ${target?.kind === 'run' ? `run ${target.label}` : (target?.label ?? s.target.ref)}`;
      this.panel.title = title;
      this.ipc.notify(GraphShow, { graph, state: { ...s }, title });
    } catch (err) {
      if (err instanceof core.GraphTargetError || err instanceof core.RunNotFoundError) return fail(err.message);
      this.log((err as Error).stack ?? String(err));
      return fail(`The lineage could not be read: ${(err as Error).message}`);
    }
  }

  /** Only a node of the graph this panel sent: the page names it by id, never by a path of its own. */
  private async open(nodeId: string): Promise<void> {
    const node = this.graph?.nodes.find((n) => n.id === nodeId);
    if (!node || !this.s?.folder) return;
    if (node.kind === 'run' || node.kind === 'model') {
      await vscode.commands.executeCommand(COMMANDS.openRun, node.runId);
      return;
    }
    const abs = path.resolve(this.s.folder, node.path ?? '');
    if (!fs.existsSync(abs)) {
      void vscode.window.showInformationMessage(`Lineage: ${node.path} is not in the workspace now; its recorded version is ${node.sha256 ?? 'unknown'}.`);
      return;
    }
    await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(abs));
  }

  protected override onDispose(): void {
    this.computing++;
    if (this.s && GraphPanel.byKey.get(keyOf(this.s)) === this) GraphPanel.byKey.delete(keyOf(this.s));
  }
}

export function registerGraphPanel(state: Lineage): vscode.Disposable {
  return PanelHost.registerSerializer<GraphState>(state, GRAPH_VIEW_TYPE, (panel, saved) => GraphPanel.revive(state, panel, saved));
}
