/**
 * The one message protocol between the extension host and the Lineage webviews. Each message is declared
 * once, with who sends it and why; host and webview both import this file, so a change breaks the build
 * on both sides instead of at run time. Plain data only (structured-clone safe): numbers, strings, arrays.
 */

export const PROTOCOL_VERSION = 1;

// ---------- shared shapes ----------

export type XAxis = 'step' | 'wall' | 'relative';

export interface RunInfo {
  id: string;
  name: string;
  experiment: string;
  status: 'running' | 'finished' | 'failed' | 'killed';
  /** Stable colour index per run (the host assigns it), so a run keeps its colour on every chart. */
  color: number;
  startedAt: number | null;
  params: Record<string, string | number | null>;
  /** Final (last) value, min and max of every metric; NaN/±Infinity are sent as strings. */
  metrics: Record<string, { last: number | string | null; min: number | string | null; max: number | string | null; count: number }>;
}

/**
 * One run's series for one metric, reduced by the host to at most `pointsPerSeries(runs)` buckets. Each
 * bucket keeps the minimum and the maximum (drawn as a band, so no spike disappears) and the last value
 * (the line). Typed arrays travel as binary, not JSON. A series short enough to send whole has `exact`
 * true and no min/max. NaN marks a point whose value was NaN; ±Infinity are kept.
 */
export interface SeriesData {
  runId: string;
  metric: string;
  /** Step, or milliseconds since the epoch, or milliseconds since the run started (per `xAxis`). */
  x: Float64Array;
  y: Float64Array;
  min?: Float32Array;
  max?: Float32Array;
  exact: boolean;
  xAxis: XAxis;
  /** Points in the full series (before reduction), for the legend and hover. */
  total: number;
}

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
}

// ---------- host → webview ----------

/** Host → webview, once after `ready` and whenever the selection changes: the runs and what to draw. */
export interface InitMessage {
  type: 'init';
  runs: RunInfo[];
  metricKeys: string[];
  settings: CompareSettings;
  series: SeriesData[];
  theme: 'light' | 'dark' | 'high-contrast';
}

/** Host → webview, answer to `zoom`: the visible range at full resolution (or reduced to `maxPoints`). */
export interface RangeMessage {
  type: 'range';
  requestId: number;
  series: SeriesData[];
}

/**
 * Host → webview, while runs train: points appended since the last update (not a redraw). A series with
 * `replace` is instead the whole series reduced afresh: the host sends one when the points appended since
 * the last reduction would double what the chart holds, so hours of live logging never grow a trace without
 * bound (only that run's chart is redrawn).
 */
export interface AppendMessage {
  type: 'append';
  series: Array<SeriesData & { replace?: boolean }>;
  runs: RunInfo[];
}

/** Host → webview, answer to `export` when the host wrote a file. */
export interface ExportedMessage {
  type: 'exported';
  path: string;
}

export type HostToWebview = InitMessage | RangeMessage | AppendMessage | ExportedMessage;

// ---------- webview → host ----------

/** Webview → host, when its script has loaded: the host then sends `init`. */
export interface ReadyMessage {
  type: 'ready';
  state: CompareState | null;
}

/** Webview → host, when the user zooms a chart: send this x range of these runs at full resolution. */
export interface ZoomMessage {
  type: 'zoom';
  requestId: number;
  metric: string;
  xAxis: XAxis;
  x0: number;
  x1: number;
  runIds: string[];
  maxPoints: number;
}

/** Webview → host, when settings change, so the host can persist them and send series for new metrics. */
export interface SettingsMessage {
  type: 'settings';
  settings: CompareSettings;
}

/** Webview → host: save an exported chart (PNG/SVG data URL) or the table (CSV text) through a save dialog. */
export interface ExportMessage {
  type: 'export';
  format: 'png' | 'svg' | 'csv';
  suggestedName: string;
  /** data: URL for images, plain text for CSV. */
  data: string;
}

/** Webview → host: open a run's detail panel. */
export interface OpenRunMessage {
  type: 'openRun';
  runId: string;
}

export type WebviewToHost = ReadyMessage | ZoomMessage | SettingsMessage | ExportMessage | OpenRunMessage;

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

/** Points per series the host sends at most; about a chart's pixel width, so nothing is lost to the eye. */
export const MAX_POINTS_PER_SERIES = 2000;

/** Buckets per series for n runs on one chart: 2,000 each up to 40 runs, fewer beyond so a message stays under 2 MB. */
export function pointsPerSeries(runs: number): number {
  return Math.max(200, Math.min(MAX_POINTS_PER_SERIES, Math.floor(80_000 / Math.max(1, runs))));
}

// ---------- run detail panel ----------

export interface RunDetailData {
  id: string;
  name: string;
  experiment: string;
  status: RunInfo['status'];
  startedAt: number | null;
  durationMs: number | null;
  exitCode: number | null;
  command: string[];
  note: string | null;
  error: string | null;
  git: { commit: string; branch: string | null; dirty: boolean; changedFiles: string[] } | null;
  python: { path: string; version: string | null; packages: number } | null;
  params: Record<string, string | number | null>;
  tags: Record<string, string>;
  /** Each metric with a small curve (at most 200 buckets, min/max kept) for a sparkline. */
  metrics: Array<{ key: string; last: number | string | null; min: number | string | null; max: number | string | null; count: number; spark: { y: Float64Array; min: Float32Array; max: Float32Array } }>;
  artifacts: Array<{ path: string; kind: string; flavor: string | null; size: number | null }>;
  datasets: Array<{ path: string; role: string; sha256: string | null; rows: number | null; note: string | null; state: string | null }>;
  consoleTail: string;
  consoleBytes: number;
  warnings: { count: number; first: Array<{ line: number; message: string }> };
}

/** Host → webview: the run to show (again after every change while it runs). */
export interface RunDetailMessage {
  type: 'runDetail';
  run: RunDetailData;
}

/** Webview → host: the run panel's script has loaded. */
export interface RunReadyMessage {
  type: 'runReady';
  runId: string | null;
}

/** Webview → host: open or reveal an artifact, open the console log or the uncommitted diff, check the data. */
export interface RunActionMessage {
  type: 'runAction';
  action: 'openArtifact' | 'revealArtifact' | 'openConsole' | 'openDiff' | 'checkData' | 'rerun' | 'compareWithPrevious';
  path?: string;
}

export type RunHostToWebview = RunDetailMessage;
export type RunWebviewToHost = RunReadyMessage | RunActionMessage;
