import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DatasetWatcher } from '../../core/datasets/watch';
import type { BatchResult, Monitor } from '../../core/drift/monitors';
import { lineagePaths } from '../../core/util/lineagePaths';
import { watchPath, type PathWatch } from '../../core/util/watchFiles';
import type { Lineage } from '../lineage';
import { COMMANDS } from '../commands/ids';

const OPEN_DRIFT = 'Open Drift Panel';

/** The drift engine and the monitors, loaded on first use (not on the activation path). */
const core = () => import('../../core/drift/monitors');

const MONITORS_FILE = 'monitors.json';

export interface MonitorState {
  folder: string;
  monitor: Monitor;
  /** Newest first; `result` null: found but not evaluated yet. */
  batches: Array<{ file: string; result: BatchResult | null }>;
  checking: boolean;
  /** The folder before the glob's first wildcard: what is watched. */
  base: string;
  /** The reference cannot be loaded (the run was deleted, the file moved). */
  error: string | null;
}

interface FolderMonitors {
  states: MonitorState[];
  /** monitors.json cannot be read: what to fix. */
  error: string | null;
  watcher: DatasetWatcher;
  /** The check running now, and whether another was asked for meanwhile. */
  running: Promise<void> | undefined;
  again: Set<string> | 'all' | undefined;
}

/**
 * The workspace folders' monitors (.lineage/monitors.json), their batches' results, and a watcher on each
 * monitor's batch folder and on monitors.json itself, so a batch dropped into the folder or a monitor added
 * from a terminal is evaluated and shown without a refresh. Drift only reads files (no code runs), so it
 * works in an untrusted workspace too.
 */
export class MonitorService implements vscode.Disposable {
  private readonly folders = new Map<string, FolderMonitors>();
  /** Per folder, a watch on .lineage itself (not its subfolders): monitors.json written, by us or `lineage monitor add`. */
  private readonly roots = new Map<string, PathWatch>();
  private readonly emitter = new vscode.EventEmitter<string>();
  /** Fires with the folder whose monitors or results changed. */
  readonly onDidChange = this.emitter.event;
  private disposed = false;

  constructor(private readonly lineage: Lineage) {}

  /**
   * Watches every folder's .lineage for monitors.json and loads the folders that have one; called off the
   * activation path, and again when folders or indexes appear. Cheap when nothing is new.
   */
  start(): void {
    if (this.disposed) return;
    for (const folder of this.lineage.folders()) {
      if (this.roots.has(folder)) continue;
      const root = lineagePaths(folder).root;
      try {
        const w = watchPath(root, (name) => (name === null || name === MONITORS_FILE) && this.monitorsFileChanged(folder), {
          pollMs: 2000,
          onFallback: (reason) => this.lineage.log(`Watching ${root} by polling (${reason}).`),
        });
        this.roots.set(folder, w);
      } catch {
        continue; // .lineage went away meanwhile
      }
      if (fs.existsSync(path.join(root, MONITORS_FILE))) void this.load(folder);
    }
  }

  private reloadTimer = new Map<string, NodeJS.Timeout>();

  /** Writers save by rename (several events): one reload per burst. */
  private monitorsFileChanged(folder: string): void {
    clearTimeout(this.reloadTimer.get(folder));
    this.reloadTimer.set(
      folder,
      setTimeout(() => {
        this.reloadTimer.delete(folder);
        if (this.folders.has(folder) || fs.existsSync(path.join(lineagePaths(folder).root, MONITORS_FILE))) void this.load(folder);
      }, 200),
    );
  }

  states(folder: string): MonitorState[] {
    return this.folders.get(folder)?.states ?? [];
  }

  fileError(folder: string): string | null {
    return this.folders.get(folder)?.error ?? null;
  }

  /** Folders with a monitors.json that were loaded. */
  loadedFolders(): string[] {
    return [...this.folders.keys()];
  }

  /** "drift in newest batch" when a monitor of this run has a newest batch that drifted (or changed schema). */
  warningOf(folder: string, runId: string): string | undefined {
    for (const s of this.states(folder)) {
      if (s.monitor.run !== runId) continue;
      const r = s.batches[0]?.result;
      if (r?.status === 'drift') return 'drift in newest batch';
      if (r?.status === 'schema') return 'schema change in newest batch';
    }
    return undefined;
  }

  /** Every run with a warning, as `folder\0runId` → warning: what the run rows show. */
  warnings(): Map<string, string> {
    const out = new Map<string, string>();
    for (const folder of this.folders.keys())
      for (const s of this.states(folder)) {
        const w = s.monitor.run !== undefined ? this.warningOf(folder, s.monitor.run) : undefined;
        if (w) out.set(`${folder}\0${s.monitor.run}`, w);
      }
    return out;
  }

