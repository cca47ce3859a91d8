import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isCommitId, safeDiffPath } from './runPaths';

/**
 * A run's recorded diff (`git.diff` in its folder) turned back into the two sides of one file, for a diff
 * viewer. The diff may come from a run folder someone else made, so every path in it is checked, and the
 * patch is applied only inside a private scratch folder that nothing in it can name a way out of.
 */

const HEADER = /^diff --git a\/(.+?) b\/(.+)$/;

/** The files a recorded diff touches, from its `diff --git a/… b/…` headers; paths that could leave a folder are left out. */
export function changedFiles(diff: string): string[] {
  const out: string[] = [];
  for (const m of diff.matchAll(/^diff --git a\/(.+?) b\/(.+)$/gm)) {
    const file = safeDiffPath(m[2]);
    if (file !== undefined && file === m[2]) out.push(file);
  }
  return [...new Set(out)];
}

/** One file's part of a multi-file patch. */
export function filePatch(diff: string, file: string): string {
  const parts = diff.split(/^(?=diff --git )/m);
  return parts.find((p) => p.startsWith('diff --git ') && p.split('\n')[0].endsWith(` b/${file}`)) ?? '';
}

/**
 * What is wrong with one file's patch, or undefined when it is safe to apply: every path in its headers
 * must be relative without `..`, and it must not make a symbolic link or a submodule.
 */
export function patchProblem(patch: string): string | undefined {
  const lines = patch.split('\n');
  for (const line of lines) {
    if (line.startsWith('@@') || line.startsWith('GIT binary patch') || line.startsWith('Binary files')) break;
    let paths: string[] = [];
    const header = HEADER.exec(line);
    if (header) paths = [header[1], header[2]];
    else if (line.startsWith('diff --git ')) return 'a file name in the diff is quoted or malformed';
    else if (/^(---|\+\+\+) /.test(line)) {
      const p = line.slice(4).replace(/\t.*$/, '');
      if (p !== '/dev/null') {
        if (!/^[ab]\//.test(p)) return `the diff names ${JSON.stringify(p)}, which is not a path inside the repository`;
        paths = [p.slice(2)];
      }
    } else {
      const m = /^(?:rename|copy) (?:from|to) (.*)$/.exec(line);
      if (m) paths = [m[1]];
    }
    for (const p of paths) if (safeDiffPath(p) !== p) return `the diff names ${JSON.stringify(p)}, a path outside the repository`;
    if (/^(?:new file mode|new mode|old mode|deleted file mode|index \S+) (?:120000|160000)\s*$/.test(line))
      return 'the diff makes a symbolic link or a submodule';
  }
  return undefined;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C', ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error((stderr || err.message).trim())) : resolve(stdout),
    ),
  );
}

export interface DiffSideRequest {
  /** The repository the run was made in (its top folder). */
  repo: string;
  commit: string;
  /** The whole recorded diff. */
  diff: string;
  /** The file to show, as named in the diff. */
  file: string;
  side: 'before' | 'after';
}

/**
 * The "before" side is the file at the run's commit (`git show <hex>:<file>`); the "after" side is that plus
 * the recorded patch, applied with `git apply` in a new private scratch folder outside any repository (no
 * `--unsafe-paths`, so git itself also refuses a path out of it). Nothing outside the scratch folder is written.
 */
export async function diffSide(req: DiffSideRequest): Promise<string> {
  const file = safeDiffPath(req.file);
  if (file === undefined || file !== req.file) return `Lineage does not show ${JSON.stringify(req.file)}: the path leads outside the repository.`;
  if (!isCommitId(req.commit)) return `Lineage does not read this run's commit ${JSON.stringify(req.commit)}: it is not a git commit id.`;
  const before = await run('git', ['show', `${req.commit}:${file}`], req.repo).catch(() => '');
  if (req.side === 'before') return before;
  const patch = filePatch(req.diff, file);
  if (!patch) return before;
  const problem = patchProblem(patch);
  if (problem) return `Lineage did not apply this run's diff: ${problem}.`;
  const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-diff-')));
  try {
    const tree = path.join(scratch, 'tree');
    const target = path.join(tree, ...file.split('/'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (!/^new file mode/m.test(patch)) fs.writeFileSync(target, before);
    const patchFile = path.join(scratch, 'recorded.patch');
    fs.writeFileSync(patchFile, patch);
    // The ceiling keeps git from taking a repository above the scratch folder as its work tree.
    await run('git', ['apply', '--whitespace=nowarn', patchFile], tree, { GIT_CEILING_DIRECTORIES: scratch });
    const st = fs.lstatSync(target, { throwIfNoEntry: false });
    return st?.isFile() ? fs.readFileSync(target, 'utf8') : '';
  } catch (err) {
    return `Lineage could not rebuild this file from the recorded diff: ${(err as Error).message}`;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
