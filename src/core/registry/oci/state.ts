import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What the OCI client keeps in `stateDir` between pushes: open upload sessions (URL and the offset the registry
 * acknowledged) so a push re-run after a crash resumes, digests of files already hashed (by path, size and mtime)
 * so a second push can skip blobs the registry has without reading them again, and the repositories recently
 * pushed to on each registry (sources for cross-repository mounts). No credentials are ever written here.
 */

export interface SavedUpload {
  location: string;
  offset: number;
  updatedAt: string;
}

interface StateFile {
  version: 1;
  uploads: Record<string, SavedUpload>;
  digests: Record<string, { size: number; mtimeMs: number; sha256: string }>;
  repositories: Record<string, string[]>;
}

const FILE = 'oci-push-state.json';

export class PushState {
  private data: StateFile = { version: 1, uploads: {}, digests: {}, repositories: {} };

  private constructor(private readonly file: string | undefined) {}

  static open(stateDir: string | undefined): PushState {
    const s = new PushState(stateDir ? path.join(stateDir, FILE) : undefined);
    if (s.file && fs.existsSync(s.file)) {
      try {
        const parsed = JSON.parse(fs.readFileSync(s.file, 'utf8')) as StateFile;
        if (parsed.version === 1) s.data = { ...s.data, ...parsed };
      } catch {
        /* a damaged state file only costs a fresh upload */
      }
    }
    return s;
  }

  upload(key: string): SavedUpload | undefined {
    return this.data.uploads[key];
  }

  saveUpload(key: string, location: string, offset: number): void {
    this.data.uploads[key] = { location, offset, updatedAt: new Date().toISOString() };
    this.flush();
  }

  dropUpload(key: string): void {
    if (!(key in this.data.uploads)) return;
    delete this.data.uploads[key];
    this.flush();
  }

  knownDigest(absPath: string, size: number, mtimeMs: number): string | undefined {
    const d = this.data.digests[absPath];
    return d && d.size === size && d.mtimeMs === mtimeMs ? d.sha256 : undefined;
  }

  rememberDigest(absPath: string, size: number, mtimeMs: number, sha256: string): void {
    this.data.digests[absPath] = { size, mtimeMs, sha256 };
    this.flush();
  }

  recentRepositories(registry: string): string[] {
    return this.data.repositories[registry] ?? [];
  }

  rememberRepository(registry: string, repository: string): void {
    const list = (this.data.repositories[registry] ?? []).filter((r) => r !== repository);
    this.data.repositories[registry] = [repository, ...list].slice(0, 8);
    this.flush();
  }

  private flush(): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 1));
    fs.renameSync(tmp, this.file);
  }
}
