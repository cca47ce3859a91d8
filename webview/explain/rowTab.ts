/**
 * The Row tab: one row's waterfall from the base value to its prediction. The row is picked by its number,
 * by a sort (largest error, highest or lowest prediction) or by searching its feature values; the additivity
 * check is shown under the chart, and a warning when the method is approximate or the check failed.
 */
import { clear, el, setText } from '../shared/dom';
import { fmt } from '../shared/format';
import type { Ctx } from './context';
import { ExplainExportReport, ExplainFindRows, ExplainRow, type FoundRow, type RowSort, type RowView } from './protocol';
import { predictionText, Waterfall } from './waterfall';

const SORTS: Array<{ value: RowSort; text: string; needsTarget?: boolean }> = [
  { value: 'index', text: 'Row number' },
  { value: 'error-desc', text: 'Largest error', needsTarget: true },
  { value: 'prediction-desc', text: 'Highest prediction' },
  { value: 'prediction-asc', text: 'Lowest prediction' },
];

export class RowTab {
  private readonly waterfall: Waterfall;
  private readonly heading = el('h2', {}, 'Row');
  private readonly summary = el('p', { class: 'row-summary' });
  private readonly check = el('p', { class: 'additivity' });
  private readonly warning = el('div', { class: 'trust-warning' });
  private readonly indexInput: HTMLInputElement;
  private readonly sortSelect: HTMLSelectElement;
  private readonly searchInput: HTMLInputElement;
  private readonly results = el('div', { class: 'found-rows' });
  private readonly exportStatus = el('span', { class: 'hint', role: 'status' });
  private row: RowView | null = null;
  private dirty = true;

