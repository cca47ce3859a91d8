/**
 * The Explain panel's plotly traces, built from the engine's views. SVG traces only (bar, scatter,
 * waterfall): the panel's Content-Security-Policy has no 'unsafe-eval', which WebGL traces would need.
 * Every user string (feature names, categories) goes through plotlyText; axes of features are numeric
 * positions with tick labels, so two features whose names plotly would merge as categories stay apart.
 */
import { plotlyText } from '../shared/escape';
import { fmt } from '../shared/format';
import type { Trace } from '../shared/plotly';
import type { Theme } from '../shared/theme';
import type { ComparisonRow, DependenceView, GlobalView, PdpData } from './protocol';

/** Blue (low) to red (high): the convention readers of SHAP plots know; both readable on light and dark. */
export const VALUE_SCALE: Array<[number, string]> = [
  [0, 'rgb(30, 136, 229)'],
  [0.5, 'rgb(150, 110, 200)'],
  [1, 'rgb(255, 13, 87)'],
];

export interface Contribution {
  feature: string;
  value: number;
  stderr: number | null;
  input?: number | string | null;
}

/** A waterfall's bars: the base, the top contributions, the rest summed, and the total. */
export interface WaterfallBars {
  labels: string[];
  /** base, then each relative step (top features, then "N other features" when any), then the output. */
  values: number[];
  measures: Array<'absolute' | 'relative' | 'total'>;
  stderr: Array<number | null>;
  inputs: Array<number | string | null>;
  /** How many features are summed into the "other" bar (0: none). */
  otherCount: number;
}

/** Sorted by |value| (largest first); the first `top` shown, the rest summed into one bar. */
export function waterfallBars(base: number, output: number, contributions: Contribution[], top: number): WaterfallBars {
  const sorted = [...contributions].sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || 0);
  const shown = sorted.slice(0, Math.max(0, top));
  const rest = sorted.slice(shown.length);
  const labels = ['Base value (average prediction)'];
  const values = [base];
  const measures: WaterfallBars['measures'] = ['absolute'];
  const stderr: Array<number | null> = [null];
  const inputs: Array<number | string | null> = [null];
  for (const c of shown) {
    labels.push(c.feature);
    values.push(c.value);
    measures.push('relative');
    stderr.push(c.stderr);
    inputs.push(c.input ?? null);
  }
  if (rest.length) {
    let sum = 0;
    let var2 = 0;
    let anyErr = false;
    for (const c of rest) {
      sum += c.value;
      if (c.stderr !== null && Number.isFinite(c.stderr)) {
        var2 += c.stderr * c.stderr;
        anyErr = true;
      }
    }
    labels.push(`${rest.length} other feature${rest.length === 1 ? '' : 's'}`);
    values.push(sum);
    measures.push('relative');
    // Independent errors add in quadrature: a stated approximation for the grouped bar.
    stderr.push(anyErr ? Math.sqrt(var2) : null);
    inputs.push(null);
  }
  labels.push('Prediction');
  values.push(output);
  measures.push('total');
  stderr.push(null);
  inputs.push(null);
  return { labels, values, measures, stderr, inputs, otherCount: rest.length };
}

/** Horizontal waterfall, base at the top, the prediction at the bottom. */
export function waterfallTrace(w: WaterfallBars, theme: Theme, labelOf: (i: number) => string = (i) => w.labels[i]): Trace {
  const y = w.labels.map((_, i) => i);
  return {
    type: 'waterfall',
    orientation: 'h',
    y,
    x: w.values,
    measure: w.measures,
    text: w.values.map((v, i) => (w.measures[i] === 'relative' ? signed(v) : fmt(v))),
    textposition: 'outside',
    cliponaxis: false,
    hovertext: w.labels.map((_, i) => plotlyText(labelOf(i))),
    hoverinfo: 'text+x',
    increasing: { marker: { color: VALUE_SCALE[2][1] } },
    decreasing: { marker: { color: VALUE_SCALE[0][1] } },
    totals: { marker: { color: theme.muted } },
    connector: { line: { color: theme.grid, width: 1 } },
    meta: { role: 'waterfall' },
  };
}

/**
 * The value axis of a waterfall: the span its running total covers (base, every step, the prediction) with room
 * for the labels, not from zero: a price of 250,000 moved by a few thousand would otherwise show slivers.
 */
