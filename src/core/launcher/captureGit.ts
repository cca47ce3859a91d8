import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GitInfo } from '../runs/runRecord';
import { LINEAGE_DIR } from '../util/lineagePaths';

/** Untracked files bigger than this are listed (name and size) but not copied into the diff. */
export const MAX_UNTRACKED_BYTES = 1024 * 1024;
/** At most this many untracked files are copied into the diff. */
const MAX_UNTRACKED_FILES = 200;

/** An untracked file left out of the recorded diff, and why (run.json's `git.untrackedOmitted`). */
export interface OmittedFile {
  path: string;
  /** secret: its name looks like keys or credentials (name only, never read); binary; large; output: an earlier run wrote it. */
  reason: 'secret' | 'binary' | 'large' | 'output';
  size?: number;
}

export type CapturedGit = GitInfo & { untrackedOmitted?: OmittedFile[] };

/** File names that usually hold secrets: `.env*`, keys and certificates, credentials, SSH keys, .netrc. */
const SECRET_NAMES = [/^\.env/i, /\.(pem|key|p12|pfx|keystore|jks)$/i, /credentials/i, /^id_(rsa|dsa|ecdsa|ed25519)/i, /^\.(netrc|pgpass)$/i];

export function isSecretName(file: string): boolean {
  const base = file.split('/').pop() ?? file;
  return SECRET_NAMES.some((re) => re.test(base));
}

/** Git's own test: a NUL byte in the first 8,000 bytes makes a file binary. */
function isBinaryFile(abs: string): boolean {
  const fd = fs.openSync(abs, 'r');
  try {
    const buf = Buffer.alloc(8000);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n).includes(0);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Absolute paths that earlier runs of this workspace recorded as outputs (role "output" in their
 * datasets.json): models, predictions, plots. They belong to those runs, not to this run's code changes.
 */
async function earlierOutputs(runDir: string): Promise<string[]> {
  const runsDir = path.dirname(runDir);
  const workspace = path.dirname(path.dirname(runsDir));
  let names: string[];
  try {
    names = await fs.promises.readdir(runsDir);
  } catch {
    return [];
  }
  const out = new Set<string>();
  await Promise.all(
    names
      .filter((n) => n !== path.basename(runDir))
      .map(async (n) => {
        try {
          const j = JSON.parse(await fs.promises.readFile(path.join(runsDir, n, 'datasets.json'), 'utf8')) as { datasets?: unknown };
          if (!Array.isArray(j.datasets)) return;
          for (const d of j.datasets as Array<{ path?: unknown; role?: unknown }>)
            if (d && d.role === 'output' && typeof d.path === 'string') out.add(path.resolve(workspace, d.path));
        } catch {
          /* no datasets.json, or a damaged one */
        }
      }),
  );
  return [...out];
}

function git(cwd: string, args: string[], maxBuffer = 64 * 1024 * 1024): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, maxBuffer, env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' } }, (err, stdout) => {
      // `git diff --no-index` exits 1 when files differ, which is the point.
      if (err && (err as { code?: unknown }).code !== 1) resolve(undefined);
      else resolve(stdout);
    });
  });
}

/**
 * Commit, branch and the uncommitted changes (tracked diff against HEAD plus the content of small untracked
 * text files), written to `git.diff` in the run folder. Untracked files are left out of the diff, and listed
 * in `untrackedOmitted`, when their name looks secret (by name only: never read), when they are binary or
 * over MAX_UNTRACKED_BYTES (with their size), or when an earlier run recorded them as an output. Returns
 * undefined outside a git repository.
 */
export async function captureGit(cwd: string, runDir: string): Promise<CapturedGit | undefined> {
  const top = (await git(cwd, ['rev-parse', '--show-toplevel']))?.trim();
  if (!top) return undefined;
  const [commit, branch, diff, untrackedOut] = await Promise.all([
    git(top, ['rev-parse', 'HEAD']),
    git(top, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(top, ['diff', 'HEAD', '--binary']),
    git(top, ['ls-files', '--others', '--exclude-standard', '-z']),
  ]);
  const untracked = (untrackedOut ?? '').split('\0').filter((f) => f && !f.startsWith(`${LINEAGE_DIR}/`) && !f.includes(`/${LINEAGE_DIR}/`));
  const omitted: OmittedFile[] = [];
  const candidates: string[] = [];
  for (const f of untracked) {
    if (isSecretName(f)) {
      omitted.push({ path: f, reason: 'secret' });
      continue;
    }
    if (candidates.length >= MAX_UNTRACKED_FILES) continue;
    const abs = path.join(top, f);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(abs);
    } catch {
      continue;
    }
    // A link is recorded as its target's name (git does not follow it); a FIFO or device is never read.
    if (st.isSymbolicLink()) candidates.push(f);
    else if (!st.isFile()) continue;
    else if (st.size > MAX_UNTRACKED_BYTES) omitted.push({ path: f, reason: 'large', size: st.size });
    else if (isBinaryFile(abs)) omitted.push({ path: f, reason: 'binary', size: st.size });
    else candidates.push(f);
  }
  const outputs = candidates.length ? await earlierOutputs(runDir) : [];
  let text = diff ?? '';
  for (const f of candidates) {
    const abs = path.join(top, f);
    if (outputs.some((o) => abs === o || abs.startsWith(o + path.sep))) {
      omitted.push({ path: f, reason: 'output', size: fs.lstatSync(abs, { throwIfNoEntry: false })?.size });
      continue;
    }
    const d = await git(top, ['diff', '--no-index', '--binary', '--', '/dev/null', f]);
    if (d) text += d;
  }
  const info: CapturedGit = {
    commit: commit?.trim() || '(no commits yet)',
    branch: branch?.trim() || '',
    dirty: text.length > 0,
    untracked: untracked.length ? untracked : undefined,
    untrackedOmitted: omitted.length ? omitted : undefined,
  };
  if (text.length > 0) {
    fs.writeFileSync(path.join(runDir, 'git.diff'), text);
    info.diffFile = 'git.diff';
  }
  return info;
}
