/**
 * The panel's frame: tabs (Curves, Parallel, Scatter, Bars, Table) and each tab's toolbar, built from the
 * webview UI toolkit's components (vscode-panels, vscode-dropdown, vscode-checkbox, vscode-button) plus a
 * plain range input for smoothing (the toolkit has no slider). Controls write settings through the store;
 * `sync` puts the settings back into the controls after an init or a change made elsewhere (legend clicks).
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDivider,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import type { CompareSettings, XAxis } from './protocol';
import { append, clear, custom, el, setText } from '../shared/dom';
import type { Model } from './model';
import { fieldsOf } from './model';
import type { SettingsStore } from './state';
import { defaultScatterX, defaultScatterY } from './analysis';

provideVSCodeDesignSystem().register(
  vsCodeButton(),
  vsCodeCheckbox(),
  vsCodeDivider(),
  vsCodeDropdown(),
  vsCodeOption(),
  vsCodePanels(),
  vsCodePanelTab(),
  vsCodePanelView(),
  vsCodeTextField(),
);

type Tab = CompareSettings['tab'];
export const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'curves', label: 'Curves' },
  { id: 'parallel', label: 'Parallel' },
  { id: 'scatter', label: 'Scatter' },
  { id: 'bars', label: 'Bars' },
  { id: 'table', label: 'Table' },
];

interface Dropdown extends HTMLElement {
  value: string;
}
interface Checkbox extends HTMLElement {
  checked: boolean;
}

export interface Frame {
  /** The content area of each tab (below its toolbar). */
  content: Record<Tab, HTMLElement>;
  tableInfo: HTMLElement;
  status: HTMLElement;
  sync(): void;
  showTab(tab: Tab): void;
  onExportCsv(handler: () => void): void;
}

