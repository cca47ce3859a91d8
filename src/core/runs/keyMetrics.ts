import type { MetricSummary } from './queries';

const VALIDATION = /^(val|valid|validation|test|eval)([_./-]|$)/i;
/** The usual headline metrics, in the order people quote them. */
const HEADLINE = ['rmse', 'loss', 'accuracy', 'acc', 'auc', 'f1', 'mae', 'mse', 'r2', 'error'];

function headlineRank(key: string): number {
  const base = key.replace(VALIDATION, '').toLowerCase();
  const i = HEADLINE.findIndex((h) => base === h || base.endsWith('_' + h));
  return i < 0 ? HEADLINE.length : i;
}

/**
 * The metrics worth showing in one line: validation/test metrics first (that is what people decide on),
 * headline names (rmse, loss, accuracy…) before the rest, then by name.
 */
export function keyMetrics(metrics: MetricSummary[], n = 3): MetricSummary[] {
  const rank = (m: MetricSummary) => (VALIDATION.test(m.key) ? 0 : 100) + headlineRank(m.key);
  return [...metrics].sort((a, b) => rank(a) - rank(b) || a.key.localeCompare(b.key)).slice(0, n);
}
