/**
 * What a webview sends is checked here before a panel acts on it: a webview runs scripts (Plotly, the
 * panel's own code, anything a crafted run could inject into them), so its messages are input, not orders.
 * Pure functions without vscode, so the unit tests run them on real run folders.
 */
import type { RunAction } from '../../../webview/runDetail/protocol';
import type { CompareExportParams, CompareSettings, CompareZoomParams } from '../../../webview/compare/protocol';
import { DEFAULT_SETTINGS } from '../../../webview/compare/protocol';
import type { ExplainState, ExplainTab, RowSort } from '../../../webview/explain/protocol';
import { allowedRunIds, inspectRunFile, isRunIdShape } from '../../core/runs/runPaths';
import type { ColumnSort, DriftState } from '../../../webview/drift/protocol';
import { driftFormatOf } from '../../core/drift/tableFormats';
import type { ColumnOverride, DriftOptions } from '../../core/drift/types';
import { isAbsolute } from 'node:path';

export const RUN_ACTIONS: readonly RunAction[] = [
  'openArtifact',
  'revealArtifact',
  'openConsole',
  'openDiff',
  'checkData',
  'rerun',
  'compareWithPrevious',
  'explain',
  'showLineage',
  'reproduce',
  'pushModel',
];

/** Actions that start a process (the script, or git in the workspace's repository): only in a trusted workspace. */
export const TRUSTED_ACTIONS: readonly RunAction[] = ['rerun', 'openDiff', 'reproduce'];

/** A run panel action with its artifact path, or undefined when the message is not one. */
export function runActionOf(m: unknown): { action: RunAction; path?: string } | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const { action, path } = m as { action?: unknown; path?: unknown };
  if (!RUN_ACTIONS.includes(action as RunAction)) return undefined;
  if (path !== undefined && typeof path !== 'string') return undefined;
  return { action: action as RunAction, path };
}

/**
 * The file an "open/reveal artifact" message names: it must be one of the run's recorded artifacts and a
 * regular file or folder inside the run folder (a link out of it is refused).
 */
export function artifactTarget(runDir: string, file: unknown, recorded: readonly string[]): { abs: string } | { refused: string } {
  if (typeof file !== 'string' || !recorded.includes(file)) return { refused: 'Lineage opens only the artifacts this run recorded.' };
  const f = inspectRunFile(runDir, file);
  switch (f.state) {
    case 'file':
    case 'dir':
      return { abs: f.abs };
    case 'missing':
      return { refused: `Lineage cannot open ${file}: it is no longer in the run folder.` };
    default:
      return { refused: `Lineage does not open ${file}: it is ${f.note}.` };
  }
}

/** A run id the webview sent as the run it showed before a reload: well-formed, or null. */
export function savedRunId(id: unknown): string | null {
  return isRunIdShape(id) ? id : null;
}

const X_AXES = ['step', 'wall', 'relative'] as const;
const TABS = ['curves', 'parallel', 'scatter', 'bars', 'table'] as const;
const MAX_KEYS = 1000;

const str = (v: unknown, max = 1000): v is string => typeof v === 'string' && v.length <= max;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s) => str(s)).slice(0, MAX_KEYS) : []);

/** Compare settings from the webview, each field kept only when it has the right type (else its default). */
export function compareSettingsOf(v: unknown): CompareSettings {
  const s = v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const d = DEFAULT_SETTINGS;
  const sort = s.sort as { column?: unknown; descending?: unknown } | null | undefined;
  const scatter = (s.scatter ?? {}) as { x?: unknown; y?: unknown; color?: unknown };
  return {
    metrics: Array.isArray(s.metrics) ? strings(s.metrics) : d.metrics,
    xAxis: X_AXES.includes(s.xAxis as (typeof X_AXES)[number]) ? (s.xAxis as CompareSettings['xAxis']) : d.xAxis,
    smoothing: typeof s.smoothing === 'number' && s.smoothing >= 0 && s.smoothing <= 1 ? s.smoothing : d.smoothing,
    logY: typeof s.logY === 'boolean' ? s.logY : d.logY,
    hiddenRuns: Array.isArray(s.hiddenRuns) ? strings(s.hiddenRuns).filter(isRunIdShape) : d.hiddenRuns,
    tab: TABS.includes(s.tab as (typeof TABS)[number]) ? (s.tab as CompareSettings['tab']) : d.tab,
    onlyDiff: typeof s.onlyDiff === 'boolean' ? s.onlyDiff : d.onlyDiff,
    sort: sort && str(sort.column) && typeof sort.descending === 'boolean' ? { column: sort.column, descending: sort.descending } : null,
    scatter: {
      x: str(scatter.x) ? scatter.x : d.scatter.x,
      y: str(scatter.y) ? scatter.y : d.scatter.y,
      color: str(scatter.color) ? scatter.color : null,
    },
    parallelMetric: str(s.parallelMetric) ? s.parallelMetric : null,
  };
}

