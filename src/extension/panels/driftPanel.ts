import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import {
  DriftExportHtml,
  DriftFailed,
  DriftProgress,
  DriftReady,
  DriftRefresh,
  DriftShowReport,
  DriftStateChanged,
  type DriftReference,
  type DriftState,
} from '../../../webview/drift/protocol';
import type { DriftOptions, DriftReport } from '../../core/drift/types';
import { LINEAGE_DIR } from '../../core/util/lineagePaths';
import { safeFileName } from '../../../webview/shared/escape';
import { PanelHost } from './panelHost';
import { folderOfRuns, openFolder } from './panelFolder';
import { DRIFT_MAX_BATCHES, driftSelectionOf, driftStateOf } from './panelMessages';

export const DRIFT_VIEW_TYPE = 'lineage.drift';

type Ready = { state: DriftState | null };

/** What opens a Drift panel: "Lineage: Check Drift…" and the Monitor tree (a monitor's run and batches). */
export interface DriftPanelOptions {
  folder?: string;
  reference: { runId: string } | { file: string };
  batches: string[];
  options?: DriftOptions;
}

/** The drift engine, loaded on first use (nothing of it on the activation path). */
const driftCore = () =>
  Promise.all([
    import('../../core/drift/check'),
    import('../../core/drift/html'),
    import('../../core/drift/driftError'),
    import('../../core/runs/queries'),
  ]).then(([check, html, err, queries]) => ({ ...check, ...html, ...err, RunNotFoundError: queries.RunNotFoundError }));

/**
 * The Drift panel's host side: one panel per reference and batch list. It computes the report with the engine
 * (core/drift/check.ts, the same check as `lineage drift` and the monitors), one batch at a time so the page can
 * say which file is being read, sends it whole to the page, and writes the self-contained HTML report where the
 * user chooses. The report is kept, so a page coming back after being hidden is redrawn without reading again.
 */
export class DriftPanel extends PanelHost<Ready> {
  private static byKey = new Map<string, DriftPanel>();
  private report?: DriftReport;
  private computing = 0;

  static show(state: Lineage, opts: DriftPanelOptions): DriftPanel | undefined {
    const s = driftStateOf({ ...opts, options: opts.options ?? {}, batch: Math.max(0, opts.batches.length - 1), column: null, sort: 'drift' });
    if (!s) {
      void vscode.window.showErrorMessage('Lineage: Check Drift needs a run or a table file (CSV, TSV or JSON Lines) as the reference.');
      return undefined;
    }
    const dropped = opts.batches.length - s.batches.length;
    if (dropped > 0)
      void vscode.window.showWarningMessage(
        `Lineage: ${dropped} of the batch files are left out: drift reads CSV, TSV and JSON Lines files (.gz too) by absolute path, at most ${DRIFT_MAX_BATCHES}.`,
      );
    const open = DriftPanel.byKey.get(keyOf(s));
    if (open) {
      open.panel.reveal();
      return open;
    }
    s.folder = openFolder(opts.folder) ?? defaultFolder(state, s.reference);
    return new DriftPanel(state, PanelHost.create(state, DRIFT_VIEW_TYPE, 'Drift'), s);
  }

  static revive(state: Lineage, panel: vscode.WebviewPanel, saved: DriftState | undefined): void {
    // The saved state is the webview's: checked like any message from it.
    const s = driftStateOf(saved);
    if (s) s.folder = openFolder(s.folder) ?? defaultFolder(state, s.reference);
    new DriftPanel(state, panel, s);
  }

  private constructor(
    state: Lineage,
    panel: vscode.WebviewPanel,
    private s: DriftState | undefined,
  ) {
    super(state, panel, {
      viewType: DRIFT_VIEW_TYPE,
      label: 'Drift panel',
      ready: DriftReady,
      title: 'Lineage: Drift',
      scripts: ['plotly.min.js', 'drift.js'],
      styles: ['drift.css'],
    });
    if (s) DriftPanel.byKey.set(keyOf(s), this);
    this.ipc
      .on(DriftStateChanged, (m) => {
        if (this.s) Object.assign(this.s, driftSelectionOf(m, this.s.batches.length));
      })
      .on(DriftRefresh, () => this.evaluate())
      .onRequest(DriftExportHtml, () => this.exportHtml());
  }

  /** The open panel comparing this reference with these batches: for the real-VS Code tests only. */
  static opened(reference: DriftReference, batches: string[]): DriftPanel | undefined {
    return DriftPanel.byKey.get(JSON.stringify([reference, batches]));
  }

  protected onReady(m: Ready): Promise<void> {
    const saved = driftStateOf(m.state);
    if (!this.s && saved) {
      saved.folder = openFolder(saved.folder) ?? defaultFolder(this.state, saved.reference);
      this.s = saved;
      DriftPanel.byKey.set(keyOf(saved), this);
    } else if (this.s && saved && keyOf(saved) === keyOf(this.s)) {
      Object.assign(this.s, driftSelectionOf(saved, this.s.batches.length));
    }
    if (this.report && this.s) {
      this.send(this.report);
      return Promise.resolve();
    }
    return this.evaluate();
  }

