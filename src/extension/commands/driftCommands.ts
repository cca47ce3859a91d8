import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from './ids';
import { pickRun } from './pickRuns';
import { registerCommand } from './register';
import { DriftPanel } from '../panels/driftPanel';
import type { DriftOptions } from '../../core/drift/types';
import { batchColumns } from '../../core/drift/batchColumns';

const TABLE_FILTERS = { 'Tables (CSV, TSV, JSON Lines, gzip)': ['csv', 'tsv', 'tab', 'jsonl', 'ndjson', 'gz'] };

/** An optional column of the batch: picked, none (undefined), or cancelled (null). */
async function pickColumn(columns: string[], title: string, guess: RegExp, exclude?: string): Promise<string | undefined | null> {
  const none: vscode.QuickPickItem = { label: 'None', description: 'the batches have no such column' };
  const items = columns.filter((c) => c !== exclude).map((c) => ({ label: c, description: guess.test(c) ? 'likely' : undefined }));
  items.sort((a, b) => Number(!!b.description) - Number(!!a.description));
  const picked = await vscode.window.showQuickPick([none, ...items], { title, matchOnDescription: true });
  if (!picked) return null;
  return picked === none ? undefined : picked.label;
}

/** "Lineage: Check Drift…": a run (its training data) or a table file as the reference, batch files, then the panel. */
export function registerDriftCommands(lineage: Lineage): vscode.Disposable[] {
  return [
    registerCommand(COMMANDS.checkDrift, async () => {
      const kind = await vscode.window.showQuickPick(
        [
          { label: 'A run', description: 'its training data (the table it read) is the reference', value: 'run' as const },
          { label: 'A table file…', description: 'any CSV, TSV or JSON Lines file is the reference', value: 'file' as const },
        ],
        { title: 'Check drift against…' },
      );
      if (!kind) return;
      let folder = lineage.folderOf();
      let reference: { runId: string } | { file: string };
      if (kind.value === 'run') {
        const run = await pickRun(lineage, 'Check drift against which run’s training data?');
        if (!run) return;
        folder = run.folder;
        reference = { runId: run.id };
      } else {
        const picked = await vscode.window.showOpenDialog({
          title: 'The reference table (e.g. the training data)',
          canSelectMany: false,
          filters: TABLE_FILTERS,
          defaultUri: folder ? vscode.Uri.file(folder) : undefined,
        });
        if (!picked?.[0]) return;
        reference = { file: picked[0].fsPath };
      }
      const monitoring = folder && fs.existsSync(path.join(folder, 'monitoring')) ? path.join(folder, 'monitoring') : folder;
      const batches = await vscode.window.showOpenDialog({
        title: 'Batches of live data to compare (one or more, in time order)',
        canSelectMany: true,
        filters: TABLE_FILTERS,
        defaultUri: monitoring ? vscode.Uri.file(monitoring) : undefined,
        openLabel: 'Check drift',
      });
      if (!batches?.length) return;
      const files = batches.map((u) => u.fsPath).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
      const options: DriftOptions = {};
      const columns = await batchColumns(files[0]);
      if (columns.length) {
        const prediction = await pickColumn(columns, 'The model’s prediction column (optional)', /pred|score|output/i);
        if (prediction === null) return;
        const actual = await pickColumn(
          columns,
          'The actual outcome column (optional: label drift and performance)',
          /actual|label|target|price|^y$/i,
          prediction,
        );
        if (actual === null) return;
        if (prediction) options.prediction = prediction;
        if (actual) options.actual = actual;
      }
      DriftPanel.show(lineage, { folder, reference, batches: files, options });
    }),
  ];
}
