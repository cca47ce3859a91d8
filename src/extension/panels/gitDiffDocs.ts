import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { diffSide } from '../../core/runs/recordedDiff';
import { inspectRunFile, isRunIdShape } from '../../core/runs/runPaths';

export { changedFiles } from '../../core/runs/recordedDiff';

export const GIT_SCHEME = 'lineage-git';

/**
 * Both sides of a file in a run's uncommitted diff, so VS Code's diff editor can show it (see
 * core/runs/recordedDiff.ts: the "after" side is rebuilt in a private scratch folder). Nothing in the
 * workspace is touched. The URI's query is checked again here: any extension or link can make one.
 */
export class GitDiffDocuments implements vscode.TextDocumentContentProvider {
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const q = new URLSearchParams(uri.query);
    const runFolder = q.get('run') ?? '';
    // Only a run folder (`…/.lineage/runs/<id>`), and only a regular file inside it.
    if (!isRunIdShape(path.basename(runFolder)) || path.basename(path.dirname(runFolder)) !== 'runs') return 'Lineage shows diffs only from a run folder.';
    const diff = inspectRunFile(runFolder, q.get('diff'));
    if (diff.state !== 'file') return `Lineage did not read this run's diff: ${'note' in diff ? diff.note : 'it is missing'}.`;
    return diffSide({
      repo: q.get('repo') ?? '',
      commit: q.get('commit') ?? '',
      diff: fs.readFileSync(diff.abs, 'utf8'),
      file: q.get('file') ?? '',
      side: q.get('side') === 'before' ? 'before' : 'after',
    });
  }
}

/** `runFolder`: the run's folder; `diffFile`: its diff, relative to that folder (as in run.json). */
export function diffUris(repo: string, commit: string, runFolder: string, diffFile: string, file: string): [vscode.Uri, vscode.Uri] {
  const mk = (side: string) =>
    vscode.Uri.from({
      scheme: GIT_SCHEME,
      path: `/${file}`,
      query: new URLSearchParams({ repo, commit, run: runFolder, diff: diffFile, file, side }).toString(),
    });
  return [mk('before'), mk('after')];
}