/** A zoom request: a metric key, a known x axis, finite numbers, and only runs the panel shows. */
export function zoomParamsOf(m: unknown, panelRuns: readonly string[]): CompareZoomParams | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const z = m as Record<string, unknown>;
  if (!str(z.metric) || !X_AXES.includes(z.xAxis as (typeof X_AXES)[number])) return undefined;
  if (![z.x0, z.x1, z.maxPoints].every((n) => typeof n === 'number' && !Number.isNaN(n))) return undefined;
  const maxPoints = Math.max(1, Math.min(Math.floor(z.maxPoints as number), 1_000_000));
  return {
    metric: z.metric,
    xAxis: z.xAxis as CompareZoomParams['xAxis'],
    x0: z.x0 as number,
    x1: z.x1 as number,
    runIds: allowedRunIds(z.runIds, panelRuns),
    maxPoints,
  };
}

/** An export: a known format, string data, and a suggested file name reduced to a plain name (no folders). */
export function exportParamsOf(m: unknown): CompareExportParams | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const e = m as Record<string, unknown>;
  if (e.format !== 'png' && e.format !== 'svg' && e.format !== 'csv') return undefined;
  if (typeof e.data !== 'string') return undefined;
  const base = (typeof e.suggestedName === 'string' ? e.suggestedName : '').split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const plain = base.replace(/[\u0000-\u001f\u007f]/g, '');
  const name = plain.replace(/^\.+/, '').slice(0, 200) || `lineage-export.${e.format}`;
  return { format: e.format, data: e.data, suggestedName: name };
}

// ---------- the Explain panel ----------

const EXPLAIN_TABS: readonly ExplainTab[] = ['global', 'row', 'whatif', 'compare'];
const EXPLANATION_NAME = /^(?!\.)[A-Za-z0-9_.-]{1,64}$/;
const ROW_SORTS: readonly RowSort[] = ['index', 'prediction-desc', 'prediction-asc', 'error-desc'];

/** An explanation's name as the format allows it (docs/explanations-format.md), or undefined. */
export function explanationNameOf(v: unknown): string | undefined {
  return typeof v === 'string' && EXPLANATION_NAME.test(v) ? v : undefined;
}

/** A row index: a whole number in [0, rows), or undefined. */
export function rowIndexOf(v: unknown, rows: number): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < rows ? v : undefined;
}

/** The Explain panel's saved state from the webview: each field kept only when well-formed. */
export function explainStateOf(v: unknown): Partial<ExplainState> {
  const s = v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const out: Partial<ExplainState> = {};
  if (isRunIdShape(s.runId)) out.runId = s.runId;
  if (str(s.folder, 4096)) out.folder = s.folder;
  const name = explanationNameOf(s.name);
  if (name) out.name = name;
  if (typeof s.row === 'number' && Number.isInteger(s.row) && s.row >= 0 && s.row < 1e9) out.row = s.row;
  if (EXPLAIN_TABS.includes(s.tab as ExplainTab)) out.tab = s.tab as ExplainTab;
  return out;
}

/** A row search: a known sort, the search text cut to 500 characters, a limit between 1 and 100. */
export function findRowsParamsOf(m: unknown): { sort: RowSort; search: string; limit: number } | undefined {
  if (!m || typeof m !== 'object') return undefined;
  const q = m as Record<string, unknown>;
  if (!ROW_SORTS.includes(q.sort as RowSort)) return undefined;
  const limit = typeof q.limit === 'number' && Number.isFinite(q.limit) ? Math.max(1, Math.min(100, Math.floor(q.limit))) : 20;
  return { sort: q.sort as RowSort, search: typeof q.search === 'string' ? q.search.slice(0, 500) : '', limit };
}

