/**
 * One batch's detail: the summary (dataset verdict, schema changes, prediction drift, performance beside the
 * run's own metric, the risk sentence), the column table sorted by drift or by risk, and the selected
 * column's reference and current distributions with the test's numbers. A batch that could not be read
 * shows its message instead. Every string from the report becomes text (../shared/dom.ts).
 */
import { ChartCard } from '../shared/chartCard';
import { clear, el, setText } from '../shared/dom';
import { fmt } from '../shared/format';
import type { Theme } from '../shared/theme';
import { SORTS, type BatchReport, type ColumnDrift, type ColumnSort, type DriftReport } from './protocol';
import {
  baseName,
  isFailure,
  missingText,
  newCategoriesText,
  num,
  outOfRangeText,
  pct,
  tableColumns,
  testSentence,
  TEST_NAMES,
  thresholdText,
  verdictText,
} from './score';
import { categoryRows, distributionTraces } from './traces';

export interface DetailHost {
  theme(): Theme;
  /** The user chose a column or a sort: saved by the page. */
  changed(patch: { column?: string | null; sort?: ColumnSort }): void;
  emit(kind: string, detail?: Record<string, unknown>): void;
}

const HEADERS = ['Column', 'Test', 'Statistic', 'p-value', 'Threshold', 'Verdict', 'PSI', 'Missing ref → cur', 'Out of range', 'New categories'];
const SORT_LABELS: Record<ColumnSort, string> = { drift: 'drift', risk: 'risk (drift × importance)' };

export class BatchDetail {
  readonly root = el('section', { class: 'batch-detail', 'aria-labelledby': 'batch-title' });
  private readonly title = el('h2', { id: 'batch-title' });
  private readonly meta = el('p', { class: 'meta batch-meta' });
  private readonly error = el('p', { class: 'batch-error', role: 'alert' });
  private readonly summary = el('ul', { class: 'batch-summary' });
  private readonly notes = el('ul', { class: 'batch-notes' });
  private readonly sortSelect = el('select', { id: 'column-sort', class: 'column-sort' });
  private readonly sortNote = el('span', { class: 'hint sort-note' });
  private readonly table = el('table', { class: 'data-table columns-table' });
  private readonly columnsPart = el('div', { class: 'columns-part' });
  private readonly dist = new ChartCard('Distributions', 'distribution');
  private batch?: BatchReport;
  private column: string | null = null;
  private sort: ColumnSort = 'drift';

  constructor(private readonly host: DetailHost) {
    for (const s of SORTS) this.sortSelect.append(el('option', { value: s }, SORT_LABELS[s]));
    this.sortSelect.addEventListener('change', () => {
      this.sort = this.sortSelect.value as ColumnSort;
      this.host.changed({ sort: this.sort });
      this.renderTable();
    });
    this.columnsPart.append(
      el('h3', { id: 'columns-title' }, 'Columns'),
      el('div', { class: 'toolbar' }, el('label', { for: 'column-sort', class: 'field-label' }, 'Sort by'), this.sortSelect, this.sortNote),
      this.table,
      this.dist.card,
    );
    this.error.hidden = true;
    this.root.append(this.title, this.meta, this.error, this.summary, this.notes, this.columnsPart);
  }