export function waterfallRange(w: WaterfallBars): [number, number] | undefined {
  let total = 0;
  let lo = Infinity;
  let hi = -Infinity;
  w.values.forEach((v, i) => {
    total = w.measures[i] === 'relative' ? total + v : v;
    if (Number.isFinite(total)) {
      lo = Math.min(lo, total);
      hi = Math.max(hi, total);
    }
  });
  if (!Number.isFinite(lo)) return undefined;
  const span = hi - lo || Math.abs(hi) * 0.01 || 1;
  // Zero stays in view when it is close anyway (contributions of the same order as the base).
  const from = lo > 0 && lo - span * 0.6 <= 0 ? 0 : lo - span * 0.15;
  const to = hi < 0 && hi + span * 0.6 >= 0 ? 0 : hi + span * 0.15;
  return [from, to];
}

export function waterfallTicks(w: WaterfallBars, labelOf: (i: number) => string = (i) => w.labels[i]): { tickvals: number[]; ticktext: string[] } {
  return { tickvals: w.labels.map((_, i) => i), ticktext: w.labels.map((_, i) => plotlyText(shorten(labelOf(i)))) };
}

/** Contributions with ±1 standard error (approximate methods): the bars the waterfall's steps are. */
export function stderrTrace(w: WaterfallBars, theme: Theme): Trace {
  const idx = w.measures.map((m, i) => (m === 'relative' ? i : -1)).filter((i) => i >= 0);
  return {
    type: 'bar',
    orientation: 'h',
    y: idx.map((i) => i),
    x: idx.map((i) => w.values[i]),
    error_x: { type: 'data', array: idx.map((i) => w.stderr[i] ?? 0), visible: true, color: theme.foreground },
    marker: { color: idx.map((i) => (w.values[i] >= 0 ? VALUE_SCALE[2][1] : VALUE_SCALE[0][1])) },
    hovertext: idx.map((i) => plotlyText(`${w.labels[i]}: ${signed(w.values[i])} ± ${fmt(w.stderr[i])}`)),
    hoverinfo: 'text',
    meta: { role: 'stderr' },
  };
}

/** Mean |attribution| per feature, the largest at the top; features past `top` summed into one bar. */
export function importanceBars(importance: GlobalView['importance'], top: number): { labels: string[]; values: number[]; otherCount: number } {
  const shown = importance.slice(0, top);
  const rest = importance.slice(shown.length);
  const labels = shown.map((f) => f.feature);
  const values = shown.map((f) => f.meanAbs);
  if (rest.length) {
    labels.push(`${rest.length} other feature${rest.length === 1 ? '' : 's'} (sum)`);
    values.push(rest.reduce((s, f) => s + f.meanAbs, 0));
  }
  return { labels, values, otherCount: rest.length };
}

export function importanceTrace(bars: { labels: string[]; values: number[] }, theme: Theme): Trace {
  return {
    type: 'bar',
    orientation: 'h',
    y: bars.labels.map((_, i) => i),
    x: bars.values,
    marker: { color: theme.charts[0] },
    hovertext: bars.labels.map((l, i) => plotlyText(`${l}: ${fmt(bars.values[i])}`)),
    hoverinfo: 'text',
    meta: { role: 'importance' },
  };
}

export function positionTicks(labels: string[]): { tickvals: number[]; ticktext: string[] } {
  return { tickvals: labels.map((_, i) => i), ticktext: labels.map((l) => plotlyText(shorten(l))) };
}

/**
 * The beeswarm as two scatter traces: the points with a known feature value coloured low → high (with a
 * colour bar), and those without one in grey. Feature i of the shown ones sits at y = i (the axis is
 * reversed, so the most important is at the top), spread by its density jitter; a point that stands for
 * several rows is drawn larger.
 */