  constructor(
    root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    this.waterfall = new Waterfall(ctx, 'waterfall', 'From the average prediction to this row’s prediction');
    this.indexInput = el('input', { type: 'number', min: '0', step: '1', class: 'row-index', id: 'row-index', 'data-focus': 'row-index' });
    const show = el('button', { type: 'button', class: 'show-row' }, 'Show row');
    const go = () => {
      const n = Number(this.indexInput.value);
      if (Number.isInteger(n)) void this.load(n);
    };
    show.addEventListener('click', go);
    this.indexInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') go();
    });
    this.sortSelect = el('select', { class: 'row-sort', id: 'row-sort' });
    this.searchInput = el('input', { type: 'search', class: 'row-search', id: 'row-search', placeholder: 'e.g. location=center or 180' });
    this.searchInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') void this.find();
    });
    const find = el('button', { type: 'button', class: 'find-rows' }, 'Find rows');
    find.addEventListener('click', () => void this.find());
    const exportButton = el('button', { type: 'button', class: 'export-report' }, 'Export report…');
    exportButton.addEventListener('click', () => this.exportReport());
    root.append(
      el('h2', {}, 'Choose a row'),
      el(
        'div',
        { class: 'toolbar' },
        el('label', { for: 'row-index', class: 'field-label' }, 'Row number'),
        this.indexInput,
        show,
        el('label', { for: 'row-sort', class: 'field-label' }, 'Sort rows by'),
        this.sortSelect,
        el('label', { for: 'row-search', class: 'field-label' }, 'Search feature values'),
        this.searchInput,
        find,
      ),
      this.results,
      this.heading,
      this.warning,
      this.summary,
      this.check,
      el('div', { class: 'toolbar' }, exportButton, this.exportStatus),
      this.waterfall.chart.card,
      this.waterfall.errors.card,
    );
  }

  /** A new init: the sorts this explanation supports, and its trust note. */
  reset(): void {
    const init = this.ctx.init();
    const m = init.global.manifest;
    clear(this.sortSelect);
    const hasTarget = !!m.arrays.target;
    for (const s of SORTS) if (!s.needsTarget || hasTarget) this.sortSelect.append(el('option', { value: s.value }, s.text));
    this.indexInput.max = String(Math.max(0, m.rows - 1));
    this.indexInput.setAttribute('aria-description', `0 to ${m.rows - 1}`);
    clear(this.results);
    const t = init.global.trust;
    clear(this.warning);
    this.warning.className = `trust-warning trust-${t.level}`;
    if (t.level !== 'exact') {
      // A failed check is said at once (role=alert); an approximate method is a standing note.
      this.warning.setAttribute('role', t.level === 'failed' ? 'alert' : 'note');
      this.warning.append(el('strong', {}, t.level === 'failed' ? 'Warning: ' : 'Approximate: '), t.text);
    } else this.warning.removeAttribute('role');
    this.warning.hidden = t.level === 'exact';
    this.dirty = true;
  }

  get current(): RowView | null {
    return this.row;
  }

  /** Shows `row` (drawn now when the tab is visible, else when it is shown). */
  set(row: RowView, visible: boolean): Promise<void> {
    this.row = row;
    this.dirty = true;
    this.indexInput.value = String(row.index);
    return visible ? this.draw() : Promise.resolve();
  }

  async draw(): Promise<void> {
    if (!this.row) return;
    if (!this.dirty) {
      this.waterfall.chart.resize();
      this.waterfall.errors.resize();
      return;
    }
    this.dirty = false;
    const r = this.row;
    const m = this.ctx.init().global.manifest;
    setText(this.heading, `Row ${r.index}${r.rowId !== r.index ? ` (original row ${r.rowId})` : ''}`);
    const actual = r.target === null ? '' : ` · actual ${fmt(r.target)}`;
    setText(this.summary, `Prediction: ${predictionText(m, r.output)}${actual}`);
    const scale = Math.max(Math.abs(r.output), m.outputScale || 0, 1e-300);
    const ok = Math.abs(r.gap) <= 1e-6 * scale;
    setText(
      this.check,
      `Additivity check: base ${fmt(r.base)} + contributions ${fmt(r.output + r.gap - r.base)} = ${fmt(r.output + r.gap)}; ` +
        `the model gave ${fmt(r.output)} (gap ${r.gap === 0 ? '0' : r.gap.toExponential(2)}${ok ? '' : ', larger than rounding: see the warning above'}).`,
    );
    this.check.classList.toggle('check-failed', !ok);
    await this.waterfall.draw({ base: r.base, output: r.output, contributions: r.contributions }, `Contributions for row ${r.index}`);
    this.ctx.emit('row-drawn', { index: r.index });
  }

  async load(index: number): Promise<void> {
    const row = await new Promise<RowView | null>((resolve) => this.ctx.ipc.request(ExplainRow, { index }, (r) => resolve(r.row)));
    if (!row) {
      this.ctx.status(`There is no row ${index}: rows are numbered 0 to ${this.ctx.init().global.manifest.rows - 1}.`, 6000);
      return;
    }
    this.ctx.showRow(row);
  }

  private async find(): Promise<void> {
    const sort = this.sortSelect.value as RowSort;
    const search = this.searchInput.value.slice(0, 500);
    const { rows, error } = await new Promise<{ rows: FoundRow[]; error: string | null }>((resolve) =>
      this.ctx.ipc.request(ExplainFindRows, { sort, search, limit: 20 }, resolve),
    );
    clear(this.results);
    if (error) {
      this.results.append(el('p', { role: 'alert', class: 'whatif-error' }, error));
      this.ctx.emit('rows-found', { count: 0, error });
      return;
    }
    if (!rows.length) {
      this.results.append(el('p', { role: 'status' }, search ? `No row matches “${search}”.` : 'No rows.'));
      return;
    }
    const hasTarget = rows.some((r) => r.target !== null);
    const table = el('table', { class: 'data-table' });
    table.append(
      el('caption', {}, `${rows.length} row${rows.length === 1 ? '' : 's'}${search ? ` matching “${search}”` : ''}`),
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['Row', 'Prediction', ...(hasTarget ? ['Actual', 'Error'] : [])].map((c) => el('th', { scope: 'col' }, c)),
          el('th', { scope: 'col' }, el('span', { class: 'visually-hidden' }, 'Action')),
        ),
      ),
    );
    const body = el('tbody');
    for (const r of rows) {
      const b = el('button', { type: 'button', class: 'secondary', 'aria-label': `Show row ${r.index}` }, 'Show');
      b.addEventListener('click', () => void this.load(r.index));
      body.append(
        el(
          'tr',
          {},
          el('th', { scope: 'row' }, String(r.index)),
          el('td', {}, fmt(r.prediction)),
          ...(hasTarget ? [el('td', {}, fmt(r.target)), el('td', {}, fmt(r.error))] : []),
          el('td', {}, b),
        ),
      );
    }
    table.append(body);
    this.results.append(table);
    this.ctx.emit('rows-found', { count: rows.length });
  }

  private exportReport(): void {
    if (!this.row) return;
    setText(this.exportStatus, 'Writing the report…');
    this.ctx.ipc.request(ExplainExportReport, { index: this.row.index }, (r) => {
      setText(this.exportStatus, r.error ? `Could not write the report: ${r.error}` : r.path ? `Saved ${r.path}` : '');
      this.ctx.emit('report-exported', { path: r.path, error: r.error });
    });
  }
}
