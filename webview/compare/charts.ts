/**
 * Curves: one plotly chart per selected metric (small multiples), every run overlaid in its own colour.
 * Each series is a faint min–max band (so a spike inside a bucket stays visible) under the line; with
 * smoothing the raw line stays faint behind the smoothed one. Zooming asks the host for the visible range
 * at full resolution; a zoom reset goes back to the init data; live points extend the traces in place.
 */
import { CompareZoom, pointsPerSeries, type SeriesData, type XAxis } from './protocol';
import { plotlyText, safeFileName } from '../shared/escape';
import { clear, custom, el, setText } from '../shared/dom';
import { Ema, smooth } from '../shared/smoothing';
import { withAlpha } from '../shared/theme';
import { bandPolygon } from '../shared/bandTrace';
import { baseLayout, colorOf } from '../shared/plotLayout';
import { plotImage } from '../shared/plotExport';
import { useWebGL } from '../shared/webgl';
import { fmt } from '../shared/format';
import type { Ctx } from './context';
import { fromWire, type Series } from './model';
import { PLOT_CONFIG, plotly, type PlotDiv, type Trace } from '../shared/plotly';
import { better, bestOf } from '../shared/best';
import { parseNumber } from '../shared/format';
import { fillDataTable, listSome, rovingToolbar, uniqueId, type TableCell } from '../shared/a11y';

/**
 * No plotly mode bar: its ~10 unnamed buttons per chart were Tab stops with faint focus rings. Each chart
 * has its own small toolbar instead (reset zoom, PNG, SVG, show as table), one Tab stop; drag-zoom and
 * double-click reset still work with the mouse.
 */
export const CHART_CONFIG = { ...PLOT_CONFIG, displayModeBar: false };

interface RangeView {
  requestId: number;
  /** The x range in plot units (what plotly shows). */
  range: [number | string, number | string];
  series: Map<string, Series>;
}

interface TraceRefs {
  band: number;
  raw: number | null;
  line: number;
}

interface Chart {
  metric: string;
  card: HTMLElement;
  note: HTMLElement;
  /** Hidden text after the title: what the axes are ("by step, linear y"). */
  axes: HTMLElement;
  /** Hidden summary the figure is described by: each run's final/min/max and the best run. */
  summary: HTMLElement;
  table: HTMLTableElement;
  tableButton: HTMLElement;
  plot: PlotDiv;
  drawn: boolean;
  dirty: boolean;
  view: RangeView | null;
  pending: { requestId: number; range: [number | string, number | string] } | null;
  refs: Map<string, TraceRefs>;
  emas: Map<string, Ema>;
  generation: number;
  /** Serialises plotly calls on this chart. */
  queue: Promise<unknown>;
}

// ---------- x units: what the host sends ↔ what plotly shows ----------

const tzOffsetMs = () => new Date().getTimezoneOffset() * 60_000;

/** Host units → plot units: wall time shown in local time on a date axis, relative time in seconds. */
export function toPlotX(x: Float64Array, axis: XAxis): Float64Array {
  if (axis === 'step') return x;
  const out = new Float64Array(x.length);
  if (axis === 'relative') for (let i = 0; i < x.length; i++) out[i] = x[i] / 1000;
  else {
    const off = tzOffsetMs();
    for (let i = 0; i < x.length; i++) out[i] = x[i] - off;
  }
  return out;
}

/** Plot units (numbers, or plotly's date strings on a date axis) → host units. */
export function fromPlotX(v: number | string, axis: XAxis): number {
  if (axis === 'wall') {
    const ms = typeof v === 'number' ? v : parsePlotlyDate(v);
    return ms + tzOffsetMs();
  }
  const n = typeof v === 'number' ? v : Number(v);
  return axis === 'relative' ? n * 1000 : n;
}