  private send(report: DriftReport): void {
    if (!this.s) return;
    this.ipc.notify(DriftShowReport, { report, state: { ...this.s }, title: titleOf(report) });
  }

  /** Computes the report afresh (the page asked, or first show); a newer evaluation makes an older one's result moot. */
  private async evaluate(): Promise<void> {
    const fail = (message: string) => this.ipc.notify(DriftFailed, { message });
    const s = this.s;
    if (!s) return fail('This panel does not know what to compare any more. Run “Lineage: Check Drift…” again.');
    const token = ++this.computing;
    const core = await driftCore();
    const folder = s.folder;
    const total = s.batches.length + 1;
    const progress = (message: string, done: number) => {
      if (token === this.computing) this.ipc.notify(DriftProgress, { message, done, total });
    };
    const started = Date.now();
    let report: DriftReport;
    try {
      let target: Parameters<typeof core.prepareReference>[0];
      if ('runId' in s.reference) {
        if (!folder) return fail('Open the folder of this run to check its drift.');
        const ws = await this.state.workspace(folder);
        target = { ws, lineageRoot: ws.paths.root, reference: { run: s.reference.runId }, warn: (w) => this.log(w) };
        progress(`reading the training data of run ${s.reference.runId}…`, 0);
      } else {
        const root = folder ? path.join(folder, LINEAGE_DIR) : null;
        target = { lineageRoot: root && fs.existsSync(root) ? root : null, reference: { file: s.reference.file } };
        progress(`reading the reference ${path.basename(s.reference.file)}…`, 0);
      }
      const prepared = await core.prepareReference(target);
      try {
        const options = s.options ?? {};
        report = await core.reportFor(prepared, [], options);
        for (let i = 0; i < s.batches.length; i++) {
          if (token !== this.computing) return;
          progress(`reading ${path.basename(s.batches[i])}…`, i + 1);
          report.batches.push(...(await core.reportFor(prepared, [s.batches[i]], options)).batches);
        }
        report.timings.totalMs = Date.now() - started;
      } finally {
        // Temporary files of a reference past the memory budget (one outside any workspace cache).
        prepared.ref.dispose();
      }
    } catch (err) {
      if (err instanceof core.DriftInputError || err instanceof core.RunNotFoundError) return fail(err.message);
      this.log((err as Error).stack ?? String(err));
      return fail(`The drift check failed: ${(err as Error).message}`);
    }
    if (token !== this.computing) return;
    this.report = report;
    this.panel.title = titleOf(report);
    this.send(report);
  }

  private async exportHtml(): Promise<{ path: string | null; error: string | null }> {
    const report = this.report;
    if (!report) return { path: null, error: 'The report is not ready yet.' };
    const folder = this.s?.folder;
    const name = `${safeFileName(`drift-${report.reference.runName ?? path.basename(report.reference.file)}`)}.html`;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(vscode.Uri.file(folder), name) : undefined,
      filters: { HTML: ['html'] },
      title: 'Save the drift report',
    });
    if (!target) return { path: null, error: null };
    try {
      const { driftHtml } = await driftCore();
      await vscode.workspace.fs.writeFile(target, Buffer.from(driftHtml(report), 'utf8'));
      return { path: target.fsPath, error: null };
    } catch (err) {
      return { path: null, error: (err as Error).message };
    }
  }

  protected override onDispose(): void {
    this.computing++;
    if (this.s && DriftPanel.byKey.get(keyOf(this.s)) === this) DriftPanel.byKey.delete(keyOf(this.s));
  }
}

function keyOf(s: { reference: DriftReference; batches: string[] }): string {
  return JSON.stringify([s.reference, s.batches]);
}

/** The folder whose .lineage holds the run, or the one holding the reference file, else the window's first. */
function defaultFolder(state: Lineage, ref: DriftReference): string | undefined {
  if ('runId' in ref) return folderOfRuns(state, [ref.runId]);
  const f = (vscode.workspace.workspaceFolders ?? []).find((w) => !path.relative(w.uri.fsPath, ref.file).startsWith('..'));
  return f?.uri.fsPath ?? state.folderOf();
}

function titleOf(r: DriftReport): string {
  return r.reference.runId ? `Drift: run ${r.reference.runName ?? r.reference.runId}` : `Drift against ${path.basename(r.reference.file)}`;
}

export function registerDriftPanel(state: Lineage): vscode.Disposable {
  return PanelHost.registerSerializer<DriftState>(state, DRIFT_VIEW_TYPE, (panel, saved) => DriftPanel.revive(state, panel, saved));
}
