import * as vscode from 'vscode';
import { Lineage } from './lineage';
import { registerRunCommands } from './commands/runCommands';
import { registerManageCommands } from './commands/manageCommands';
import { registerDataCommands } from './commands/dataCommands';
import { registerExplainCommands } from './commands/explainCommands';
import { registerDriftCommands } from './commands/driftCommands';
import { RunManager } from './runs/runManager';
import { KernelRunStatus, type KernelRunStatusShown } from './notebooks/kernelRunStatus';
import { RunsWatcher } from './runs/runsWatch';
import { ExperimentsTree, ExperimentNode } from './views/experimentsTree';
import { DatasetsTree } from './views/datasetsTree';
import { ModelsTree } from './views/modelsTree';
import { RunDocuments, RUN_SCHEME } from './views/runDocuments';
import { TrainingLenses } from './lenses/trainingLenses';
import { installTerminalCli } from './terminalEnv';
import { affectsSetting } from './config';
import { VIEWS } from './commands/ids';
import { registerComparePanel } from './panels/comparePanel';
import { registerRunDetailPanel, RunDetailPanel } from './panels/runDetailPanel';
import { ExplainPanel, registerExplainPanel } from './panels/explainPanel';
import { DriftPanel, registerDriftPanel } from './panels/driftPanel';
import { GraphPanel } from './panels/graphPanel';
import type { LineageGraph } from '../core/graph/types';
import { PanelHost } from './panels/panelHost';
import { GitDiffDocuments, GIT_SCHEME } from './panels/gitDiffDocs';
import { startEventLoopProbe } from './eventLoopProbe';
import { MonitorService } from './monitors/monitorService';
import { registerMonitorCommands } from './monitors/monitorCommands';
import { MonitorTree } from './views/monitorTree';
import { registerReproduceCommands } from './reproduce/reproduceCommands';
import { registerGraphCommands } from './graph/graphCommands';
import { registerRegistryCommands } from './registry/registryCommands';
import { registerSweepCommands } from './sweeps/sweepCommands';

declare const __lineageLoadStart: number | undefined;
/** Taken when every bundled module has been evaluated: the end of "loading the code". */
const moduleLoadedAt = performance.now();

/** What the extension exports: for its own real-VS Code tests, and for other extensions. */
export interface LineageApi {
  activationMs: number;
  /** The run ids in progress in this window. */
  liveRuns(): string[];
  /** Fires with run ids whenever the index learned something about them. */
  onDidChangeRuns: vscode.Event<string[]>;
  /** The run folders being watched: runs in progress, whoever started them (and ones that just ended). */
  watchedRuns(): string[];
  /** The Experiments view's data, as VS Code asks for it. */
  experimentsTree: ExperimentsTree;
  /** The Datasets and Models views' data. */
  datasetsTree: vscode.TreeDataProvider<unknown>;
  modelsTree: vscode.TreeDataProvider<unknown>;
  /** The Monitors view's data: monitors, then their batches with each one's drift status. */
  monitorTree: vscode.TreeDataProvider<unknown>;
  /**
   * For the real-VS Code tests only (test/vscode/suite/panelSecurity.suite.ts), not an API to build on: the
   * open Run panel of a run, whose `receive` is the very handler its webview's messages go to, so a test
   * can send what a hostile page could.
   */
  testPanels: {
    runDetail(runId: string): { receive(message: unknown): Promise<void> } | undefined;
    /** The view type and HTML of every open Lineage panel (to check their Content-Security-Policy). */
    pages(): Array<{ viewType: string; html: string }>;
    /**
     * The open Explain panel of a run (test/vscode/suite/explain.suite.ts): `receive` is its webview's message
     * handler, and its answers go out through `panel.webview.postMessage`, which the test observes.
     */
    explain(runId: string): { receive(message: unknown): Promise<void>; readonly panel: vscode.WebviewPanel } | undefined;
    /** The open Drift panel of a reference and its batch files (test/vscode/suite/monitor.suite.ts). */
    drift(reference: { runId: string } | { file: string }, batches: string[]): { readonly panel: vscode.WebviewPanel } | undefined;
    /**
     * The open Lineage graph panel of a target as "Show Lineage" was given it (a run id, `<run>:<model>`, a
     * path; test/vscode/suite/graph.suite.ts): the graph it sent its page, and its message handler.
     */
    graph(
      ref: string,
    ): { readonly panel: vscode.WebviewPanel; readonly shownGraph: LineageGraph | undefined; receive(message: unknown): Promise<void> } | undefined;
  };
  /** For the real-VS Code tests only (test/vscode/suite/notebook.suite.ts): what a status bar item of Lineage shows. */
  testStatusBar: {
    /** The item of live notebook kernels' runs (notebooks/kernelRunStatus.ts). */
    kernelRuns(): KernelRunStatusShown;
  };
}

/**
 * Activation registers views, commands and lenses only: nothing here touches sql.js or reads the disk,
 * so opening a Python file costs the user almost nothing. The engine loads when a view or command first
 * needs it.
 */