export function beeswarmTraces(g: GlobalView, theme: Theme): Trace[] {
  let total = 0;
  let maxCount = 1;
  for (const f of g.beeswarm) {
    total += f.x.length;
    for (let i = 0; i < f.count.length; i++) if (f.count[i] > maxCount) maxCount = f.count[i];
  }
  const known = { x: new Float64Array(total), y: new Float64Array(total), c: new Float64Array(total), s: new Float64Array(total), t: new Array<string>(total) };
  const unknown = { x: [] as number[], y: [] as number[], s: [] as number[], t: [] as string[] };
  let k = 0;
  g.beeswarm.forEach((f, row) => {
    const name = plotlyText(f.feature);
    for (let i = 0; i < f.x.length; i++) {
      const size = 3 + 6 * Math.sqrt(f.count[i] / maxCount);
      const y = row + f.jitter[i];
      const text = `${name}<br>${f.count[i]} row${f.count[i] === 1 ? '' : 's'}`;
      if (Number.isFinite(f.color[i])) {
        known.x[k] = f.x[i];
        known.y[k] = y;
        known.c[k] = f.color[i];
        known.s[k] = size;
        known.t[k] = text;
        k++;
      } else {
        unknown.x.push(f.x[i]);
        unknown.y.push(y);
        unknown.s.push(size);
        unknown.t.push(`${text}<br>value unknown`);
      }
    }
  });
  const traces: Trace[] = [
    {
      type: 'scatter',
      mode: 'markers',
      x: known.x.subarray(0, k),
      y: known.y.subarray(0, k),
      text: known.t.slice(0, k),
      hovertemplate: '%{text}<br>attribution %{x:.4g}<extra></extra>',
      marker: {
        color: known.c.subarray(0, k),
        colorscale: VALUE_SCALE,
        cmin: 0,
        cmax: 1,
        size: known.s.subarray(0, k),
        opacity: 0.75,
        line: { width: 0 },
        colorbar: {
          title: { text: 'Feature value', side: 'right' },
          tickvals: [0, 1],
          ticktext: ['low', 'high'],
          thickness: 12,
          outlinewidth: 0,
          tickfont: { color: theme.foreground },
        },
      },
      showlegend: false,
      meta: { role: 'beeswarm' },
    },
  ];
  if (unknown.x.length)
    traces.push({
      type: 'scatter',
      mode: 'markers',
      x: unknown.x,
      y: unknown.y,
      text: unknown.t,
      hovertemplate: '%{text}<br>attribution %{x:.4g}<extra></extra>',
      marker: { color: theme.muted, size: unknown.s, opacity: 0.6 },
      showlegend: false,
      meta: { role: 'beeswarm-unknown' },
    });
  return traces;
}

/** Points of the dependence scatter: feature value (x) against its attribution (y), coloured by the interacting feature. */
export function dependenceTrace(d: DependenceView, theme: Theme): Trace {
  const colorCats = d.colorCategories;
  const text = new Array<string>(d.x.length);
  for (let i = 0; i < d.x.length; i++) {
    const xv = valueText(d.x[i], d.categories);
    const cv = d.color ? valueText(d.color[i], colorCats) : '';
    text[i] = plotlyText(`${d.feature} = ${xv}${d.colorFeature ? `, ${d.colorFeature} = ${cv}` : ''}`);
  }
  const marker: Record<string, unknown> = { size: 5, opacity: 0.7, color: theme.charts[0] };
  if (d.color && d.colorFeature) {
    const cats = colorCats;
    Object.assign(marker, {
      color: d.color,
      colorscale: VALUE_SCALE,
      colorbar: {
        title: { text: plotlyText(shorten(d.colorFeature)), side: 'right' },
        thickness: 12,
        outlinewidth: 0,
        ...(cats && cats.length ? { tickvals: cats.map((_, i) => i), ticktext: cats.map((c) => plotlyText(shorten(c))) } : {}),
      },
    });
  }
  // Categories: the codes spread a little so the points of one category do not sit on one line.
  const x = d.categories ? Float64Array.from(d.x, (v, i) => v + (((i * 2654435761) % 1000) / 1000 - 0.5) * 0.3) : d.x;
  return {
    type: 'scatter',
    mode: 'markers',
    x,
    y: d.y,
    text,
    hovertemplate: '%{text}<br>attribution %{y:.4g}<extra></extra>',
    marker,
    showlegend: false,
    meta: { role: 'dependence' },
  };
}

/** Permutation importance: mean drop in the score with ±1 std as error bars, largest at the top. */
export function permutationTrace(features: string[], mean: number[], std: number[], theme: Theme): { trace: Trace; order: number[] } {
  const order = features.map((_, i) => i).sort((a, b) => (mean[b] ?? 0) - (mean[a] ?? 0));
  return {
    order,
    trace: {
      type: 'bar',
      orientation: 'h',
      y: order.map((_, i) => i),
      x: order.map((i) => mean[i]),
      error_x: { type: 'data', array: order.map((i) => std[i] ?? 0), visible: true, color: theme.foreground },
      marker: { color: theme.charts[2] },
      hovertext: order.map((i) => plotlyText(`${features[i]}: ${fmt(mean[i])} ± ${fmt(std[i])}`)),
      hoverinfo: 'text',
      meta: { role: 'permutation' },
    },
  };
}

