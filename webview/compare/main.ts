/**
 * The Compare panel's webview: restores its saved state, says `ready`, and draws what the host sends —
 * curves (small multiples with min–max bands, smoothing, zoom at full resolution, live appends), parallel
 * coordinates, scatter, bars and a virtualised diff table — in the colours of the current VS Code theme.
 * The host side is src/extension/panels/comparePanel.ts; the messages are declared in ./protocol.ts.
 */
import { el, setText } from '../shared/dom';
import { connectToHost } from '../shared/hostConnection';
import { hasPlotly } from '../shared/plotly';
import { readTheme, watchTheme, type Theme } from '../shared/theme';
import { AnalysisChart } from './analysis';
import { CurveCharts } from './charts';
import type { Ctx } from './context';
import { buildFrame } from './controls';
import { Model } from './model';
import {
  CompareAppend,
  CompareExport,
  CompareInit,
  CompareReady,
  type CompareAppendParams,
  type CompareExportParams,
  type CompareInitParams,
  type CompareSettings,
} from './protocol';
import { SettingsStore } from './state';
import { DiffTable } from './table';

const ipc = connectToHost(report);
const store = new SettingsStore(ipc);
const model = new Model();
let theme: Theme = readTheme();
let initialised = false;

const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app', role: 'main' }));
const frame = buildFrame(app, store, model);

const ctx: Ctx = {
  model,
  store,
  ipc,
  theme: () => theme,
  isActive: (tab) => initialised && store.settings.tab === tab,
  exportFile,
  emit(kind, detail = {}) {
    document.dispatchEvent(new CustomEvent('lineage-compare', { detail: { ...detail, kind } }));
  },
};

const curves = new CurveCharts(frame.content.curves, ctx);
const parallel = new AnalysisChart('parallel', frame.content.parallel, ctx);
const scatter = new AnalysisChart('scatter', frame.content.scatter, ctx);
const bars = new AnalysisChart('bars', frame.content.bars, ctx);
const table = new DiffTable(frame.content.table, ctx, frame.tableInfo);
const analysis = { parallel, scatter, bars } as const;

frame.onExportCsv(() => {
  exportFile({ format: 'csv', suggestedName: 'runs.csv', data: table.csv() });
  ctx.emit('exported', { format: 'csv' });
});

function exportFile(file: CompareExportParams): void {
  ipc.request(CompareExport, file, (r) => {
    if (r.path) status(`Saved ${r.path}`, 6000);
  });
}

let statusTimer = 0;
function status(text: string, clearAfterMs = 0): void {
  clearTimeout(statusTimer);
  setText(frame.status, text);
  if (clearAfterMs) statusTimer = window.setTimeout(() => setText(frame.status, ''), clearAfterMs);
}

/** Draws whatever the active tab shows and is out of date. */
async function showActive(): Promise<void> {
  const tab = store.settings.tab;
  if (tab === 'curves') await curves.shown();
  else if (tab === 'table') table.shown();
  else {
    const a = analysis[tab];
    if (a.dirty) await a.draw();
    else a.resize();
  }
}

function markAnalysisDirty(): void {
  for (const a of Object.values(analysis)) a.dirty = true;
}

async function onInit(m: CompareInitParams): Promise<void> {
  ctx.emit('init-start', { runs: m.runs.length });
  const first = !initialised;
  model.init(m);
  const runIds = m.runs.map((r) => r.id);
  if (first) store.replace(m.settings, runIds, m.folder, m.parentId);
  else {
    // Later inits answer our own settings; keep what changed here since, but take the host's metric choice when we had none.
    const local = store.settings;
    store.replace({ ...local, metrics: local.metrics.length ? local.metrics : m.settings.metrics }, runIds, m.folder, m.parentId);
  }
  initialised = true;
  frame.sync();
  ctx.emit('controls-synced');
  status('');
  markAnalysisDirty();
  table.dirty = true;
  await curves.render();
  await showActive();
  ctx.emit('init-done', { runs: m.runs.length, series: m.series.length });
}

async function onSettings(s: CompareSettings, changed: Set<keyof CompareSettings>): Promise<void> {
  frame.sync();
  if (changed.has('metrics')) await curves.render();
  if (changed.has('xAxis')) status('Loading series…');
  if (changed.has('smoothing') || changed.has('logY')) await curves.redraw();
  if (changed.has('hiddenRuns')) {
    await curves.applyHidden();
    markAnalysisDirty();
    table.dirty = true;
  }
  if (changed.has('scatter')) scatter.dirty = true;
  if (changed.has('parallelMetric')) parallel.dirty = bars.dirty = true;
  if (changed.has('onlyDiff') || changed.has('sort')) table.dirty = true;
  if (s.tab === 'table' && table.dirty) table.update();
  await showActive();
}

store.onChange((s, changed) => void onSettings(s, changed).catch(report));

async function onAppend(m: CompareAppendParams): Promise<void> {
  if (!initialised) return;
  const before = model.metricKeys.length;
  const { added, structural, newRuns } = model.append(m);
  // New runs are saved with the state, so a restored panel shows them too.
  if (newRuns.length)
    store.replace(
      store.settings,
      model.runs.map((r) => r.id),
      undefined,
    );
  if (model.metricKeys.length !== before || newRuns.length) frame.sync();
  markAnalysisDirty();
  table.dirty = true;
  await curves.onAppend(added, structural);
  if (store.settings.tab === 'table') table.update();
  else if (store.settings.tab !== 'curves') await showActive();
  ctx.emit('append-done', { series: m.series.length, newRuns: newRuns.length });
}

ipc.on(CompareInit, onInit).on(CompareAppend, onAppend);

watchTheme((t) => {
  theme = t;
  if (!initialised) return;
  markAnalysisDirty();
  void curves
    .redraw()
    .then(showActive)
    .then(() => ctx.emit('theme-applied', { theme: t.kind }))
    .catch(report);
});

function report(err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  status(`Error: ${msg}`);
  console.error(err);
}

if (!hasPlotly()) status('Error: the plotting library did not load.');
ipc.notify(CompareReady, { state: store.savedState() });
