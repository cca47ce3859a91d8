/**
 * The Compare panel's messages (host: src/extension/panels/comparePanel.ts, webview: ./main.ts), each
 * declared once over the shared envelope (../shared/ipc.ts). The runs and series are the core's shapes.
 */
import type { RunInfo, SeriesData, XAxis } from '../../src/core/compare/types';
import { notification, request } from '../shared/ipc';

export type { RunInfo, SeriesData, XAxis } from '../../src/core/compare/types';
export { pointsPerSeries } from '../../src/core/compare/types';

export interface CompareSettings {
  metrics: string[];
  xAxis: XAxis;
  smoothing: number;
  logY: boolean;
  hiddenRuns: string[];
  tab: 'curves' | 'parallel' | 'scatter' | 'bars' | 'table';
  onlyDiff: boolean;
  sort: { column: string; descending: boolean } | null;
  scatter: { x: string; y: string; color: string | null };
  parallelMetric: string | null;
}

/** What the webview saves with setState and the serializer restores after a reload or restart. */
export interface CompareState {
  runIds: string[];
  settings: CompareSettings;
  /** The workspace folder the runs belong to (absent in states saved before multi-root support). */
  folder?: string;
  /**
   * The sweep or search the panel follows (its children join live), so a restored panel follows it again
   * (absent in states saved before, and on panels not opened on a parent).
   */
  parentId?: string;
}

export const DEFAULT_SETTINGS: CompareSettings = {
  metrics: [],
  xAxis: 'step',
  smoothing: 0,
  logY: false,
  hiddenRuns: [],
  tab: 'curves',
  onlyDiff: false,
  sort: null,
  scatter: { x: '', y: '', color: null },
  parallelMetric: null,
};

// ---------- host → webview ----------

export type CompareInitParams = {
  runs: RunInfo[];
  metricKeys: string[];
  settings: CompareSettings;
  series: SeriesData[];
  theme: 'light' | 'dark' | 'high-contrast';
  /** Saved with the state, so a restored panel reads the same folder's runs. */
  folder?: string;
  /** The run whose children the panel follows, saved with the state so a restored panel still follows it. */
  parentId?: string;
};

/** Once after `compare/ready` and whenever the selection changes: the runs and what to draw. */
export const CompareInit = notification<CompareInitParams>('compare/init');

export type CompareAppendParams = { series: Array<SeriesData & { replace?: boolean }>; runs: RunInfo[] };

/**
 * While runs train: points appended since the last update (not a redraw). A series with `replace` is
 * instead the whole series reduced afresh: the host sends one when the points appended since the last
 * reduction would double what the chart holds, so hours of live logging never grow a trace without bound
 * (only that run's chart is redrawn). A run in `runs` the panel does not show yet joins it (at the end): a
 * sweep the panel was opened on started it.
 */
export const CompareAppend = notification<CompareAppendParams>('compare/append');

// ---------- webview → host ----------

/** The script has loaded (with what it saved before a reload, null on a fresh panel): the host then sends `compare/init`. */
export const CompareReady = notification<{ state: CompareState | null }>('compare/ready');

/** Settings changed, so the host can persist them and send series for new metrics. */
export const CompareSettingsChanged = notification<{ settings: CompareSettings }>('compare/settings');

/** Open a run's detail panel. */
export const CompareOpenRun = notification<{ runId: string }>('compare/openRun');

export type CompareZoomParams = { metric: string; xAxis: XAxis; x0: number; x1: number; runIds: string[]; maxPoints: number };

/** The user zoomed a chart: this x range of these runs at full resolution (or reduced to `maxPoints`). */
export const CompareZoom = request<CompareZoomParams, { series: SeriesData[] }>('compare/zoom');

export type CompareExportParams = {
  format: 'png' | 'svg' | 'csv';
  suggestedName: string;
  /** data: URL for images, plain text for CSV. */
  data: string;
};

/** Save an exported chart or the table through a save dialog; the answer is where (null when cancelled). */
export const CompareExport = request<CompareExportParams, { path: string | null }>('compare/export');
