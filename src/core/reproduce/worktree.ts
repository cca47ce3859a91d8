import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { filePatch, changedFiles, patchProblem } from '../runs/recordedDiff';

/**
 * The clean checkout a reproduction runs in: a detached `git worktree` of the run's commit in a private
 * temporary folder, with the run's recorded diff applied. Removed with `git worktree remove --force` (and
 * the registration pruned) whatever happened.
 */

/** Something that stops a reproduction before the script runs, said so the user knows what to do. */
export class CannotReproduce extends Error {}

function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'git',
      args,
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' } },
      (err, stdout, stderr) => (err ? reject(new Error((stderr || err.message).trim())) : resolve(stdout)),
    ),
  );
}

/** The top folder of the git repository holding `dir`, or undefined. */
export async function repoTopOf(dir: string): Promise<string | undefined> {
  if (!fs.existsSync(dir)) return undefined;
  try {
    return fs.realpathSync((await git(dir, ['rev-parse', '--show-toplevel'])).trim());
  } catch {
    return undefined;
  }
}

export async function commitExists(repo: string, commit: string): Promise<boolean> {
  try {
    await git(repo, ['cat-file', '-e', `${commit}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

export interface Worktree {
  /** The checkout's top folder (the repository's top, at the run's commit). */
  dir: string;
  repo: string;
  remove(): Promise<void>;
}

/** `git worktree add --detach` of `commit` in a new temporary folder. */
export async function addWorktree(repo: string, commit: string): Promise<Worktree> {
  const parent = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-reproduce-')));
  const dir = path.join(parent, 'tree');
  try {
    await git(repo, ['worktree', 'add', '--detach', dir, commit]);
  } catch (err) {
    fs.rmSync(parent, { recursive: true, force: true });
    throw new CannotReproduce(`git could not check out commit ${commit.slice(0, 12)} in a temporary worktree: ${(err as Error).message}`);
  }
  let removed = false;
  return {
    dir,
    repo,
    async remove() {
      if (removed) return;
      removed = true;
      await git(repo, ['worktree', 'remove', '--force', dir]).catch(() => undefined);
      fs.rmSync(parent, { recursive: true, force: true });
      // A worktree folder deleted by other means leaves its registration behind until pruned.
      await git(repo, ['worktree', 'prune']).catch(() => undefined);
    },
  };
}

/** sha256 of the recorded diff's bytes: "the same uncommitted changes" in one value. */
export function diffSha256(diff: Buffer): string {
  return createHash('sha256').update(diff).digest('hex');
}

/**
 * Applies a recorded diff (tracked changes and the untracked text files it carries) to the worktree. Every
 * file's patch is checked first (recordedDiff.ts: no path out of the repository, no symlink or submodule),
 * since a run folder may come from someone else.
 */
export async function applyRecordedDiff(worktree: string, diff: Buffer): Promise<string[]> {
  const text = diff.toString('utf8');
  const files = changedFiles(text);
  for (const f of files) {
    const problem = patchProblem(filePatch(text, f));
    if (problem) throw new CannotReproduce(`the run's recorded diff was not applied: ${problem}.`);
  }
  if (/^diff --git /m.test(text) && files.length === 0) throw new CannotReproduce("the run's recorded diff names no file Lineage can apply safely.");
  const patchFile = path.join(path.dirname(worktree), 'recorded.patch');
  fs.writeFileSync(patchFile, diff);
  try {
    await git(worktree, ['apply', '--whitespace=nowarn', patchFile]);
  } catch (err) {
    throw new CannotReproduce(`the run's recorded diff (git.diff) does not apply to commit: ${(err as Error).message}`);
  } finally {
    fs.rmSync(patchFile, { force: true });
  }
  return files;
}
