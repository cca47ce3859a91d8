import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import {
  CompareAppend,
  CompareExport,
  CompareInit,
  CompareOpenRun,
  CompareReady,
  CompareSettingsChanged,
  CompareZoom,
  DEFAULT_SETTINGS,
  type CompareExportParams,
  type CompareSettings,
  type CompareState,
  type CompareZoomParams,
} from '../../../webview/compare/protocol';
import { pointsPerSeries, type SeriesData } from '../../core/compare/types';
import type { LiveFeed } from '../../core/compare/liveFeed';
import { PanelHost } from './panelHost';
import { folderOfRuns, openFolder } from './panelFolder';
import { engine } from '../engine';
import { COMMANDS } from '../commands/ids';
import { allowedRunIds, runIdsOf } from '../../core/runs/runPaths';
import { compareSettingsOf, exportParamsOf, zoomParamsOf } from './panelMessages';
import { newChildRunIds } from '../../core/runs/childRuns';

export const COMPARE_VIEW_TYPE = 'lineage.compare';

/**
 * The Compare panel's host side: it answers the webview with runs and series already reduced (the webview
 * never sees millions of points), sends full resolution for zoomed ranges, and streams points that live
 * runs append. The webview saves its state and the serializer restores it.
 */
export class ComparePanel extends PanelHost<{ state: CompareState | null }> {
  private static panels = new Set<ComparePanel>();
  private settings: CompareSettings = { ...DEFAULT_SETTINGS };
  /** Points sent since the init, so live updates send only what is new (see core/compare/liveFeed.ts). */
  private live?: LiveFeed;
  private prefetchToken = 0;

  /** The sweep or search whose children this panel shows: children it starts later join the panel live. */
  private parentId?: string;

  /**
   * `folder`: the workspace folder of the runs, when the caller knows it (else the folder that holds them).
   * `parentId`: the run whose children `runIds` are, when Compare was asked on a parent.
   */
  static show(state: Lineage, runIds: string[], folder?: string, parentId?: string): ComparePanel {
    const panel = new ComparePanel(state, PanelHost.create(state, COMPARE_VIEW_TYPE, title(runIds)), runIds, folder ?? folderOfRuns(state, runIds), undefined);
    panel.parentId = parentId;
    return panel;
  }

  static revive(state: Lineage, panel: vscode.WebviewPanel, saved: CompareState | undefined): ComparePanel {
    const runIds = runIdsOf(saved?.runIds);
    const folder = typeof saved?.folder === 'string' ? saved.folder : undefined;
    const revived = new ComparePanel(
      state,
      panel,
      runIds,
      openFolder(folder) ?? folderOfRuns(state, runIds),
      saved?.settings && compareSettingsOf(saved.settings),
    );
    // A panel on a sweep goes on following it after a reload (the sweep resumes with the new window).
    revived.parentId = parentIdOf(saved);
    return revived;
  }

  private constructor(
    state: Lineage,
    panel: vscode.WebviewPanel,
    private runIds: string[],
    private folder: string | undefined,
    saved: CompareSettings | undefined,
  ) {
    super(state, panel, {
      viewType: COMPARE_VIEW_TYPE,
      label: 'Compare panel',
      ready: CompareReady,
      title: 'Lineage: Compare',
      scripts: ['plotly.min.js', 'compare.js'],
      styles: ['compare.css'],
    });
    if (saved) this.settings = { ...DEFAULT_SETTINGS, ...saved };
    ComparePanel.panels.add(this);
    this.ipc
      // Messages from the webview are checked (panelMessages.ts): ids only of this panel's runs, known values only.
      .on(CompareSettingsChanged, (m) => this.onSettings(compareSettingsOf(m.settings)))
      .on(CompareOpenRun, (m) => {
        const [runId] = allowedRunIds([m.runId], this.runIds);
        if (runId) return vscode.commands.executeCommand(COMMANDS.openRun, runId);
      })
      .onRequest(CompareZoom, (m) => {
        const z = zoomParamsOf(m, this.runIds);
        return z ? this.zoom(z) : { series: [] };
      })
      .onRequest(CompareExport, (m) => {
        const e = exportParamsOf(m);
        return e ? this.export(e) : { path: null };
      });
    this.disposables.push(state.onDidChangeRuns((ids) => void this.onRunsChanged(ids).catch((err) => this.log((err as Error).message))));
  }

  get runs(): string[] {
    return this.runIds;
  }

  private async workspace() {
    const folder = this.folder ?? folderOfRuns(this.state, this.runIds);
    if (!folder) throw new Error('no folder is open');
    return this.state.workspace(folder);
  }

  protected onReady(m: { state: CompareState | null }): Promise<void> {
    if (m.state) {
      // A restored state comes from the webview: well-formed ids (sendInit keeps those in the index), checked settings.
      if (this.runIds.length === 0) this.runIds = runIdsOf(m.state.runIds);
      this.folder ??= openFolder(typeof m.state.folder === 'string' ? m.state.folder : undefined) ?? folderOfRuns(this.state, this.runIds);
      this.settings = compareSettingsOf(m.state.settings);
      this.parentId ??= parentIdOf(m.state);
    }
    return this.sendInit();
  }

  private async onSettings(settings: CompareSettings): Promise<void> {
    const before = this.settings;
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    if (before.xAxis !== this.settings.xAxis || this.settings.metrics.some((k) => !before.metrics.includes(k))) await this.sendInit();
  }

  private async zoom(m: CompareZoomParams): Promise<{ series: SeriesData[] }> {
    const ws = await this.workspace();
    const { seriesFor } = await engine();
    const ids = m.runIds.filter((id) => this.runIds.includes(id));
    return { series: seriesFor(ws.store, ids, m.metric, m.xAxis, Math.min(m.maxPoints, pointsPerSeries(ids.length)), { x0: m.x0, x1: m.x1 }) };
  }

