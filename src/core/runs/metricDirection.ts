/**
 * Which way is better for a metric, read from its name. One list for the CLI, the run documents and the
 * Compare panel, so a ▼ in the terminal and a ★ in the editor never disagree about the same column.
 * Lower-is-better names are tested first: "val_error_score" is an error.
 */
const LOWER_BETTER = /loss|err|rmse|mse|mae|mape|perplexity/i;
const HIGHER_BETTER = /acc|auc|f1|r2|precision|recall|score/i;

export type MetricDirection = 'min' | 'max';

/** 'min' for losses and errors, 'max' for scores, null when the name does not say (no best is marked then). */
export function metricDirection(key: string): MetricDirection | null {
  if (LOWER_BETTER.test(key)) return 'min';
  if (HIGHER_BETTER.test(key)) return 'max';
  return null;
}
