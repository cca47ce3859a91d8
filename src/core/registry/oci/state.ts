import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What the OCI client keeps between pushes: in `stateDir`, open upload sessions (URL and the offset the
 * registry acknowledged) so a push re-run after a crash resumes; in `cacheDir` (else `stateDir`), digests of
 * files already hashed (by path, size and mtime) so a later push can skip blobs the registry has without
 * reading big files again, and the repositories recently pushed to on each registry (sources for
 * cross-repository mounts). No credentials are ever written here.
 */

export interface SavedUpload {
  location: string;
  offset: number;
  updatedAt: string;
}

interface UploadsFile {
  version: 1;
  uploads: Record<string, SavedUpload>;
}

interface CacheFile {
  version: 1;
  digests: Record<string, { size: number; mtimeMs: number; sha256: string }>;
  repositories: Record<string, string[]>;
}

const UPLOADS = 'oci-push-state.json';
const CACHE = 'oci-cache.json';

function readJson<T extends { version: 1 }>(file: string | undefined, empty: T): T {
  if (!file || !fs.existsSync(file)) return empty;
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    return parsed.version === 1 ? { ...empty, ...parsed } : empty;
  } catch {
    return empty; // a damaged file only costs a fresh upload or a re-read
  }
}

function writeJson(file: string | undefined, data: unknown): void {
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(data, null, 1));
  fs.renameSync(tmp, file);
}

export class PushState {
  private readonly uploadsFile: string | undefined;
  private readonly cacheFile: string | undefined;
  private readonly data: UploadsFile;
  private readonly cache: CacheFile;

  /** Upload sessions go to `stateDir` (per push); digests and repositories to `cacheDir` (kept), else `stateDir`. */
  constructor(stateDir: string | undefined, cacheDir?: string) {
    this.uploadsFile = stateDir ? path.join(stateDir, UPLOADS) : undefined;
    const c = cacheDir ?? stateDir;
    this.cacheFile = c ? path.join(c, CACHE) : undefined;
    this.data = readJson<UploadsFile>(this.uploadsFile, { version: 1, uploads: {} });
    this.cache = readJson<CacheFile>(this.cacheFile, { version: 1, digests: {}, repositories: {} });
  }

  upload(key: string): SavedUpload | undefined {
    return this.data.uploads[key];
  }

  saveUpload(key: string, location: string, offset: number): void {
    this.data.uploads[key] = { location, offset, updatedAt: new Date().toISOString() };
    writeJson(this.uploadsFile, this.data);
  }

  dropUpload(key: string): void {
    if (!(key in this.data.uploads)) return;
    delete this.data.uploads[key];
    writeJson(this.uploadsFile, this.data);
  }

  knownDigest(absPath: string, size: number, mtimeMs: number): string | undefined {
    const d = this.cache.digests[absPath];
    return d && d.size === size && d.mtimeMs === mtimeMs ? d.sha256 : undefined;
  }

  rememberDigest(absPath: string, size: number, mtimeMs: number, sha256: string): void {
    const known = this.cache.digests[absPath];
    if (known && known.size === size && known.mtimeMs === mtimeMs && known.sha256 === sha256) return;
    this.cache.digests[absPath] = { size, mtimeMs, sha256 };
    writeJson(this.cacheFile, this.cache);
  }

  recentRepositories(registry: string): string[] {
    return this.cache.repositories[registry] ?? [];
  }

  rememberRepository(registry: string, repository: string): void {
    const list = (this.cache.repositories[registry] ?? []).filter((r) => r !== repository);
    this.cache.repositories[registry] = [repository, ...list].slice(0, 8);
    writeJson(this.cacheFile, this.cache);
  }
}
