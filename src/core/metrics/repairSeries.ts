import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store';
import { parseNewEvents } from '../ingest/parseNewEvents';
import { metricPoints, summaryPoint } from './metricPoints';
import { appendAt, forgetIndexes, readIndex, runSeriesDir, seriesFile, seriesFileName, SeriesDamagedError, SeriesIndex, seriesRoot } from './seriesFile';
import { withSeriesLock } from './seriesLock';

/**
 * Runs `read` on a series' cache file, making sure first that it holds every point the index counts. A file
 * that is missing, short, torn or fails a checksum is looked at again under the writers' lock (a writer may
 * have been rewriting its tail), then rebuilt from the run's events file, and `read` runs once more.
 * undefined is passed when the series has no points and no file.
 */
export function openSeries<T>(store: Store, runId: string, key: string, read: (idx: SeriesIndex | undefined) => T, count = summaryCount(store, runId, key)): T {
  const file = seriesFile(store.paths.root, runId, key);
  for (let attempt = 0; ; attempt++) {
    const idx = readIndex(file);
    try {
      const have = idx?.points ?? 0;
      if (have === 0 && count === 1 && attempt === 0) {
        writeSummaryPoint(store, runId, key, file);
        continue;
      }
      if (have < count)
        throw new SeriesDamagedError(
          idx ? `${path.basename(file)} holds ${have} of the ${count} points the index has${idx.problem ? ` (${idx.problem})` : ''}` : 'its file is missing',
        );
      return read(idx);
    } catch (err) {
      if (!(err instanceof SeriesDamagedError)) throw err;
      if (attempt > 0) throw unrecoverable(runId, key, err);
      const stampBefore = idx?.stamp;
      const fixed = withSeriesLock(seriesRoot(store.paths.root), runId, () => {
        forgetIndexes(path.dirname(file));
        if (readIndex(file)?.stamp !== stampBefore) return true; // it changed while we read: just look again
        return repairRunSeries(store, runId, `was damaged: ${err.message}`);
      });
      if (!fixed) throw unrecoverable(runId, key, err);
    }
  }
}

/** A one-point series has no file until it is read (seriesWriter.ts): written from its summary row. */
function writeSummaryPoint(store: Store, runId: string, key: string, file: string): void {
  const row = store.get<{ last: number | null; last_nonfinite: string | null; last_step: number | null; last_ts: number | null }>(
    'SELECT last, last_nonfinite, last_step, last_ts FROM metric_summaries WHERE run_id = ? AND key = ?',
    [runId, key],
  );
  if (row) withSeriesLock(seriesRoot(store.paths.root), runId, () => appendAt(file, 0, summaryPoint(row)));
}

function unrecoverable(runId: string, key: string, err: Error): SeriesDamagedError {
  return new SeriesDamagedError(
    `The metric cache of run ${runId} (${key}) is damaged (${err.message}) and its events file no longer holds the points the index has; ` +
      'run `lineage db rebuild` to index the run folders again.',
  );
}

function summaryCount(store: Store, runId: string, key: string): number {
  return store.get<{ count: number }>('SELECT count FROM metric_summaries WHERE run_id = ? AND key = ?', [runId, key])?.count ?? 0;
}

/**
 * Writes a run's series again from its events file, up to where the index has read it, into a fresh folder
 * that replaces the old one only if it gives every series exactly the points the index counts. Returns
 * false (and changes nothing) when it cannot: the events file is gone or holds less than it did.
 */
export function repairRunSeries(store: Store, runId: string, reason: string): boolean {
  const row = store.get<{ events_offset: number }>('SELECT events_offset FROM runs WHERE id = ?', [runId]);
  if (!row) return false;
  const want = new Map(
    store.all<{ key: string; count: number }>('SELECT key, count FROM metric_summaries WHERE run_id = ?', [runId]).map((r) => [r.key, r.count]),
  );
  const root = seriesRoot(store.paths.root);
  const dir = runSeriesDir(store.paths.root, runId);
  const events = path.join(store.paths.runs, runId, 'events.jsonl');
  return withSeriesLock(root, runId, () => {
    const fresh = `${dir}.repair-${process.pid}`;
    fs.rmSync(fresh, { recursive: true, force: true });
    const got = new Map<string, { count: number; lastStep: number | null }>();
    try {
      if (row.events_offset > 0) {
        if (!fs.existsSync(events)) return false;
        for (const slice of parseNewEvents(events, 0, row.events_offset, 1)) {
          for (const [key, cols] of slice.metrics) {
            const g = got.get(key) ?? { count: 0, lastStep: null };
            const pts = metricPoints(cols, g.lastStep);
            appendAt(path.join(fresh, seriesFileName(key)), g.count, pts);
            got.set(key, { count: g.count + pts.values.length, lastStep: pts.steps[pts.steps.length - 1] });
          }
        }
      }
      for (const [key, count] of want) if ((got.get(key)?.count ?? 0) !== count) return false;
      for (const [key, g] of got) if (want.get(key) !== g.count) return false;
      const old = `${dir}.old-${process.pid}`;
      if (fs.existsSync(dir)) fs.renameSync(dir, old);
      if (fs.existsSync(fresh)) fs.renameSync(fresh, dir);
      fs.rmSync(old, { recursive: true, force: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EDQUOT')
        throw new Error(`The disk is full, so the metric cache of run ${runId} could not be rebuilt from its events file; free some space and try again.`, {
          cause: err,
        });
      throw err;
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
      forgetIndexes(fresh);
      forgetIndexes(dir);
    }
    store.notices.push(`The metric cache of run ${runId} ${reason}. It was rebuilt from the run's events file; no point was lost.`);
    return true;
  });
}

/** The run's series files, gone with the run (deleted, or re-read from the start). */
export function dropRunSeries(store: Store, runId: string): void {
  const dir = runSeriesDir(store.paths.root, runId);
  withSeriesLock(seriesRoot(store.paths.root), runId, () => {
    fs.rmSync(dir, { recursive: true, force: true });
    forgetIndexes(dir);
  });
}
