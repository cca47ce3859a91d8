/** Which way is better for a metric, from its name: lower for losses and errors, higher for scores. */
export type Better = 'lower' | 'higher' | null;

const LOWER = /loss|err|rmse|mse|mae/i;
const HIGHER = /acc|auc|f1|r2|precision|recall|score/i;

export function better(metric: string): Better {
  if (LOWER.test(metric)) return 'lower';
  if (HIGHER.test(metric)) return 'higher';
  return null;
}

/** The best finite value of a column, or null when the direction is unknown or there is none. */
export function bestOf(values: Iterable<number | null>, dir: Better): number | null {
  if (!dir) return null;
  let best: number | null = null;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (best === null || (dir === 'lower' ? v < best : v > best)) best = v;
  }
  return best;
}
