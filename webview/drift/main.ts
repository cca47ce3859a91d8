/**
 * The Drift panel's webview: says `ready` with its saved state, shows the host's progress while batches are
 * read, then draws the engine's report — the batch list, drift over time (several batches), and the chosen
 * batch's summary, column table and distributions. Only SVG plotly traces: this page runs without
 * 'unsafe-eval'. Every user string (file and column names, categories) becomes text, never markup.
 * The host side is src/extension/panels/driftPanel.ts; the messages are declared in ./protocol.ts.
 */
import { clear, el, setText } from '../shared/dom';
import { connectToHost } from '../shared/hostConnection';
import { hasPlotly } from '../shared/plotly';
import { readTheme, watchTheme, type Theme } from '../shared/theme';
import { vscodeApi } from '../shared/vscode';
import { BatchDetail } from './detail';
import { OverTime } from './overTime';
import {
  DriftExportHtml,
  DriftFailed,
  DriftProgress,
  DriftReady,
  DriftRefresh,
  DriftShowReport,
  DriftStateChanged,
  SORTS,
  type DriftReport,
  type DriftState,
} from './protocol';
import { baseName, batchStatus } from './score';

const vscode = vscodeApi<DriftState, never>();
const ipc = connectToHost(report);
let theme: Theme = readTheme();
let shown: DriftReport | undefined;
const saved: DriftState | undefined = vscode.getState();
let state: DriftState | undefined = saved;

const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app', role: 'main' }));
const title = el('h1', {}, 'Drift');
const meta = el('p', { class: 'meta reference-meta' });
const statusLine = el('p', { class: 'status-line', role: 'status' });
const batchPick = el('select', { id: 'batch-pick', class: 'batch-pick' });
const batchField = el('span', { class: 'field' }, el('label', { for: 'batch-pick', class: 'field-label' }, 'Batch'), batchPick);
const refresh = el('button', { type: 'button', class: 'secondary refresh' }, 'Evaluate again');
const exportButton = el('button', { type: 'button', class: 'secondary export-html' }, 'Export HTML report…');
const exportStatus = el('span', { class: 'hint export-status', role: 'status' });
const toolbar = el('div', { class: 'toolbar' }, batchField, refresh, exportButton, exportStatus);

const emit = (kind: string, detail: Record<string, unknown> = {}) => document.dispatchEvent(new CustomEvent('lineage-drift', { detail: { ...detail, kind } }));

function save(patch: Partial<DriftState>): void {
  if (!state) return;
  state = { ...state, ...patch };
  vscode.setState(state);
  ipc.notify(DriftStateChanged, { batch: state.batch, column: state.column, sort: state.sort });
}

const overTime = new OverTime((batch) => void pickBatch(batch, true).catch(report));
const detail = new BatchDetail({ theme: () => theme, changed: (patch) => save(patch), emit });
const body = el('div', { class: 'drift-body' }, el('h2', { class: 'visually-hidden' }, 'Batches'), toolbar, overTime.chart.card, detail.root);
body.hidden = true;
app.replaceChildren(title, meta, statusLine, body);
setText(statusLine, 'Evaluating the batches…');

batchPick.addEventListener('change', () => void pickBatch(Number(batchPick.value), false).catch(report));
refresh.addEventListener('click', () => {
  status('Evaluating the batches again…');
  ipc.notify(DriftRefresh, {});
});
exportButton.addEventListener('click', () => {
  setText(exportStatus, 'Choose where to save the report…');
  ipc.request(DriftExportHtml, {}, (r) => {
    setText(exportStatus, r.error ? `Not saved: ${r.error}` : r.path ? `Saved ${r.path}` : '');
    emit('exported', { path: r.path, error: r.error });
  });
});

function status(text: string): void {
  statusLine.setAttribute('role', 'status');
  setText(statusLine, text);
}

async function pickBatch(index: number, fromChart: boolean): Promise<void> {
  if (!shown || !state || !Number.isInteger(index) || index < 0 || index >= shown.batches.length) return;
  if (index !== state.batch) save({ batch: index });
  batchPick.value = String(index);
  await drawAll();
  if (fromChart) emit('batch-picked', { batch: index });
}

async function drawAll(): Promise<void> {
  if (!shown || !state) return;
  await overTime.draw(shown, theme, state.batch);
  await detail.show(shown, state.batch, state.column, state.sort);
}

async function onReport(m: { report: DriftReport; state: DriftState; title: string }): Promise<void> {
  shown = m.report;
  const n = m.report.batches.length;
  const s = m.state;
  state = {
    ...s,
    batch: Number.isInteger(s.batch) && s.batch >= 0 && s.batch < n ? s.batch : Math.max(0, n - 1),
    column: typeof s.column === 'string' ? s.column : null,
    sort: SORTS.includes(s.sort) ? s.sort : 'drift',
  };
  vscode.setState(state);
  setText(title, m.title);
  const ref = m.report.reference;
  setText(
    meta,
    `Reference: ${ref.runId ? `run ${ref.runName ?? ref.runId} — ` : ''}${ref.note ?? ref.file} · ${ref.rows.toLocaleString('en-US')} rows · sha256 ${ref.sha256.slice(0, 12)}…` +
      (ref.cached ? ' (summaries from the cache)' : '') +
      (m.report.options.explanation ? ` · risk weighted by the explanation "${m.report.options.explanation}"` : ''),
  );
  clear(batchPick);
  m.report.batches.forEach((b, i) => batchPick.append(el('option', { value: String(i) }, `${i + 1}: ${baseName(b.batch.file)} — ${batchStatus(b)}`)));
  batchPick.value = String(state.batch);
  batchField.hidden = n < 2;
  body.hidden = n === 0;
  const failed = m.report.batches.filter((b) => 'error' in b).length;
  status(n === 0 ? 'No batch to compare: choose batch files with “Lineage: Check Drift…”.' : failed ? `${failed} of ${n} batches could not be read.` : '');
  await drawAll();
  emit('report-done', { batches: n });
}

ipc
  .on(DriftShowReport, onReport)
  .on(DriftProgress, (m) => {
    status(m.total > 1 ? `${m.message} (${Math.min(m.done + 1, m.total)} of ${m.total})` : m.message);
    emit('progress', { message: m.message });
  })
  .on(DriftFailed, (m) => {
    shown = undefined;
    body.hidden = true;
    setText(title, 'Drift');
    setText(meta, '');
    setText(statusLine, m.message);
    statusLine.setAttribute('role', 'alert');
    emit('failed', { message: m.message });
  });

watchTheme((t) => {
  theme = t;
  if (shown)
    void drawAll()
      .then(() => emit('theme-applied', { theme: t.kind }))
      .catch(report);
});

new ResizeObserver(() => {
  overTime.resize();
  detail.resize();
}).observe(app);

function report(err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  status(`Error: ${msg}`);
  console.error(err);
}

if (!hasPlotly()) status('Error: the plotting library did not load.');
ipc.notify(DriftReady, { state: saved ?? null });
