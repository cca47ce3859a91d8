import type { Store } from '../store/store';
import { concatPoints, type SeriesPoints } from './chunkCodec';
import { appendAt, readAllPoints, seriesFile, seriesRoot, SeriesDamagedError } from './seriesFile';
import { withSeriesLock } from './seriesLock';
import { openSeries, repairRunSeries } from './repairSeries';
import { summaryPoint } from './metricPoints';

export { metricPoints } from './metricPoints';

export { CHUNK_POINTS } from './seriesFile';

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
 * Appends points to a (run, metric) series: its cache file gets them (see seriesFile.ts), the index gets
 * the new summary. A cache file that has lost points the index counts is first rebuilt from the run's
 * events; if even that cannot give them back, SeriesDamagedError goes to the ingest, which reads the run
 * again from the start.
 */
export function appendSeries(store: Store, runId: string, key: string, add: SeriesPoints, prev: SummaryRow | undefined): SummaryRow {
  const root = seriesRoot(store.paths.root);
  const file = seriesFile(store.paths.root, runId, key);
  let position = prev?.count ?? 0;
  let points = add;
  // A series of one point (a final score logged once: most runs have several) lives in its summary row
  // alone; its file is written when a second point comes (with the first, from the summary) or when read.
  if (position + add.values.length > 1 && !diskFullFor(runId)) {
    if (position === 1 && prev) {
      points = concatPoints(summaryPoint(prev), add);
      position = 0;
    }
    try {
      withSeriesLock(root, runId, () => {
        try {
          appendAt(file, position, points);
        } catch (err) {
          if (!(err instanceof SeriesDamagedError)) throw err;
          if (!repairRunSeries(store, runId, `was damaged (${err.message})`)) throw err;
          appendAt(file, position, points);
        }
      });
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      // The index still takes the summary: the file is rebuilt from the events when next read with space.
      diskFull.set(runId, Date.now());
      store.notices.push(
        `The disk is full, so metric points of run ${runId} could not be written to .lineage/cache; free some space and they will be rebuilt from its events file when shown.`,
      );
    }
  }
  const s = summarise(add, prev);
  store.run(
    `INSERT OR REPLACE INTO metric_summaries (run_id, key, count, nan_count, first, last, last_nonfinite, min, max, first_step, last_step, last_ts)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [runId, key, s.count, s.nan_count, s.first, s.last, s.last_nonfinite, s.min, s.max, s.first_step, s.last_step, s.last_ts],
  );
  return s;
}

/**
 * Runs whose cache write just met a full disk: for a while their appends go to the index only, instead
 * of each one rebuilding the file from the events and meeting the full disk again.
 */
const diskFull = new Map<string, number>();
const DISK_FULL_BACKOFF_MS = 10_000;

function diskFullFor(runId: string): boolean {
  const at = diskFull.get(runId);
  if (at === undefined) return false;
  if (Date.now() - at < DISK_FULL_BACKOFF_MS) return true;
  diskFull.delete(runId);
  return false;
}

function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
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
  const empty: SeriesPoints = { steps: new Float64Array(0), ts: new Float64Array(0), values: new Float64Array(0) };
  return openSeries(store, runId, key, (idx) => (idx ? readAllPoints(idx) : empty));
}
