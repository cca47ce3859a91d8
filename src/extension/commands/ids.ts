/**
 * Every command this extension registers, by name. registerCommand and executeCommand of our own commands
 * take a `CommandId`, so a misspelt id does not compile; test/unit/commandIds.test.ts checks this table
 * against package.json. No `vscode` import: the test runs on plain Node.
 */
export const COMMANDS = {
  runCurrentFile: 'lineage.runCurrentFile',
  runWithParams: 'lineage.runWithParams',
  stopRun: 'lineage.stopRun',
  rerun: 'lineage.rerun',
  rerunWithParams: 'lineage.rerunWithParams',
  runNotebook: 'lineage.runNotebook',
  runNotebookWithParams: 'lineage.runNotebookWithParams',
  compareRuns: 'lineage.compareRuns',
  compareRunsAsText: 'lineage.compareRunsAsText',
  showRun: 'lineage.showRun',
  openRun: 'lineage.openRun',
  openRunAsText: 'lineage.openRunAsText',
  filterRuns: 'lineage.filterRuns',
  clearFilter: 'lineage.clearFilter',
  showMoreRuns: 'lineage.showMoreRuns',
  refresh: 'lineage.refresh',
  rebuildDatabase: 'lineage.rebuildDatabase',
  openSettings: 'lineage.openSettings',
  selectInterpreter: 'lineage.selectInterpreter',
  renameRun: 'lineage.renameRun',
  addTag: 'lineage.addTag',
  addNote: 'lineage.addNote',
  starRun: 'lineage.starRun',
  unstarRun: 'lineage.unstarRun',
  openConsoleLog: 'lineage.openConsoleLog',
  revealArtifacts: 'lineage.revealArtifacts',
  copyRunId: 'lineage.copyRunId',
  deleteRun: 'lineage.deleteRun',
  fingerprintDataset: 'lineage.fingerprintDataset',
  showDataStatus: 'lineage.showDataStatus',
  explainRun: 'lineage.explainRun',
  checkDrift: 'lineage.checkDrift',
  newMonitor: 'lineage.newMonitor',
  checkMonitors: 'lineage.checkMonitors',
  checkMonitor: 'lineage.checkMonitor',
  openMonitorDrift: 'lineage.openMonitorDrift',
  removeMonitor: 'lineage.removeMonitor',
  restoreDatasetVersion: 'lineage.restoreDatasetVersion',
  freeKeptData: 'lineage.freeKeptData',
  reproduceRun: 'lineage.reproduceRun',
  showLineage: 'lineage.showLineage',
  rerunStale: 'lineage.rerunStale',
  pushModel: 'lineage.pushModel',
  pullModel: 'lineage.pullModel',
  promoteModel: 'lineage.promoteModel',
  rollbackModel: 'lineage.rollbackModel',
  copyModelReference: 'lineage.copyModelReference',
  openInRegistry: 'lineage.openInRegistry',
  exportModelCard: 'lineage.exportModelCard',
  syncRuns: 'lineage.syncRuns',
  importRuns: 'lineage.importRuns',
  signInToRegistry: 'lineage.signInToRegistry',
  forgetRegistryCredentials: 'lineage.forgetRegistryCredentials',
  runSweep: 'lineage.runSweep',
  stopSweep: 'lineage.stopSweep',
  resumeSweep: 'lineage.resumeSweep',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];

/** Context keys set with `setContext` and read by package.json's `when` clauses. */
export const CONTEXT_KEYS = {
  filtered: 'lineage.filtered',
} as const;

/** The views package.json contributes, as createTreeView takes them. */
export const VIEWS = {
  experiments: 'lineage.experiments',
  datasets: 'lineage.datasets',
  models: 'lineage.models',
  monitors: 'lineage.monitors',
} as const;
