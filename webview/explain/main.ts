/**
 * The Explain panel's webview: says `ready` with its saved state, then draws what the host sends — the
 * global view first (importance and the beeswarm: the first paint), one row's waterfall, what-if and the
 * side-by-side comparison on their tabs. Only SVG plotly traces: this page runs without 'unsafe-eval'.
 * Every user string (feature names, categories, run names) becomes text, never markup.
 * The host side is src/extension/panels/explainPanel.ts; the messages are declared in ./protocol.ts.
 */
import { clear, el, setText } from '../shared/dom';
import { connectToHost } from '../shared/hostConnection';
import { hasPlotly } from '../shared/plotly';
import { readTheme, watchTheme, type Theme } from '../shared/theme';
import { vscodeApi } from '../shared/vscode';
import { CompareTab } from './compareTab';
import type { Ctx } from './context';
import { GlobalTab } from './globalTab';
import {
  ExplainFailed,
  ExplainInit,
  ExplainPick,
  ExplainReady,
  ExplainScorer,
  ExplainStateChanged,
  TABS,
  type ExplainInitParams,
  type ExplainState,
  type ExplainTab,
  type RowView,
} from './protocol';
import { RowTab } from './rowTab';
import { WhatIfTab } from './whatIfTab';

const vscode = vscodeApi<ExplainState, never>();
const ipc = connectToHost(report);
let theme: Theme = readTheme();
let init: ExplainInitParams | undefined;
let saved: ExplainState | undefined = vscode.getState();
const state: ExplainState = {
  runId: saved?.runId ?? null,
  ...(saved?.folder ? { folder: saved.folder } : {}),
  name: saved?.name ?? 'default',
  row: Number.isInteger(saved?.row) ? saved!.row : 0,
  tab: TABS.includes(saved?.tab as ExplainTab) ? saved!.tab : 'global',
};

const TAB_LABELS: Record<ExplainTab, string> = { global: 'Global', row: 'Row', whatif: 'What-if', compare: 'Compare runs' };

const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app', role: 'main' }));
const title = el('h1', {}, 'Explain');
const meta = el('p', { class: 'meta' });
const trust = el('p', { class: 'trust' });
const namePicker = el('select', { id: 'explanation-name', class: 'explanation-name' });
const nameField = el('span', { class: 'field' }, el('label', { for: 'explanation-name', class: 'field-label' }, 'Explanation'), namePicker);
const statusLine = el('p', { class: 'status-line', role: 'status' });
const tablist = el('div', { role: 'tablist', 'aria-label': 'Views', class: 'tabs' });
const tabs = new Map<ExplainTab, { tab: HTMLButtonElement; panel: HTMLElement }>();
for (const t of TABS) {
  const tab = el(
    'button',
    { type: 'button', role: 'tab', id: `tab-${t}`, 'aria-controls': `panel-${t}`, 'aria-selected': 'false', tabindex: '-1' },
    TAB_LABELS[t],
  );
  const panel = el('div', { role: 'tabpanel', id: `panel-${t}`, 'aria-labelledby': `tab-${t}`, class: `tab-panel panel-${t}` });
  panel.hidden = true;
  tab.addEventListener('click', () => selectTab(t, true));
  tablist.append(tab);
  tabs.set(t, { tab, panel });
}
tablist.addEventListener('keydown', (e) => {
  const i = TABS.indexOf(state.tab);
  let next: number;
  if (e.key === 'ArrowRight') next = (i + 1) % TABS.length;
  else if (e.key === 'ArrowLeft') next = (i - 1 + TABS.length) % TABS.length;
  else if (e.key === 'Home') next = 0;
  else if (e.key === 'End') next = TABS.length - 1;
  else return;
  e.preventDefault();
  selectTab(TABS[next], true);
  tabs.get(TABS[next])!.tab.focus();
});
const header = el('div', { class: 'explain-header' }, title, meta, el('div', { class: 'toolbar' }, nameField), trust);
const body = el('div', { class: 'explain-body' }, tablist, ...[...tabs.values()].map((t) => t.panel));
body.hidden = true;
app.replaceChildren(header, statusLine, body);
setText(statusLine, 'Loading the explanation…');

