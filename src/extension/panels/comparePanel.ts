import * as vscode from 'vscode';
import type { ExtensionContextState } from '../state';
import type { CompareSettings, CompareState, HostToWebview, SeriesData, WebviewToHost } from '../../../webview/protocol';
import { DEFAULT_SETTINGS, pointsPerSeries } from '../../../webview/protocol';
import { webviewHtml } from './webviewHtml';
import type { LiveFeed } from '../../core/compare/liveFeed';

export const COMPARE_VIEW_TYPE = 'lineage.compare';

/**
 * The Compare panel's host side: it answers the webview with runs and series already reduced (the webview
 * never sees millions of points), sends full resolution for zoomed ranges, and streams points that live
 * runs append. No retainContextWhenHidden: the webview saves its state and the serializer restores it.
 */
export class ComparePanel implements vscode.Disposable {
  private static panels = new Set<ComparePanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private settings: CompareSettings = { ...DEFAULT_SETTINGS };
  /** Points sent since the init, so live updates send only what is new (see core/compare/liveFeed.ts). */
  private live?: LiveFeed;
  private prefetchToken = 0;

  static show(state: ExtensionContextState, runIds: string[]): ComparePanel {
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, title(runIds), vscode.ViewColumn.Active, options(state));
    return new ComparePanel(state, panel, runIds, undefined);
  }

  static revive(state: ExtensionContextState, panel: vscode.WebviewPanel, saved: CompareState | undefined): ComparePanel {
    panel.webview.options = options(state);
    return new ComparePanel(state, panel, saved?.runIds ?? [], saved?.settings);
  }

  private constructor(
    private readonly state: ExtensionContextState,
    readonly panel: vscode.WebviewPanel,
    private runIds: string[],
    saved: CompareSettings | undefined,
  ) {
    if (saved) this.settings = { ...DEFAULT_SETTINGS, ...saved };
    ComparePanel.panels.add(this);
    const root = vscode.Uri.joinPath(state.context.extensionUri, 'dist', 'webview');
    panel.webview.html = webviewHtml(panel.webview, root, {
      title: 'Lineage: Compare',
      scripts: ['plotly.min.js', 'compare.js'],
      styles: ['compare.css'],
      allowEval: true,
    });
    panel.iconPath = vscode.Uri.joinPath(state.context.extensionUri, 'media', 'lineage.svg');
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: WebviewToHost) => void this.onMessage(m).catch((err) => state.log(`Compare panel: ${(err as Error).message}`))),
      panel.onDidDispose(() => this.dispose()),
      state.onDidChangeRuns((ids) => void this.onRunsChanged(ids)),
    );
  }

  get runs(): string[] {
    return this.runIds;
  }

  private post(m: HostToWebview): void {
    void this.panel.webview.postMessage(m);
  }

  private async workspace() {
    const folder = this.state.folderOf();
    if (!folder) throw new Error('no folder is open');
    return this.state.workspace(folder);
  }

  private async onMessage(m: WebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        if (m.state) {
          if (this.runIds.length === 0) this.runIds = m.state.runIds;
          this.settings = { ...DEFAULT_SETTINGS, ...m.state.settings };
        }
        return this.sendInit();
      case 'settings': {
        const before = this.settings;
        this.settings = { ...DEFAULT_SETTINGS, ...m.settings };
        if (before.xAxis !== this.settings.xAxis || this.settings.metrics.some((k) => !before.metrics.includes(k))) await this.sendInit();
        return;
      }
      case 'zoom': {
        const ws = await this.workspace();
        const { seriesFor } = await import('../../core/compare/compareData');
        const ids = m.runIds.filter((id) => this.runIds.includes(id));
        const series = seriesFor(ws.store, ids, m.metric, m.xAxis, Math.min(m.maxPoints, pointsPerSeries(ids.length)), { x0: m.x0, x1: m.x1 });
        this.post({ type: 'range', requestId: m.requestId, series });
        return;
      }
      case 'export': {
        const filters: Record<string, string[]> = { png: ['png'], svg: ['svg'], csv: ['csv'] };
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? this.state.context.globalStorageUri, m.suggestedName),
          filters: { [m.format.toUpperCase()]: filters[m.format] },
        });
        if (!target) return;
        const bytes = m.format === 'csv' ? Buffer.from(m.data, 'utf8') : dataUrlBytes(m.data);
        await vscode.workspace.fs.writeFile(target, bytes);
        this.post({ type: 'exported', path: target.fsPath });
        return;
      }
      case 'openRun':
        await vscode.commands.executeCommand('lineage.openRun', m.runId);
        return;
    }
  }

  private async sendInit(): Promise<void> {
    const ws = await this.workspace();
    const { runInfos, metricKeysOf, seriesFor } = await import('../../core/compare/compareData');
    const { chartMetrics } = await import('../../core/runs/keyMetrics');
    const { listRuns } = await import('../../core/runs/queries');
    this.runIds = this.runIds.filter((id) => ws.store.get('SELECT 1 AS x FROM runs WHERE id = ?', [id]));
    const runs = runInfos(ws.store, this.runIds);
    const metricKeys = metricKeysOf(ws.store, this.runIds);
    if (this.settings.metrics.length === 0 || this.settings.metrics.every((k) => !metricKeys.includes(k))) {
      // Start with the metrics people decide on: the key metrics of the selected runs, then curves.
      this.settings.metrics = chartMetrics(listRuns(ws.store, { ids: this.runIds }), 4);
      if (this.settings.metrics.length === 0) this.settings.metrics = metricKeys.slice(0, 4);
    }
    const per = pointsPerSeries(this.runIds.length);
    const series: SeriesData[] = this.settings.metrics.flatMap((metric) => seriesFor(ws.store, this.runIds, metric, this.settings.xAxis, per));
    const { LiveFeed } = await import('../../core/compare/liveFeed');
    this.live ??= new LiveFeed(per);
    this.live.reset(series, per);
    const kind = vscode.window.activeColorTheme.kind;
    const theme = kind === vscode.ColorThemeKind.Light || kind === vscode.ColorThemeKind.HighContrastLight ? 'light' : kind === vscode.ColorThemeKind.HighContrast ? 'high-contrast' : 'dark';
    this.post({ type: 'init', runs, metricKeys, settings: this.settings, series, theme });
    this.panel.title = title(this.runIds);
    void this.prefetch().catch((err) => this.state.log(`Compare panel: reading series ahead: ${(err as Error).message}`));
  }

  /**
   * After a chart drawn from the coarse copies, the series are read whole in idle slices (one series, a few
   * ms, per macrotask) so that zooms hit the cache; a newer init or closing the panel stops it.
   */
  private async prefetch(): Promise<void> {
    const token = ++this.prefetchToken;
    const ws = await this.workspace();
    const { prefetchSeries } = await import('../../core/compare/compareData');
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
    const mine = ids.filter((id) => this.runIds.includes(id));
    if (mine.length === 0 || !this.panel.visible || !this.live) return;
    const ws = await this.workspace();
    const { runInfos } = await import('../../core/compare/compareData');
    const out = this.live.next(ws.store, mine, this.settings.metrics, this.settings.xAxis);
    // Colours are indices into the whole selection: ask for all runs, send the changed ones.
    if (out.length) this.post({ type: 'append', series: out, runs: runInfos(ws.store, this.runIds).filter((r) => mine.includes(r.id)) });
  }

  dispose(): void {
    this.prefetchToken++;
    ComparePanel.panels.delete(this);
    if (ComparePanel.panels.size === 0) void import('../../core/compare/compareData').then((m) => m.clearSeriesCache());
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

function options(state: ExtensionContextState): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(state.context.extensionUri, 'dist', 'webview')],
  };
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

export function registerComparePanel(state: ExtensionContextState): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, saved: CompareState | undefined) {
      ComparePanel.revive(state, panel, saved);
    },
  });
}
