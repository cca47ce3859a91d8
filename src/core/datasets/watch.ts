import { watch, FSWatcher } from 'chokidar';
import { resolveDatasetPath } from './datasetIndex';
import { isWatchLimit, WATCH_LIMIT_ADVICE } from '../util/watchFiles';

export interface DatasetWatcherOptions {
  workspace: string;
  /** Called once per burst of changes, with the dataset keys (workspace-relative paths) that changed. */
  onChange: (keys: string[]) => void;
  /** Something the user should be told (once), e.g. the fall-back to polling. */
  onNotice?: (message: string) => void;
  debounceMs?: number;
  pollIntervalMs?: number;
}

/**
 * Watches only the datasets that runs used, never the whole workspace, and reports changes debounced.
 * When the system's watch limit is reached (ENOSPC) it falls back to polling those paths and says so
 * once, instead of going silently stale as other tools do.
 */
export class DatasetWatcher {
  private watcher: FSWatcher | undefined;
  private keys: string[] = [];
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;

  constructor(private readonly opts: DatasetWatcherOptions) {}

  get isPolling(): boolean {
    return this.polling;
  }

  /** Watches exactly these dataset keys from now on. */
  async setPaths(keys: string[]): Promise<void> {
    const next = [...new Set(keys)].sort();
    if (next.join('\0') === this.keys.join('\0') && this.watcher) return;
    this.keys = next;
    await this.restart();
  }

  private async restart(): Promise<void> {
    await this.watcher?.close();
    this.watcher = undefined;
    if (this.closed || this.keys.length === 0) return;
    const byAbs = new Map(this.keys.map((k) => [resolveDatasetPath(this.opts.workspace, k), k]));
    const w = watch([...byAbs.keys()], {
      ignoreInitial: true,
      usePolling: this.polling,
      interval: this.opts.pollIntervalMs ?? 2000,
      binaryInterval: this.opts.pollIntervalMs ?? 2000,
      // Writers that save by rename (pandas, editors) would otherwise look like delete + add.
      atomic: true,
      awaitWriteFinish: false,
    });
    const keyOf = (abs: string): string | undefined => {
      for (const [root, key] of byAbs) if (abs === root || abs.startsWith(root + '/')) return key;
      return undefined;
    };
    w.on('all', (_event, abs) => {
      const key = keyOf(abs);
      if (key) this.queue(key);
    });
    w.on('error', (err) => {
      if (isWatchLimit(err) && !this.polling) {
        this.polling = true;
        this.opts.onNotice?.(
          `The system's file-watch limit is reached, so Lineage now checks the ${this.keys.length} dataset path(s) every ` +
            `${Math.round((this.opts.pollIntervalMs ?? 2000) / 1000)} s instead. To watch instantly again, raise the limit: ${WATCH_LIMIT_ADVICE}`,
        );
        void this.restart();
      }
    });
    this.watcher = w;
    await new Promise<void>((resolve) => w.once('ready', () => resolve()));
  }

  private queue(key: string): void {
    this.pending.add(key);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const keys = [...this.pending].sort();
      this.pending.clear();
      if (keys.length && !this.closed) this.opts.onChange(keys);
    }, this.opts.debounceMs ?? 300);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.watcher?.close();
    this.watcher = undefined;
  }
}
