import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { keyMetrics } from '../../core/runs/keyMetrics';
import { formatNumber, relativeTime } from '../../core/util/format';
import { COMMANDS } from '../commands/ids';
import { setting } from '../config';
import { engine } from '../engine';
import { explainLenses } from './explainLenses';

const IMPORTS_LINEAGE = /^\s*(import\s+lineage\b|from\s+lineage\s+import\b)/m;
const DATA_LITERAL = /["']([^"'\n]+\.(?:csv|tsv|jsonl|ndjson|parquet|json|npy|npz|pkl|txt|feather|h5|hdf5|arrow))["']/g;

/**
 * Lenses on training scripts: run, run with params, sweep, the last run's key metric (live), compare the last
 * five, and on lines that name a data file a run read, whether that data changed since.
 */
export class TrainingLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly lineage: Lineage) {
    this.subscription = lineage.onDidChangeRuns(() => this.emitter.fire());
  }

  dispose(): void {
    this.subscription.dispose();
    this.emitter.dispose();
  }

  refresh(): void {
    this.emitter.fire();
  }

  isTrainingScript(doc: vscode.TextDocument): boolean {
    if (doc.languageId !== 'python' || doc.uri.scheme !== 'file') return false;
    if (IMPORTS_LINEAGE.test(doc.getText())) return true;
    const globs = setting('trainingScripts', doc.uri);
    return globs.some((g) => vscode.languages.match({ pattern: g, scheme: 'file' }, doc) > 0);
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!this.isTrainingScript(doc)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const lenses = [
      new vscode.CodeLens(top, {
        title: '▶ Run experiment',
        command: COMMANDS.runCurrentFile,
        arguments: [doc.uri],
        tooltip: 'Run this script and record it with Lineage',
      }),
      new vscode.CodeLens(top, { title: 'Run with params…', command: COMMANDS.runWithParams, arguments: [doc.uri], tooltip: 'Edit the arguments, then run' }),
      new vscode.CodeLens(top, {
        title: 'Sweep…',
        command: COMMANDS.runSweep,
        arguments: [doc.uri],
        tooltip: 'Run the script over a grid, random samples or Optuna trials of its argparse options, grouped under one sweep',
      }),
    ];
    const folder = this.lineage.folderOf(doc.uri);
    if (!folder || !this.lineage.hasLineage(folder)) return lenses;
    const ws = await this.lineage.workspace(folder);
    const { recentRunsOfScript, listRuns } = await engine();
    const recent = recentRunsOfScript(ws.store, doc.uri.fsPath, 5);
    if (recent.length) {
      const last = listRuns(ws.store, { ids: [recent[0]] })[0];
      const m = keyMetrics(last.metrics, 1)[0];
      const what = last.status === 'running' ? 'Running' : last.status === 'finished' ? 'Last run' : `Last run ${last.status}`;
      lenses.push(
        new vscode.CodeLens(top, {
          title: `${what}: ${m ? `${m.key} ${formatNumber(m.last)} · ` : ''}${relativeTime(last.startedAt)}`,
          command: COMMANDS.openRun,
          arguments: [last.id],
          tooltip: `${last.name} (${last.id})`,
        }),
      );
      if (recent.length > 1)
        lenses.push(new vscode.CodeLens(top, { title: `Compare last ${recent.length} runs`, command: COMMANDS.compareRuns, arguments: [recent] }));
    }
    lenses.push(...(await this.dataLenses(doc, folder)));
    lenses.push(...(await explainLenses(this.lineage, doc, folder)));
    return lenses;
  }

  /** A lens on each line naming a data file that runs read: unchanged since the last run, or changed. */
  private async dataLenses(doc: vscode.TextDocument, folder: string): Promise<vscode.CodeLens[]> {
    const ws = await this.lineage.workspace(folder);
    const watch = this.lineage.watches.get(folder);
    const out: vscode.CodeLens[] = [];
    const text = doc.getText();
    const { datasetKey, lastReadOf } = await engine();
    for (const m of text.matchAll(DATA_LITERAL)) {
      const literal = m[1];
      const candidates = [path.resolve(path.dirname(doc.uri.fsPath), literal), path.resolve(folder, literal)];
      const abs = candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
      const key = datasetKey(folder, abs);
      const used = lastReadOf(ws.store, key);
      if (!used) continue;
      const pos = doc.positionAt(m.index ?? 0);
      const change = watch?.changes.get(key);
      // Without a watcher event, size and mtime against the recorded version tell enough for a lens.
      let st: fs.Stats | undefined;
      try {
        st = fs.statSync(abs);
      } catch {
        st = undefined;
      }
      const statChanged =
        !!st && st.isFile() && used.size !== null && (st.size !== used.size || (used.mtime !== null && Math.abs(st.mtimeMs - used.mtime) > 1));
      const title = !st
        ? `$(error) ${key} is missing (used by run ${used.runName})`
        : (change && change.state !== 'unchanged') || statChanged
          ? `$(warning) ${key} changed since run ${change?.sinceRun?.name ?? used.runName}`
          : `$(pass) ${key} unchanged since run ${used.runName}`;
      out.push(new vscode.CodeLens(new vscode.Range(pos.line, 0, pos.line, 0), { title, command: COMMANDS.showDataStatus, arguments: [] }));
    }
    return out;
  }
}
