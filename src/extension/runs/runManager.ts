import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import type { RunHandle } from '../../core/launcher/launch';
import { RunTerminal } from '../runTerminal';
import { formatNumber } from '../../core/util/format';
import { keyMetrics } from '../../core/runs/keyMetrics';
import { COMMANDS } from '../commands/ids';
import { runCommand } from '../commands/register';
import { keepOverrides, setting } from '../config';
import { engine } from '../engine';
import { pythonFor } from './python';

interface LiveRun {
  handle: RunHandle;
  folder: string;
  name: string;
  latest: string;
}

export interface StartOptions {
  folder: string;
  command: string[];
  cwd: string;
  title: string;
  name?: string;
  experiment?: string;
}

/**
 * Every run started from the editor: its terminal, a status bar item with the newest metric, and its end.
 * Its live updates come as for any run in progress (RunsWatcher watches its folder).
 */
export class RunManager implements vscode.Disposable {
  readonly live = new Map<string, LiveRun>();
  private readonly statusItem = vscode.window.createStatusBarItem('lineage.runs', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;

  constructor(private readonly lineage: Lineage) {
    this.statusItem.name = 'Lineage runs';
    this.statusItem.command = COMMANDS.stopRun;
    this.subscription = lineage.onDidChangeRunsIn(({ ids }) => {
      for (const id of ids) {
        const live = this.live.get(id);
        if (live) void this.refreshLatest(live).catch(() => undefined);
      }
    });
  }

  async start(opts: StartOptions): Promise<RunHandle | undefined> {
    if (!vscode.workspace.isTrusted) {
      const pick = await vscode.window.showWarningMessage(
        'Lineage does not run scripts in an untrusted workspace. Trust this folder to run experiments.',
        'Manage Workspace Trust',
      );
      if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const resource = vscode.Uri.file(opts.cwd);
    const python = await pythonFor(this.lineage, resource);
    if (!python) return undefined;
    const { launchRun, LaunchError } = await engine();
    const term = new RunTerminal(opts.title);
    let handle: RunHandle;
    try {
      handle = await launchRun({
        workspace: opts.folder,
        command: opts.command,
        cwd: opts.cwd,
        python,
        name: opts.name,
        experiment: opts.experiment,
        createdBy: 'vscode',
        env: {
          ...(setting('captureData', resource) ? {} : { LINEAGE_CAPTURE_DATA: '0' }),
          ...(setting('maskSecrets', resource) ? {} : { LINEAGE_MASK_SECRETS: '0' }),
          ...(setting('autolog.frameworks', resource) ? { LINEAGE_AUTOLOG_FRAMEWORKS: '1' } : {}),
        },
        onOutput: (text) => term.write(text),
      });
    } catch (err) {
      term.dispose();
      const msg = err instanceof LaunchError ? err.message : String(err);
      const pick = await vscode.window.showErrorMessage(`Lineage: ${msg}`, 'Select Interpreter');
      if (pick) void runCommand(COMMANDS.selectInterpreter);
      return undefined;
    }
    term.onStop(() => handle.stop());
    term.show(`Lineage run ${handle.record.name} (${handle.id})`);
    const live: LiveRun = { handle, folder: opts.folder, name: handle.record.name, latest: '' };
    this.live.set(handle.id, live);
    this.updateStatus();
    this.lineage.log(`Started run ${handle.id}: ${handle.record.command.join(' ')}`);
    await this.lineage.sync(opts.folder, [handle.id]);
    void this.finish(live, term);
    return handle;
  }

  private async refreshLatest(live: LiveRun): Promise<void> {
    const ws = await this.lineage.workspace(live.folder);
    const { listRuns } = await engine();
    const r = listRuns(ws.store, { ids: [live.handle.id] })[0];
    if (!r) return;
    const newest = [...r.metrics].sort((a, b) => (b.lastStep ?? 0) - (a.lastStep ?? 0))[0];
    live.latest = newest ? `${newest.key} ${formatNumber(newest.last)}` : '';
    this.updateStatus();
  }

  private async finish(live: LiveRun, term: RunTerminal): Promise<void> {
    const result = await live.handle.done.catch((err: Error) => err);
    this.live.delete(live.handle.id);
    this.updateStatus();
    const ws = await this.lineage.workspace(live.folder);
    const { finishRun } = await engine();
    // The same steps as after `lineage run`; the index is saved with the next changes, the window staying open.
    const run = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Lineage' }, (progress) =>
      finishRun(ws, live.handle.id, {
        sync: () => this.lineage.sync(live.folder, [live.handle.id]),
        onProgress: (message) => progress.report({ message }),
        onWarning: (message) => this.lineage.log(`Run ${live.handle.id}: ${message}`),
        save: 'later',
        keep: keepOverrides(vscode.Uri.file(live.folder)),
      }),
    );
    this.lineage.fireChanged([live.handle.id], live.folder);
    void this.lineage.watches.get(live.folder)?.refresh();
    const metric = keyMetrics(run.metrics, 1)[0];
    const metricText = metric ? ` · ${metric.key} ${formatNumber(metric.last)}` : '';
    const secs = ((run.durationMs ?? 0) / 1000).toFixed(1);
    term.finish(`\r\n[Lineage] run ${run.status} in ${secs} s${metricText}\r\n`);
    this.lineage.log(`Run ${run.id} ${run.status}${result instanceof Error ? `: ${result.message}` : ''}`);
    const message = `Lineage: run ${run.name} ${run.status} in ${secs} s${metricText}`;
    const action =
      run.status === 'finished'
        ? await vscode.window.showInformationMessage(message, 'Show Run', 'Open Console Log')
        : await vscode.window.showErrorMessage(
            `${message}. ${run.error ? run.error.trim().split('\n').pop() : 'See the console log.'}`,
            'Open Console Log',
            'Show Run',
          );
    if (action === 'Open Console Log') await vscode.window.showTextDocument(vscode.Uri.file(path.join(live.handle.dir, 'console.log')));
    else if (action === 'Show Run') await runCommand(COMMANDS.openRun, run.id);
  }

  stop(id: string): boolean {
    const live = this.live.get(id);
    if (!live) return false;
    live.handle.stop();
    this.lineage.log(`Stopping run ${id}`);
    return true;
  }

  private updateStatus(): void {
    const runs = [...this.live.values()];
    if (runs.length === 0) {
      this.statusItem.hide();
      return;
    }
    const first = runs[0];
    this.statusItem.text =
      runs.length === 1 ? `$(sync~spin) ${first.name}${first.latest ? ` · ${first.latest}` : ''}` : `$(sync~spin) ${runs.length} Lineage runs`;
    this.statusItem.tooltip = new vscode.MarkdownString(
      runs.map((r) => `**${r.name.replace(/[*_`\\[\]<>]/g, '')}** ${r.latest.replace(/[*_`\\[\]<>]/g, '')}`).join('\n\n') + '\n\nClick to stop a run.',
    );
    this.statusItem.accessibilityInformation = { label: `Lineage: ${runs.length} run(s) in progress. Click to stop.` };
    this.statusItem.show();
  }

  dispose(): void {
    this.subscription.dispose();
    this.statusItem.dispose();
  }
}
