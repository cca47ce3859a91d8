import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { RunDetailAction, RunDetailReady, RunDetailShow, type RunAction, type RunDetailState } from '../../../webview/runDetail/protocol';
import { lineagePaths, runDir } from '../../core/util/lineagePaths';
import { PanelHost } from './panelHost';
import { folderOfRuns, openFolder } from './panelFolder';
import { changedFiles, diffUris } from './gitDiffDocs';
import { runDetailData } from './runDetailData';
import { engine } from '../engine';
import { COMMANDS } from '../commands/ids';

export const RUN_VIEW_TYPE = 'lineage.run';

type Ready = { runId: string | null; folder?: string };

/** One panel per run: everything recorded about it, refreshed while it runs. */
export class RunDetailPanel extends PanelHost<Ready> {
  private static byRun = new Map<string, RunDetailPanel>();

  /** `folder`: the run's workspace folder, when the caller knows it (else the folder that holds the run). */
  static show(state: Lineage, runId: string, folder?: string): void {
    const open = RunDetailPanel.byRun.get(runId);
    if (open) return open.panel.reveal();
    new RunDetailPanel(state, PanelHost.create(state, RUN_VIEW_TYPE, 'Run'), runId, folder ?? folderOfRuns(state, [runId]));
  }

  static revive(state: Lineage, panel: vscode.WebviewPanel, saved: RunDetailState | undefined): void {
    const runId = saved?.runId ?? '';
    new RunDetailPanel(state, panel, runId, openFolder(saved?.folder) ?? (runId ? folderOfRuns(state, [runId]) : undefined));
  }

  private constructor(
    state: Lineage,
    panel: vscode.WebviewPanel,
    private runId: string,
    private folder: string | undefined,
  ) {
    super(state, panel, {
      viewType: RUN_VIEW_TYPE,
      label: 'Run panel',
      ready: RunDetailReady,
      title: 'Lineage: Run',
      scripts: ['runDetail.js'],
      styles: ['runDetail.css'],
      allowEval: false,
    });
    RunDetailPanel.byRun.set(runId, this);
    this.ipc.on(RunDetailAction, (m) => this.onAction(m.action, m.path));
    this.disposables.push(
      state.onDidChangeRuns((ids) => {
        if (ids.includes(this.runId) && this.panel.visible) void this.send().catch((err) => this.log((err as Error).message));
      }),
    );
  }

  private runFolder(): string {
    const f = this.folder ?? folderOfRuns(this.state, [this.runId]);
    if (!f) throw new Error('no folder is open');
    return f;
  }

  protected onReady(m: Ready): Promise<void> {
    if (!this.runId && m.runId) {
      this.runId = m.runId;
      RunDetailPanel.byRun.set(this.runId, this);
    }
    this.folder ??= openFolder(m.folder) ?? folderOfRuns(this.state, [this.runId]);
    return this.send();
  }

  private async onAction(action: RunAction, file: string | undefined): Promise<void> {
    const folder = this.runFolder();
    const dir = runDir(lineagePaths(folder), this.runId);
    switch (action) {
      case 'openArtifact':
      case 'revealArtifact': {
        const target = path.resolve(dir, file ?? '');
        // Paths come from the webview: never outside this run's folder.
        if (!target.startsWith(dir + path.sep)) return;
        if (action === 'openArtifact') await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(target));
        else
          await vscode.commands
            .executeCommand('revealFileInOS', vscode.Uri.file(target))
            .then(undefined, () => vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(target)));
        return;
      }
      case 'openConsole':
        return void (await vscode.commands.executeCommand(COMMANDS.openConsoleLog, this.runId));
      case 'checkData':
        return void (await vscode.commands.executeCommand(COMMANDS.showDataStatus, this.runId));
      case 'rerun':
        return void (await vscode.commands.executeCommand(COMMANDS.rerun, this.runId));
      case 'compareWithPrevious': {
        const ws = await this.state.workspace(folder);
        const { previousRunInExperiment } = await engine();
        const prev = previousRunInExperiment(ws.store, this.runId);
        if (!prev) return void vscode.window.showInformationMessage('Lineage: this is the first run of its experiment.');
        return void (await vscode.commands.executeCommand(COMMANDS.compareRuns, [prev, this.runId]));
      }
      case 'openDiff': {
        const ws = await this.state.workspace(folder);
        const { getRun } = await engine();
        const r = getRun(ws.store, this.runId);
        if (!r.git?.diffFile) return;
        const diffFile = path.join(dir, r.git.diffFile);
        const files = changedFiles(fs.readFileSync(diffFile, 'utf8'));
        const chosen = files.length === 1 ? files[0] : await vscode.window.showQuickPick(files, { title: `Uncommitted changes when ${r.name} ran` });
        if (!chosen) return;
        const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: r.cwd ?? folder, encoding: 'utf8' }).trim();
        const [before, after] = diffUris(repo, r.git.commit, diffFile, chosen);
        await vscode.commands.executeCommand('vscode.diff', before, after, `${chosen} (${r.git.commit.slice(0, 8)} ↔ run ${r.name})`);
        return;
      }
    }
  }

  private async send(): Promise<void> {
    const folder = this.runFolder();
    const ws = await this.state.workspace(folder);
    const run = await runDetailData(ws, this.runId, this.state.watches.get(folder));
    this.panel.title = `Run ${run.name}`;
    this.ipc.notify(RunDetailShow, { run, folder });
  }

  protected override onDispose(): void {
    if (RunDetailPanel.byRun.get(this.runId) === this) RunDetailPanel.byRun.delete(this.runId);
  }
}

export function registerRunDetailPanel(state: Lineage): vscode.Disposable {
  return PanelHost.registerSerializer<RunDetailState>(state, RUN_VIEW_TYPE, (panel, saved) => RunDetailPanel.revive(state, panel, saved));
}