  private async export(m: CompareExportParams): Promise<{ path: string | null }> {
    const filters: Record<string, string[]> = { png: ['png'], svg: ['svg'], csv: ['csv'] };
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(
        this.folder ? vscode.Uri.file(this.folder) : (vscode.workspace.workspaceFolders?.[0]?.uri ?? this.state.context.globalStorageUri),
        m.suggestedName,
      ),
      filters: { [m.format.toUpperCase()]: filters[m.format] },
    });
    if (!target) return { path: null };
    const bytes = m.format === 'csv' ? Buffer.from(m.data, 'utf8') : dataUrlBytes(m.data);
    await vscode.workspace.fs.writeFile(target, bytes);
    return { path: target.fsPath };
  }

  private async sendInit(): Promise<void> {
    const ws = await this.workspace();
    const { runInfos, metricKeysOf, seriesFor, chartMetrics, listRuns, hasRun } = await engine();
    this.runIds = this.runIds.filter((id) => hasRun(ws.store, id));
    // Runs the followed sweep started while the panel was away (a window reload) join now, at the end.
    if (this.parentId) this.runIds = [...this.runIds, ...newChildRunIds(ws.store, this.parentId, this.runIds)];
    const runs = runInfos(ws.store, this.runIds);
    const metricKeys = metricKeysOf(ws.store, this.runIds);
    if (this.settings.metrics.length === 0 || this.settings.metrics.every((k) => !metricKeys.includes(k))) {
      // Start with the metrics people decide on: the key metrics of the selected runs, then curves.
      this.settings.metrics = chartMetrics(listRuns(ws.store, { ids: this.runIds }), 4);
      if (this.settings.metrics.length === 0) this.settings.metrics = metricKeys.slice(0, 4);
    }
    const per = pointsPerSeries(this.runIds.length);
    const series: SeriesData[] = this.settings.metrics.flatMap((metric) => seriesFor(ws.store, this.runIds, metric, this.settings.xAxis, per));
    const { LiveFeed } = await engine();
    this.live ??= new LiveFeed(per);
    this.live.reset(series, per);
    const kind = vscode.window.activeColorTheme.kind;
    const theme =
      kind === vscode.ColorThemeKind.Light || kind === vscode.ColorThemeKind.HighContrastLight
        ? 'light'
        : kind === vscode.ColorThemeKind.HighContrast
          ? 'high-contrast'
          : 'dark';
    this.ipc.notify(CompareInit, { runs, metricKeys, settings: this.settings, series, theme, folder: ws.paths.workspace, parentId: this.parentId });
    this.panel.title = title(this.runIds);
    void this.prefetch().catch((err) => this.log(`reading series ahead: ${(err as Error).message}`));
  }

  /**
   * After a chart drawn from the coarse copies, the series are read whole in idle slices (one series, a few
   * ms, per macrotask) so that zooms hit the cache; a newer init or closing the panel stops it.
   */
  private async prefetch(): Promise<void> {
    const token = ++this.prefetchToken;
    const ws = await this.workspace();
    const { prefetchSeries } = await engine();
    for (const metric of this.settings.metrics) {
      const steps = prefetchSeries(ws.store, this.runIds, metric, this.settings.xAxis);
      for (;;) {
        await new Promise((r) => setTimeout(r, 0));
        if (token !== this.prefetchToken) return;
        if (steps.next().done) break;
      }
    }
  }

  /** Live runs: only the points logged since the last message go out, and the webview extends its traces. */
  private async onRunsChanged(ids: string[]): Promise<void> {
    if (!this.panel.visible || !this.live) return;
    const mine = ids.filter((id) => this.runIds.includes(id));
    const ws = await this.workspace();
    if (this.parentId) {
      // A sweep's new runs join at the end (colours are indices, so the others keep theirs); their points go
      // out as appends from the start, which the webview takes as a new run.
      const fresh = newChildRunIds(ws.store, this.parentId, this.runIds);
      this.runIds = [...this.runIds, ...fresh];
      mine.push(...fresh);
      if (fresh.length) this.panel.title = title(this.runIds);
    }
    if (mine.length === 0) return;
    const { runInfos } = await engine();
    const out = this.live.next(ws.store, mine, this.settings.metrics, this.settings.xAxis);
    // Colours are indices into the whole selection: ask for all runs, send the changed ones.
    if (out.length) this.ipc.notify(CompareAppend, { series: out, runs: runInfos(ws.store, this.runIds).filter((r) => mine.includes(r.id)) });
  }

  protected override onDispose(): void {
    this.prefetchToken++;
    ComparePanel.panels.delete(this);
    if (ComparePanel.panels.size === 0) void engine().then((m) => m.clearSeriesCache());
  }
}

/** The followed parent from a saved state (it comes from the webview: a well-formed run id or nothing). */
function parentIdOf(saved: CompareState | null | undefined): string | undefined {
  return runIdsOf([saved?.parentId])[0];
}

function title(runIds: string[]): string {
  return `Compare ${runIds.length} run${runIds.length === 1 ? '' : 's'}`;
}

function dataUrlBytes(url: string): Uint8Array {
  const comma = url.indexOf(',');
  const meta = url.slice(0, comma);
  const body = url.slice(comma + 1);
  return meta.endsWith(';base64') ? Buffer.from(body, 'base64') : Buffer.from(decodeURIComponent(body), 'utf8');
}

export function registerComparePanel(state: Lineage): vscode.Disposable {
  return PanelHost.registerSerializer<CompareState>(state, COMPARE_VIEW_TYPE, (panel, saved) => void ComparePanel.revive(state, panel, saved));
}
