import * as fs from 'node:fs';

/** What to tell a user whose system refused a watch for lack of watches. */
export const WATCH_LIMIT_ADVICE = 'sudo sysctl fs.inotify.max_user_watches=524288';

/** The errors that mean "the system will not watch more" (the inotify limit, open files), not "this path is gone". */
export function isWatchLimit(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EMFILE';
}

export interface PathWatch {
  close(): void;
}

export interface WatchPathOptions {
  /** What to stat instead when the system will not watch `target` (appends do not change a folder's mtime). */
  poll?: string[];
  pollMs: number;
  /** Told once per watch that failed over to polling, with the reason. */
  onFallback(reason: string): void;
}

/**
 * fs.watch on a file or folder (no timers while nothing changes). When the system refuses (the inotify
 * limit: ENOSPC; too many open files; a file system without notifications) or the watch breaks later,
 * it stats the given paths every `pollMs` instead, so the caller is slower but never goes stale.
 * Throws ENOENT when `target` does not exist. (The datasets' chokidar watcher falls back the same way,
 * on the errors isWatchLimit names.)
 */
export function watchPath(target: string, onEvent: (name: string | null) => void, opts: WatchPathOptions): PathWatch {
  let closed = false;
  let polled: string[] = [];
  const onStat = () => onEvent(null);
  const poll = (err: Error) => {
    if (closed || polled.length) return;
    opts.onFallback(`${(err as NodeJS.ErrnoException).code ?? err.message}`);
    polled = opts.poll ?? [target];
    for (const p of polled) fs.watchFile(p, { interval: opts.pollMs, persistent: false }, onStat);
  };
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(target, { persistent: false }, (_event, name) => onEvent(name === null ? null : String(name)));
    watcher.on('error', (err) => {
      watcher?.close();
      watcher = undefined;
      // The folder itself went away: the owner finds out from this event and decides what to watch next.
      if (fs.existsSync(target)) poll(err);
      else onEvent(null);
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    poll(err as Error);
  }
  return {
    close() {
      closed = true;
      watcher?.close();
      for (const p of polled) fs.unwatchFile(p, onStat);
    },
  };
}
