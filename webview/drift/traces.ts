/**
 * The Drift panel's plotly traces and layouts, SVG only (bar and scatter: the page runs without 'unsafe-eval').
 * Every user string (column names, categories, file names) goes through plotlyText, and never into a
 * hovertemplate: hover text is `hovertext` with hoverinfo 'text'.
 */
import { plotlyText } from '../shared/escape';
import { fmt } from '../shared/format';
import { baseLayout } from '../shared/plotLayout';
import type { Layout, Trace } from '../shared/plotly';
import { runColor, withAlpha, type Theme } from '../shared/theme';
import type { ColumnDrift, DistributionSummary, DriftReport } from './protocol';
import { baseName, driftScore, isFailure, pct, performanceMetric, performanceValue } from './score';
import { instantText } from '../../src/core/drift/instant';

export function layoutFor(theme: Theme, height: number, extra: Layout = {}): Layout {
  const base = baseLayout(theme) as Layout;
  return {
    ...base,
    height,
    margin: { l: 8, r: 24, t: 8, b: 48 },
    ...extra,
    xaxis: { ...(base.xaxis as Layout), ...((extra.xaxis as Layout | undefined) ?? {}) },
    yaxis: { ...(base.yaxis as Layout), ...((extra.yaxis as Layout | undefined) ?? {}) },
  };
}

const OTHER = 'all other categories';

/** The categories both sides show, reference order first, with the shares of each side (0 where absent). */
export function categoryRows(ref: DistributionSummary | null, cur: DistributionSummary | null, fresh: Set<string>) {
  const rows = new Map<string, { ref: number; cur: number; isNew: boolean }>();
  const add = (s: DistributionSummary | null, side: 'ref' | 'cur') => {
    if (!s || s.kind !== 'categories') return;
    for (const c of s.categories) {
      const r = rows.get(c.value) ?? { ref: 0, cur: 0, isNew: fresh.has(c.value) };
      r[side] = c.share;
      rows.set(c.value, r);
    }
  };
  add(ref, 'ref');
  add(cur, 'cur');
  const out = [...rows].map(([value, r]) => ({ value, ...r, other: false }));
  const otherRef = ref?.kind === 'categories' ? ref.otherShare : 0;
  const otherCur = cur?.kind === 'categories' ? cur.otherShare : 0;
  if (otherRef > 0 || otherCur > 0) out.push({ value: OTHER, ref: otherRef, cur: otherCur, isNew: false, other: true });
  return out;
}

/** Reference and current distributions overlaid: histogram bars on the common edges, or category bars side by side. */
export function distributionTraces(c: ColumnDrift, theme: Theme): { traces: Trace[]; layout: Layout } | null {
  const ref = c.refSummary;
  const cur = c.curSummary;
  if (!ref && !cur) return null;
  const refColor = theme.charts[0];
  const curColor = theme.charts[1];
  const newColor = theme.charts[3];
  if ((ref ?? cur)!.kind === 'histogram') {
    const h = (ref?.kind === 'histogram' ? ref : cur) as Extract<DistributionSummary, { kind: 'histogram' }>;
    const edges = h.edges;
    const centers = edges.slice(0, -1).map((e, i) => (e + edges[i + 1]) / 2);
    const widths = edges.slice(0, -1).map((e, i) => edges[i + 1] - e);
    // A datetime column's edges are instants in ms since the epoch: shown as dates, on a date axis.
    const dates = c.kind === 'datetime';
    const fx = dates ? instantText : fmt;
    const range = (i: number) => `${fx(edges[i])} to ${fx(edges[i + 1])}`;
    const bar = (s: DistributionSummary | null, name: string, color: string, opacity: number): Trace | null =>
      s && s.kind === 'histogram'
        ? {
            type: 'bar',
            name,
            x: centers,
            y: s.shares,
            width: widths,
            marker: { color, opacity, line: { color, width: 1 } },
            hovertext: s.shares.map((v, i) => `${name}: ${pct(v)} of values in ${range(i)}`),
            hoverinfo: 'text',
            meta: { role: name },
          }
        : null;
    const traces = [bar(ref, 'reference', refColor, 0.45), bar(cur, 'current', curColor, 0.55)].filter((t): t is Trace => t !== null);
    return {
      traces,
      layout: layoutFor(theme, 300, {
        barmode: 'overlay',
        bargap: 0,
        showlegend: true,
        legend: { orientation: 'h', y: 1.12, font: { color: theme.foreground } },
        xaxis: { title: { text: plotlyText(c.name) }, ...(dates ? { type: 'date' } : {}) },
        yaxis: { title: { text: 'share of values' }, tickformat: '.0%' },
        margin: { l: 8, r: 24, t: 32, b: 48 },
      }),
    };
  }
  const fresh = new Set((c.newCategories?.values ?? []).map((v) => v.value));
  const rows = categoryRows(ref, cur, fresh);
  const x = rows.map((r) => plotlyText(r.value));
  const ticktext = rows.map((r) => (r.isNew ? `${plotlyText(r.value)} (new)` : plotlyText(r.value)));
  const traces: Trace[] = [
    {
      type: 'bar',
      name: 'reference',
      x,
      y: rows.map((r) => r.ref),
      marker: { color: refColor },
      hovertext: rows.map((r) => `${plotlyText(r.value)}: reference ${pct(r.ref)}`),
      hoverinfo: 'text',
      meta: { role: 'reference' },
    },
    {
      type: 'bar',
      name: 'current',
      x,
      y: rows.map((r) => r.cur),
      marker: {
        color: rows.map((r) => (r.isNew ? newColor : curColor)),
        line: { color: rows.map((r) => (r.isNew ? theme.foreground : curColor)), width: rows.map((r) => (r.isNew ? 2 : 0)) },
      },
      text: rows.map((r) => (r.isNew ? 'new' : '')),
      textposition: 'outside',
      textfont: { color: theme.foreground },
      hovertext: rows.map((r) => `${plotlyText(r.value)}: current ${pct(r.cur)}${r.isNew ? ' (never seen in the reference)' : ''}`),
      hoverinfo: 'text',
      meta: { role: 'current' },
    },
  ];
  return {
    traces,
    layout: layoutFor(theme, 300, {
      barmode: 'group',
      showlegend: true,
      legend: { orientation: 'h', y: 1.12, font: { color: theme.foreground } },
      xaxis: { type: 'category', tickvals: x, ticktext },
      yaxis: { title: { text: 'share of rows' }, tickformat: '.0%' },
      margin: { l: 8, r: 24, t: 32, b: 48 },
    }),
  };
}

