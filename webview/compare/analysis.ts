/**
 * The run-level charts: parallel coordinates (params → a chosen metric), scatter (any param or final
 * metric against another, coloured by a third) and a bar chart of a metric's final value per run. Hidden
 * runs are left out, as on the curves. Every user string reaches plotly escaped (plotlyText), and hover
 * text is built here as text, never as a template.
 */
import type { RunInfo } from './protocol';
import { better, bestOf } from '../shared/best';
import { plotlyText } from '../shared/escape';
import { fmt } from '../shared/format';
import { clear, custom, el, setText } from '../shared/dom';
import { baseLayout, colorOf } from '../shared/plotLayout';
import { hasWebGL } from '../shared/webgl';
import type { Ctx } from './context';
import { describeValues, fieldById, fieldsOf, valueOf, type Field } from './model';
import { CHART_CONFIG, exportPlot } from './charts';
import { plotly, type PlotDiv, type Trace } from '../shared/plotly';
import { fillDataTable, listSome, rovingToolbar, uniqueId, type TableCell } from '../shared/a11y';

type Kind = 'parallel' | 'scatter' | 'bars';

/** What a chart says in words: its label (metric and axes), a summary, and its data as a table. */
interface Described {
  label: string;
  summary: string;
  columns: string[];
  rows: TableCell[][];
}

interface Built {
  traces?: Trace[];
  layout?: Record<string, unknown>;
  message?: string;
  text?: Described;
  /** Parallel coordinates: the numeric axes, which get min/max inputs. */
  ranges?: Array<{ key: string; label: string; index: number; lo: number; hi: number }>;
}

const KIND_NAME: Record<Kind, string> = { parallel: 'Parallel coordinates', scatter: 'Scatter plot', bars: 'Bar chart' };

/** plotly's parallel coordinates take at most 60 dimensions. */
const MAX_DIMENSIONS = 60;

