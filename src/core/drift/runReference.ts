/**
 * Which recorded dataset of a run is its training data: the one with role `train`; else the only table it
 * read; else the caller must pick one (the CLI's --reference-file). Outputs never count.
 */
import * as path from 'node:path';
import { datasetKey, datasetsOfRun, resolveDatasetPath, type RunDataset } from '../datasets/datasetIndex';
import type { Store } from '../store/store';
import { DriftInputError } from './driftError';
import { driftFormatOf } from './readTable';

export interface RunReferenceChoice {
  /** As recorded (workspace-relative when inside it). */
  key: string;
  file: string;
  role: string;
  sha256: string;
}

export function runTables(store: Store, runId: string): RunDataset[] {
  return datasetsOfRun(store, runId).filter((d) => d.role !== 'output' && driftFormatOf(d.path) !== undefined);
}

export function chooseRunReference(store: Store, workspace: string, runId: string, runLabel: string, referenceFile?: string): RunReferenceChoice {
  const tables = runTables(store, runId);
  const list = tables.map((d) => `${d.path} (${d.role})`).join(', ');
  let pick: RunDataset | undefined;
  if (referenceFile !== undefined) {
    const key = datasetKey(workspace, path.resolve(referenceFile));
    pick = tables.find((d) => d.path === key || d.path === referenceFile);
    if (!pick)
      throw new DriftInputError(
        `run ${runLabel} did not read ${referenceFile}${tables.length ? `; its tables are: ${list}` : ' (it recorded no table)'}. Give one of those, or the file itself instead of the run.`,
      );
  } else if (tables.length === 0) {
    throw new DriftInputError(
      `run ${runLabel} recorded no table it read (CSV, TSV or JSON Lines); give the training file instead of the run: lineage drift <file> <batch…>.`,
    );
  } else {
    const train = tables.filter((d) => d.role === 'train');
    if (train.length === 1) pick = train[0];
    else if (train.length === 0 && tables.length === 1) pick = tables[0];
    else throw new DriftInputError(`run ${runLabel} read several tables (${list}); choose the training data with --reference-file <one of them>.`);
  }
  if (!pick.version?.sha256 || pick.version.kind !== 'file')
    throw new DriftInputError(
      `run ${runLabel} has no fingerprint of ${pick.path} (it was missing or not a regular file when the run ended); give the file itself as the reference.`,
    );
  return { key: pick.path, file: resolveDatasetPath(workspace, pick.path), role: pick.role, sha256: pick.version.sha256 };
}
