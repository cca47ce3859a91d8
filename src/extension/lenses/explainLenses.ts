import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from '../commands/ids';
import { engine } from '../engine';
import { relativeTime } from '../../core/util/format';

/** A call of the SDK's explain: `lineage.explain(` (not `log_explanation`, which logs values computed elsewhere). */
const EXPLAIN_CALL = /\blineage\s*\.\s*explain\s*\(/g;

/**
 * A lens above each line that calls `lineage.explain(`: "Explain: <run>" opens the Explain panel on the latest
 * run of this script that logged an explanation; before there is one it says so (and does nothing).
 */
export async function explainLenses(lineage: Lineage, doc: vscode.TextDocument, folder: string): Promise<vscode.CodeLens[]> {
  const text = doc.getText();
  const lines = new Set<number>();
  for (const m of text.matchAll(EXPLAIN_CALL)) {
    // Skip calls in comments: the text before the match on its line has a '#'.
    const pos = doc.positionAt(m.index ?? 0);
    if (doc.lineAt(pos.line).text.slice(0, pos.character).includes('#')) continue;
    lines.add(pos.line);
  }
  if (lines.size === 0) return [];
  const ws = await lineage.workspace(folder);
  const { recentRunsOfScript, runsWithExplanations, listRuns } = await engine();
  const explained = runsWithExplanations(ws.store);
  const latest = recentRunsOfScript(ws.store, doc.uri.fsPath, 50).find((id) => explained.has(id));
  const run = latest ? listRuns(ws.store, { ids: [latest] })[0] : undefined;
  const command: vscode.Command = run
    ? {
        title: `$(lightbulb) Explain: ${run.name} · ${relativeTime(run.startedAt)}`,
        command: COMMANDS.explainRun,
        arguments: [{ runId: run.id, folder }],
        tooltip: `Open the Explain panel on ${run.name} (${run.id}), the latest run of this script with an explanation`,
      }
    : { title: 'Explain: no explanation yet (run this script with Lineage)', command: '', tooltip: 'Runs of this script have not logged an explanation yet' };
  return [...lines].map((line) => new vscode.CodeLens(new vscode.Range(line, 0, line, 0), command));
}
