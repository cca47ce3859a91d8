/**
 * What the core produces for the panels: runs and their series as plain data (structured-clone safe), so
 * the webview protocols import these shapes from here and the core never imports a webview.
 */

export type XAxis = 'step' | 'wall' | 'relative';

export interface RunInfo {
  id: string;
  name: string;
  experiment: string;
  status: 'running' | 'finished' | 'failed' | 'killed';
  /** Stable colour index per run (the host assigns it), so a run keeps its colour on every chart. */
  color: number;
  startedAt: number | null;
  params: Record<string, string | number | null>;
  /** Final (last) value, min and max of every metric; NaN/±Infinity are sent as strings. */
  metrics: Record<string, { last: number | string | null; min: number | string | null; max: number | string | null; count: number }>;
}

/**
 * One run's series for one metric, reduced by the host to at most `pointsPerSeries(runs)` buckets. Each
 * bucket keeps the minimum and the maximum (drawn as a band, so no spike disappears) and the last value
 * (the line). Typed arrays travel as binary, not JSON. A series short enough to send whole has `exact`
 * true and no min/max. NaN marks a point whose value was NaN; ±Infinity are kept.
 */
export interface SeriesData {
  runId: string;
  metric: string;
  /** Step, or milliseconds since the epoch, or milliseconds since the run started (per `xAxis`). */
  x: Float64Array;
  y: Float64Array;
  min?: Float32Array;
  max?: Float32Array;
  exact: boolean;
  xAxis: XAxis;
  /** Points in the full series (before reduction), for the legend and hover. */
  total: number;
}

/** Points per series the host sends at most; about a chart's pixel width, so nothing is lost to the eye. */
export const MAX_POINTS_PER_SERIES = 2000;

/** Buckets per series for n runs on one chart: 2,000 each up to 40 runs, fewer beyond so a message stays under 2 MB. */
export function pointsPerSeries(runs: number): number {
  return Math.max(200, Math.min(MAX_POINTS_PER_SERIES, Math.floor(80_000 / Math.max(1, runs))));
}
