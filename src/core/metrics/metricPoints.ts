import type { SeriesPoints } from './chunkCodec';

/**
 * The points a batch of metric lines adds, steps filled in: a line without a step takes the one after the
 * series' last. The ingest and the cache repair both go through this, so they derive the same points.
 */
export function metricPoints(cols: { steps: ArrayLike<number>; ts: ArrayLike<number>; values: ArrayLike<number> }, lastStep: number | null): SeriesPoints {
  const n = cols.values.length;
  const steps = new Float64Array(n);
  let prev = lastStep;
  for (let i = 0; i < n; i++) {
    const s = cols.steps[i];
    steps[i] = s === s ? s : prev === null ? 0 : prev + 1;
    prev = steps[i];
  }
  const asF64 = (a: ArrayLike<number>) => (a instanceof Float64Array ? a : Float64Array.from(a));
  return { steps, ts: asF64(cols.ts), values: asF64(cols.values) };
}

/** The one point of a series whose summary counts one: every field of it is in the row. */
export function summaryPoint(s: { last: number | null; last_nonfinite: string | null; last_step: number | null; last_ts: number | null }): SeriesPoints {
  return {
    steps: Float64Array.of(s.last_step ?? 0),
    ts: Float64Array.of(s.last_ts ?? NaN),
    values: Float64Array.of(s.last ?? Number(s.last_nonfinite ?? NaN)),
  };
}