/** plotly's date strings ("2026-11-27 05:16:01.2345") as milliseconds, read as UTC like plotly writes them. */
export function parsePlotlyDate(s: string): number {
  const m = /^(-?\d{4,})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T](\d{1,2})(?::(\d{1,2})(?::(\d{1,2}(?:\.\d*)?))?)?)?/.exec(s.trim());
  if (!m) return Number(s);
  const sec = m[6] ? Number(m[6]) : 0;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, m[3] ? Number(m[3]) : 1, m[4] ? Number(m[4]) : 0, m[5] ? Number(m[5]) : 0, 0) + sec * 1000;
}

const X_TITLE: Record<XAxis, string> = { step: 'step', wall: 'wall time', relative: 'time since start (s)' };
const X_HOVER: Record<XAxis, string> = { step: 'step %{x}', wall: '%{x|%Y-%m-%d %H:%M:%S}', relative: '%{x:.1f} s' };

export class CurveCharts {
  private charts = new Map<string, Chart>();
  private readonly grid: HTMLElement;
  private readonly empty: HTMLElement;
  private resizeFrame = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    this.empty = el('p', { class: 'empty' });
    this.grid = el('div', { class: 'chart-grid' });
    // The tab's heading (h1 is the page's), so the charts' h3 titles sit under an h2.
    root.append(el('h2', { class: 'visually-hidden' }, 'Curves'), this.empty, this.grid);
    new ResizeObserver(() => this.scheduleResize()).observe(this.grid);
  }

  /** The charts of the selected metrics, in their order; draws them (one after another) when visible. */
  async render(): Promise<void> {
    const { model, store } = this.ctx;
    const metrics = store.settings.metrics;
    for (const [metric, c] of this.charts) {
      if (!metrics.includes(metric)) {
        plotly().purge(c.plot);
        c.card.remove();
        this.charts.delete(metric);
      } else if (c.generation !== model.generation) {
        // New data from the host (a new init): the chart stays, its zoom and live state start over.
        c.generation = model.generation;
        c.view = null;
        c.pending = null;
        c.dirty = true;
      }
    }
    if (metrics.length === 0) setText(this.empty, model.runs.length ? 'Choose metrics to plot.' : 'No runs to compare.');
    this.empty.hidden = metrics.length > 0;
    for (const metric of metrics) {
      let c = this.charts.get(metric);
      if (!c) this.charts.set(metric, (c = this.makeChart(metric)));
      this.grid.append(c.card); // (re)appending keeps the cards in the metrics' order
    }
    await this.drawDirty();
  }

  /** Settings or theme changed: redraw every chart with its current data. */
  async redraw(): Promise<void> {
    for (const c of this.charts.values()) c.dirty = true;
    await this.drawDirty();
  }

  async drawDirty(): Promise<void> {
    if (!this.ctx.isActive('curves')) return;
    for (const metric of this.ctx.store.settings.metrics) {
      const c = this.charts.get(metric);
      if (c?.dirty) await this.draw(c);
    }
  }

  /** The tab became visible: draw what changed while hidden and fit the rest to their size. */
  async shown(): Promise<void> {
    await this.drawDirty();
    this.scheduleResize();
  }

  private makeChart(metric: string): Chart {
    // The plot itself is hidden from screen readers: the figure's label, summary and "Show as table" say what it shows.
    const plot = el('div', { class: 'plot', 'aria-hidden': 'true' }) as unknown as PlotDiv;
    const note = el('span', { class: 'chart-note' });
    const titleId = uniqueId('chart-title');
    const axesId = uniqueId('chart-axes');
    const summaryId = uniqueId('chart-summary');
    const axes = el('span', { class: 'visually-hidden', id: axesId });
    const summary = el('p', { class: 'visually-hidden', id: summaryId });
    const reset = custom('vscode-button', { appearance: 'secondary', title: 'Reset zoom (or double-click the chart)', class: 'reset-zoom' }, 'Reset zoom');
    const png = custom('vscode-button', { appearance: 'secondary', title: 'Export this chart as PNG', class: 'export-png' }, 'PNG');
    const svg = custom('vscode-button', { appearance: 'secondary', title: 'Export this chart as SVG', class: 'export-svg' }, 'SVG');
    const tableButton = custom('vscode-button', { appearance: 'secondary', class: 'show-table', title: 'Show the chart’s values as a table' }, 'Show as table');
    const tools = el('div', { class: 'chart-tools', 'aria-label': `${metric} chart` }, reset, png, svg, tableButton);
    rovingToolbar(tools);
    const table = el('table', { class: 'chart-table data-table' });
    table.hidden = true;
    const card = el(
      'div',
      { class: 'chart-card', role: 'figure', 'aria-labelledby': `${titleId} ${axesId}`, 'aria-describedby': summaryId },
      el('div', { class: 'chart-head' }, el('h3', { id: titleId }, metric), axes, note, el('span', { class: 'spacer' }), tools),
      summary,
      plot,
      table,
    );
    const chart: Chart = {
      metric,
      card,
      note,
      axes,
      summary,
      table,
      tableButton,
      plot,
      drawn: false,
      dirty: true,
      view: null,
      pending: null,
      refs: new Map(),
      emas: new Map(),
      generation: this.ctx.model.generation,
      queue: Promise.resolve(),
    };
    reset.addEventListener('click', () => void this.enqueue(chart, () => plotly().relayout(plot, { 'xaxis.autorange': true, 'yaxis.autorange': true })));
    tableButton.addEventListener('click', () => {
      table.hidden = !table.hidden;
      setText(tableButton, table.hidden ? 'Show as table' : 'Hide table');
      if (!table.hidden) this.describe(chart);
      this.ctx.emit('chart-table', { metric, shown: !table.hidden });
    });
    png.addEventListener('click', () => void this.exportChart(metric, 'png'));
    svg.addEventListener('click', () => void this.exportChart(metric, 'svg'));
    return chart;
  }

  private xAxisOf(c: Chart): XAxis {
    const s = this.ctx.model.seriesOf(c.metric)[0];
    return s?.xAxis ?? this.ctx.store.settings.xAxis;
  }

  /** The traces of one chart: per run, the band, the raw line when smoothing, and the line. */
  private build(c: Chart): { traces: Trace[]; refs: Map<string, TraceRefs>; emas: Map<string, Ema>; points: number } {
    const { model, store } = this.ctx;
    const theme = this.ctx.theme();
    const settings = store.settings;
    const hidden = new Set(settings.hiddenRuns);
    const base = model.series.get(c.metric) ?? new Map<string, Series>();
    let points = 0;
    for (const r of model.runs) {
      const s = c.view?.series.get(r.id) ?? base.get(r.id);
      if (s) points += s.y.length;
    }
    const type = useWebGL(points) ? 'scattergl' : 'scatter';
    const w = settings.smoothing;
    // About one band bucket per pixel of the plot's width (plotly draws the band's outline, so no finer).
    const bandBuckets = Math.max(200, Math.round(c.plot.offsetWidth || 800));
    const traces: Trace[] = [];
    const refs = new Map<string, TraceRefs>();
    const emas = new Map<string, Ema>();
    for (const r of model.runs) {
      const s = c.view?.series.get(r.id) ?? base.get(r.id);
      if (!s) continue;
      const color = colorOf(theme, r.color);
      const visible = hidden.has(r.id) ? 'legendonly' : true;
      const name = plotlyText(r.name);
      const x = toPlotX(s.x, s.xAxis);
      const band = s.min && s.max && s.bandLength > 0 ? bandPolygon(x, s.min, s.max, Math.min(s.bandLength, s.x.length), bandBuckets) : { x: [], y: [] };
      const hover = `%{fullData.name}<br>${X_HOVER[s.xAxis]}<br>%{y:.6~g}`;
      const ref: TraceRefs = { band: traces.length, raw: null, line: -1 };
      traces.push({
        type,
        mode: 'lines',
        x: band.x,
        y: band.y,
        fill: 'toself',
        fillcolor: withAlpha(color, 0.2),
        // A hairline outline: a spike one bucket wide is a visible line, not a sliver of fill.
        line: { width: 0.75, color: withAlpha(color, 0.5) },
        hoverinfo: 'skip',
        showlegend: false,
        legendgroup: r.id,
        name,
        visible,
        meta: { run: r.id, role: 'band' },
      });
      if (w > 0) {
        ref.raw = traces.length;
        traces.push({
          type,
          mode: 'lines',
          x,
          y: s.y,
          line: { width: 1, color: withAlpha(color, 0.35) },
          hovertemplate: `${hover} (raw)<extra></extra>`,
          showlegend: false,
          legendgroup: r.id,
          name,
          visible,
          meta: { run: r.id, role: 'raw' },
        });
      }
      const ema = new Ema(w);
      ref.line = traces.length;
      traces.push({
        type,
        mode: s.y.length === 1 ? 'lines+markers' : 'lines',
        x,
        y: w > 0 ? smooth(s.y, w, ema) : s.y,
        line: { width: 1.6, color },
        marker: { size: 5, color },
        hovertemplate: `${hover}<extra></extra>`,
        legendgroup: r.id,
        name,
        visible,
        meta: { run: r.id, role: 'line' },
      });
      refs.set(r.id, ref);
      emas.set(r.id, ema);
    }
    return { traces, refs, emas, points };
  }

  private layout(c: Chart): Record<string, unknown> {
    const theme = this.ctx.theme();
    const settings = this.ctx.store.settings;
    const axis = this.xAxisOf(c);
    const base = baseLayout(theme) as Record<string, Record<string, unknown>>;
    const layout: Record<string, unknown> = {
      ...base,
      uirevision: `${c.generation}:${axis}:${settings.logY}`,
      margin: { l: 8, r: 8, t: 10, b: 8 },
      hovermode: 'closest',
      showlegend: true,
      legend: { ...base.legend, itemclick: 'toggle', itemdoubleclick: 'toggleothers' },
      xaxis: { ...base.xaxis, title: { text: X_TITLE[axis] }, type: axis === 'wall' ? 'date' : 'linear' },
      yaxis: { ...base.yaxis, type: settings.logY ? 'log' : 'linear', exponentformat: 'e' },
      dragmode: 'zoom',
    };
    if (c.view) (layout.xaxis as Record<string, unknown>).range = [...c.view.range];
    return layout;
  }

  private enqueue<T>(c: Chart, job: () => Promise<T>): Promise<T> {
    const p = c.queue.then(job, job);
    c.queue = p.catch(() => undefined);
    return p;
  }

  private draw(c: Chart): Promise<void> {
    c.dirty = false;
    return this.enqueue(c, async () => {
      const { traces, refs, emas, points } = this.build(c);
      c.refs = refs;
      c.emas = emas;
      const runs = refs.size;
      const all = this.ctx.model.seriesOf(c.metric);
      const reduced = all.filter((s) => s.bandLength > 0 || s.y.length < s.total);
      const most = (f: (s: Series) => number) => reduced.reduce((a, s) => Math.max(a, f(s)), 0);
      const runsText = `${runs} run${runs === 1 ? '' : 's'}`;
      setText(
        c.note,
        runs === 0
          ? 'no data'
          : c.view
            ? `${runsText} · zoomed, full resolution`
            : reduced.length
              ? `${runsText} · ${fmt(most((s) => s.bandLength))} buckets of up to ${fmt(most((s) => s.total))} points, min–max band`
              : runsText,
      );
      c.note.setAttribute(
        'title',
        reduced.length
          ? 'Each bucket draws its last value as the line and its minimum and maximum as the band, so no spike is lost. Zoom in for every point.'
          : '',
      );
      const layout = this.layout(c);
      this.describe(c);
      this.ctx.emit('chart-built', { metric: c.metric });
      const started = performance.now();
      if (!c.drawn) {
        await plotly().newPlot(c.plot, traces, layout, CHART_CONFIG);
        c.drawn = true;
        this.attach(c);
      } else {
        await plotly().react(c.plot, traces, layout, CHART_CONFIG);
      }
      this.ctx.emit('chart-drawn', { metric: c.metric, traces: traces.length, points, ms: performance.now() - started, zoomed: !!c.view });
    });
  }

  private attach(c: Chart): void {
    const gd = c.plot;
    gd.on('plotly_relayout', (ev: Record<string, unknown>) => this.onRelayout(c, ev));
    gd.on('plotly_legendclick', (ev: { curveNumber: number; data: Trace[] }) => {
      const run = (ev.data?.[ev.curveNumber]?.meta as { run?: string } | undefined)?.run;
      if (run) this.toggleRun(run);
      return false;
    });
    gd.on('plotly_legenddoubleclick', (ev: { curveNumber: number; data: Trace[] }) => {
      const run = (ev.data?.[ev.curveNumber]?.meta as { run?: string } | undefined)?.run;
      if (run) this.isolateRun(run);
      return false;
    });
  }

  toggleRun(runId: string): void {
    const hidden = new Set(this.ctx.store.settings.hiddenRuns);
    if (hidden.has(runId)) hidden.delete(runId);
    else hidden.add(runId);
    this.ctx.store.update({ hiddenRuns: [...hidden] });
  }

  isolateRun(runId: string): void {
    const others = this.ctx.model.runs.map((r) => r.id).filter((id) => id !== runId);
    const hidden = new Set(this.ctx.store.settings.hiddenRuns);
    const alreadyAlone = !hidden.has(runId) && others.every((id) => hidden.has(id));
    this.ctx.store.update({ hiddenRuns: alreadyAlone ? [] : others });
  }

  /**
   * The chart's text alternative: its label names the metric and axes; its summary (aria-describedby) and
   * its table give each run's final, min and max (the index's exact values where known), and the best run.
   */
  private describe(c: Chart): void {
    const { model, store } = this.ctx;
    const settings = store.settings;
    const axis = this.xAxisOf(c);
    setText(c.axes, ` by ${X_TITLE[axis]}, ${settings.logY ? 'log' : 'linear'} y`);
    const hidden = new Set(settings.hiddenRuns);
    const base = model.series.get(c.metric);
    const rows: Array<{ name: string; hidden: boolean; last: number | null; min: number | null; max: number | null; points: number }> = [];
    for (const r of model.runs) {
      const s = base?.get(r.id);
      const m = r.metrics[c.metric];
      if (!s && !m) continue;
      let last = m ? parseNumber(m.last) : null;
      let min = m ? parseNumber(m.min) : null;
      let max = m ? parseNumber(m.max) : null;
      if (s && s.y.length) {
        last ??= s.y[s.y.length - 1];
        if (min === null || max === null) {
          let lo = Infinity;
          let hi = -Infinity;
          for (let i = 0; i < s.y.length; i++) {
            const a = s.min ? s.min[i] : s.y[i];
            const b = s.max ? s.max[i] : s.y[i];
            if (a < lo) lo = a;
            if (b > hi) hi = b;
          }
          min ??= Number.isFinite(lo) ? lo : null;
          max ??= Number.isFinite(hi) ? hi : null;
        }
      }
      rows.push({ name: r.name, hidden: hidden.has(r.id), last, min, max, points: m?.count ?? s?.total ?? 0 });
    }
    const dir = better(c.metric);
    const bestValue = bestOf(
      rows.filter((r) => !r.hidden).map((r) => r.last),
      dir,
    );
    const best = bestValue === null ? undefined : rows.find((r) => !r.hidden && r.last === bestValue);
    const parts = rows.map(
      (r) => `${r.name}${r.hidden ? ' (hidden)' : ''}: final ${fmt(r.last)}, min ${fmt(r.min)}, max ${fmt(r.max)}, ${fmt(r.points)} points`,
    );
    const bestText = best ? ` Best final value (${dir} is better): ${best.name}, ${fmt(best.last)}.` : '';
    setText(
      c.summary,
      rows.length ? `${c.metric}, ${rows.length} run${rows.length === 1 ? '' : 's'}. ${listSome(parts)}.${bestText}` : `${c.metric}: no data.`,
    );
    if (c.table.hidden) return;
    const cells: TableCell[][] = rows.map((r) => [
      `${r.name}${r.hidden ? ' (hidden)' : ''}`,
      r === best ? { text: `${fmt(r.last)} (best)`, title: `best ${c.metric} (${dir} is better)` } : fmt(r.last),
      fmt(r.min),
      fmt(r.max),
      fmt(r.points),
    ]);
    fillDataTable(c.table, `${c.metric}: each run’s final, minimum and maximum value`, ['Run', 'Final', 'Min', 'Max', 'Points'], cells);
  }

  /** Hidden runs changed: show/hide their traces on every chart without rebuilding them. */
  async applyHidden(): Promise<void> {
    const hidden = new Set(this.ctx.store.settings.hiddenRuns);
    const jobs: Promise<unknown>[] = [];
    for (const c of this.charts.values()) {
      this.describe(c);
      if (!c.drawn) continue;
      if (!this.ctx.isActive('curves')) {
        c.dirty = true;
        continue;
      }
      const idx: number[] = [];
      const vis: Array<boolean | string> = [];
      for (const [run, ref] of c.refs) {
        const v = hidden.has(run) ? 'legendonly' : true;
        for (const i of [ref.band, ref.raw, ref.line])
          if (i !== null) {
            idx.push(i);
            vis.push(v);
          }
      }
      if (idx.length) jobs.push(this.enqueue(c, () => plotly().restyle(c.plot, { visible: vis }, idx)));
      // A zoomed chart asks again so newly shown runs get full resolution too.
      if (c.view) this.requestZoom(c, c.view.range[0], c.view.range[1]);
    }
    await Promise.all(jobs);
  }

  private onRelayout(c: Chart, ev: Record<string, unknown>): void {
    if (ev['xaxis.autorange'] === true) {
      c.pending = null;
      if (c.view) {
        c.view = null;
        void this.draw(c);
      }
      return;
    }
    let r0 = ev['xaxis.range[0]'] as number | string | undefined;
    let r1 = ev['xaxis.range[1]'] as number | string | undefined;
    const r = ev['xaxis.range'];
    if (Array.isArray(r) && r.length === 2) [r0, r1] = r as [number | string, number | string];
    if (r0 === undefined || r1 === undefined) return;
    this.requestZoom(c, r0, r1);
  }

  private requestZoom(c: Chart, r0: number | string, r1: number | string): void {
    const { model, store } = this.ctx;
    const hidden = new Set(store.settings.hiddenRuns);
    const base = model.seriesOf(c.metric).filter((s) => !hidden.has(s.runId));
    // Everything visible was sent whole: the chart already has every point, nothing to ask for.
    if (base.length === 0 || base.every((s) => s.bandLength === 0 && s.y.length >= s.total)) return;
    const axis = base[0].xAxis;
    let x0 = fromPlotX(r0, axis);
    let x1 = fromPlotX(r1, axis);
    if (!Number.isFinite(x0) || !Number.isFinite(x1)) return;
    if (x0 > x1) [x0, x1] = [x1, x0];
    const runIds = base.map((s) => s.runId);
    const requestId: number = this.ctx.ipc.request(
      CompareZoom,
      { metric: c.metric, xAxis: axis, x0, x1, runIds, maxPoints: pointsPerSeries(runIds.length) },
      (r) => this.onRange(requestId, r.series),
    );
    c.pending = { requestId, range: [r0, r1] };
    this.ctx.emit('zoom-requested', { metric: c.metric, requestId });
  }

  /** The host's answer to a zoom (the latest this chart asked for): replace that chart's traces with the full-resolution range. */
  private async onRange(requestId: number, wire: SeriesData[]): Promise<void> {
    const c = [...this.charts.values()].find((x) => x.pending?.requestId === requestId);
    if (!c) return; // an answer to an older zoom, or for a chart since closed
    const range = c.pending!.range;
    c.pending = null;
    const series = new Map<string, Series>();
    for (const s of wire) if (s.metric === c.metric) series.set(s.runId, fromWire(s));
    c.view = { requestId, range, series };
    if (this.ctx.isActive('curves')) await this.draw(c);
    else c.dirty = true;
  }

  /** Live points: extend each run's line (and raw line) in place; a new run or metric redraws its chart. */
  async onAppend(added: Map<string, Array<{ runId: string; x: Float64Array; y: Float64Array }>>, structural: Set<string>): Promise<void> {
    const jobs: Promise<unknown>[] = [];
    for (const c of this.charts.values()) {
      if (structural.has(c.metric) || !c.drawn || !this.ctx.isActive('curves')) {
        if (structural.has(c.metric) || added.has(c.metric)) c.dirty = true;
        continue;
      }
      const list = added.get(c.metric);
      if (!list) continue;
      const xs: Float64Array[] = [];
      const ys: Float64Array[] = [];
      const idx: number[] = [];
      let missing = false;
      for (const a of list) {
        const ref = c.refs.get(a.runId);
        const ema = c.emas.get(a.runId);
        if (!ref || !ema) {
          missing = true;
          continue;
        }
        const axis = this.ctx.model.series.get(c.metric)?.get(a.runId)?.xAxis ?? this.xAxisOf(c);
        const x = toPlotX(a.x, axis);
        if (ref.raw !== null) {
          xs.push(x);
          ys.push(a.y);
          idx.push(ref.raw);
        }
        xs.push(x);
        ys.push(this.ctx.store.settings.smoothing > 0 ? smooth(a.y, this.ctx.store.settings.smoothing, ema) : a.y);
        idx.push(ref.line);
      }
      if (missing) {
        jobs.push(this.draw(c));
        continue;
      }
      if (idx.length) {
        jobs.push(this.enqueue(c, () => plotly().extendTraces(c.plot, { x: xs, y: ys }, idx)));
        this.ctx.emit('chart-extended', { metric: c.metric, traces: idx.length });
      }
    }
    await Promise.all(jobs);
    for (const c of this.charts.values()) if (added.has(c.metric)) this.describe(c);
    await this.drawDirty();
  }

  /** The plot element of a metric's chart (for tests and diagnosis). */
  chartOf(metric: string): PlotDiv | undefined {
    return this.charts.get(metric)?.plot;
  }

  async exportChart(metric: string, format: 'png' | 'svg'): Promise<void> {
    const c = this.charts.get(metric);
    if (!c?.drawn) return;
    await exportPlot(this.ctx, c.plot, format, metric);
  }

  private scheduleResize(): void {
    if (this.resizeFrame) return;
    this.resizeFrame = requestAnimationFrame(() => {
      this.resizeFrame = 0;
      if (!this.ctx.isActive('curves')) return;
      for (const c of this.charts.values()) if (c.drawn && c.plot.offsetWidth > 0) void this.enqueue(c, () => plotly().Plots.resize(c.plot));
    });
  }

  dispose(): void {
    for (const c of this.charts.values()) plotly().purge(c.plot);
    this.charts.clear();
    clear(this.grid);
  }
}

/** A chart as a PNG or SVG data URL, sent to the host, which asks where to save it. */
export async function exportPlot(ctx: Ctx, gd: PlotDiv, format: 'png' | 'svg', name: string): Promise<void> {
  const data = await plotImage(gd, format);
  ctx.exportFile({ format, suggestedName: `${safeFileName(name, 'chart')}.${format}`, data });
  ctx.emit('exported', { format, name });
}
