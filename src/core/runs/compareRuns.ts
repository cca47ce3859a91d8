import type { RunDetail } from './queries';
import type { ParamValue } from '../events/paramValue';
import { metricDirection, MetricDirection } from './metricDirection';

/** Runs side by side: every param and final metric key any of them has, in one column per run. */
export interface Comparison {
  params: Array<{ key: string; values: Array<ParamValue | undefined>; differs: boolean }>;
  /** `best`: the columns holding the best value of the row — every one of them on an exact tie, none without a direction. */
  metrics: Array<{ key: string; values: Array<number | null>; differs: boolean; best: number[]; direction: MetricDirection | null }>;
}

export function compareRuns(runs: RunDetail[]): Comparison {
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.key)))].sort();
  const params = paramKeys.map((key) => {
    const values = runs.map((r) => (Object.hasOwn(r.params, key) ? r.params[key] : undefined));
    return { key, values, differs: new Set(values.map((v) => JSON.stringify(v ?? null))).size > 1 };
  });
  const metrics = metricKeys.map((key) => {
    const values = runs.map((r) => r.metrics.find((m) => m.key === key)?.last ?? null);
    const direction = metricDirection(key);
    let best: number[] = [];
    if (direction) {
      const finite = values.filter((v): v is number => v !== null && !Number.isNaN(v));
      if (finite.length) {
        const top = direction === 'min' ? Math.min(...finite) : Math.max(...finite);
        // A tie is a tie: marking only the first of equal runs would claim a winner the numbers do not show.
        best = values.flatMap((v, i) => (v === top ? [i] : []));
      }
    }
    return { key, values, differs: new Set(values.map((v) => String(v))).size > 1, best, direction };
  });
  return { params, metrics };
}