  /** Reads monitors.json again, shows the stored results at once, then checks new or changed batches. */
  async load(folder: string): Promise<void> {
    if (this.disposed) return;
    const { readMonitors, storedResults, globBase } = await core();
    const { DatasetWatcher } = await import('../../core/datasets/watch');
    let f = this.folders.get(folder);
    if (this.disposed) return;
    if (!f) {
      const watcher = new DatasetWatcher({
        workspace: folder,
        onChange: (keys) => this.changed(folder, keys),
        onNotice: (message) => this.lineage.log(message),
      });
      f = { states: [], error: null, watcher, running: undefined, again: undefined };
      this.folders.set(folder, f);
    }
    const paths = lineagePaths(folder);
    let monitors: Monitor[] = [];
    try {
      monitors = readMonitors(paths.root);
      f.error = null;
    } catch (err) {
      f.error = (err as Error).message;
      this.lineage.log(f.error);
    }
    const old = new Map(f.states.map((s) => [s.monitor.id, s]));
    f.states = monitors.map((monitor) => ({
      folder,
      monitor,
      batches: storedResults(paths, monitor),
      checking: false,
      base: globBase(monitor.batches),
      error: old.get(monitor.id)?.error ?? null,
    }));
    this.emitter.fire(folder);
    await this.watch(folder, f);
    await this.check(folder);
  }

  private async watch(folder: string, f: FolderMonitors): Promise<void> {
    const bases = new Set<string>();
    for (const s of f.states) {
      const base = s.base;
      // A glob from the workspace root would watch every file in it: such monitors are checked on demand.
      if (base && fs.existsSync(path.join(folder, base))) bases.add(base);
    }
    await f.watcher.setPaths([...bases]).catch((err: Error) => this.lineage.log(`Could not watch the monitors' batches: ${err.message}`));
  }

  private changed(folder: string, keys: string[]): void {
    const f = this.folders.get(folder);
    if (!f) return;
    const ids = f.states.filter((s) => keys.includes(s.base)).map((s) => s.monitor.id);
    void this.check(folder, ids);
  }

  /**
   * Evaluates new or changed batches of the folder's monitors (only `ids` when given). One check at a time
   * per folder; asks made meanwhile are merged into the next one.
   */
  check(folder: string, ids?: string[]): Promise<void> {
    const f = this.folders.get(folder);
    if (!f) return this.load(folder);
    if (f.running) {
      if (!ids || f.again === 'all') f.again = 'all';
      else f.again = new Set([...(f.again ?? []), ...ids]);
      return f.running;
    }
    f.running = this.checkNow(folder, f, ids).finally(() => {
      f.running = undefined;
      const next = f.again;
      f.again = undefined;
      if (next && !this.disposed) void this.check(folder, next === 'all' ? undefined : [...next]);
    });
    return f.running;
  }

  private async checkNow(folder: string, f: FolderMonitors, ids: string[] | undefined): Promise<void> {
    const { checkMonitor, describeResult } = await core();
    const ws = await this.lineage.workspace(folder);
    for (const s of f.states) {
      if (this.disposed) return;
      if (ids && !ids.includes(s.monitor.id)) continue;
      s.checking = true;
      this.emitter.fire(folder);
      const before = s.batches[0];
      try {
        const c = await checkMonitor(ws, s.monitor, { warn: (m) => this.lineage.log(m) });
        s.batches = c.batches.map((result) => ({ file: result.file, result }));
        s.error = c.error;
        if (c.error) this.lineage.log(`Monitor ${s.monitor.name}: ${c.error}`);
        const newest = c.batches[0];
        if (newest && c.evaluated.includes(newest.file) && (newest.status === 'drift' || newest.status === 'schema') && before?.file !== newest.file) {
          const said = `Monitor ${s.monitor.name}: ${newest.file}: ${describeResult(newest)}`;
          this.lineage.log(said);
          // A new batch that drifted is news: say it where it is seen, with the way to the details.
          void vscode.window.showWarningMessage(`Lineage: ${said}`, OPEN_DRIFT).then((pick) => {
            if (pick === OPEN_DRIFT) void vscode.commands.executeCommand(COMMANDS.openMonitorDrift, { folder, monitorId: s.monitor.id, file: newest.file });
          });
        }
      } catch (err) {
        s.error = (err as Error).message;
        this.lineage.log(`Monitor ${s.monitor.name} could not be checked: ${s.error}`);
      } finally {
        s.checking = false;
      }
      this.emitter.fire(folder);
    }
    // A batch folder that appeared since is watched from now on.
    await this.watch(folder, f);
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.reloadTimer.values()) clearTimeout(t);
    for (const w of this.roots.values()) w.close();
    this.roots.clear();
    for (const f of this.folders.values()) void f.watcher.close();
    this.folders.clear();
    this.emitter.dispose();
  }
}