/** The feature names over every readable batch, in the order of the first batch that has them. */
export function featureNames(r: DriftReport): string[] {
  const names: string[] = [];
  const seen = new Set<string>();
  for (const b of r.batches)
    if (!isFailure(b))
      for (const c of b.columns)
        if (!seen.has(c.name) && c.test !== null) {
          seen.add(c.name);
          names.push(c.name);
        }
  return names;
}

/** Per feature, its drift score at each batch (null: the batch failed or the column was not tested there). */
export function scoresOverTime(r: DriftReport): Array<{ name: string; scores: Array<number | null> }> {
  return featureNames(r).map((name) => ({
    name,
    scores: r.batches.map((b) => {
      if (isFailure(b)) return null;
      const c = b.columns.find((x) => x.name === name);
      return c ? driftScore(c) : null;
    }),
  }));
}

export const METRIC_LABEL = { rmse: 'RMSE', accuracy: 'accuracy' } as const;

/**
 * Drift over time: one line per feature of its drift score (1 = its threshold, the dashed line) at each batch
 * in order, and the performance metric on a second axis when the batches carry actuals and predictions.
 */
export function overTimeTraces(r: DriftReport, theme: Theme, selected: number): { traces: Trace[]; layout: Layout } {
  const xs = r.batches.map((_, i) => i + 1);
  const ticktext = r.batches.map((b) => plotlyText(baseName(b.batch.file)));
  const traces: Trace[] = scoresOverTime(r).map((f, i) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: plotlyText(f.name),
    x: xs,
    y: f.scores,
    line: { color: runColor(theme, i), width: 2 },
    marker: { color: runColor(theme, i), size: 8 },
    hovertext: f.scores.map((s, j) => `${plotlyText(f.name)} at ${ticktext[j]}: ${s === null ? 'not tested' : `${fmt(s)} × its threshold`}`),
    hoverinfo: 'text',
    meta: { role: 'feature', column: f.name },
  }));
  const metric = performanceMetric(r);
  if (metric) {
    const ys = r.batches.map(performanceValue);
    traces.push({
      type: 'scatter',
      mode: 'lines+markers',
      name: METRIC_LABEL[metric],
      x: xs,
      y: ys,
      yaxis: 'y2',
      line: { color: theme.foreground, width: 2, dash: 'dot' },
      marker: { color: theme.foreground, size: 8, symbol: 'diamond' },
      hovertext: ys.map((v, j) => `${METRIC_LABEL[metric]} at ${ticktext[j]}: ${fmt(v)}`),
      hoverinfo: 'text',
      meta: { role: 'performance' },
    });
  }
  const shapes: Layout[] = [{ type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: 1, y1: 1, line: { color: theme.muted, width: 1, dash: 'dash' } }];
  const run = r.batches.map((b) => (isFailure(b) ? null : b.performance?.runMetric)).find((m) => m && Number.isFinite(m.value));
  if (metric && run)
    // The run's own figure for the same metric: the level the batches are held to.
    shapes.push({
      type: 'line',
      xref: 'paper',
      x0: 0,
      x1: 1,
      yref: 'y2',
      y0: run.value,
      y1: run.value,
      line: { color: theme.foreground, width: 1, dash: 'dot' },
    });
  if (selected >= 0 && selected < xs.length)
    shapes.push({
      type: 'rect',
      xref: 'x',
      x0: selected + 0.6,
      x1: selected + 1.4,
      yref: 'paper',
      y0: 0,
      y1: 1,
      fillcolor: withAlpha(theme.foreground, 0.08),
      line: { width: 0 },
      layer: 'below',
    });
  return {
    traces,
    layout: layoutFor(theme, 320, {
      showlegend: true,
      legend: { orientation: 'h', y: 1.15, font: { color: theme.foreground } },
      hovermode: 'closest',
      xaxis: { tickvals: xs, ticktext, range: [0.5, xs.length + 0.5], title: { text: 'batch' } },
      yaxis: { title: { text: 'drift ÷ threshold (1 = drift line)' }, rangemode: 'tozero' },
      ...(metric
        ? {
            yaxis2: {
              title: { text: METRIC_LABEL[metric] },
              overlaying: 'y',
              side: 'right',
              rangemode: 'tozero',
              showgrid: false,
              color: theme.foreground,
              automargin: true,
            },
          }
        : {}),
      shapes,
      margin: { l: 8, r: 24, t: 40, b: 48 },
    }),
  };
}
