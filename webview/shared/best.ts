import { metricDirection } from '../../src/core/runs/metricDirection';

/** Which way is better for a metric: the core's rule (the CLI's too), in the panel's words. */
export type Better = 'lower' | 'higher' | null;

export function better(metric: string): Better {
  const dir = metricDirection(metric);
  return dir === 'min' ? 'lower' : dir === 'max' ? 'higher' : null;
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
