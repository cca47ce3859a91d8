import type { MetricSummary } from './queries';

const VALIDATION = /^(val|valid|validation|test|eval)([_./-]|$)/i;

/**
 * The metrics worth showing in one line: validation/test metrics first (that is what people decide on),
 * final values (logged once) before curves, then the rest by name.
 */
export function keyMetrics(metrics: MetricSummary[], n = 3): MetricSummary[] {
  const rank = (m: MetricSummary) => (VALIDATION.test(m.key) ? 0 : 2) + (m.count === 1 ? 0 : 1);
  return [...metrics].sort((a, b) => rank(a) - rank(b) || a.key.localeCompare(b.key)).slice(0, n);
}
