/**
 * The run-level charts: parallel coordinates (params → a chosen metric), scatter (any param or final
 * metric against another, coloured by a third) and a bar chart of a metric's final value per run. Hidden
 * runs are left out, as on the curves. Every user string reaches plotly escaped (plotlyText), and hover
 * text is built here as text, never as a template.
 */
import type { RunInfo } from './protocol';
import { better } from '../shared/best';
import { plotlyText } from '../shared/escape';
import { fmt } from '../shared/format';
import { clear, custom, el, setText } from '../shared/dom';
import { baseLayout, colorOf } from '../shared/plotLayout';
import { hasWebGL } from '../shared/webgl';
import type { Ctx } from './context';
import { describeValues, fieldById, fieldsOf, valueOf, type Field } from './model';
import { exportPlot } from './charts';
import { PLOT_CONFIG, plotly, type PlotDiv, type Trace } from '../shared/plotly';

type Kind = 'parallel' | 'scatter' | 'bars';

/** plotly's parallel coordinates take at most 60 dimensions. */
const MAX_DIMENSIONS = 60;

export class AnalysisChart {
  readonly plot: PlotDiv;
  private readonly message: HTMLElement;
  private drawn = false;
  dirty = true;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kind: Kind,
    root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    this.message = el('p', { class: 'empty' });
    this.plot = el('div', { class: `plot plot-${kind}`, role: 'img', 'aria-label': `${kind} chart` }) as unknown as PlotDiv;
    const png = custom('vscode-button', { appearance: 'secondary', class: 'export-png', title: 'Export this chart as PNG' }, 'PNG');
    const svg = custom('vscode-button', { appearance: 'secondary', class: 'export-svg', title: 'Export this chart as SVG' }, 'SVG');
    png.addEventListener('click', () => void this.export('png'));
    svg.addEventListener('click', () => void this.export('svg'));
    root.append(el('div', { class: 'export-row' }, this.message, el('span', { class: 'spacer' }), png, svg), this.plot);
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
      if (!built.traces) {
        if (this.drawn) plotly().purge(this.plot), (this.drawn = false);
        clear(this.plot);
        return;
      }
      const layout = { ...baseLayout(this.ctx.theme()), ...built.layout };
      if (this.drawn) await plotly().react(this.plot, built.traces, layout, PLOT_CONFIG);
      else await plotly().newPlot(this.plot, built.traces, layout, PLOT_CONFIG);
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

  private parallel(): { traces?: Trace[]; layout?: Record<string, unknown>; message?: string } {
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
      return { message: 'Parallel coordinates need WebGL, which this window does not have (hardware acceleration is off, or the GPU is blocked). The Scatter and Table tabs show the same values; to get WebGL back, remove "disable-hardware-acceleration" from the runtime arguments (Preferences: Configure Runtime Arguments) and restart VS Code.' };
    const params = fieldsOf(model).filter((f) => f.kind === 'param');
    const dims: Trace[] = [];
    for (const f of params) {
      if (dims.length >= MAX_DIMENSIONS - 1) break;
      const values = runs.map((r) => valueOf(r, f));
      if (runs.length > 1 && new Set(values.map((v) => JSON.stringify(v))).size < 2) continue; // the same everywhere: no information
      const d = describeValues(values);
      if (d.numeric && d.nums.every((n) => n !== null && Number.isFinite(n))) {
        dims.push({ label: plotlyText(f.label), values: d.nums as number[] });
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
    dims.push({ label: plotlyText(metric), values: mvals });
    const theme = this.ctx.theme();
    const dir = better(metric);
    return {
      traces: [
        {
          type: 'parcoords',
          dimensions: dims,
          line: { color: mvals, colorscale: 'Viridis', reversescale: dir === 'lower', showscale: true, colorbar: { title: { text: plotlyText(metric), side: 'right' }, tickfont: { color: theme.foreground } } },
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

  private scatter(): { traces?: Trace[]; layout?: Record<string, unknown>; message?: string } {
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
    const axisValues = (d: ReturnType<typeof describeValues>): Array<number | string | null> => (d.numeric ? d.nums : d.labels.map((l) => (l === null ? null : plotlyText(l))));
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
    return {
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

  private bars(): { traces?: Trace[]; layout?: Record<string, unknown>; message?: string } {
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
    return {
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
