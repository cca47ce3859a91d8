import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GitInfo } from '../runs/runRecord';
import { LINEAGE_DIR } from '../util/lineagePaths';

/** Untracked files bigger than this are listed but not copied into the diff. */
const MAX_UNTRACKED_BYTES = 1024 * 1024;

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
 * files), written to `git.diff` in the run folder. Returns undefined outside a git repository.
 */
export async function captureGit(cwd: string, runDir: string): Promise<GitInfo | undefined> {
  const top = (await git(cwd, ['rev-parse', '--show-toplevel']))?.trim();
  if (!top) return undefined;
  const [commit, branch, diff, untrackedOut] = await Promise.all([
    git(top, ['rev-parse', 'HEAD']),
    git(top, ['rev-parse', '--abbrev-ref', 'HEAD']),
    git(top, ['diff', 'HEAD', '--binary']),
    git(top, ['ls-files', '--others', '--exclude-standard', '-z']),
  ]);
  const untracked = (untrackedOut ?? '').split('\0').filter((f) => f && !f.startsWith(`${LINEAGE_DIR}/`) && !f.includes(`/${LINEAGE_DIR}/`));
  let text = diff ?? '';
  for (const f of untracked.slice(0, 200)) {
    let size: number;
    try {
      size = fs.statSync(path.join(top, f)).size;
    } catch {
      continue;
    }
    if (size > MAX_UNTRACKED_BYTES) continue;
    const d = await git(top, ['diff', '--no-index', '--binary', '--', '/dev/null', f]);
    if (d) text += d;
  }
  const info: GitInfo = {
    commit: commit?.trim() || '(no commits yet)',
    branch: branch?.trim() || '',
    dirty: text.length > 0,
    untracked: untracked.length ? untracked : undefined,
  };
  if (text.length > 0) {
    fs.writeFileSync(path.join(runDir, 'git.diff'), text);
    info.diffFile = 'git.diff';
  }
  return info;
}
