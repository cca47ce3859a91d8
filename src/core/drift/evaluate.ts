/**
 * One batch against the reference: schema changes, every column's drift, prediction and label drift,
 * performance where actuals exist, the dataset verdict and the risk ranking. driftReport runs it over several
 * batches; a batch that cannot be read becomes a BatchFailure and the others are still evaluated.
 */
import { memoryBudget } from './budget';
import { compareColumn } from './columnDrift';
import type { ColumnData } from './columnData';
import { DriftInputError } from './driftError';
import { performanceOf } from './performance';
import { readTable, type TableData } from './readTable';
import type { ReferenceData } from './reference';
import { riskRanking } from './risk';
import { summarize, type ColumnSummary } from './summary';
import type { BatchFailure, BatchReport, ColumnDrift, DriftOptions, DriftReport, ReferenceIdentity, SchemaChange } from './types';

export const DATASET_THRESHOLD = 0.5;

export interface EvaluateContext {
  /** Feature → share of mean |attribution| (risk.ts importanceShares); empty without an explanation. */
  importance?: Map<string, number>;
  /** The reference run's metrics (last values), for the performance comparison. */
  runMetrics?: Array<{ key: string; last: number | null }>;
}

export function evaluateBatch(ref: ReferenceData, table: TableData, opts: DriftOptions, ctx: EvaluateContext = {}, readMs = 0): BatchReport {
  const started = Date.now();
  const refCols = new Map(ref.columns.map((c) => [c.name, c]));
  const curData = new Map(table.columns.map((c) => [c.name, c]));
  const curSummary = new Map<string, ColumnSummary>();
  const cur = (name: string): ColumnSummary | undefined => {
    let s = curSummary.get(name);
    if (!s) {
      const d = curData.get(name);
      if (!d) return undefined;
      s = summarize(d, table.rows);
      curSummary.set(name, s);
    }
    return s;
  };
  const notes: string[] = [];
  const special = new Set([opts.prediction, opts.actual].filter((x): x is string => !!x));
  const wanted = opts.columns ? new Set(opts.columns) : null;

  const schema: SchemaChange[] = [];
  for (const c of ref.columns) {
    if (wanted && !wanted.has(c.name) && !special.has(c.name)) continue;
    if (!curData.has(c.name)) schema.push({ column: c.name, change: 'removed' });
  }
  for (const c of table.columns) {
    if (wanted && !wanted.has(c.name) && !special.has(c.name)) continue;
    if (!refCols.has(c.name) && c.name !== opts.prediction) schema.push({ column: c.name, change: 'added' });
  }

  const columns: ColumnDrift[] = [];
  for (const r of ref.columns) {
    if (special.has(r.name) || (wanted && !wanted.has(r.name))) continue;
    const c = cur(r.name);
    if (!c) continue;
    const d = compareColumn(r, c, opts.overrides?.[r.name]);
    if (typeChanged(r, c)) schema.push({ column: r.name, change: 'type_changed', from: r.type, to: c.type });
    columns.push(d);
  }

  let prediction: ColumnDrift | null = null;
  if (opts.prediction) {
    const c = cur(opts.prediction);
    const r = refCols.get(opts.prediction) ?? (opts.actual ? refCols.get(opts.actual) : undefined);
    if (!c) notes.push(`The batch has no prediction column "${opts.prediction}".`);
    else if (!r)
      notes.push(
        `The reference has no "${opts.prediction}" column${opts.actual ? ` nor "${opts.actual}"` : ''} to compare the predictions with; name the actual column with --actual to compare them with the training target.`,
      );
    else {
      prediction = { ...compareColumn(r, c, opts.overrides?.[opts.prediction]), name: opts.prediction };
      if (r.name !== opts.prediction)
        notes.push(`Predictions are compared with the reference's actual values ("${r.name}"): it has no "${opts.prediction}" column.`);
    }
  }
  let actual: ColumnDrift | null = null;
  let performance = null;
  if (opts.actual) {
    const c = cur(opts.actual);
    const r = refCols.get(opts.actual);
    if (!c) notes.push(`The batch has no actual column "${opts.actual}": no label drift or performance for it.`);
    else {
      if (r) actual = compareColumn(r, c, opts.overrides?.[opts.actual]);
      const p = opts.prediction ? curData.get(opts.prediction) : undefined;
      const a = curData.get(opts.actual) as ColumnData;
      if (p) performance = performanceOf(p, a, table.rows, ctx.runMetrics ?? []);
      else if (!opts.prediction) notes.push('Name the prediction column with --prediction to get the performance per batch.');
      if (p && !performance) notes.push(`No row of the batch has both a prediction and an actual value: no performance for it.`);
    }
  }

  const tested = columns.filter((c) => c.test !== null);
  const driftedColumns = tested.filter((c) => c.drifted).length;
  const threshold = opts.datasetThreshold ?? DATASET_THRESHOLD;
  const share = tested.length ? driftedColumns / tested.length : 0;
  if (table.rows === 0) notes.push('The batch has no rows: nothing to compare.');
  const { risk, sentence } = riskRanking(columns, ctx.importance ?? new Map<string, number>());
  return {
    batch: { file: table.file, sha256: table.sha256, rows: table.rows, bytes: table.bytes },
    columns,
    schema,
    prediction,
    actual,
    performance,
    dataset: { drifted: tested.length > 0 && share >= threshold, driftedColumns, testedColumns: tested.length, share, threshold },
    risk,
    riskSentence: sentence,
    notes,
    timings: { readMs, testMs: Date.now() - started },
  };
}

/** A kind change (numbers became text, …); a column without values on one side is not one. */
function typeChanged(r: ColumnSummary, c: ColumnSummary): boolean {
  return r.kind !== 'empty' && c.kind !== 'empty' && r.kind !== c.kind;
}

export async function evaluateFile(ref: ReferenceData, file: string, opts: DriftOptions, ctx: EvaluateContext = {}): Promise<BatchReport | BatchFailure> {
  const started = Date.now();
  // Only the prediction and actual are needed row by row (performance); the batch gets the budget the reference left.
  const keepRows = new Set([opts.prediction, opts.actual].filter((x): x is string => !!x));
  const budget = memoryBudget(opts.memoryBudget);
  let table: TableData | undefined;
  try {
    table = await readTable(file, { keepRows, budget: Math.max(budget - ref.memoryBytes, Math.floor(budget / 2)) });
    return evaluateBatch(ref, table, opts, ctx, Date.now() - started);
  } catch (err) {
    if (err instanceof DriftInputError) return { batch: { file }, error: err.message };
    throw err;
  } finally {
    table?.dispose();
  }
}

export async function driftReport(
  ref: ReferenceData,
  identity: Omit<ReferenceIdentity, 'file' | 'sha256' | 'rows' | 'cached'>,
  files: string[],
  opts: DriftOptions,
  ctx: EvaluateContext & { explanation?: string | null } = {},
): Promise<DriftReport> {
  const started = Date.now();
  const batches: Array<BatchReport | BatchFailure> = [];
  for (const f of files) batches.push(await evaluateFile(ref, f, opts, ctx));
  return {
    reference: { ...identity, file: ref.file, sha256: ref.sha256, rows: ref.rows, cached: ref.cached },
    options: {
      prediction: opts.prediction ?? null,
      actual: opts.actual ?? null,
      datasetThreshold: opts.datasetThreshold ?? DATASET_THRESHOLD,
      explanation: ctx.explanation ?? null,
    },
    batches,
    timings: { referenceMs: ref.ms, totalMs: ref.ms + (Date.now() - started) },
  };
}