  /** Shows batch `index` of the report with this column selected and this sort. */
  async show(r: DriftReport, index: number, column: string | null, sort: ColumnSort): Promise<void> {
    const b = r.batches[index];
    this.sort = sort;
    this.sortSelect.value = sort;
    setText(this.title, `Batch ${index + 1}: ${baseName(b.batch.file)}`);
    this.title.setAttribute('title', b.batch.file);
    if (isFailure(b)) {
      this.batch = undefined;
      setText(this.meta, b.batch.file);
      setText(this.error, `This batch could not be evaluated: ${b.error}`);
      this.error.hidden = false;
      this.summary.hidden = this.notes.hidden = this.columnsPart.hidden = true;
      this.dist.purge();
      this.host.emit('detail-drawn', { batch: index, failed: true });
      return;
    }
    this.batch = b;
    this.error.hidden = true;
    this.summary.hidden = this.notes.hidden = this.columnsPart.hidden = false;
    setText(this.meta, `${b.batch.rows.toLocaleString('en-US')} rows · sha256 ${b.batch.sha256.slice(0, 12)}… · ${b.batch.file}`);
    this.renderSummary(b);
    const all = tableColumns(b, sort).map((x) => x.c.name);
    this.column = column !== null && all.includes(column) ? column : (all[0] ?? null);
    this.renderTable();
    await this.drawDistribution();
    this.host.emit('detail-drawn', { batch: index, failed: false });
  }

  private renderSummary(b: BatchReport): void {
    clear(this.summary);
    const item = (label: string, text: string, cls = '') => this.summary.append(el('li', { class: cls }, el('strong', {}, `${label}: `), text));
    const d = b.dataset;
    item(
      'Dataset',
      `${d.drifted ? 'drift' : 'no drift'}: ${d.driftedColumns} of ${d.testedColumns} columns drifted (${pct(d.share)}; the dataset drifts at ${pct(d.threshold)}).`,
      d.drifted ? 'verdict bad dataset-verdict' : 'verdict good dataset-verdict',
    );
    item(
      'Schema',
      b.schema.length
        ? b.schema
            .map((s) =>
              s.change === 'added'
                ? `${s.column}: new column`
                : s.change === 'removed'
                  ? `${s.column}: missing from the batch`
                  : `${s.column}: type changed from ${s.from ?? '?'} to ${s.to ?? '?'}`,
            )
            .join('; ')
        : 'no changes.',
      b.schema.length ? 'schema bad' : 'schema',
    );
    if (b.prediction) item('Prediction drift', `${b.prediction.name}: ${testSentence(b.prediction)}`, b.prediction.drifted ? 'bad prediction' : 'prediction');
    else item('Prediction drift', 'no prediction column named (or none in the batch).', 'prediction');
    const p = b.performance;
    if (p) {
      const fig = p.metric === 'rmse' ? `RMSE ${fmt(num(p.rmse))}, MAE ${fmt(num(p.mae))}` : `accuracy ${pct(p.accuracy)}`;
      const run = p.runMetric ? `; the run's own ${p.runMetric.name}: ${fmt(num(p.runMetric.value))}` : '; the run logged no such metric';
      item('Performance', `${fig} on ${p.rows.toLocaleString('en-US')} rows${run}.`, 'performance');
    } else item('Performance', 'needs both a prediction and an actual column in the batch.', 'performance');
    if (b.riskSentence) item('Risk', b.riskSentence, 'risk');
    clear(this.notes);
    for (const n of b.notes) this.notes.append(el('li', { class: 'hint' }, n));
    this.notes.hidden = b.notes.length === 0;
  }

  private renderTable(): void {
    const b = this.batch;
    if (!b) return;
    setText(this.sortNote, this.sort === 'risk' && b.risk.length === 0 ? 'No explanation was logged for the run: sorted by drift.' : '');
    clear(this.table);
    const body = el('tbody');
    for (const { c, role } of tableColumns(b, this.sort)) {
      const label = role === 'feature' ? c.name : `${c.name} (${role})`;
      const selected = c.name === this.column;
      const pick = el('button', { type: 'button', class: 'link column-pick', 'aria-pressed': String(selected), 'data-column': c.name }, label);
      pick.addEventListener('click', () => void this.select(c.name));
      const tr = el(
        'tr',
        { class: `${c.drifted ? 'drifted' : ''}${selected ? ' selected' : ''}`.trim(), 'data-column': c.name },
        el('th', { scope: 'row' }, pick),
        el('td', {}, c.test ? (TEST_NAMES[c.test] ?? c.test) : '—'),
        el('td', { class: 'num' }, fmt(num(c.statistic))),
        el('td', { class: 'num' }, c.pValue === null ? '—' : fmt(num(c.pValue))),
        el('td', {}, thresholdText(c)),
        el('td', { class: `verdict ${c.test === null ? '' : c.drifted ? 'bad' : 'good'}` }, verdictText(c)),
        el('td', { class: 'num' }, fmt(num(c.psi))),
        el('td', {}, missingText(c)),
        el('td', {}, outOfRangeText(c)),
        el('td', { class: c.newCategories && c.newCategories.distinct > 0 ? 'bad new-categories' : 'new-categories' }, newCategoriesText(c)),
      );
      body.append(tr);
    }
    this.table.append(
      el('caption', {}, `Columns of this batch, sorted by ${SORT_LABELS[this.sort]}. Choose a column to see its distributions.`),
      el('thead', {}, el('tr', {}, ...HEADERS.map((h) => el('th', { scope: 'col' }, h)))),
      body,
    );
  }

