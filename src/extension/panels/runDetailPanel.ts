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
import { artifactTarget, runActionOf, savedRunId, TRUSTED_ACTIONS } from './panelMessages';
import { inspectRunFile, isCommitId } from '../../core/runs/runPaths';
import { engine } from '../engine';
import { COMMANDS } from '../commands/ids';

export const RUN_VIEW_TYPE = 'lineage.run';

type Ready = { runId: string | null; folder?: string };

/** One panel per run: everything recorded about it, refreshed while it runs. */
export class RunDetailPanel extends PanelHost<Ready> {
  private static byRun = new Map<string, RunDetailPanel>();

  /** The open panel of `runId`, if any: for the real-VS Code tests only (main.ts `LineageApi.testPanels`). */
  static opened(runId: string): RunDetailPanel | undefined {
    return RunDetailPanel.byRun.get(runId);
  }

  /** `folder`: the run's workspace folder, when the caller knows it (else the folder that holds the run). */
  static show(state: Lineage, runId: string, folder?: string): void {
    const open = RunDetailPanel.byRun.get(runId);
    if (open) return open.panel.reveal();
    new RunDetailPanel(state, PanelHost.create(state, RUN_VIEW_TYPE, 'Run'), runId, folder ?? folderOfRuns(state, [runId]));
  }

  static revive(state: Lineage, panel: vscode.WebviewPanel, saved: RunDetailState | undefined): void {
    // The saved state is the webview's: its run id is checked like any message from it.
    const runId = savedRunId(saved?.runId) ?? '';
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
    });
    RunDetailPanel.byRun.set(runId, this);
    this.ipc.on(RunDetailAction, (m) => {
      // The webview's message is checked before anything runs or opens (panelMessages.ts).
      const a = runActionOf(m);
      if (a) return this.onAction(a.action, a.path);
    });
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
    const saved = savedRunId(m.runId);
    if (!this.runId && saved) {
      this.runId = saved;
      RunDetailPanel.byRun.set(this.runId, this);
    }
    this.folder ??= openFolder(typeof m.folder === 'string' ? m.folder : undefined) ?? folderOfRuns(this.state, [this.runId]);
    return this.send();
  }

  private async onAction(action: RunAction, file: string | undefined): Promise<void> {
    const folder = this.runFolder();
    const dir = runDir(lineagePaths(folder), this.runId);
    // Rerun starts the script and the diff runs git in the repository: like the run commands, only when trusted.
    if (TRUSTED_ACTIONS.includes(action) && !vscode.workspace.isTrusted) {
      const pick = await vscode.window.showWarningMessage(
        `Lineage does not ${action === 'openDiff' ? 'run git' : 'run scripts'} in an untrusted workspace. Trust this folder to do that.`,
        'Manage Workspace Trust',
      );
      if (pick) void vscode.commands.executeCommand('workbench.trust.manage');
      return;
    }
    switch (action) {
      case 'openArtifact':
      case 'revealArtifact': {
        // Paths come from the webview: only this run's recorded artifacts, never a link out of its folder.
        const { getRun } = await engine();
        const recorded = getRun((await this.state.workspace(folder)).store, this.runId).artifacts.map((a) => a.path);
        const checked = artifactTarget(dir, file, recorded);
        if ('refused' in checked) return void vscode.window.showWarningMessage(checked.refused);
        const target = checked.abs;
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
      case 'showLineage':
        return void (await vscode.commands.executeCommand(COMMANDS.showLineage, { runId: this.runId, folder }));
      case 'reproduce':
        return void (await vscode.commands.executeCommand(COMMANDS.reproduceRun, this.runId));
      case 'pushModel':
        return void (await vscode.commands.executeCommand(COMMANDS.pushModel, this.runId));
      case 'explain':
        return void (await vscode.commands.executeCommand(COMMANDS.explainRun, { runId: this.runId, folder }));
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
        if (!isCommitId(r.git.commit))
          return void vscode.window.showWarningMessage(`Lineage: this run's git commit is not a commit id, so its diff cannot be shown.`);
        const diffFile = inspectRunFile(dir, r.git.diffFile);
        if (diffFile.state !== 'file') return void vscode.window.showWarningMessage(`Lineage: this run's diff is not a file in its folder, so it is not read.`);
        const files = changedFiles(fs.readFileSync(diffFile.abs, 'utf8'));
        const chosen = files.length === 1 ? files[0] : await vscode.window.showQuickPick(files, { title: `Uncommitted changes when ${r.name} ran` });
        if (!chosen) return;
        // The run's cwd is from run.json: used only when it is inside this workspace folder.
        const rel = r.cwd ? path.relative(folder, r.cwd) : '..';
        const cwd = r.cwd && !rel.startsWith('..') && !path.isAbsolute(rel) && fs.existsSync(r.cwd) ? r.cwd : folder;
        const repo = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8' }).trim();
        const [before, after] = diffUris(repo, r.git.commit, dir, r.git.diffFile, chosen);
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
