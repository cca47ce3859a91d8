import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Store } from '../store/store';
import type { FileEntry } from './fingerprint';

export interface CachedFolder {
  listingDigest: string;
  sha256: string;
  size: number;
  fileCount: number;
  mtimeMs: number;
  warnings: string[];
  /** Decoded only when asked for: an unchanged folder's manifest is rarely needed. */
  files: () => FileEntry[];
}

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

  folder(path: string): CachedFolder | undefined {
    if (!this.store) return undefined;
    const r = this.store.get<{
      listing_digest: string;
      sha256: string;
      size: number;
      file_count: number;
      mtime_ms: number;
      manifest: Uint8Array;
      warnings: string | null;
    }>('SELECT listing_digest, sha256, size, file_count, mtime_ms, manifest, warnings FROM folder_cache WHERE path = ?', [path]);
    if (!r) return undefined;
    return {
      listingDigest: r.listing_digest,
      sha256: r.sha256,
      size: r.size,
      fileCount: r.file_count,
      mtimeMs: r.mtime_ms,
      warnings: r.warnings ? (JSON.parse(r.warnings) as string[]) : [],
      files: () =>
        (JSON.parse(inflateRawSync(r.manifest).toString('utf8')) as Array<[string, number, string | null]>).map(([rel, size, sha256]) => ({
          rel,
          size,
          sha256,
        })),
    };
  }

  rememberFolder(path: string, f: Omit<CachedFolder, 'files'>, files: FileEntry[]): void {
    if (!this.store) return;
    const manifest = deflateRawSync(Buffer.from(JSON.stringify(files.map((e) => [e.rel, e.size, e.sha256]))));
    this.store.run(
      'INSERT OR REPLACE INTO folder_cache (path, listing_digest, sha256, size, file_count, mtime_ms, manifest, warnings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [path, f.listingDigest, f.sha256, f.size, f.fileCount, f.mtimeMs, manifest, f.warnings.length ? JSON.stringify(f.warnings.slice(0, 50)) : null],
    );
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
