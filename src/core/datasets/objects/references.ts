import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';

const GIT_ENV = { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };

/**
 * The blob each of `rels` (workspace-relative) has in HEAD, for the files git tracks there. One `git
 * ls-tree` for all of them; an empty map outside a repository, before the first commit, or without git.
 */
export function gitBlobsAtHead(workspace: string, rels: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (rels.length === 0) return Promise.resolve(out);
  return new Promise((resolve) => {
    execFile(
      'git',
      ['ls-tree', '-z', 'HEAD', '--', ...rels.map((r) => `:(literal)${r}`)],
      { cwd: workspace, env: GIT_ENV, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return resolve(out);
        for (const rec of stdout.split('\0')) {
          const m = /^\d+ blob ([0-9a-f]{40,64})\t(.*)$/s.exec(rec);
          if (m) out.set(m[2], m[1]);
        }
        resolve(out);
      },
    );
  });
}

/**
 * The files git tracks at HEAD under each of `rels` (files or folders, workspace-relative), one `git
 * ls-tree -r` for all; undefined when git could not say (before the first commit, no git, a failure).
 */
export function gitTrackedAtHead(workspace: string, rels: string[]): Promise<Set<string> | undefined> {
  const out = new Set<string>();
  if (rels.length === 0) return Promise.resolve(out);
  return new Promise((resolve) => {
    execFile(
      'git',
      ['ls-tree', '-r', '-z', '--name-only', 'HEAD', '--', ...rels.map((r) => `:(literal)${r}`)],
      { cwd: workspace, env: GIT_ENV, maxBuffer: 256 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return resolve(undefined);
        for (const rec of stdout.split('\0')) if (rec) out.add(rec);
        resolve(out);
      },
    );
  });
}

/** Whether `dir` is inside a git working tree (a `.git` in it or above it); no git is spawned. */
export function insideGit(dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.git'))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/** What `git hash-object` prints for a file's bytes (sha1, or sha256 in a sha256 repository). */
export async function gitBlobIdOf(file: string, size: number, algo: 'sha1' | 'sha256'): Promise<string> {
  const h = createHash(algo);
  h.update(`blob ${size}\0`);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Streams a git blob into `dst` (a new file). It waits for both the file to be closed and git to have
 * exited, whichever comes first: on a loaded machine git's exit can be seen after the file closed, and
 * waiting for the close only from the exit handler then waited for an event already past — the promise
 * never settled, and the CLI exited 0 having restored nothing.
 */
export function gitCatBlob(workspace: string, blob: string, dst: string): Promise<void> {
  const child = spawn('git', ['cat-file', 'blob', blob], {
    cwd: workspace,
    env: GIT_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`git cat-file ${blob} failed: ${stderr.trim() || (signal ? `killed by ${signal}` : `exit ${code}`)}`)),
    );
  });
  const written = pipeline(child.stdout, fs.createWriteStream(dst, { flags: 'wx', mode: 0o644 }));
  // Both settle; the first failure is the one reported.
  return Promise.allSettled([exited, written]).then(([e, w]) => {
    if (e.status === 'rejected') throw e.reason;
    if (w.status === 'rejected') throw w.reason;
  });
}

/**
 * DVC's pointers in a workspace: `<file>.dvc` (or `<folder>.dvc` above it) next to the data, and the
 * `outs` of any `dvc.lock` at the workspace root. Returns the pointer that tracks `rel`, if any.
 */
export class DvcPointers {
  private lockOuts: Map<string, string> | undefined;

  constructor(private readonly workspace: string) {}

  pointerFor(rel: string): string | undefined {
    if (path.isAbsolute(rel)) return undefined;
    const parts = rel.split('/');
    for (let n = parts.length; n >= 1; n--) {
      const candidate = parts.slice(0, n).join('/');
      if (fs.existsSync(path.join(this.workspace, `${candidate}.dvc`))) return `${candidate}.dvc`;
    }
    const outs = this.outs();
    for (let n = parts.length; n >= 1; n--) {
      const hit = outs.get(parts.slice(0, n).join('/'));
      if (hit) return hit;
    }
    return undefined;
  }

  private outs(): Map<string, string> {
    if (this.lockOuts) return this.lockOuts;
    this.lockOuts = new Map();
    let text: string;
    try {
      text = fs.readFileSync(path.join(this.workspace, 'dvc.lock'), 'utf8');
    } catch {
      return this.lockOuts;
    }
    // dvc.lock is YAML; only `path:` items under an `outs:` key matter, so indentation is enough to read it.
    let outsIndent = -1;
    for (const line of text.split(/\r?\n/)) {
      const indent = line.length - line.trimStart().length;
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      if (outsIndent >= 0 && indent <= outsIndent && !t.startsWith('-')) outsIndent = -1;
      if (/^outs:\s*$/.test(t)) {
        outsIndent = indent;
        continue;
      }
      const m = /^(?:-\s*)?path:\s*(.+?)\s*$/.exec(t);
      if (outsIndent >= 0 && m) this.lockOuts.set(path.posix.normalize(m[1].replace(/^['"]|['"]$/g, '')), 'dvc.lock');
    }
    return this.lockOuts;
  }
}
