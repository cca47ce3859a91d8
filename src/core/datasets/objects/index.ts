/**
 * The kept-data store (docs/data-store.md): the bytes runs read, content-addressed in `.lineage/objects`,
 * restored by `lineage data checkout` and reproduce, freed by `lineage gc`.
 */
export { keepRunData, type KeepOptions } from './keep';
export { restoreRunInputs, type RestoreOptions, type RestoreResult } from './restore';
export { objectPath, hasObject } from './objectStore';
export { collectGarbage, protectedRunIds, GC_GRACE_MS, type GcOptions, type GcResult } from './gc';
export { readKeptReport, summarizeKept, keptReportPath, type KeptReport, type KeptEntry, type KeptRef } from './keptReport';
export { readKeepConfig, KEEP_DEFAULTS, type KeepConfig } from './keepConfig';
