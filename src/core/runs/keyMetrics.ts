import type { MetricSummary } from './queries';
import { formatNumber } from '../util/format';

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

/**
 * The curves a comparison opens with: the key metrics among those some run logged more than once, each key
 * once however many runs logged it (ranking every run's copy filled the top with one metric).
 */
export function chartMetrics(runs: Array<{ metrics: MetricSummary[] }>, n = 4): string[] {
  const curves = new Map<string, MetricSummary>();
  for (const r of runs) for (const m of r.metrics) if (m.count > 1 && !curves.has(m.key)) curves.set(m.key, m);
  return keyMetrics([...curves.values()], n).map((m) => m.key);
}

/** "val_rmse 0.31 · val_r2 0.87": the key metrics as one line of text, for end-of-run messages. */
export function keyMetricsText(metrics: MetricSummary[], n = 3): string {
  return keyMetrics(metrics, n)
    .map((m) => `${m.key} ${formatNumber(m.last)}`)
    .join(' · ');
}
