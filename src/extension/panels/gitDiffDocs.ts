import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const GIT_SCHEME = 'lineage-git';

/** The files a recorded diff touches, from its `diff --git a/… b/…` headers. */
export function changedFiles(diff: string): string[] {
  const out: string[] = [];
  for (const m of diff.matchAll(/^diff --git a\/(.+?) b\/(.+)$/gm)) out.push(m[2]);
  return [...new Set(out)];
}

/** One file's part of a multi-file patch. */
function filePatch(diff: string, file: string): string {
  const parts = diff.split(/^(?=diff --git )/m);
  return parts.find((p) => p.startsWith('diff --git ') && p.split('\n')[0].endsWith(` b/${file}`)) ?? '';
}

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) =>
      err ? reject(new Error(stderr || err.message)) : resolve(stdout),
    ),
  );
}

/**
 * Both sides of a file in a run's uncommitted diff, so VS Code's diff editor can show it: the "before"
 * side is the file at the run's commit (git show), the "after" side is that plus the recorded patch
 * (git apply in a scratch folder). Nothing in the workspace is touched.
 */
export class GitDiffDocuments implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const repo = q.get('repo')!;
    const commit = q.get('commit')!;
    const file = q.get('file')!;
    const diffFile = q.get('diff')!;
    const before = await run('git', ['show', `${commit}:${file}`], repo).catch(() => '');
    if (q.get('side') === 'before') return before;
    const patch = filePatch(fs.readFileSync(diffFile, 'utf8'), file);
    if (!patch) return before;
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-diff-'));
    try {
      const target = path.join(scratch, file);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (!/^new file mode/m.test(patch)) fs.writeFileSync(target, before);
      fs.writeFileSync(path.join(scratch, '.patch'), patch);
      await run('git', ['apply', '--unsafe-paths', '--whitespace=nowarn', '.patch'], scratch);
      return fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : '';
    } catch (err) {
      return `Lineage could not rebuild this file from the recorded diff: ${(err as Error).message}`;
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
}

export function diffUris(repo: string, commit: string, diffFile: string, file: string): [vscode.Uri, vscode.Uri] {
  const mk = (side: string) =>
    vscode.Uri.from({ scheme: GIT_SCHEME, path: `/${file}`, query: new URLSearchParams({ repo, commit, diff: diffFile, file, side }).toString() });
  return [mk('before'), mk('after')];
}
