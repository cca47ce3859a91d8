/**
 * One chart of a panel (Explain, Drift): a named figure (role=figure, labelled by its heading, described by a
 * one-sentence summary), its plotly plot (hidden from screen readers: the table says the same), and a
 * "Show as table" toggle that swaps in the chart's data as a real table. Its styles are chartCard.css, which a
 * panel's stylesheet @imports.
 */
import { fillDataTable, uniqueId, type TableCell } from './a11y';
import { el, setText } from './dom';
import { PLOT_CONFIG, plotly, type Layout, type PlotDiv, type Trace } from './plotly';

/** No mode bar: its unnamed buttons would be Tab stops; drag-zoom and double-click reset work with the mouse. */
export const CHART_CONFIG = { ...PLOT_CONFIG, displayModeBar: false };

export class ChartCard {
  readonly card: HTMLElement;
  readonly plot: PlotDiv;
  readonly table: HTMLTableElement;
  readonly note: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly tableButton: HTMLButtonElement;
  private readonly heading: HTMLElement;
  private drawn = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    title: string,
    readonly key: string,
    extraTools: HTMLElement[] = [],
  ) {
    const headingId = uniqueId('chart-title');
    const summaryId = uniqueId('chart-summary');
    this.heading = el('h3', { id: headingId }, title);
    this.summary = el('p', { id: summaryId, class: 'chart-summary' });
    this.note = el('p', { class: 'chart-note', role: 'status' });
    this.plot = el('div', { class: `plot plot-${key}`, 'aria-hidden': 'true' }) as unknown as PlotDiv;
    this.table = el('table', { class: 'data-table' });
    this.table.hidden = true;
    this.tableButton = el('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false', 'data-focus': `table:${key}` }, 'Show as table');
    this.tableButton.addEventListener('click', () => this.toggleTable());
    // A div, not a section: role=figure is not allowed on <section>.
    this.card = el(
      'div',
      { class: `chart-card chart-${key}`, role: 'figure', 'aria-labelledby': headingId, 'aria-describedby': summaryId },
      el('div', { class: 'chart-head' }, this.heading, el('div', { class: 'chart-tools' }, ...extraTools, this.tableButton)),
      this.summary,
      this.note,
      this.plot,
      this.table,
    );
  }

  setTitle(title: string): void {
    setText(this.heading, title);
  }

  setSummary(text: string): void {
    setText(this.summary, text);
  }

  setTable(caption: string, columns: string[], rows: TableCell[][]): void {
    fillDataTable(this.table, caption, columns, rows);
  }

  private toggleTable(): void {
    const show = this.table.hidden;
    this.table.hidden = !show;
    this.tableButton.setAttribute('aria-pressed', String(show));
    setText(this.tableButton, show ? 'Hide table' : 'Show as table');
  }

  /** Draws (react after the first time), one call at a time per chart. */
  draw(traces: Trace[], layout: Layout): Promise<void> {
    const run = async () => {
      if (this.drawn) await plotly().react(this.plot, traces, layout, CHART_CONFIG);
      else await plotly().newPlot(this.plot, traces, layout, CHART_CONFIG);
      this.drawn = true;
    };
    const p = this.queue.then(run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  resize(): void {
    if (this.drawn && this.plot.offsetWidth > 0) void plotly().Plots.resize(this.plot);
  }

  purge(): void {
    if (this.drawn) plotly().purge(this.plot);
    this.drawn = false;
  }
}