export function buildFrame(app: HTMLElement, store: SettingsStore, model: Model): Frame {
  let syncing = false;
  const update = (patch: Partial<CompareSettings>) => {
    if (!syncing) store.update(patch);
  };

  const panels = custom('vscode-panels', { class: 'tabs', 'aria-label': 'Compare views' }) as HTMLElement & { activeid: string };
  const content = {} as Record<Tab, HTMLElement>;
  const toolbars = {} as Record<Tab, HTMLElement>;
  for (const t of TABS) append(panels, custom('vscode-panel-tab', { id: `tab-${t.id}` }, t.label));
  for (const t of TABS) {
    toolbars[t.id] = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': `${t.label} options` });
    content[t.id] = el('div', { class: `content content-${t.id}` });
    append(panels, custom('vscode-panel-view', { id: `view-${t.id}`, class: 'view' }, el('div', { class: 'view-inner' }, toolbars[t.id], content[t.id])));
  }
  const status = el('div', { class: 'status', role: 'status', 'aria-live': 'polite' });
  // One h1 for the page (screen readers jump by headings); the tabs say the rest visually.
  const heading = el('h1', { class: 'visually-hidden' }, 'Compare runs');
  append(app, heading, panels, status);
  panels.addEventListener('change', (e) => {
    if (e.target !== panels) return; // the controls' own change events bubble through the panels
    const id = String(panels.activeid ?? '').replace(/^tab-/, '') as Tab;
    if (TABS.some((t) => t.id === id)) update({ tab: id });
  });

  // ---------- curves ----------
  const metricSummary = el('summary', {}, 'Metrics');
  const metricFilter = custom('vscode-text-field', { placeholder: 'Filter metrics', class: 'metric-filter', 'aria-label': 'Filter metrics' }) as HTMLElement & {
    value: string;
  };
  const metricList = el('div', { class: 'metric-list', role: 'group', 'aria-label': 'Metrics to plot' });
  const metricPicker = popup('metric-picker', metricSummary, metricFilter, metricList);
  metricFilter.addEventListener('input', () => filterMetrics());
  // The runs, as checkboxes named by run name: the keyboard's way to what a legend click does (hide/show a run).
  const runSummary = el('summary', {}, 'Runs');
  const runList = el('div', { class: 'metric-list run-list', role: 'group', 'aria-label': 'Runs shown on the charts' });
  const runPicker = popup('run-picker', runSummary, runList);
  const filterMetrics = () => {
    const q = (metricFilter.value ?? '').toLowerCase();
    for (const c of Array.from(metricList.children) as HTMLElement[]) c.hidden = !!q && !(c.dataset.key ?? '').toLowerCase().includes(q);
  };

  const xAxis = dropdown('x-axis', [
    ['step', 'Step'],
    ['wall', 'Wall time'],
    ['relative', 'Relative time'],
  ]);
  xAxis.addEventListener('change', () => update({ xAxis: xAxis.value as XAxis }));

  const smoothing = el('input', { type: 'range', min: '0', max: '0.99', step: '0.01', class: 'smoothing', 'aria-label': 'Smoothing' });
  const smoothingValue = el('span', { class: 'smoothing-value' }, '0');
  let smoothTimer = 0;
  smoothing.addEventListener('input', () => {
    setText(smoothingValue, Number(smoothing.value).toFixed(2));
    clearTimeout(smoothTimer);
    smoothTimer = window.setTimeout(() => update({ smoothing: Number(smoothing.value) }), 120);
  });
  smoothing.addEventListener('change', () => {
    clearTimeout(smoothTimer);
    update({ smoothing: Number(smoothing.value) });
  });

  const logY = custom('vscode-checkbox', { class: 'log-y' }, 'Log y') as Checkbox;
  logY.addEventListener('change', () => update({ logY: logY.checked }));
  const showAll = custom('vscode-button', { appearance: 'secondary', class: 'show-all' }, 'Show all runs');
  showAll.addEventListener('click', () => update({ hiddenRuns: [] }));
  append(
    toolbars.curves,
    metricPicker,
    runPicker,
    labelled('X axis', xAxis),
    el('label', { class: 'field' }, el('span', {}, 'Smoothing'), smoothing, smoothingValue),
    logY,
    showAll,
  );

  // ---------- parallel / bars: the target metric ----------
  const parallelMetric = dropdown('parallel-metric', []);
  parallelMetric.addEventListener('change', () => update({ parallelMetric: parallelMetric.value || null }));
  append(
    toolbars.parallel,
    labelled('Metric', parallelMetric),
    el('span', { class: 'hint' }, 'Params that differ, and the metric’s final value. Drag along an axis, or set a range below the chart, to filter.'),
  );
  const barsMetric = dropdown('bars-metric', []);
  barsMetric.addEventListener('change', () => update({ parallelMetric: barsMetric.value || null }));
  append(toolbars.bars, labelled('Final value of', barsMetric));

  // ---------- scatter ----------
  const sx = dropdown('scatter-x', []);
  const sy = dropdown('scatter-y', []);
  const sc = dropdown('scatter-color', []);
  const scatterChanged = () => update({ scatter: { x: sx.value, y: sy.value, color: sc.value || null } });
  for (const d of [sx, sy, sc]) d.addEventListener('change', scatterChanged);
  append(toolbars.scatter, labelled('X', sx), labelled('Y', sy), labelled('Colour', sc));

  // ---------- table ----------
  const onlyDiff = custom('vscode-checkbox', { class: 'only-diff' }, 'Only what differs') as Checkbox;
  onlyDiff.addEventListener('change', () => update({ onlyDiff: onlyDiff.checked }));
  const tableInfo = el('span', { class: 'hint table-info' });
  const csvButton = custom('vscode-button', { appearance: 'secondary', class: 'export-csv' }, 'Export CSV');
  append(toolbars.table, onlyDiff, tableInfo, el('span', { class: 'spacer' }), csvButton);
  let csvHandler: () => void = () => undefined;
  csvButton.addEventListener('click', () => csvHandler());

  let metricKeysShown = '';
  let runIdsShown = '';
  let fieldIdsShown = '';

  const sync = () => {
    syncing = true;
    try {
      const s = store.settings;
      // Metric checkboxes: rebuilt only when the metric keys change.
      const keys = model.metricKeys.join('\u0000');
      if (keys !== metricKeysShown) {
        metricKeysShown = keys;
        clear(metricList);
        for (const k of model.metricKeys) {
          const cb = custom('vscode-checkbox', { class: 'metric-option' }, k) as Checkbox;
          cb.dataset.key = k;
          cb.addEventListener('change', () => {
            if (syncing) return;
            const now = store.settings.metrics.filter((m) => m !== k);
            if (cb.checked) now.push(k);
            // Keep the order of the metric list, so charts do not jump around.
            update({ metrics: model.metricKeys.filter((m) => now.includes(m)).concat(now.filter((m) => !model.metricKeys.includes(m))) });
          });
          metricList.append(cb);
        }
        filterMetrics();
        metricFilter.hidden = model.metricKeys.length < 10;
      }
      for (const cb of Array.from(metricList.children) as Checkbox[]) {
        const want = s.metrics.includes(cb.dataset.key ?? '');
        if (cb.checked !== want) cb.checked = want;
      }
      setText(metricSummary, `Metrics (${s.metrics.length} of ${model.metricKeys.length})`);
      setText(heading, `Compare ${model.runs.length} run${model.runs.length === 1 ? '' : 's'}`);

      // Run checkboxes: rebuilt when the runs change; checked = shown.
      const runIds = model.runs.map((r) => `${r.id}\u0001${r.name}`).join('\u0000');
      if (runIds !== runIdsShown) {
        runIdsShown = runIds;
        clear(runList);
        for (const r of model.runs) {
          const cb = custom('vscode-checkbox', { class: 'run-option' }, r.name) as Checkbox;
          cb.dataset.run = r.id;
          cb.addEventListener('change', () => {
            if (syncing) return;
            // What a legend click does (charts.ts toggleRun): the set of hidden runs, one added or removed.
            const hidden = new Set(store.settings.hiddenRuns);
            if (cb.checked) hidden.delete(r.id);
            else hidden.add(r.id);
            update({ hiddenRuns: [...hidden] });
          });
          runList.append(cb);
        }
      }
      const hiddenSet = new Set(s.hiddenRuns);
      for (const cb of Array.from(runList.children) as Checkbox[]) {
        const want = !hiddenSet.has(cb.dataset.run ?? '');
        if (cb.checked !== want) cb.checked = want;
      }
      const shownRuns = model.runs.filter((r) => !hiddenSet.has(r.id)).length;
      setText(runSummary, `Runs (${shownRuns} of ${model.runs.length} shown)`);

      setValue(xAxis, s.xAxis);
      if (Math.abs(Number(smoothing.value) - s.smoothing) > 1e-9) smoothing.value = String(s.smoothing);
      setText(smoothingValue, s.smoothing.toFixed(2));
      if (logY.checked !== s.logY) logY.checked = s.logY;
      const hidden = s.hiddenRuns.filter((id) => model.runById.has(id)).length;
      setText(showAll, hidden ? `Show all runs (${hidden} hidden)` : 'Show all runs');
      showAll.toggleAttribute('disabled', hidden === 0);

      const fields = fieldsOf(model);
      const fieldIds = fields.map((f) => f.id).join('\u0000');
      const metricFields = fields.filter((f) => f.kind === 'metric');
      if (fieldIds !== fieldIdsShown) {
        fieldIdsShown = fieldIds;
        setOptions(
          parallelMetric,
          metricFields.map((f) => [f.key, f.label]),
        );
        setOptions(
          barsMetric,
          metricFields.map((f) => [f.key, f.label]),
        );
        const all = fields.map((f) => [f.id, `${f.kind === 'param' ? 'param' : 'metric'} · ${f.label}`] as [string, string]);
        setOptions(sx, all);
        setOptions(sy, all);
        setOptions(sc, [['', 'Run colour'], ...all]);
      }
      const target = s.parallelMetric ?? s.metrics[0] ?? model.metricKeys[0] ?? '';
      setValue(parallelMetric, target);
      setValue(barsMetric, target);
      setValue(sx, s.scatter.x || defaultScatterX(fields)?.id || '');
      setValue(sy, s.scatter.y || defaultScatterY(fields, s.metrics[0])?.id || '');
      setValue(sc, s.scatter.color ?? '');
      if (onlyDiff.checked !== s.onlyDiff) onlyDiff.checked = s.onlyDiff;
      showTab(s.tab);
    } finally {
      syncing = false;
    }
  };

  const showTab = (tab: Tab) => {
    if (panels.activeid !== `tab-${tab}`) panels.activeid = `tab-${tab}`;
  };

  return {
    content,
    tableInfo,
    status,
    sync,
    showTab,
    onExportCsv(h) {
      csvHandler = h;
    },
  };
}

