import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Lineage } from '../lineage';
import { RUN_ID_PATTERN } from '../../core/util/ids';
import { isProcessAlive } from '../../core/util/fsx';
import { watchPath, PathWatch } from '../../core/util/watchFiles';
import { LINEAGE_DIR, lineagePaths, runDir } from '../../core/util/lineagePaths';
import { engine } from '../engine';

/** A burst of appends costs one sync, and a steadily logging run is read at most this often. */
const THROTTLE_MS = 100;
/** A run whose processes were killed outright writes nothing more: when it has been quiet this long, see whether they live. */
const QUIET_MS = 2000;
/** After a run ends, the CLI still writes datasets.json into its folder. */
const GRACE_MS = 10_000;
/** Only when the system refuses to watch. */
const POLL_MS = 1000;

interface RunWatch {
  watch: PathWatch;
  /** Its processes are on this machine, so the quiet check can tell whether they died; undefined until indexed. */
  local?: boolean;
  lastEvent: number;
  ended?: NodeJS.Timeout;
}

/**
 * One workspace folder's runs, whoever records them (this window, the CLI, another window): new and
 * deleted run folders in .lineage/runs (or .lineage appearing, before the first run), and the folders of
 * runs in progress, each synced into the index a moment after it changes. Nothing runs while nothing
 * changes, except, while a run is in progress, a check every 2 s that its processes still live.
 */
