import * as fs from 'node:fs';
import { Store } from './store/store';
import { syncRuns, SyncReport, SyncOptions } from './ingest/syncRuns';
import { lineagePaths, LineagePaths } from './util/lineagePaths';

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

  static async open(workspace: string, opts: { sync?: boolean } & SyncOptions = {}): Promise<LineageWorkspace> {
    const ws = new LineageWorkspace(lineagePaths(workspace), await Store.open(lineagePaths(workspace)));
    if (opts.sync !== false || ws.store.needsFullSync) await ws.sync(opts);
    return ws;
  }

  sync(opts: SyncOptions = {}): Promise<SyncReport> {
    return syncRuns(this.store, opts);
  }

  /** Throws away the index and builds it again from the run folders (`lineage db rebuild`). */
  static async rebuild(workspace: string, opts: SyncOptions = {}): Promise<{ ws: LineageWorkspace; report: SyncReport }> {
    const paths = lineagePaths(workspace);
    const old = `${paths.db}.rebuild-old`;
    if (fs.existsSync(paths.db)) fs.renameSync(paths.db, old);
    try {
      const ws = new LineageWorkspace(paths, await Store.open(paths));
      ws.store.notices.length = 0;
      const report = await ws.sync(opts);
      ws.store.markDirty();
      await ws.store.save();
      fs.rmSync(old, { force: true });
      return { ws, report };
    } catch (err) {
      if (fs.existsSync(old) && !fs.existsSync(paths.db)) fs.renameSync(old, paths.db);
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