let labelCount = 0;

/** A control after its visible label, named by it (aria-labelledby): the toolkit's dropdown has no <label>. */
function labelled(label: string, control: HTMLElement): HTMLElement {
  const id = `field-label-${++labelCount}`;
  control.setAttribute('aria-labelledby', id);
  return el('div', { class: 'field' }, el('span', { class: 'field-label', id }, label), control);
}

/** A <details> popup like a dropdown: closes on a click elsewhere, and on Escape (focus back on its summary). */
function popup(cls: string, summary: HTMLElement, ...content: HTMLElement[]): HTMLDetailsElement {
  const d = el('details', { class: `picker ${cls}` }, summary, el('div', { class: 'metric-pop' }, ...content));
  document.addEventListener('mousedown', (e) => {
    if (d.open && !d.contains(e.target as Node)) d.open = false;
  });
  d.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && d.open) {
      d.open = false;
      summary.focus();
    }
  });
  return d;
}

function dropdown(cls: string, options: Array<[string, string]>): Dropdown {
  const d = custom('vscode-dropdown', { class: cls, position: 'below' }) as Dropdown;
  setOptions(d, options);
  return d;
}

/** Options as text (labels may be user strings); the value is set with setAttribute, which does not parse. */
function setOptions(d: Dropdown, options: Array<[string, string]>): void {
  const current = d.value;
  clear(d);
  for (const [value, label] of options) {
    const o = custom('vscode-option', {}, label);
    o.setAttribute('value', value);
    d.append(o);
  }
  if (current) setValue(d, current);
}

function setValue(d: Dropdown, value: string): void {
  if (d.value === value) return;
  for (const o of Array.from(d.children) as Array<HTMLElement & { value: string; selected: boolean }>) {
    if (o.getAttribute('value') === value) o.setAttribute('selected', '');
    else o.removeAttribute('selected');
  }
  d.value = value;
}
