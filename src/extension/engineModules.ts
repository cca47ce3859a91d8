/**
 * The core as the extension uses it, loaded as one piece by engine() the first time a view or command
 * needs it. Nothing may import this file statically: that would put sql.js on the activation path.
 */
export { LineageWorkspace } from '../core/workspace';
export * from '../core/runs/queries';
export { filterRuns, parseFilter, FilterSyntaxError } from '../core/runs/filter';
export { updateUserEdits, type UserEdits } from '../core/runs/userEdits';
export { compareRuns } from '../core/runs/compareRuns';
export { childRunIds, parentLinks, childCounts } from '../core/runs/childRuns';
export { runInfos, metricKeysOf, seriesFor, prefetchSeries, clearSeriesCache } from '../core/compare/compareData';
export { LiveFeed } from '../core/compare/liveFeed';
export { chartMetrics } from '../core/runs/keyMetrics';
export { datasetsOfRun } from '../core/datasets/datasetIndex';
export { fingerprint } from '../core/datasets/fingerprint';
export { StatCache } from '../core/datasets/statCache';
export { profileTable } from '../core/datasets/profile';
export { datasetKey, recordVersion, listDatasets, datasetVersions, runsOfVersion, lastReadOf } from '../core/datasets/datasetIndex';
export { writeVersionFile } from '../core/datasets/versionFiles';
export { dataStatus } from '../core/datasets/status';
export { fingerprintRunDatasets } from '../core/datasets/runDatasets';
export { restoreRunInputs, collectGarbage, readKeptReport, summarizeKept } from '../core/datasets/objects';
export { launchRun, LaunchError } from '../core/launcher/launch';
export { finishRun } from '../core/runs/finishRun';
export { deleteRun } from '../core/runs/deleteRun';
export { DatasetWatch } from './datasets/datasetWatch';
