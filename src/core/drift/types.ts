/**
 * The drift report: what `lineage drift` prints and writes as JSON, and what the Drift panel will draw. One
 * BatchReport per current file, compared with one reference (a run's training data or any table file).
 * docs/drift.md says what every figure means, how it is computed and the defaults.
 */

/** numeric: numbers (integers or decimals); categorical: text, booleans; datetime: ISO dates, tested as their
 *  instants (ms since the epoch) like numbers; empty columns are listed but not tested. */
export type ColumnKind = 'numeric' | 'categorical' | 'datetime' | 'empty';

/** The profiler's types (src/core/datasets/profile): a column's type over all of its non-missing values. */
export type DriftColumnType = 'integer' | 'number' | 'boolean' | 'string' | 'datetime' | 'empty';

/** ks: two-sample Kolmogorov–Smirnov; chisquare: Pearson's chi-squared of the current counts against the
 *  reference shares; z: two-proportion z-test; wasserstein: Wasserstein distance / reference std;
 *  jensenshannon: Jensen–Shannon distance (natural log); psi: population stability index. */
export type DriftTestName = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi';

export interface ColumnOverride {
  test?: DriftTestName;
  threshold?: number;
}

export interface DriftOptions {
  /** Only these columns (default: every column of the reference). */
  columns?: string[];
  /** The column holding the model's prediction. */
  prediction?: string;
  /** The column holding the actual outcome (or a feedback signal). */
  actual?: string;
  /** Per-column test and threshold, instead of the size- and type-based default. */
  overrides?: Record<string, ColumnOverride>;
  /** Share of drifted columns at which the dataset counts as drifted (default 0.5). */
  datasetThreshold?: number;
  /** Bytes the values read may take in memory before they go to temporary files (budget.ts; default 256 MiB). */
  memoryBudget?: number;
}

/** What a chart draws for one side: a histogram on bins common to both sides, or category shares. */
export type DistributionSummary =
  { kind: 'histogram'; edges: number[]; shares: number[] } | { kind: 'categories'; categories: Array<{ value: string; share: number }>; otherShare: number };

export interface ColumnDrift {
  name: string;
  kind: ColumnKind;
  type: DriftColumnType;
  /** null: not tested (empty column, no values on one side, a type change); `reason` says why. */
  test: DriftTestName | null;
  /** Why the test was chosen ("reference > 1,000 rows, numeric with 412 distinct values") or why none. */
  reason: string;
  statistic: number | null;
  /** For ks, chisquare and z; null for distances. */
  pValue: number | null;
  /** Drift when pValue < threshold (p-value tests) or statistic ≥ threshold (distances). */
  threshold: number;
  drifted: boolean;
  /** PSI over 10 reference-quantile bins (numeric) or the categories (categorical); null when not computable. */
  psi: number | null;
  /** Share of missing values (empty, NA, NaN, null, None, a JSON key absent). */
  missing: { ref: number; cur: number };
  /** Numeric: current values below the reference's minimum or above its maximum (infinite ones included). */
  outOfRange: { count: number; share: number } | null;
  /** Categorical: categories the reference never had, most frequent first (at most 20 listed). */
  newCategories: { values: Array<{ value: string; count: number }>; distinct: number; rows: number; share: number } | null;
  refSummary: DistributionSummary | null;
  curSummary: DistributionSummary | null;
  /** Values counted in the comparison (non-missing, finite). */
  count: { ref: number; cur: number };
  note?: string;
}

export interface SchemaChange {
  column: string;
  change: 'added' | 'removed' | 'type_changed';
  /** For type_changed: the reference's and the current type. */
  from?: DriftColumnType;
  to?: DriftColumnType;
}

export interface Performance {
  /** rmse and mae for a numeric actual; accuracy for a categorical or boolean one. */
  metric: 'rmse' | 'accuracy';
  rmse?: number;
  mae?: number;
  accuracy?: number;
  /** Rows with both a prediction and an actual. */
  rows: number;
  /** The reference run's own figure for the same metric, when it logged one (e.g. val_rmse). */
  runMetric: { name: string; value: number } | null;
}

export interface RiskEntry {
  column: string;
  drifted: boolean;
  /** The drift score used for ranking: the column's PSI (the same binning for every column). */
  driftScore: number;
  /** The feature's share of the summed mean |attribution| (0–1). */
  importance: number;
  risk: number;
  /** 1 = the model's most important feature. */
  importanceRank: number;
}

export interface DatasetVerdict {
  drifted: boolean;
  driftedColumns: number;
  testedColumns: number;
  share: number;
  threshold: number;
}

export interface ReferenceIdentity {
  runId: string | null;
  runName: string | null;
  file: string;
  sha256: string;
  rows: number;
  /** True when the reference came from .lineage/cache/drift (the file was not read again). */
  cached: boolean;
  note?: string;
}

export interface BatchIdentity {
  file: string;
  sha256: string;
  rows: number;
  bytes: number;
}

export interface BatchReport {
  batch: BatchIdentity;
  columns: ColumnDrift[];
  schema: SchemaChange[];
  /** Drift of the prediction column (against the reference's prediction column, else its actual column). */
  prediction: ColumnDrift | null;
  /** Drift of the actual column (label drift), when named and present on both sides. */
  actual: ColumnDrift | null;
  performance: Performance | null;
  dataset: DatasetVerdict;
  /** Features by risk (drift score × importance), highest first; empty without an explanation. */
  risk: RiskEntry[];
  /** One sentence about the riskiest drift ("floor_area_m2 drifted and is the model's most important feature"). */
  riskSentence: string | null;
  notes: string[];
  timings: { readMs: number; testMs: number };
}

/** A batch that could not be read: the others are still evaluated. */
export interface BatchFailure {
  batch: { file: string };
  error: string;
}

export interface DriftReport {
  reference: ReferenceIdentity;
  options: { prediction: string | null; actual: string | null; datasetThreshold: number; explanation: string | null };
  batches: Array<BatchReport | BatchFailure>;
  timings: { referenceMs: number; totalMs: number };
}

export function isFailure(b: BatchReport | BatchFailure): b is BatchFailure {
  return 'error' in b;
}
