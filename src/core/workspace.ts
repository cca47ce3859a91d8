import * as fs from 'node:fs';
import { assertIndexIsFile, Store } from './store/store';
import { syncRuns, SyncReport, SyncOptions } from './ingest/syncRuns';
import { lineagePaths, LineagePaths } from './util/lineagePaths';
import { forgetIndexes, seriesRoot } from './metrics/seriesFile';

/** A read-only command in a folder without `.lineage`: there is nothing to show, and nothing is created. */
export class NoWorkspaceError extends Error {
  constructor(readonly workspace: string) {
    super(`No Lineage runs here: ${workspace} has no .lineage folder; record a run with \`lineage run train.py\`, or point to one with --workspace DIR.`);
  }
}

/**
 * One workspace's Lineage: the index and the run folders it is built from. Every adapter (CLI, extension)
 * goes through this, so they all see the same rules.
 */
export class LineageWorkspace {
  private constructor(
    readonly paths: LineagePaths,
    readonly store: Store,
  ) {
    store.onMerge = async () => {
      await syncRuns(this.store);
    };
  }

  /** `create: false` (what reading commands use) refuses a folder with no `.lineage` instead of making one. */
  static async open(
    workspace: string,
    opts: { sync?: boolean; create?: boolean; onMigrateProgress?: (done: number, total: number) => void } & SyncOptions = {},
  ): Promise<LineageWorkspace> {
    if (opts.create === false && !fs.existsSync(lineagePaths(workspace).root)) throw new NoWorkspaceError(workspace);
    const paths = lineagePaths(workspace);
    const ws = new LineageWorkspace(paths, await Store.open(paths, { onMigrateProgress: opts.onMigrateProgress }));
    if (opts.sync !== false || ws.store.needsFullSync) await ws.sync(opts);
    return ws;
  }

  sync(opts: SyncOptions = {}): Promise<SyncReport> {
    return syncRuns(this.store, opts);
  }

  /** Throws away the index and the metric cache and builds both again from the run folders (`lineage db rebuild`). */
  static async rebuild(workspace: string, opts: SyncOptions = {}): Promise<{ ws: LineageWorkspace; report: SyncReport }> {
    const paths = lineagePaths(workspace);
    const old = `${paths.db}.rebuild-old`;
    const series = seriesRoot(paths.root);
    const oldSeries = `${series}.rebuild-old`;
    // Checked before anything moves: a folder in the index's place would otherwise be moved, then never removed.
    assertIndexIsFile(paths.db);
    assertIndexIsFile(old);
    if (fs.existsSync(paths.db)) fs.renameSync(paths.db, old);
    fs.rmSync(oldSeries, { recursive: true, force: true });
    if (fs.existsSync(series)) fs.renameSync(series, oldSeries);
    forgetIndexes();
    try {
      const ws = new LineageWorkspace(paths, await Store.open(paths));
      ws.store.notices.length = 0;
      const report = await ws.sync(opts);
      ws.store.markDirty();
      await ws.store.save();
      fs.rmSync(old, { force: true });
      fs.rmSync(oldSeries, { recursive: true, force: true });
      return { ws, report };
    } catch (err) {
      // The old index comes back if no new one was written; if one was, the old one has served its purpose.
      if (fs.existsSync(old)) {
        if (!fs.existsSync(paths.db)) {
          fs.renameSync(old, paths.db);
          fs.rmSync(series, { recursive: true, force: true });
          if (fs.existsSync(oldSeries)) fs.renameSync(oldSeries, series);
          forgetIndexes();
        } else fs.rmSync(old, { force: true });
      }
      fs.rmSync(oldSeries, { recursive: true, force: true });
      throw err;
    }
  }

  save(): Promise<void> {
    return this.store.save();
  }

  close(): void {
    this.store.close();
  }
}
