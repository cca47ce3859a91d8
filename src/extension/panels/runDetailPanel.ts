import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionContextState } from '../state';
import type { RunDetailData, RunWebviewToHost } from '../../../webview/protocol';
import { webviewHtml } from './webviewHtml';
import { changedFiles, diffUris } from './gitDiffDocs';

export const RUN_VIEW_TYPE = 'lineage.run';
const CONSOLE_TAIL_BYTES = 64 * 1024;

/** One panel per run: everything recorded about it, refreshed while it runs. */
export class RunDetailPanel implements vscode.Disposable {
  private static byRun = new Map<string, RunDetailPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  static show(state: ExtensionContextState, runId: string): void {
    const open = RunDetailPanel.byRun.get(runId);
    if (open) return open.panel.reveal();
    const panel = vscode.window.createWebviewPanel(RUN_VIEW_TYPE, 'Run', vscode.ViewColumn.Active, options(state));
    new RunDetailPanel(state, panel, runId);
  }

  static revive(state: ExtensionContextState, panel: vscode.WebviewPanel, saved: { runId?: string | null } | undefined): void {
    panel.webview.options = options(state);
    new RunDetailPanel(state, panel, saved?.runId ?? '');
  }

  private constructor(
    private readonly state: ExtensionContextState,
    readonly panel: vscode.WebviewPanel,
    private runId: string,
  ) {
    RunDetailPanel.byRun.set(runId, this);
    const root = vscode.Uri.joinPath(state.context.extensionUri, 'dist', 'webview');
    panel.webview.html = webviewHtml(panel.webview, root, { title: 'Lineage: Run', scripts: ['runDetail.js'], styles: ['runDetail.css'], allowEval: false });
    panel.iconPath = vscode.Uri.joinPath(state.context.extensionUri, 'media', 'lineage.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: RunWebviewToHost) => void this.onMessage(m).catch((err) => state.log(`Run panel: ${(err as Error).message}`))),
      panel.onDidDispose(() => this.dispose()),
      state.onDidChangeRuns((ids) => {
        if (ids.includes(this.runId) && this.panel.visible) void this.send();
      }),
    );
  }

  private async folder(): Promise<string> {
    const f = this.state.folderOf();
    if (!f) throw new Error('no folder is open');
    return f;
  }

