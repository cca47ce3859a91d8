import * as vscode from 'vscode';
import { ExtensionContextState } from './state';
import { registerRunCommands } from './commands/runCommands';
import { registerManageCommands } from './commands/manageCommands';
import { registerDataCommands } from './commands/dataCommands';
import { RunManager } from './runs/runManager';
import { ExperimentsTree, ExperimentNode } from './views/experimentsTree';
import { DatasetsTree, ModelsTree } from './views/datasetsTree';
import { RunDocuments, RUN_SCHEME } from './views/runDocuments';
import { TrainingLenses } from './lenses/trainingLenses';
import { installTerminalCli } from './terminalEnv';

declare const __lineageLoadStart: number | undefined;

export interface LineageApi {
  activationMs: number;
  /** For tests and other extensions: the run ids currently in progress in this window. */
  liveRuns(): string[];
}

/**
 * Activation registers views, commands and lenses only: nothing here touches sql.js or reads the disk,
 * so opening a Python file costs the user almost nothing. The engine loads when a view or command first
 * needs it.
 */
export function activate(context: vscode.ExtensionContext): LineageApi {
  const t0 = typeof __lineageLoadStart === 'number' ? __lineageLoadStart : performance.now();
  const state = new ExtensionContextState(context);
  const runs = new RunManager(state);
  const tree = new ExperimentsTree(state);
  const treeView = vscode.window.createTreeView<ExperimentNode>('lineage.experiments', { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  state.treeView = Promise.resolve(treeView as vscode.TreeView<unknown>);
  const lenses = new TrainingLenses(state);
  context.subscriptions.push(
    state,
    runs,
    treeView,
    state.onDidChangeRuns(() => tree.refresh()),
    vscode.window.createTreeView('lineage.datasets', { treeDataProvider: new DatasetsTree(state) }),
    vscode.window.createTreeView('lineage.models', { treeDataProvider: new ModelsTree(state) }),
    vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, new RunDocuments(state)),
    vscode.languages.registerCodeLensProvider({ language: 'python', scheme: 'file' }, lenses),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('lineage.trainingScripts')) lenses.refresh();
      if (e.affectsConfiguration('lineage.pythonPath')) installTerminalCli(context);
    }),
    ...registerRunCommands(state, runs),
    ...registerManageCommands(state, tree),
    ...registerDataCommands(state),
  );
  // Off the activation path: a small file write and environment update.
  setImmediate(() => installTerminalCli(context));
  const activationMs = performance.now() - t0;
  state.log(`Lineage activated in ${activationMs.toFixed(1)} ms (module load + activate).`);
  return { activationMs, liveRuns: () => [...runs.live.keys()] };
}

export function deactivate(): Promise<void> | undefined {
  return ExtensionContextState.current?.flush();
}