export class FolderRuns {
  private readonly runsDir: string;
  private dirWatch: PathWatch | undefined;
  private watching: string | undefined;
  /** The run folders last seen, to tell new and deleted ones apart; undefined while .lineage/runs is missing. */
  private listing: Set<string> | undefined;
  private readonly runs = new Map<string, RunWatch>();
  private readonly pending = new Set<string>();
  private syncTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly folder: string,
    private readonly lineage: Lineage,
    private readonly onFallback: (what: string, reason: string) => void,
  ) {
    this.runsDir = lineagePaths(folder).runs;
    // What is there now is the index's to read when it opens; only later changes are ours.
    if (fs.existsSync(this.runsDir)) this.listing = new Set(listRuns(this.runsDir));
    this.arm();
  }

  get watched(): string[] {
    return [...this.runs.keys()];
  }

  /** The index learned about runs: watch those in progress, let go of those that ended. */
  async reconcile(): Promise<void> {
    if (this.disposed || !this.lineage.isOpen(this.folder)) return;
    const ws = await this.lineage.workspace(this.folder);
    if (this.disposed) return;
    const { runningRuns, hasRun } = await engine();
    const running = runningRuns(ws.store);
    for (const r of running) {
      let w = this.runs.get(r.id);
      if (w?.ended) {
        clearTimeout(w.ended);
        w.ended = undefined;
      }
      if (!w) {
        w = this.watchRun(r.id);
        // Whatever it wrote between the sync that found it and the watch.
        if (w) this.queue(r.id);
      }
      // As the index decides: only a run of this machine can be found dead.
      if (w) w.local = !r.host || r.host === os.hostname();
    }
    const ids = new Set(running.map((r) => r.id));
    for (const [id, w] of this.runs) {
      if (ids.has(id) || w.ended) continue;
      const indexed = hasRun(ws.store, id);
      if (w.local === undefined && !indexed) continue; // a folder just made, not read yet
      w.ended = setTimeout(() => this.endWatch(id), indexed ? GRACE_MS : 0);
    }
    this.armQuietCheck();
  }

  private endWatch(id: string): void {
    const w = this.runs.get(id);
    if (!w) return;
    w.watch.close();
    if (w.ended) clearTimeout(w.ended);
    this.runs.delete(id);
    this.armQuietCheck();
    void this.lineage.watches.get(this.folder)?.refresh();
  }

  private watchRun(id: string): RunWatch | undefined {
    if (this.runs.has(id)) return this.runs.get(id);
    const dir = runDir(lineagePaths(this.folder), id);
    const w: RunWatch = { watch: { close() {} }, lastEvent: Date.now() };
    try {
      w.watch = watchPath(
        dir,
        (name) => {
          // The script's output says nothing the index keeps.
          if (name === 'console.log') return;
          w.lastEvent = Date.now();
          this.queue(id);
        },
        { poll: [path.join(dir, 'events.jsonl'), path.join(dir, 'run.json')], pollMs: POLL_MS, onFallback: (r) => this.onFallback(`run ${id}`, r) },
      );
    } catch {
      return undefined; // its folder is already gone
    }
    this.runs.set(id, w);
    return w;
  }

  private queue(id: string): void {
    this.pending.add(id);
    this.syncTimer ??= setTimeout(() => {
      this.syncTimer = undefined;
      const ids = [...this.pending];
      this.pending.clear();
      void this.sync(ids);
    }, THROTTLE_MS);
  }

  private sync(ids?: string[]): Promise<void> {
    if (this.disposed) return Promise.resolve();
    return this.lineage.sync(this.folder, ids).catch((err: Error) => this.lineage.log(`Could not read the runs in ${this.runsDir}: ${err.message}`));
  }

  private armQuietCheck(): void {
    const any = [...this.runs.values()].some((w) => w.local && !w.ended);
    if (!any && this.quietTimer) {
      clearInterval(this.quietTimer);
      this.quietTimer = undefined;
    }
    if (!any || this.quietTimer) return;
    this.quietTimer = setInterval(() => void this.checkQuiet().catch(() => undefined), QUIET_MS);
  }

  /** A quiet run whose processes are gone is read once more: the index then says how it ended. */
  private async checkQuiet(): Promise<void> {
    if (!this.lineage.isOpen(this.folder)) return;
    const ws = await this.lineage.workspace(this.folder);
    const { runProcesses } = await engine();
    for (const [id, w] of this.runs) {
      if (!w.local || w.ended || Date.now() - w.lastEvent < QUIET_MS) continue;
      const r = runProcesses(ws.store, id);
      if (r && !isProcessAlive(r.pid ?? 0) && !isProcessAlive(r.childPid ?? 0)) this.queue(id);
    }
  }

  /** Watches .lineage/runs, or while it is missing the nearest folder it will appear in. */
  private arm(): void {
    this.dirWatch?.close();
    this.dirWatch = undefined;
    this.watching = undefined;
    const levels: Array<[string, string | undefined]> = [
      [this.runsDir, undefined],
      [path.dirname(this.runsDir), path.basename(this.runsDir)],
      [this.folder, LINEAGE_DIR],
    ];
    const level = levels.find(([dir]) => fs.existsSync(dir));
    if (this.disposed || !level) return;
    const [dir, child] = level;
    try {
      this.dirWatch = watchPath(dir, (name) => (!child || name === null || name === child) && this.later(), {
        pollMs: POLL_MS,
        poll: [child ? path.join(dir, child) : dir],
        onFallback: (r) => this.onFallback(dir, r),
      });
      this.watching = dir;
    } catch {
      return this.later(); // it went away meanwhile
    }
    if (child && fs.existsSync(path.join(dir, child))) this.later();
  }

  private later(): void {
    this.scanTimer ??= setTimeout(() => {
      this.scanTimer = undefined;
      if (this.disposed) return;
      if (this.watching !== this.runsDir || !fs.existsSync(this.runsDir)) this.arm();
      this.scan();
    }, THROTTLE_MS);
  }

  private scan(): void {
    const exists = fs.existsSync(this.runsDir);
    const now = new Set(exists ? listRuns(this.runsDir) : []);
    const before = this.listing ?? new Set<string>();
    const gone = [...before].filter((id) => !now.has(id));
    const appeared = [...now].filter((id) => !before.has(id));
    this.listing = exists ? now : undefined;
    for (const id of gone) this.endWatch(id);
    const ready: string[] = [];
    for (const id of appeared) {
      // A folder just made gets its run.json a moment later: watch it until then.
      if (fs.existsSync(path.join(this.runsDir, id, 'run.json'))) ready.push(id);
      else this.watchRun(id);
    }
    // The full sync drops the deleted from the index (and reads the new ones).
    if (gone.length) void this.sync();
    else if (ready.length) void this.sync(ready);
  }

  dispose(): void {
    this.disposed = true;
    this.dirWatch?.close();
    for (const w of this.runs.values()) {
      w.watch.close();
      if (w.ended) clearTimeout(w.ended);
    }
    this.runs.clear();
    for (const t of [this.syncTimer, this.scanTimer]) if (t) clearTimeout(t);
    if (this.quietTimer) clearInterval(this.quietTimer);
  }
}

function listRuns(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => RUN_ID_PATTERN.test(n) || fs.existsSync(path.join(dir, n, 'run.json')));
  } catch {
    return [];
  }
}