let statusTimer = 0;
const ctx: Ctx = {
  ipc,
  theme: () => theme,
  init: () => {
    if (!init) throw new Error('the explanation has not arrived yet');
    return init;
  },
  state: () => state,
  save(patch) {
    Object.assign(state, patch);
    vscode.setState({ ...state });
    ipc.notify(ExplainStateChanged, { state: { ...state } });
  },
  showRow(row: RowView) {
    ctx.save({ row: row.index });
    void rowTab.set(row, state.tab === 'row').catch(report);
    whatIfTab.set(row, state.tab === 'whatif');
  },
  status(text, clearAfterMs = 0) {
    clearTimeout(statusTimer);
    setText(statusLine, text);
    if (clearAfterMs) statusTimer = window.setTimeout(() => setText(statusLine, ''), clearAfterMs);
  },
  emit(kind, detail = {}) {
    document.dispatchEvent(new CustomEvent('lineage-explain', { detail: { ...detail, kind } }));
  },
};

const globalTab = new GlobalTab(tabs.get('global')!.panel, ctx);
const rowTab = new RowTab(tabs.get('row')!.panel, ctx);
const whatIfTab = new WhatIfTab(tabs.get('whatif')!.panel, ctx);
const compareTab = new CompareTab(tabs.get('compare')!.panel, ctx);

namePicker.addEventListener('change', () => {
  ctx.save({ name: namePicker.value, row: 0 });
  ctx.status('Loading the explanation…');
  ipc.notify(ExplainPick, { name: namePicker.value });
});

function selectTab(t: ExplainTab, user: boolean): void {
  for (const [k, v] of tabs) {
    const on = k === t;
    v.tab.setAttribute('aria-selected', String(on));
    v.tab.setAttribute('tabindex', on ? '0' : '-1');
    v.panel.hidden = !on;
  }
  if (user && state.tab !== t) ctx.save({ tab: t });
  else state.tab = t;
  if (init) void drawActive().catch(report);
}

async function drawActive(): Promise<void> {
  switch (state.tab) {
    case 'global':
      return globalTab.draw();
    case 'row':
      return rowTab.draw();
    case 'whatif':
      return whatIfTab.draw();
    case 'compare':
      return compareTab.draw();
  }
}

async function onInit(m: ExplainInitParams): Promise<void> {
  ctx.emit('init-start');
  init = m;
  Object.assign(state, { runId: m.runId, name: m.global.name, row: m.row.index, tab: m.tab, ...(m.folder ? { folder: m.folder } : {}) });
  vscode.setState({ ...state });
  const man = m.global.manifest;
  setText(title, `Explain ${m.runName}`);
  setText(
    meta,
    `${man.modelType ?? 'model'} · ${man.algorithm ?? man.method} · ${man.rows.toLocaleString('en-US')} rows × ${man.features.length} features` +
      (man.totalRows > man.rows ? ` (sampled from ${man.totalRows.toLocaleString('en-US')}, seed ${man.seed ?? '—'})` : ''),
  );
  setText(trust, m.global.trust.text);
  trust.className = `trust trust-${m.global.trust.level}`;
  if (m.global.trust.level === 'failed') trust.setAttribute('role', 'alert');
  else trust.removeAttribute('role');
  clear(namePicker);
  for (const n of m.names) namePicker.append(el('option', { value: n }, n));
  namePicker.value = m.global.name;
  nameField.hidden = m.names.length < 2;
  body.hidden = false;
  ctx.status('');
  globalTab.invalidate();
  rowTab.reset();
  whatIfTab.reset();
  compareTab.reset();
  void rowTab.set(m.row, false);
  whatIfTab.set(m.row, false);
  selectTab(m.tab, false);
  await drawActive();
  ctx.emit('init-done', { tab: m.tab });
}

ipc
  .on(ExplainInit, onInit)
  .on(ExplainFailed, (m) => {
    init = undefined;
    body.hidden = true;
    setText(title, 'Explain');
    setText(meta, '');
    setText(trust, '');
    ctx.status(m.message);
    statusLine.setAttribute('role', 'alert');
    ctx.emit('failed', { message: m.message });
  })
  .on(ExplainScorer, (m) => {
    whatIfTab.scorer(m.state, m.message);
    ctx.emit('scorer', { state: m.state });
  });

watchTheme((t) => {
  theme = t;
  if (!init) return;
  globalTab.invalidate();
  compareTab.invalidate();
  whatIfTab.retheme(false);
  void rowTab.set(rowTab.current ?? init.row, state.tab === 'row');
  void drawActive()
    .then(() => ctx.emit('theme-applied', { theme: t.kind }))
    .catch(report);
});

new ResizeObserver(() => {
  if (init) void drawActive().catch(report);
}).observe(app);

function report(err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  ctx.status(`Error: ${msg}`);
  console.error(err);
}

if (!hasPlotly()) ctx.status('Error: the plotting library did not load.');
saved = saved ? { ...state } : undefined;
ipc.notify(ExplainReady, { state: saved ?? null });