/** A what-if row as the scorer takes it: null is a numeric input left empty (unknown, NaN for the model). */
export type WhatIfInputs = Record<string, number | string | null>;

/**
 * An edited what-if row, checked against the explanation's features: every feature present; for numeric
 * inputs a finite number, or null for a field left empty (the scorer gives the model NaN, which boosted trees
 * and XGBoost take as missing); for categorical ones a text, not empty unless '' is one of the categories.
 * Returns the row for the scorer, or what is wrong in words the panel shows. The row is built with
 * Object.fromEntries (own data properties), so a feature named `__proto__` is a key like any other, not dropped.
 */
export function whatIfRowOf(
  v: unknown,
  m: { features: string[]; featureKinds: Array<'numeric' | 'categorical'>; categories: Record<string, string[]> },
): { row: WhatIfInputs } | { error: string } {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { error: 'The edited row did not arrive as a set of inputs.' };
  const given = v as Record<string, unknown>;
  const entries: Array<[string, number | string | null]> = [];
  for (let j = 0; j < m.features.length; j++) {
    const f = m.features[j];
    const value = Object.hasOwn(given, f) ? given[f] : undefined;
    if (m.featureKinds[j] === 'categorical') {
      const known = Object.hasOwn(m.categories, f) ? m.categories[f] : [];
      if (typeof value !== 'string' || value.length > 1000 || (value === '' && !known.includes(''))) return { error: `Choose a value for ${f}.` };
      entries.push([f, value]);
    } else {
      if (value !== null && (typeof value !== 'number' || !Number.isFinite(value)))
        return { error: `Type a number for ${f}, or leave it empty if it is unknown.` };
      entries.push([f, value]);
    }
  }
  return { row: Object.fromEntries(entries) };
}

/** What a counterfactual was searched for: the explanation (name and when it was logged), the row, the inputs. */
export interface CounterfactualKey {
  name: string;
  created: number | null;
  row: number;
  inputs: WhatIfInputs;
}

/**
 * Whether a kept counterfactual belongs in the report of `want`: the same explanation as logged then (a
 * re-logged one has another model), the same row, and searched from exactly the row's inputs (not edited).
 */
export function counterfactualMatches(kept: CounterfactualKey | undefined, want: CounterfactualKey): boolean {
  if (!kept || kept.name !== want.name || kept.created !== want.created || kept.row !== want.row) return false;
  const a = Object.keys(kept.inputs);
  const b = Object.keys(want.inputs);
  return a.length === b.length && b.every((f) => Object.hasOwn(kept.inputs, f) && Object.is(kept.inputs[f], want.inputs[f]));
}

/**
 * Whether the explanation read now is the shown one logged again (same name, another `created`): then what
 * belonged to the old model (its scorer, its counterfactual) must go.
 */
export function explanationRelogged(shown: { name: string; created: number | null } | undefined, now: { name: string; created: number | null }): boolean {
  return !!shown && shown.name === now.name && shown.created !== now.created;
}

/**
 * The run an "Explain" command argument names, `{ runId, name?, folder? }` (the run panel) or a tree node's
 * `{ id, folder }`. Commands can be run with any arguments (a command link, another extension), so the run id
 * must have a run id's shape (it becomes a path), the name the format's, and the folder be one open in this
 * window (else undefined: the run's own folder is looked up), as for a restored panel.
 */
export function explainTargetOf(
  ref: { id: unknown; name?: unknown; folder?: unknown },
  openFolders: readonly string[],
): { id: string; name?: string; folder?: string } | undefined {
  if (!isRunIdShape(ref.id)) return undefined;
  const folder = typeof ref.folder === 'string' && openFolders.includes(ref.folder) ? ref.folder : undefined;
  return { id: ref.id, name: explanationNameOf(ref.name), folder };
}

// ---------- Drift panel ----------

