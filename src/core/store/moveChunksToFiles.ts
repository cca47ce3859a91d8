import type { Database } from 'sql.js';
import type { MigrationContext } from './schema';
import { seriesFile, seriesRoot, writeRecords } from '../metrics/seriesFile';
import { withSeriesLock } from '../metrics/seriesLock';

interface Rec {
  payload: Uint8Array;
  lod: Uint8Array | null;
  n: number;
  firstStep: number;
  lastStep: number;
}

/**
 * Migration 6: every series the index held as chunk rows is written, bytes unchanged, to its cache file.
 * A chunk without a coarse copy stays without one (Compare then reads its points); a damaged chunk is
 * copied as it is, so the first read finds it and rebuilds the run's series from its events. Gives the
 * event loop a turn between series so a progress bar can move.
 */
export async function moveChunksToFiles(db: Database, ctx: MigrationContext | undefined): Promise<void> {
  const total = Number(db.exec('SELECT count(*) FROM (SELECT DISTINCT run_id, key FROM metric_chunks)')[0]?.values[0]?.[0] ?? 0);
  if (total === 0) return;
  if (!ctx) throw new Error('moving metric chunks to files needs the workspace folder');
  const root = seriesRoot(ctx.root);
  const read = db.prepare(
    `SELECT c.run_id, c.key, c.n, c.first_step, c.last_step, c.data, l.data
       FROM metric_chunks c LEFT JOIN metric_lod l ON l.run_id = c.run_id AND l.key = c.key AND l.seq = c.seq
      ORDER BY c.run_id, c.key, c.seq`,
  );
  let done = 0;
  let lastYield = Date.now();
  let current: { runId: string; key: string; records: Rec[] } | undefined;
  const flush = async () => {
    if (!current) return;
    const { runId, key, records } = current;
    withSeriesLock(root, runId, () => writeRecords(seriesFile(ctx.root, runId, key), records));
    current = undefined;
    done++;
    if (Date.now() - lastYield > 50) {
      ctx.onProgress?.(done, total);
      await new Promise((r) => setImmediate(r));
      lastYield = Date.now();
    }
  };
  try {
    while (read.step()) {
      const [runId, key, n, firstStep, lastStep, data, lod] = read.get() as [
        string,
        string,
        number,
        number | null,
        number | null,
        Uint8Array,
        Uint8Array | null,
      ];
      if (!current || current.runId !== runId || current.key !== key) {
        await flush();
        current = { runId, key, records: [] };
      }
      current.records.push({ payload: data, lod, n, firstStep: firstStep ?? NaN, lastStep: lastStep ?? NaN });
    }
    await flush();
  } finally {
    read.free();
  }
  ctx.onProgress?.(total, total);
}
