/**
 * A drift check from a reference (a run or a file) and batch files: what `lineage drift`, the monitors and the
 * editor all do, in one place. prepareReference resolves and loads the reference once (a run's training data,
 * its metrics and explanation for the performance and risk figures); reportFor evaluates batches against it.
 */
import type { Store } from '../store/store';
import { ExplainError, loadExplanation } from '../explain/load';
import { getRun, listExplanations } from '../runs/queries';
import { runDir, type LineagePaths } from '../util/lineagePaths';
import { budgetEnvProblem } from './budget';
import { DriftInputError } from './driftError';
import { driftReport, type EvaluateContext } from './evaluate';
import { loadReference, type ReferenceData } from './reference';
import { importanceShares } from './risk';
import { chooseRunReference } from './runReference';
import type { DriftOptions, DriftReport } from './types';

export type ReferenceSpec = { run: string; referenceFile?: string; explanation?: string } | { file: string };

export interface PreparedReference {
  ref: ReferenceData;
  identity: { runId: string | null; runName: string | null };
  ctx: EvaluateContext & { explanation?: string | null };
  /** "data/houses.csv, the train data of run baseline" when the reference came from a run. */
  note?: string;
}

export interface CheckTarget {
  /** The open index; required for a run reference (a file reference needs none). */
  ws?: { store: Store; paths: LineagePaths };
  /** .lineage of the workspace, for the reference cache; null: no cache (a plain file comparison). */
  lineageRoot: string | null;
  reference: ReferenceSpec;
  /** Told what is worth saying but does not stop the check (an unreadable explanation). */
  warn?: (message: string) => void;
  /** DriftOptions.memoryBudget, for the reference (half of it at most). */
  memoryBudget?: number;
}

/**
 * Loads the reference. Throws DriftInputError (with what to do) for a reference that cannot be used, and
 * RunNotFoundError for an unknown run.
 */
export async function prepareReference(t: CheckTarget): Promise<PreparedReference> {
  // The editor's Drift panel passes no budget: a LINEAGE_DRIFT_MEMORY_BUDGET it cannot read is said, not replaced by the default.
  const budgetProblem = t.memoryBudget === undefined ? budgetEnvProblem() : undefined;
  if (budgetProblem) throw new DriftInputError(`${budgetProblem}.`);
  const spec = t.reference;
  if ('file' in spec) {
    const ref = await loadReference(spec.file, t.lineageRoot, undefined, t.memoryBudget);
    return { ref, identity: { runId: null, runName: null }, ctx: {} };
  }
  if (!t.ws) throw new DriftInputError(`run ${spec.run}: there is no .lineage index here; give the training file instead of the run.`);
  const { store, paths } = t.ws;
  const run = getRun(store, spec.run);
  const label = `${run.name} (${run.id})`;
  const choice = chooseRunReference(store, paths.workspace, run.id, label, spec.referenceFile);
  const ref = await loadReference(choice.file, paths.root, { sha256: choice.sha256, what: `${choice.key} (${choice.role} of run ${label})` }, t.memoryBudget);
  const ctx: EvaluateContext & { explanation?: string | null } = { runMetrics: run.metrics.map((m) => ({ key: m.key, last: m.last })) };
  const names = listExplanations(store, run.id).map((e) => e.name);
  const wanted = spec.explanation;
  if (wanted !== undefined && !names.includes(wanted))
    throw new DriftInputError(`run ${label} has no explanation "${wanted}"${names.length ? `; it has ${names.map((n) => `"${n}"`).join(', ')}` : ''}.`);
  const pick = wanted ?? (names.includes('default') ? 'default' : names.length === 1 ? names[0] : undefined);
  if (pick !== undefined) {
    try {
      ctx.importance = importanceShares(await loadExplanation(runDir(paths, run.id), pick));
      ctx.explanation = pick;
    } catch (err) {
      if (!(err instanceof ExplainError)) throw err;
      t.warn?.(`explanation "${pick}" of run ${label} cannot be read (${err.message}); no risk ranking.`);
    }
  }
  return {
    ref,
    identity: { runId: run.id, runName: run.name },
    ctx,
    note: choice.key !== spec.run ? `${choice.key}, the ${choice.role} data of run ${run.name}` : undefined,
  };
}

/** The report of `files` against a prepared reference (a batch that cannot be read becomes a failure entry). */
export async function reportFor(p: PreparedReference, files: string[], options: DriftOptions): Promise<DriftReport> {
  const report = await driftReport(p.ref, p.identity, files, options, p.ctx);
  if (p.note) report.reference.note = p.note;
  return report;
}

/** The whole check: reference, then every batch; the reference's temporary files (if any) removed after. */
export async function checkDrift(t: CheckTarget & { batches: string[]; options: DriftOptions }): Promise<DriftReport> {
  const p = await prepareReference({ memoryBudget: t.options.memoryBudget, ...t });
  try {
    return await reportFor(p, t.batches, t.options);
  } finally {
    p.ref.dispose();
  }
}