const DRIFT_SORTS: readonly ColumnSort[] = ['drift', 'risk'];
const DRIFT_TESTS: readonly string[] = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi'];
/** Batches one panel compares: more is a monitor's job (and a page could name thousands of files). */
export const DRIFT_MAX_BATCHES = 500;

/** A table file drift can read, named by an absolute path (a page's relative path would resolve anywhere). */
export function driftTableOf(v: unknown): string | undefined {
  return typeof v === 'string' && v.length <= 4096 && isAbsolute(v) && driftFormatOf(v) !== undefined && !v.includes('\0') ? v : undefined;
}

function columnNameOf(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 1000 ? v : undefined;
}

/** Drift options from a page's saved state: known keys, well-formed values; anything else dropped. */
export function driftOptionsOf(v: unknown): DriftOptions {
  const s = v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const out: DriftOptions = {};
  if (Array.isArray(s.columns)) {
    const cols = s.columns.map(columnNameOf).filter((c): c is string => c !== undefined);
    if (cols.length) out.columns = cols.slice(0, 10_000);
  }
  const prediction = columnNameOf(s.prediction);
  if (prediction) out.prediction = prediction;
  const actual = columnNameOf(s.actual);
  if (actual) out.actual = actual;
  if (typeof s.datasetThreshold === 'number' && s.datasetThreshold > 0 && s.datasetThreshold <= 1) out.datasetThreshold = s.datasetThreshold;
  if (s.overrides && typeof s.overrides === 'object' && !Array.isArray(s.overrides)) {
    const entries: Array<[string, ColumnOverride]> = [];
    for (const [k, o] of Object.entries(s.overrides as Record<string, unknown>)) {
      if (!columnNameOf(k) || !o || typeof o !== 'object') continue;
      const { test, threshold } = o as { test?: unknown; threshold?: unknown };
      const ov: ColumnOverride = {};
      if (typeof test === 'string' && DRIFT_TESTS.includes(test)) ov.test = test as ColumnOverride['test'];
      if (typeof threshold === 'number' && Number.isFinite(threshold) && threshold > 0) ov.threshold = threshold;
      if (ov.test || ov.threshold) entries.push([k, ov]);
    }
    // Own data properties (a column named `__proto__` stays a key).
    if (entries.length) out.overrides = Object.fromEntries(entries);
  }
  return out;
}

/**
 * The Drift panel's saved state from the webview, each field kept only when well-formed: a run id of a run id's
 * shape or an absolute table file as the reference, absolute table files as batches (at most DRIFT_MAX_BATCHES),
 * known options. Undefined without a usable reference.
 */
export function driftStateOf(v: unknown): DriftState | undefined {
  const s = v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const r = s.reference && typeof s.reference === 'object' ? (s.reference as Record<string, unknown>) : {};
  const reference = isRunIdShape(r.runId) ? { runId: r.runId } : driftTableOf(r.file) ? { file: r.file as string } : undefined;
  if (!reference) return undefined;
  const batches = Array.isArray(s.batches)
    ? s.batches
        .map(driftTableOf)
        .filter((b): b is string => b !== undefined)
        .slice(0, DRIFT_MAX_BATCHES)
    : [];
  const sel = driftSelectionOf(s, batches.length);
  return {
    ...(str(s.folder, 4096) ? { folder: s.folder } : {}),
    reference,
    batches,
    options: driftOptionsOf(s.options),
    batch: sel.batch ?? 0,
    column: sel.column ?? null,
    sort: sel.sort ?? 'drift',
  };
}

/** What `drift/state` says the page shows: a batch index in range, a column name or null, a known sort. */
export function driftSelectionOf(m: unknown, batches: number): { batch?: number; column?: string | null; sort?: ColumnSort } {
  const s = m && typeof m === 'object' ? (m as Record<string, unknown>) : {};
  const out: { batch?: number; column?: string | null; sort?: ColumnSort } = {};
  if (typeof s.batch === 'number' && Number.isInteger(s.batch) && s.batch >= 0 && s.batch < batches) out.batch = s.batch;
  if (s.column === null) out.column = null;
  else if (columnNameOf(s.column)) out.column = s.column as string;
  if (DRIFT_SORTS.includes(s.sort as ColumnSort)) out.sort = s.sort as ColumnSort;
  return out;
}
