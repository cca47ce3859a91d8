/**
 * What the explanation engine hands to its adapters (the Explain panel, the CLI, the report writer). The files
 * behind them are described in docs/explanations-format.md; the panel's messages carry these types.
 */

export type ExplainMethod = 'tree_path_dependent' | 'linear_interventional' | 'kernel' | 'external';

export interface ArrayRef {
  file: string;
  dtype: 'float64' | 'float32';
  shape: number[];
  bytes: number;
  crc32: number;
}

/** explanation.json, validated (unknown fields dropped, wrong types refused with a message). */
export interface ExplanationManifest {
  format: 1;
  name: string;
  created: number | null;
  method: ExplainMethod;
  exact: boolean;
  algorithm: string | null;
  modelType: string | null;
  pipeline: string[];
  task: 'regression' | 'binary';
  positiveClass: string | number | null;
  link: 'identity' | 'logit';
  outputName: string;
  /** What one row is, for the report's sentences ("house", "applicant"); null: "case". */
  subject: string | null;
  rows: number;
  totalRows: number;
  seed: number | null;
  features: string[];
  featureKinds: Array<'numeric' | 'categorical'>;
  categories: Record<string, string[]>;
  featureRanges: Record<string, [number, number]>;
  units: Record<string, string>;
  groupedFrom: Record<string, string[]>;
  baseValue: number;
  additivityError: number;
  outputScale: number;
  backgroundRows: number | null;
  samplesPerRow: number | null;
  arrays: Record<string, ArrayRef>;
  rowIds: number[] | null;
  permutationImportance: { scoring: string; nRepeats: number; seed: number | null; mean: number[]; std: number[] } | null;
  partialDependence: Array<{ feature: string; grid: number[]; average: number[]; iceIndex: number | null }>;
  model: { file: string; flavor: string; input: 'ndarray' | 'ndarray-object' | 'dataframe' } | null;
  /** The interpreter that wrote it, when the manifest says (the scorer uses the run's own). */
  python?: string;
}

/** One row of the index's `explanations` table: enough for lists, lenses and the CLI without opening files. */
export interface ExplanationSummary {
  runId: string;
  name: string;
  /** Relative to the run folder: explanations/<name>/explanation.json */
  path: string;
  method: ExplainMethod;
  exact: boolean;
  rows: number;
  features: number;
  additivityError: number | null;
}

/** Whether to trust the numbers, in one place so the panel, CLI and report say the same thing. */
export interface TrustNote {
  level: 'exact' | 'approximate' | 'failed';
  /** One sentence for people, e.g. "Exact: the contributions add up to each prediction (largest gap 3e-10)." */
  text: string;
}

/** The global view the panel draws first; reduced on the host so 10,000 × 50 stays small. */
export interface GlobalView {
  runId: string;
  name: string;
  manifest: ExplanationManifest;
  trust: TrustNote;
  /** Features sorted by mean |attribution|, largest first. */
  importance: Array<{ feature: string; meanAbs: number }>;
  /**
   * Beeswarm, density-binned: for each shown feature (top `shown`, in importance order), points with the
   * attribution (x), a jitter (y offset in [-0.45, 0.45], proportional to the local density), the colour value
   * (feature value scaled to [0,1] within that feature; NaN for unknown) and how many rows the point stands for.
   */
  beeswarm: Array<{ feature: string; x: Float32Array; jitter: Float32Array; color: Float32Array; count: Uint32Array }>;
  /** Features beyond the shown ones, summed into one "N other features" line where a chart lists them. */
  otherFeatures: number;
}

/** The dependence scatter of one feature, coloured by the feature it interacts with most. */
export interface DependenceView {
  feature: string;
  /** Feature value (categorical: the code; `categories` names them). */
  x: Float64Array;
  /** Its attribution. */
  y: Float64Array;
  colorFeature: string | null;
  color: Float64Array | null;
  categories: string[] | null;
  colorCategories: string[] | null;
  /** Rows sampled down to at most this many points (all when fewer). */
  sampled: number;
}

/** One row, for the waterfall and the report. */
export interface RowView {
  /** Position in the arrays (0..rows-1) and the original row number the user knows it by. */
  index: number;
  rowId: number;
  /** Each input as the user gave it: a number, or the category text. */
  inputs: Array<{ feature: string; value: number | string | null }>;
  base: number;
  output: number;
  /** What a person sees: output for identity, the probability for logit. */
  prediction: number;
  target: number | null;
  /** Sorted by |value|, largest first; `stderr` only for approximate methods. */
  contributions: Array<{ feature: string; value: number; stderr: number | null; input: number | string | null }>;
  /** base + Σ contributions − output, for the additivity check shown next to the waterfall. */
  gap: number;
}

export type RowSort = 'index' | 'prediction-desc' | 'prediction-asc' | 'error-desc';