  private async onMessage(m: RunWebviewToHost): Promise<void> {
    const folder = await this.folder();
    const runDir = path.join(folder, '.lineage', 'runs', this.runId);
    if (m.type === 'runReady') {
      if (!this.runId && m.runId) {
        this.runId = m.runId;
        RunDetailPanel.byRun.set(this.runId, this);
      }
      return this.send();
    }
    switch (m.action) {
      case 'openArtifact':
      case 'revealArtifact': {
        const target = path.resolve(runDir, m.path ?? '');
        // Paths come from the webview: never outside this run's folder.
        if (!target.startsWith(runDir + path.sep)) return;
        if (m.action === 'openArtifact') await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(target));
        else await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(target)).then(undefined, () => vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(target)));
        return;
      }
      case 'openConsole':
        return void (await vscode.commands.executeCommand('lineage.openConsoleLog', this.runId));
      case 'checkData':
        return void (await vscode.commands.executeCommand('lineage.showDataStatus', this.runId));
      case 'rerun':
        return void (await vscode.commands.executeCommand('lineage.rerun', this.runId));
      case 'compareWithPrevious': {
        const ws = await this.state.workspace(folder);
        const prev = ws.store.get<{ id: string }>(
          'SELECT id FROM runs WHERE experiment_id = (SELECT experiment_id FROM runs WHERE id = ?) AND started_at < (SELECT started_at FROM runs WHERE id = ?) ORDER BY started_at DESC LIMIT 1',
          [this.runId, this.runId],
        );
        if (!prev) return void vscode.window.showInformationMessage('Lineage: this is the first run of its experiment.');
        return void (await vscode.commands.executeCommand('lineage.compareRuns', [prev.id, this.runId]));
      }
      case 'openDiff': {
        const ws = await this.state.workspace(folder);
        const { getRun } = await import('../../core/runs/queries');
        const r = getRun(ws.store, this.runId);
        if (!r.git?.diffFile) return;
        const diffFile = path.join(runDir, r.git.diffFile);
        const files = changedFiles(fs.readFileSync(diffFile, 'utf8'));
        const file = files.length === 1 ? files[0] : (await vscode.window.showQuickPick(files, { title: `Uncommitted changes when ${r.name} ran` }));
        if (!file) return;
        const repo = (await import('node:child_process')).execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: r.cwd ?? folder, encoding: 'utf8' }).trim();
        const [before, after] = diffUris(repo, r.git.commit, diffFile, file);
        await vscode.commands.executeCommand('vscode.diff', before, after, `${file} (${r.git.commit.slice(0, 8)} ↔ run ${r.name})`);
        return;
      }
    }
  }

  private async send(): Promise<void> {
    const folder = await this.folder();
    const ws = await this.state.workspace(folder);
    const { getRun } = await import('../../core/runs/queries');
    const { seriesFor } = await import('../../core/compare/compareData');
    const { datasetsOfRun } = await import('../../core/datasets/datasetIndex');
    const r = getRun(ws.store, this.runId);
    const runDir = path.join(ws.paths.runs, r.id);
    const watch = this.state.watches.get(folder);
    const json = (v: number | null) => (v === null ? null : Number.isFinite(v) ? v : String(v));
    const consoleFile = path.join(runDir, 'console.log');
    let consoleTail = '';
    let consoleBytes = 0;
    try {
      consoleBytes = fs.statSync(consoleFile).size;
      const fd = fs.openSync(consoleFile, 'r');
      const len = Math.min(CONSOLE_TAIL_BYTES, consoleBytes);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, consoleBytes - len);
      fs.closeSync(fd);
      consoleTail = buf.toString('utf8');
    } catch {
      /* no console log */
    }
    const diffText = r.git?.diffFile && fs.existsSync(path.join(runDir, r.git.diffFile)) ? fs.readFileSync(path.join(runDir, r.git.diffFile), 'utf8') : '';
    const data: RunDetailData = {
      id: r.id,
      name: r.name,
      experiment: r.experiment,
      status: r.status,
      startedAt: r.startedAt,
      durationMs: r.durationMs,
      exitCode: r.exitCode,
      command: r.command,
      note: r.note,
      error: r.error,
      git: r.git ? { commit: r.git.commit, branch: r.git.branch, dirty: r.git.dirty, changedFiles: changedFiles(diffText) } : null,
      python: r.python,
      params: r.params,
      tags: r.tags,
      metrics: r.metrics.map((m) => {
        // Reduced like Compare's charts: a long series is drawn from its coarse copy, never read whole.
        // Not kept in Compare's cache: only closing the last Compare panel empties it.
        const d = seriesFor(ws.store, [r.id], m.key, 'step', 200, undefined, { cache: false })[0] ?? { y: new Float64Array(0), min: undefined, max: undefined };
        return {
          key: m.key,
          last: json(m.last),
          min: json(m.min),
          max: json(m.max),
          count: m.count,
          spark: { y: d.y, min: d.min ?? Float32Array.from(d.y), max: d.max ?? Float32Array.from(d.y) },
        };
      }),
      artifacts: r.artifacts,
      datasets: datasetsOfRun(ws.store, r.id).map((d) => {
        const c = watch?.changes.get(d.path);
        return {
          path: d.path,
          role: d.role,
          sha256: d.version?.sha256 ?? null,
          rows: (d.version?.profile as { rows?: number } | null)?.rows ?? null,
          note: d.note,
          state: c && c.state !== 'unchanged' ? `${c.state} since run ${c.sinceRun?.name ?? '?'}` : null,
        };
      }),
      consoleTail,
      consoleBytes,
      warnings: r.warnings,
    };
    this.panel.title = `Run ${r.name}`;
    void this.panel.webview.postMessage({ type: 'runDetail', run: data });
  }

  dispose(): void {
    RunDetailPanel.byRun.delete(this.runId);
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

function options(state: ExtensionContextState): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return { enableScripts: true, enableFindWidget: true, localResourceRoots: [vscode.Uri.joinPath(state.context.extensionUri, 'dist', 'webview')] };
}

export function registerRunDetailPanel(state: ExtensionContextState): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(RUN_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, saved: { runId?: string | null } | undefined) {
      RunDetailPanel.revive(state, panel, saved);
    },
  });
}