export function activate(context: vscode.ExtensionContext): LineageApi {
  // What the extension costs: evaluating the bundle plus this function. The host's own time between
  // loading the module and calling activate() is not ours and is left out.
  const loadMs = typeof __lineageLoadStart === 'number' ? moduleLoadedAt - __lineageLoadStart : 0;
  const t0 = performance.now();
  // Benchmarks only (LINEAGE_PERF_FILE set): the host's event-loop delay, written to that file.
  const eventLoopProbe = startEventLoopProbe();
  if (eventLoopProbe) context.subscriptions.push(eventLoopProbe);
  const lineage = new Lineage(context);
  const runs = new RunManager(lineage);
  const kernelRuns = new KernelRunStatus(lineage);
  const tree = new ExperimentsTree(lineage);
  const treeView = vscode.window.createTreeView<ExperimentNode>(VIEWS.experiments, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  lineage.treeView = Promise.resolve(treeView as vscode.TreeView<unknown>);
  const lenses = new TrainingLenses(lineage);
  const datasets = new DatasetsTree(lineage);
  const models = new ModelsTree(lineage);
  const documents = new RunDocuments(lineage);
  const monitorService = new MonitorService(lineage);
  const monitorTree = new MonitorTree(lineage, monitorService);
  // A run or model whose monitored newest batch drifted says so in its row.
  tree.driftWarning = models.driftWarning = (folder, runId) => monitorService.warningOf(folder, runId);
  // Off the activation path: it reads .lineage/monitors.json and the stored results, then checks new batches.
  const startMonitors = setImmediate(() => monitorService.start());
  let warned = new Map<string, string>();
  // fs.watch calls only, but off the activation path all the same.
  let watcher: RunsWatcher | undefined;
  const startWatch = setImmediate(() => (watcher = new RunsWatcher(lineage)));
  // Disposed in reverse: the views and watchers let go of the events before Lineage disposes them.
  context.subscriptions.push(
    lineage,
    runs,
    kernelRuns,
    { dispose: () => (clearImmediate(startWatch), watcher?.dispose()) },
    tree,
    treeView,
    lineage.onDidChangeRunsIn((e) => void tree.runsChanged(e.folder, e.ids).catch(() => tree.refresh())),
    datasets,
    vscode.window.createTreeView(VIEWS.datasets, { treeDataProvider: datasets }),
    models,
    vscode.window.createTreeView(VIEWS.models, { treeDataProvider: models }),
    documents,
    { dispose: () => clearImmediate(startMonitors) },
    monitorService,
    monitorTree,
    vscode.window.createTreeView(VIEWS.monitors, { treeDataProvider: monitorTree, showCollapseAll: true }),
    // Only the rows whose warning came or went are redrawn (a whole-tree refresh can drop a selection being made).
    monitorService.onDidChange(() => {
      const next = monitorService.warnings();
      const changed = [...new Set([...next.keys(), ...warned.keys()])].filter((k) => next.get(k) !== warned.get(k));
      warned = next;
      if (!changed.length) return;
      const byFolder = new Map<string, string[]>();
      for (const k of changed) {
        const [folder, id] = k.split('\0');
        byFolder.set(folder, [...(byFolder.get(folder) ?? []), id]);
      }
      for (const [folder, ids] of byFolder) void tree.runsChanged(folder, ids).catch(() => tree.refresh());
      models.refresh();
    }),
    // A .lineage created after activation (a first run from a terminal) can get monitors too.
    lineage.onDidOpenIndex(() => monitorService.start()),
    ...registerMonitorCommands(lineage, monitorService),
    vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, documents),
    lenses,
    vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, lenses),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsSetting(e, 'trainingScripts')) lenses.refresh();
      if (affectsSetting(e, 'pythonPath')) installTerminalCli(context);
    }),
    // A folder added or removed changes which folders the views list.
    vscode.workspace.onDidChangeWorkspaceFolders(() => {
      tree.refresh();
      datasets.refresh();
      models.refresh();
      monitorService.start();
    }),
    ...registerRunCommands(lineage, runs),
    ...registerManageCommands(lineage, tree),
    ...registerDataCommands(lineage),
    ...registerExplainCommands(lineage),
    ...registerDriftCommands(lineage),
    ...registerReproduceCommands(lineage),
    ...registerGraphCommands(lineage),
    ...registerRegistryCommands(lineage),
    ...registerSweepCommands(lineage),
    registerComparePanel(lineage),
    registerRunDetailPanel(lineage),
    registerExplainPanel(lineage),
    registerDriftPanel(lineage),
    vscode.workspace.registerTextDocumentContentProvider(GIT_SCHEME, new GitDiffDocuments()),
  );
  // Off the activation path: a small file write and environment update.
  setImmediate(() => installTerminalCli(context));
  const activateMs = performance.now() - t0;
  const activationMs = loadMs + activateMs;
  lineage.log(`Lineage activated in ${activationMs.toFixed(1)} ms (bundle evaluation ${loadMs.toFixed(1)} ms + activate ${activateMs.toFixed(1)} ms).`);
  return {
    activationMs,
    liveRuns: () => [...runs.live.keys()],
    onDidChangeRuns: lineage.onDidChangeRuns,
    watchedRuns: () => watcher?.watchedRuns() ?? [],
    experimentsTree: tree,
    datasetsTree: datasets,
    modelsTree: models,
    monitorTree,
    testPanels: {
      runDetail: (runId) => RunDetailPanel.opened(runId),
      pages: () => PanelHost.openPages(),
      explain: (runId) => ExplainPanel.opened(runId),
      drift: (reference, batches) => DriftPanel.opened(reference, batches),
      graph: (ref) => GraphPanel.opened(ref),
    },
    testStatusBar: { kernelRuns: () => kernelRuns.shown() },
  };
}

export function deactivate(): Promise<void> | undefined {
  return Lineage.current?.flush();
}