export class AnalysisChart {
  readonly plot: PlotDiv;
  private readonly message: HTMLElement;
  private readonly title: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly tableButton: HTMLElement;
  private readonly rangeBox: HTMLElement;
  private text: Described | null = null;
  /** Parallel coordinates: the constraint range per axis (field key), kept over redraws. */
  private readonly constraints = new Map<string, [number, number]>();
  private ranges: NonNullable<Built['ranges']> = [];
  private drawn = false;
  dirty = true;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kind: Kind,
    root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    this.message = el('p', { class: 'empty' });
    // The plot is hidden from screen readers; the figure's label, summary and table say what it shows.
    this.plot = el('div', { class: `plot plot-${kind}`, 'aria-hidden': 'true' }) as unknown as PlotDiv;
    const titleId = uniqueId('chart-title');
    const summaryId = uniqueId('chart-summary');
    this.title = el('h2', { class: 'chart-title', id: titleId }, KIND_NAME[kind]);
    this.summary = el('p', { class: 'visually-hidden', id: summaryId });
    const tools = el('div', { class: 'chart-tools', 'aria-label': `${KIND_NAME[kind]} actions` });
    if (kind !== 'parallel') {
      const reset = custom('vscode-button', { appearance: 'secondary', class: 'reset-zoom', title: 'Reset zoom (or double-click the chart)' }, 'Reset zoom');
      reset.addEventListener('click', () => {
        if (this.drawn) void plotly().relayout(this.plot, { 'xaxis.autorange': true, 'yaxis.autorange': true });
      });
      tools.append(reset);
    }
    const png = custom('vscode-button', { appearance: 'secondary', class: 'export-png', title: 'Export this chart as PNG' }, 'PNG');
    const svg = custom('vscode-button', { appearance: 'secondary', class: 'export-svg', title: 'Export this chart as SVG' }, 'SVG');
    this.tableButton = custom('vscode-button', { appearance: 'secondary', class: 'show-table', title: 'Show the chart’s values as a table' }, 'Show as table');
    png.addEventListener('click', () => void this.export('png'));
    svg.addEventListener('click', () => void this.export('svg'));
    tools.append(png, svg, this.tableButton);
    rovingToolbar(tools);
    this.table = el('table', { class: 'chart-table data-table' });
    this.table.hidden = true;
    this.tableButton.addEventListener('click', () => {
      this.table.hidden = !this.table.hidden;
      setText(this.tableButton, this.table.hidden ? 'Show as table' : 'Hide table');
      this.fillTable();
      this.ctx.emit('chart-table', { chart: kind, shown: !this.table.hidden });
    });
    this.rangeBox = el('div', { class: 'parallel-ranges', role: 'group', 'aria-label': 'Filter by range' });
    this.rangeBox.hidden = true;
    root.append(
      el(
        'div',
        { class: 'analysis-card', role: 'figure', 'aria-labelledby': titleId, 'aria-describedby': summaryId },
        el('div', { class: 'export-row chart-head' }, this.title, this.message, el('span', { class: 'spacer' }), tools),
        this.summary,
        this.plot,
        this.rangeBox,
        this.table,
      ),
    );
  }

  private fillTable(): void {
    if (this.table.hidden || !this.text) return;
    fillDataTable(this.table, this.text.label, this.text.columns, this.text.rows);
  }

  /** Per numeric axis, min and max inputs (named) that set its constraint range, as dragging on the axis does. */
  private buildRanges(): void {
    clear(this.rangeBox);
    this.rangeBox.hidden = this.ranges.length === 0;
    if (!this.ranges.length) return;
    const legendId = uniqueId('ranges');
    this.rangeBox.setAttribute('aria-labelledby', legendId);
    this.rangeBox.removeAttribute('aria-label');
    this.rangeBox.append(el('div', { class: 'ranges-title', id: legendId }, 'Filter by range'));
    for (const r of this.ranges) {
      const c = this.constraints.get(r.key);
      const input = (end: 'minimum' | 'maximum', v: number | undefined) => {
        const i = el('input', {
          type: 'number',
          step: 'any',
          class: `range-${end === 'minimum' ? 'min' : 'max'}`,
          'aria-label': `${r.label} ${end}`,
          placeholder: fmt(end === 'minimum' ? r.lo : r.hi),
        });
        i.dataset.key = r.key;
        if (v !== undefined) i.value = String(v);
        return i;
      };
      const lo = input('minimum', c?.[0]);
      const hi = input('maximum', c?.[1]);
      const apply = () => this.setConstraint(r.key, lo.value, hi.value);
      lo.addEventListener('change', apply);
      hi.addEventListener('change', apply);
      this.rangeBox.append(
        el('div', { class: 'range-row' }, el('span', { class: 'range-label', title: r.label }, r.label), lo, el('span', { 'aria-hidden': 'true' }, '–'), hi),
      );
    }
  }

  private setConstraint(key: string, loText: string, hiText: string): void {
    const r = this.ranges.find((x) => x.key === key);
    if (!r) return;
    const lo = loText.trim() === '' ? null : Number(loText);
    const hi = hiText.trim() === '' ? null : Number(hiText);
    let range: [number, number] | null = null;
    if ((lo !== null && Number.isFinite(lo)) || (hi !== null && Number.isFinite(hi))) {
      range = [lo !== null && Number.isFinite(lo) ? lo : r.lo, hi !== null && Number.isFinite(hi) ? hi : r.hi];
      if (range[0] > range[1]) range = [range[1], range[0]];
    }
    if (range) this.constraints.set(key, range);
    else this.constraints.delete(key);
    if (!this.drawn) return;
    void plotly()
      .restyle(this.plot, { [`dimensions[${r.index}].constraintrange`]: [range] }, [0])
      .then(() => this.ctx.emit('parallel-filtered', { key, range }));
  }

  /** A range dragged with the mouse: into the inputs (and kept over redraws). */
  private readConstraints(): void {
    const dims = (this.plot.data?.[0]?.dimensions ?? []) as Array<{ constraintrange?: number[] | number[][] }>;
    for (const r of this.ranges) {
      let cr = dims[r.index]?.constraintrange;
      if (Array.isArray(cr) && Array.isArray(cr[0])) {
        // Several ranges on one axis: the inputs show their span.
        const all = cr as number[][];
        cr = [Math.min(...all.map((x) => x[0])), Math.max(...all.map((x) => x[1]))];
      }
      const range = Array.isArray(cr) && cr.length === 2 ? ([Number(cr[0]), Number(cr[1])] as [number, number]) : null;
      if (range) this.constraints.set(r.key, range);
      else this.constraints.delete(r.key);
      const lo = this.rangeBox.querySelector<HTMLInputElement>(`input.range-min[data-key="${CSS.escape(r.key)}"]`);
      const hi = this.rangeBox.querySelector<HTMLInputElement>(`input.range-max[data-key="${CSS.escape(r.key)}"]`);
      const show = (v: number) => String(Number(v.toPrecision(6)));
      if (lo && document.activeElement !== lo) lo.value = range ? show(range[0]) : '';
      if (hi && document.activeElement !== hi) hi.value = range ? show(range[1]) : '';
    }
    this.ctx.emit('parallel-constraints-read', {});
  }

  private visibleRuns(): RunInfo[] {
    const hidden = new Set(this.ctx.store.settings.hiddenRuns);
    return this.ctx.model.runs.filter((r) => !hidden.has(r.id));
  }

  async draw(): Promise<void> {
    if (!this.ctx.isActive(this.kind)) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    const job = async () => {
      const built = this.kind === 'parallel' ? this.parallel() : this.kind === 'scatter' ? this.scatter() : this.bars();
      setText(this.message, built.message ?? '');
      this.message.hidden = !built.message;
      this.text = built.text ?? null;
      setText(this.title, built.text?.label ?? KIND_NAME[this.kind]);
      setText(this.summary, built.text?.summary ?? built.message ?? '');
      this.fillTable();
      const ranges = built.ranges ?? [];
      if (JSON.stringify(ranges) !== JSON.stringify(this.ranges)) {
        this.ranges = ranges;
        this.buildRanges();
      }
      if (!built.traces) {
        if (this.drawn) {
          plotly().purge(this.plot);
          this.drawn = false;
        }
        clear(this.plot);
        return;
      }
      const layout = { ...baseLayout(this.ctx.theme()), ...built.layout };
      if (this.drawn) await plotly().react(this.plot, built.traces, layout, CHART_CONFIG);
      else {
        await plotly().newPlot(this.plot, built.traces, layout, CHART_CONFIG);
        if (this.kind === 'parallel') this.plot.on('plotly_restyle', () => this.readConstraints());
      }
      this.drawn = true;
      this.ctx.emit('chart-drawn', { chart: this.kind, traces: built.traces.length });
    };
    const p = this.queue.then(job, job);
    this.queue = p.catch(() => undefined);
    await p;
  }

  resize(): void {
    if (this.drawn && this.plot.offsetWidth > 0) void plotly().Plots.resize(this.plot);
  }

  private async export(format: 'png' | 'svg'): Promise<void> {
    if (this.drawn) await exportPlot(this.ctx, this.plot, format, this.kind);
  }

  // ---------- parallel coordinates ----------

  private parallel(): Built {
    const { model, store } = this.ctx;
    const metric = store.settings.parallelMetric ?? store.settings.metrics[0] ?? model.metricKeys[0];
    if (!metric) return { message: 'No metrics to compare.' };
    const target: Field = { id: `metric:${metric}`, kind: 'metric', key: metric, label: metric };
    const runs = this.visibleRuns().filter((r) => {
      const v = valueOf(r, target);
      return typeof v === 'number' && Number.isFinite(v);
    });
    if (runs.length === 0) return { message: `No run has a final value of ${metric}.` };
    if (!hasWebGL())
      return {
        message:
          'Parallel coordinates need WebGL, which this window does not have (hardware acceleration is off, or the GPU is blocked). The Scatter and Table tabs show the same values; to get WebGL back, remove "disable-hardware-acceleration" from the runtime arguments (Preferences: Configure Runtime Arguments) and restart VS Code.',
      };
    const params = fieldsOf(model).filter((f) => f.kind === 'param');
    const dims: Trace[] = [];
    const used: Field[] = [];
    const ranges: NonNullable<Built['ranges']> = [];
    const numericDim = (f: Field, label: string, values: number[]) => {
      const lo = Math.min(...values);
      const hi = Math.max(...values);
      ranges.push({ key: f.id, label, index: dims.length, lo, hi });
      const c = this.constraints.get(f.id);
      dims.push({ label: plotlyText(label), values, ...(c ? { constraintrange: [...c] } : {}) });
    };
    for (const f of params) {
      if (dims.length >= MAX_DIMENSIONS - 1) break;
      const values = runs.map((r) => valueOf(r, f));
      if (runs.length > 1 && new Set(values.map((v) => JSON.stringify(v))).size < 2) continue; // the same everywhere: no information
      const d = describeValues(values);
      used.push(f);
      if (d.numeric && d.nums.every((n) => n !== null && Number.isFinite(n))) {
        numericDim(f, f.label, d.nums as number[]);
      } else {
        // Categories (and params some runs lack) as ticks: one evenly spaced value per category, "—" for missing.
        const labels = d.numeric ? d.nums.map((n) => (n === null ? null : String(n))) : d.labels;
        const cats = [...new Set(labels.filter((l): l is string => l !== null))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
        const hasMissing = labels.some((l) => l === null);
        const all = hasMissing ? ['—', ...cats] : cats;
        const index = new Map(all.map((c, i) => [c, i]));
        dims.push({
          label: plotlyText(f.label),
          values: labels.map((l) => index.get(l ?? '—')!),
          tickvals: all.map((_, i) => i),
          ticktext: all.map((c) => plotlyText(shorten(c))),
          range: [-0.25, Math.max(0.25, all.length - 0.75)],
        });
      }
    }
    const mvals = runs.map((r) => valueOf(r, target) as number);
    numericDim(target, metric, mvals);
    const theme = this.ctx.theme();
    const dir = better(metric);
    const bestV = bestOf(mvals, dir);
    const bestRun = bestV === null ? undefined : runs[mvals.indexOf(bestV)];
    const text: Described = {
      label: `Parallel coordinates: ${used.length} param${used.length === 1 ? '' : 's'} against ${metric} (final)`,
      summary: `${runs.length} run${runs.length === 1 ? '' : 's'}; axes ${[...used.map((f) => f.label), metric].join(', ')}.${bestRun ? ` Best ${metric} (${dir} is better): ${bestRun.name}, ${fmt(bestV)}.` : ''}`,
      columns: ['Run', ...used.map((f) => f.label), `${metric} (final)`],
      rows: runs.map((r, i) => [r.name, ...used.map((f) => fmt(valueOf(r, f))), r === bestRun ? `${fmt(mvals[i])} (best)` : fmt(mvals[i])]),
    };
    return {
      text,
      ranges,
      traces: [
        {
          type: 'parcoords',
          dimensions: dims,
          line: {
            color: mvals,
            colorscale: 'Viridis',
            reversescale: dir === 'lower',
            showscale: true,
            colorbar: { title: { text: plotlyText(metric), side: 'right' }, tickfont: { color: theme.foreground } },
          },
          labelfont: { color: theme.foreground, family: theme.fontFamily },
          tickfont: { color: theme.foreground, family: theme.fontFamily },
          rangefont: { color: theme.muted, family: theme.fontFamily },
          meta: { runs: runs.map((r) => r.id) },
        },
      ],
      layout: { margin: { l: 70, r: 40, t: 60, b: 30 } },
      message: dims.length === 1 ? 'No parameter differs between these runs.' : undefined,
    };
  }

  // ---------- scatter ----------

  private scatter(): Built {
    const { model, store } = this.ctx;
    const fields = fieldsOf(model);
    const s = store.settings.scatter;
    const fx = fieldById(model, s.x) ?? defaultScatterX(fields);
    const fy = fieldById(model, s.y) ?? defaultScatterY(fields, store.settings.metrics[0]);
    if (!fx || !fy) return { message: 'Nothing to plot yet.' };
    const fc = fieldById(model, s.color);
    const runs = this.visibleRuns();
    const xsRaw = runs.map((r) => valueOf(r, fx));
    const ysRaw = runs.map((r) => valueOf(r, fy));
    const xd = describeValues(xsRaw);
    const yd = describeValues(ysRaw);
    const keep = runs.map((_, i) => xsRaw[i] !== null && ysRaw[i] !== null);
    const pick = <T>(a: T[]) => a.filter((_, i) => keep[i]);
    const axisValues = (d: ReturnType<typeof describeValues>): Array<number | string | null> =>
      d.numeric ? d.nums : d.labels.map((l) => (l === null ? null : plotlyText(l)));
    const kept = pick(runs);
    if (kept.length === 0) return { message: `No run has both ${fx.label} and ${fy.label}.` };
    const theme = this.ctx.theme();
    const hover = kept.map((r) => {
      const i = runs.indexOf(r);
      const lines = [r.name, `${fx.label}: ${fmt(xsRaw[i])}`, `${fy.label}: ${fmt(ysRaw[i])}`];
      if (fc) lines.push(`${fc.label}: ${fmt(valueOf(r, fc))}`);
      return lines.map(plotlyText).join('<br>');
    });
    const marker: Record<string, unknown> = { size: 10, line: { width: 1, color: theme.background } };
    if (fc) {
      const cRaw = kept.map((r) => valueOf(r, fc));
      const cd = describeValues(cRaw);
      if (cd.numeric) {
        marker.color = cd.nums.map((n) => (n === null || !Number.isFinite(n) ? NaN : n));
        marker.colorscale = 'Viridis';
        marker.reversescale = fc.kind === 'metric' && better(fc.key) === 'lower';
        marker.showscale = true;
        marker.colorbar = { title: { text: plotlyText(fc.label), side: 'right' } };
      } else {
        const index = new Map(cd.categories.map((c, i) => [c, i]));
        marker.color = cd.labels.map((l) => colorOf(theme, l === null ? 0 : index.get(l)!));
      }
    } else {
      marker.color = kept.map((r) => colorOf(theme, r.color));
    }
    const text: Described = {
      label: `Scatter plot: ${fy.label} against ${fx.label}${fc ? `, coloured by ${fc.label}` : ''}`,
      summary: `${kept.length} run${kept.length === 1 ? '' : 's'} with both values. ${listSome(kept.map((r) => `${r.name}: ${fx.label} ${fmt(valueOf(r, fx))}, ${fy.label} ${fmt(valueOf(r, fy))}`))}.`,
      columns: ['Run', fx.label, fy.label, ...(fc ? [fc.label] : [])],
      rows: kept.map((r) => [r.name, fmt(valueOf(r, fx)), fmt(valueOf(r, fy)), ...(fc ? [fmt(valueOf(r, fc))] : [])]),
    };
    return {
      text,
      traces: [
        {
          type: 'scatter',
          mode: 'markers',
          x: pick(axisValues(xd)),
          y: pick(axisValues(yd)),
          hovertext: hover,
          hoverinfo: 'text',
          marker,
          meta: { runs: kept.map((r) => r.id) },
        },
      ],
      layout: {
        margin: { l: 8, r: 8, t: 16, b: 8 },
        hovermode: 'closest',
        showlegend: false,
        xaxis: { ...(baseLayout(theme).xaxis as object), title: { text: plotlyText(fx.label) }, type: xd.numeric ? 'linear' : 'category' },
        yaxis: { ...(baseLayout(theme).yaxis as object), title: { text: plotlyText(fy.label) }, type: yd.numeric ? 'linear' : 'category' },
      },
    };
  }

  // ---------- bars ----------

  private bars(): Built {
    const { model, store } = this.ctx;
    const metric = store.settings.parallelMetric ?? store.settings.metrics[0] ?? model.metricKeys[0];
    if (!metric) return { message: 'No metrics to compare.' };
    const f: Field = { id: `metric:${metric}`, kind: 'metric', key: metric, label: metric };
    const dir = better(metric);
    const rows = this.visibleRuns()
      .map((r) => ({ r, v: valueOf(r, f) as number | null }))
      .filter((x): x is { r: RunInfo; v: number } => typeof x.v === 'number' && Number.isFinite(x.v));
    if (rows.length === 0) return { message: `No run has a final value of ${metric}.` };
    // Best on top: plotly draws the first category at the bottom of a horizontal bar chart.
    rows.sort((a, b) => (dir === 'lower' ? b.v - a.v : a.v - b.v));
    const theme = this.ctx.theme();
    const height = Math.max(320, rows.length * 20 + 80);
    this.plot.style.height = `${height}px`;
    const best = rows[rows.length - 1];
    const text: Described = {
      label: `Bar chart: final ${metric} per run${dir ? `, ${dir} is better` : ''}`,
      summary: `${rows.length} run${rows.length === 1 ? '' : 's'}, best first. ${listSome([...rows].reverse().map((x) => `${x.r.name}: ${fmt(x.v)}`))}.${dir ? ` Best: ${best.r.name}.` : ''}`,
      columns: ['Run', `${metric} (final)`],
      rows: [...rows].reverse().map((x) => [x.r.name, dir && x === best ? `${fmt(x.v)} (best)` : fmt(x.v)]),
    };
    return {
      text,
      traces: [
        {
          type: 'bar',
          orientation: 'h',
          y: rows.map((x) => x.r.id),
          x: rows.map((x) => x.v),
          marker: { color: rows.map((x) => colorOf(theme, x.r.color)) },
          hovertext: rows.map((x) => `${plotlyText(x.r.name)}<br>${plotlyText(metric)}: ${fmt(x.v)}`),
          hoverinfo: 'text',
          meta: { runs: rows.map((x) => x.r.id) },
        },
      ],
      layout: {
        margin: { l: 8, r: 16, t: 16, b: 8 },
        showlegend: false,
        height,
        bargap: 0.25,
        xaxis: { ...(baseLayout(theme).xaxis as object), title: { text: `${plotlyText(metric)} (final)${dir ? ` · ${dir} is better` : ''}` } },
        yaxis: {
          ...(baseLayout(theme).yaxis as object),
          type: 'category',
          tickmode: 'array',
          tickvals: rows.map((x) => x.r.id),
          ticktext: rows.map((x) => plotlyText(shorten(x.r.name))),
          automargin: true,
        },
      },
    };
  }
}

function shorten(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function defaultScatterX(fields: Field[]): Field | null {
  return fields.find((f) => f.kind === 'param') ?? fields[0] ?? null;
}

export function defaultScatterY(fields: Field[], preferred?: string): Field | null {
  return fields.find((f) => f.kind === 'metric' && f.key === preferred) ?? fields.find((f) => f.kind === 'metric') ?? null;
}