/** ICE curves (thin, one trace with gaps between curves) under the partial dependence (thick). */
export function pdpTraces(p: PdpData, theme: Theme): Trace[] {
  const g = p.grid.length;
  const x: Array<number | null> = [];
  const y: Array<number | null> = [];
  for (const curve of p.ice) {
    for (let j = 0; j < g; j++) {
      x.push(p.grid[j]);
      y.push(Number.isFinite(curve[j]) ? curve[j] : null);
    }
    x.push(null);
    y.push(null);
  }
  const traces: Trace[] = [];
  if (p.ice.length)
    traces.push({
      type: 'scatter',
      mode: 'lines',
      x,
      y,
      line: { width: 0.7, color: theme.muted },
      opacity: 0.5,
      name: `ICE (${p.ice.length} rows)`,
      hoverinfo: 'skip',
      meta: { role: 'ice' },
    });
  traces.push({
    type: 'scatter',
    mode: 'lines+markers',
    x: p.grid,
    y: p.average,
    line: { width: 3, color: theme.charts[1] },
    marker: { size: 5 },
    name: 'Partial dependence (average)',
    meta: { role: 'pdp' },
  });
  return traces;
}

/** Two runs' mean |attribution| as grouped bars. */
export function comparisonTraces(rows: ComparisonRow[], thisName: string, otherName: string, theme: Theme): Trace[] {
  const y = rows.map((_, i) => i);
  return [
    {
      type: 'bar',
      orientation: 'h',
      y,
      x: rows.map((r) => r.a),
      name: plotlyText(thisName),
      marker: { color: theme.charts[0] },
      hovertext: rows.map((r) => plotlyText(`${r.feature}: ${fmt(r.a)}`)),
      hoverinfo: 'text+name',
      meta: { role: 'compare-a' },
    },
    {
      type: 'bar',
      orientation: 'h',
      y,
      x: rows.map((r) => r.b),
      name: plotlyText(otherName),
      marker: { color: theme.charts[1] },
      hovertext: rows.map((r) => plotlyText(`${r.feature}: ${fmt(r.b)}`)),
      hoverinfo: 'text+name',
      meta: { role: 'compare-b' },
    },
  ];
}

/** Which features moved in the importance ranking between two runs (1-based ranks), largest moves first. */
export function rankChanges(rows: ComparisonRow[]): Array<{ feature: string; from: number | null; to: number | null }> {
  const rank = (key: 'a' | 'b') => {
    const order = rows
      .filter((r) => typeof r[key] === 'number' && Number.isFinite(r[key]))
      .sort((x, y) => (y[key] as number) - (x[key] as number))
      .map((r) => r.feature);
    return new Map(order.map((f, i) => [f, i + 1]));
  };
  const ra = rank('a');
  const rb = rank('b');
  const out: Array<{ feature: string; from: number | null; to: number | null }> = [];
  for (const r of rows) {
    const from = rb.get(r.feature) ?? null;
    const to = ra.get(r.feature) ?? null;
    if (from !== to) out.push({ feature: r.feature, from, to });
  }
  const move = (c: { from: number | null; to: number | null }) => (c.from === null || c.to === null ? Infinity : Math.abs(c.from - c.to));
  // Moves into or out of the top matter most: sort by the size of the move, then by the better rank.
  return out.sort((a, b) => move(b) - move(a) || Math.min(a.from ?? 1e9, a.to ?? 1e9) - Math.min(b.from ?? 1e9, b.to ?? 1e9));
}

export function signed(v: number): string {
  return v > 0 ? `+${fmt(v)}` : fmt(v);
}

export function valueText(v: number, categories: string[] | null): string {
  if (!Number.isFinite(v)) return 'unknown';
  if (categories) return categories[Math.round(v)] ?? `code ${fmt(v)}`;
  return fmt(v);
}

/** Long names cut for tick labels (the hover, the tables and the text alternatives have them whole). */
export function shorten(s: string, max = 40): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function logistic(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}
