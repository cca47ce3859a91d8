import type { Store } from '../store/store';
import { concatPoints, decodeChunk, encodeChunk, SeriesPoints } from './chunkCodec';
import { encodeLod } from './lodCodec';

/** Points per chunk: big enough that SQLite rows stay few, small enough that a live append rewrites little. */
export const CHUNK_POINTS = 8192;

export interface SummaryRow {
  count: number;
  nan_count: number;
  first: number | null;
  last: number | null;
  last_nonfinite: string | null;
  min: number | null;
  max: number | null;
  first_step: number | null;
  last_step: number | null;
  last_ts: number | null;
}

/**
 * Appends points to a (run, metric) series: fills the open last chunk, adds new chunks (each with its coarse
 * copy in metric_lod, see lodCodec.ts), updates the summary.
 */
export function appendSeries(store: Store, runId: string, key: string, add: SeriesPoints, prev: SummaryRow | undefined): SummaryRow {
  let points = add;
  let seq = 0;
  if (prev && prev.count > 0) {
    const last = store.get<{ seq: number; n: number; data: Uint8Array }>(
      'SELECT seq, n, data FROM metric_chunks WHERE run_id = ? AND key = ? ORDER BY seq DESC LIMIT 1',
      [runId, key],
    );
    if (last) {
      if (last.n < CHUNK_POINTS) {
        points = concatPoints(decodeChunk(last.data), add);
        seq = last.seq;
      } else seq = last.seq + 1;
    }
  }
  const n = points.values.length;
  for (let from = 0; from < n; from += CHUNK_POINTS, seq++) {
    const to = Math.min(n, from + CHUNK_POINTS);
    store.run('INSERT OR REPLACE INTO metric_chunks (run_id, key, seq, n, first_step, last_step, data) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      runId,
      key,
      seq,
      to - from,
      points.steps[from],
      points.steps[to - 1],
      encodeChunk(points, from, to),
    ]);
    store.run('INSERT OR REPLACE INTO metric_lod (run_id, key, seq, data) VALUES (?, ?, ?, ?)', [runId, key, seq, encodeLod(points, from, to)]);
  }
  const s = summarise(add, prev);
  store.run(
    `INSERT OR REPLACE INTO metric_summaries (run_id, key, count, nan_count, first, last, last_nonfinite, min, max, first_step, last_step, last_ts)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [runId, key, s.count, s.nan_count, s.first, s.last, s.last_nonfinite, s.min, s.max, s.first_step, s.last_step, s.last_ts],
  );
  return s;
}

function summarise(add: SeriesPoints, prev: SummaryRow | undefined): SummaryRow {
  const n = add.values.length;
  let min = prev?.min ?? Infinity;
  let max = prev?.max ?? -Infinity;
  let nan = prev?.nan_count ?? 0;
  let sawNumber = prev?.min !== null && prev?.min !== undefined;
  for (let i = 0; i < n; i++) {
    const v = add.values[i];
    if (v !== v) {
      nan++;
      continue;
    }
    sawNumber = true;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const lastV = add.values[n - 1];
  const lastTs = add.ts[n - 1];
  const firstV = add.values[0];
  return {
    count: (prev?.count ?? 0) + n,
    nan_count: nan,
    first: prev && prev.count > 0 ? prev.first : Number.isFinite(firstV) ? firstV : null,
    last: Number.isFinite(lastV) ? lastV : null,
    last_nonfinite: Number.isFinite(lastV) ? null : String(lastV),
    min: sawNumber ? min : null,
    max: sawNumber ? max : null,
    first_step: prev && prev.count > 0 ? prev.first_step : add.steps[0],
    last_step: add.steps[n - 1],
    last_ts: Number.isNaN(lastTs) ? (prev?.last_ts ?? null) : lastTs,
  };
}

/** Reads a whole series back (for plots and exports), in step order as logged. */
export function readSeries(store: Store, runId: string, key: string): SeriesPoints {
  const rows = store.all<{ data: Uint8Array }>('SELECT data FROM metric_chunks WHERE run_id = ? AND key = ? ORDER BY seq', [runId, key]);
  const parts = rows.map((r) => decodeChunk(r.data));
  // Into arrays of the final size: concatenating chunk by chunk copied a 1M-point series ~60 times over.
  const n = parts.reduce((a, p) => a + p.values.length, 0);
  const out: SeriesPoints = { steps: new Float64Array(n), ts: new Float64Array(n), values: new Float64Array(n) };
  let o = 0;
  for (const p of parts) {
    out.steps.set(p.steps, o);
    out.ts.set(p.ts, o);
    out.values.set(p.values, o);
    o += p.values.length;
  }
  return out;
}
