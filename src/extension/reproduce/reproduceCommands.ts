import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from '../commands/ids';
import { registerCommand } from '../commands/register';
import { pickRun } from '../commands/pickRuns';
import { runRefsFrom } from '../commands/runArgs';
import { pythonFor } from '../runs/python';
import { engine } from '../engine';

/** What the command did, for the real-VS Code tests (and anyone scripting the command). */
export interface ReproduceOutcome {
  verdict: string;
  reproductionId: string | null;
  /** The report opened: runs/<new>/reproduction.md, or an untitled document when nothing ran. */
  report: vscode.Uri;
}

let output: vscode.OutputChannel | undefined;

/**
 * "Reproduce Run": the same as `lineage reproduce` (core/reproduce), from the Experiments tree or the
 * palette. Scripts run only in a trusted workspace; progress shows in a cancellable notification (Cancel
 * stops the script and removes the worktree); the script's output and the package differences go to the
 * "Lineage Reproduce" output channel; at the end the report opens in a Markdown preview and a notification
 * says the verdict.
 */
export function registerReproduceCommands(lineage: Lineage): vscode.Disposable[] {
  return [
    registerCommand(COMMANDS.reproduceRun, async (arg?: unknown): Promise<ReproduceOutcome | undefined> => {
      let [ref] = runRefsFrom(arg);
      if (!ref) ref = (await pickRun(lineage, 'Reproduce which run?')) ?? { id: '' };
      const folder = ref.folder ?? lineage.folderOfRun(ref.id);
      if (!ref.id || !folder) return undefined;
      if (!vscode.workspace.isTrusted) {
        const pick = await vscode.window.showWarningMessage(
          'Lineage does not run scripts in an untrusted workspace. Trust this folder to reproduce runs.',
          'Manage Workspace Trust',
        );
        if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
        return undefined;
      }
      const ws = await lineage.workspace(folder);
      const { getRun } = await engine();
      const run = getRun(ws.store, ref.id);
      // The run's own interpreter when it is still there; else the one selected for this folder.
      const recorded = run.python?.path;
      const python = recorded && fs.existsSync(recorded) ? undefined : await pythonFor(lineage, vscode.Uri.file(folder));
      const [{ reproduceRun }, { reportMarkdown, verdictSentence }, { packageDifferenceText }] = await Promise.all([
        import('../../core/reproduce/reproduce'),
        import('../../core/reproduce/report'),
        import('../../core/reproduce/packages'),
      ]);
      output ??= vscode.window.createOutputChannel('Lineage Reproduce');
      output.appendLine(`— Reproducing ${run.name} (${run.id})`);
      let report: Awaited<ReturnType<typeof reproduceRun>>;
      try {
        report = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Lineage: reproducing ${run.name}`, cancellable: true },
          async (progress, token) => {
            const abort = new AbortController();
            token.onCancellationRequested(() => abort.abort());
            return reproduceRun(ws, {
              run: run.id,
              python,
              signal: abort.signal,
              createdBy: 'vscode',
              onProgress: (message) => {
                progress.report({ message });
                output!.appendLine(message);
              },
              onPlan: (plan) => {
                output!.appendLine(`interpreter ${plan.interpreter}`);
                if (plan.packages.length) {
                  output!.appendLine(`${plan.packages.length} package(s) differ from the run's environment:`);
                  for (const p of plan.packages) output!.appendLine(`  ${packageDifferenceText(p)}`);
                  output!.show(true);
                } else output!.appendLine("packages: the same versions as the run's");
              },
              onStarted: (id) => void lineage.sync(folder, [id]),
              onOutput: (text) => output!.append(text),
            });
          },
        );
      } catch (err) {
        void vscode.window.showErrorMessage(`Lineage: could not reproduce ${run.name}: ${(err as Error).message}`);
        return undefined;
      }
      if (report.reproduction) await lineage.sync(folder, [report.reproduction.id]);
      const file = report.reproduction ? path.join(ws.paths.runs, report.reproduction.id, 'reproduction.md') : undefined;
      let uri: vscode.Uri;
      if (file && fs.existsSync(file)) {
        uri = vscode.Uri.file(file);
        await vscode.commands.executeCommand('markdown.showPreview', uri);
      } else {
        const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: reportMarkdown(report) });
        uri = doc.uri;
        await vscode.window.showTextDocument(doc, { preview: true });
      }
      const sentence = `Lineage: ${verdictSentence(report)}`;
      const ok = report.verdict === 'identical' || report.verdict === 'within tolerance';
      const shown = ok
        ? vscode.window.showInformationMessage(sentence, 'Open Report')
        : report.verdict === 'differs'
          ? vscode.window.showWarningMessage(sentence, 'Open Report')
          : vscode.window.showErrorMessage(sentence, 'Open Report');
      void shown.then((pick) => {
        if (pick) void vscode.commands.executeCommand(file ? 'markdown.showPreview' : 'vscode.open', uri);
      });
      return { verdict: report.verdict, reproductionId: report.reproduction?.id ?? null, report: uri };
    }),
  ];
}
