import type { Store } from '../store/store';

export interface CachedHash {
  size: number;
  mtimeMs: number;
  ino: number;
  sha256: string;
}

/**
 * (path, size, mtime, inode) → sha256, kept in the index so an unchanged file is never read twice.
 * Loaded per folder prefix in one query, written back in one transaction.
 */
export class StatCache {
  private entries = new Map<string, CachedHash>();
  private dirty = new Map<string, CachedHash>();

  constructor(private readonly store: Store | undefined) {}

  load(prefix: string): void {
    if (!this.store) return;
    const stmt = this.store.db.prepare('SELECT path, size, mtime_ms, ino, sha256 FROM stat_cache WHERE path >= ? AND path < ?');
    try {
      stmt.bind([prefix, prefix + '\uffff']);
      while (stmt.step()) {
        const [p, size, mtimeMs, ino, sha256] = stmt.get() as [string, number, number, number, string];
        this.entries.set(p, { size, mtimeMs, ino, sha256 });
      }
    } finally {
      stmt.free();
    }
  }

  lookup(path: string, size: number, mtimeMs: number, ino: number): string | undefined {
    const e = this.entries.get(path);
    return e && e.size === size && e.mtimeMs === mtimeMs && e.ino === ino ? e.sha256 : undefined;
  }

  remember(path: string, e: CachedHash): void {
    this.entries.set(path, e);
    this.dirty.set(path, e);
  }

  flush(): void {
    if (!this.store || this.dirty.size === 0) return;
    const store = this.store;
    store.transaction(() => {
      const stmt = store.db.prepare('INSERT OR REPLACE INTO stat_cache (path, size, mtime_ms, ino, sha256) VALUES (?, ?, ?, ?, ?)');
      try {
        for (const [p, e] of this.dirty) stmt.run([p, e.size, e.mtimeMs, e.ino, e.sha256]);
      } finally {
        stmt.free();
      }
    });
    this.dirty.clear();
  }
}