  private async select(column: string): Promise<void> {
    this.column = column;
    this.host.changed({ column });
    for (const tr of Array.from(this.table.querySelectorAll('tbody tr'))) {
      const on = tr.getAttribute('data-column') === column;
      tr.classList.toggle('selected', on);
      tr.querySelector('button')?.setAttribute('aria-pressed', String(on));
    }
    await this.drawDistribution();
  }

  private find(name: string | null): ColumnDrift | undefined {
    const b = this.batch;
    if (!b || name === null) return undefined;
    return tableColumns(b, this.sort).find((x) => x.c.name === name)?.c;
  }

  async drawDistribution(): Promise<void> {
    const c = this.find(this.column);
    if (!c) {
      this.dist.card.hidden = true;
      return;
    }
    this.dist.card.hidden = false;
    this.dist.setTitle(`Distributions of ${c.name}: reference and current`);
    const fresh = newCategoriesText(c);
    this.dist.setSummary(
      `${testSentence(c)} PSI ${fmt(num(c.psi))}. Missing ${missingText(c)}.` +
        (c.outOfRange ? ` Outside the training range: ${outOfRangeText(c)}.` : '') +
        (c.newCategories && c.newCategories.distinct > 0 ? ` New categories: ${fresh}.` : ''),
    );
    const t = distributionTraces(c, this.host.theme());
    if (!t) {
      setText(this.dist.note, 'No values to draw on one side or both.');
      this.dist.purge();
      this.dist.setTable('No distribution', ['Value'], []);
      this.host.emit('distribution-drawn', { column: c.name, bars: 0 });
      return;
    }
    setText(this.dist.note, '');
    this.fillTable(c);
    await this.dist.draw(t.traces, t.layout);
    this.host.emit('distribution-drawn', { column: c.name });
  }

  private fillTable(c: ColumnDrift): void {
    const ref = c.refSummary;
    const cur = c.curSummary;
    const h = ref?.kind === 'histogram' ? ref : cur?.kind === 'histogram' ? cur : null;
    if (h) {
      const share = (s: typeof ref, i: number) => (s?.kind === 'histogram' ? pct(s.shares[i]) : '—');
      this.dist.setTable(
        `Share of values per bin of ${c.name}`,
        ['Bin', 'Reference', 'Current'],
        h.shares.map((_, i) => [`${fmt(h.edges[i])} to ${fmt(h.edges[i + 1])}`, share(ref, i), share(cur, i)]),
      );
      return;
    }
    const fresh = new Set((c.newCategories?.values ?? []).map((v) => v.value));
    this.dist.setTable(
      `Share of rows per category of ${c.name}`,
      ['Category', 'Reference', 'Current'],
      categoryRows(ref, cur, fresh).map((r) => [r.isNew ? `${r.value} (new)` : r.value, pct(r.ref), pct(r.cur)]),
    );
  }

  redraw(): Promise<void> {
    return this.drawDistribution();
  }

  resize(): void {
    this.dist.resize();
  }
}
