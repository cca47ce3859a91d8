/**
 * One row's explanation drawn as a waterfall from the base value to the prediction (the Row and What-if tabs
 * both draw one), with its table, and for approximate methods the contributions with their standard errors.
 */
import { plotlyText } from '../shared/escape';
import { fmt } from '../shared/format';
import { ChartCard } from '../shared/chartCard';
import { chartLayout, rowsHeight, type Ctx } from './context';
import type { ExplanationManifest } from './protocol';
import { logistic, signed, stderrTrace, waterfallBars, waterfallRange, waterfallTicks, waterfallTrace, type Contribution } from './traces';

export const WATERFALL_TOP = 10;

export interface Explained {
  base: number;
  output: number;
  contributions: Contribution[];
}

/** The prediction in words: the value, or for a logit link the probability with the log-odds. */
export function predictionText(m: ExplanationManifest, output: number): string {
  if (m.link === 'logit') {
    const cls = m.positiveClass === null ? 'the positive class' : `"${String(m.positiveClass)}"`;
    return `probability of ${cls} ${(logistic(output) * 100).toFixed(1)}% (log-odds ${fmt(output)})`;
  }
  return `${m.outputName} ${fmt(output)}`;
}

function inputText(v: number | string | null | undefined): string {
  return v === null || v === undefined ? '' : typeof v === 'number' ? fmt(v) : v;
}

export class Waterfall {
  readonly chart: ChartCard;
  readonly errors: ChartCard;

  constructor(
    private readonly ctx: Ctx,
    key: string,
    title: string,
  ) {
    this.chart = new ChartCard(title, key);
    this.errors = new ChartCard('Contributions with ±1 standard error (approximate method)', `${key}-stderr`);
    this.errors.card.hidden = true;
  }

  async draw(e: Explained, caption: string): Promise<void> {
    const theme = this.ctx.theme();
    const m = this.ctx.init().global.manifest;
    const w = waterfallBars(e.base, e.output, e.contributions, WATERFALL_TOP);
    const space = m.link === 'logit' ? 'log-odds' : m.outputName;
    const label = (i: number) => {
      const input = w.inputs[i];
      return input === null ? w.labels[i] : `${w.labels[i]} = ${inputText(input)}`;
    };
    const ticks = waterfallTicks(w, label);
    const range = waterfallRange(w);
    await this.chart.draw(
      [waterfallTrace(w, theme, label)],
      chartLayout(theme, rowsHeight(w.labels.length), {
        xaxis: { title: { text: plotlyText(space) }, ...(range ? { range, autorange: false } : {}) },
        yaxis: { ...ticks, tickmode: 'array', autorange: 'reversed' },
        margin: { l: 8, r: 56, t: 8, b: 40 },
      }),
    );
    const approximate = !m.exact && e.contributions.some((c) => c.stderr !== null);
    let total = e.base;
    const rows = w.labels.map((l, i) => {
      if (w.measures[i] === 'relative') total += w.values[i];
      const value = w.measures[i] === 'relative' ? signed(w.values[i]) : fmt(w.values[i]);
      return [
        l,
        inputText(w.inputs[i]),
        value,
        ...(approximate ? [w.stderr[i] === null ? '' : `± ${fmt(w.stderr[i])}`] : []),
        fmt(w.measures[i] === 'total' ? w.values[i] : total),
      ];
    });
    this.chart.setTable(caption, ['Step', 'Input value', 'Contribution', ...(approximate ? ['Std error'] : []), 'Running total'], rows);
    const top = e.contributions
      .slice()
      .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
      .slice(0, 3)
      .map((c) => `${c.feature} ${signed(c.value)}`);
    this.chart.setSummary(`From the base value ${fmt(e.base)} to ${predictionText(m, e.output)}. Largest contributions: ${top.join('; ') || 'none'}.`);
    this.errors.card.hidden = !approximate;
    if (approximate) {
      await this.errors.draw(
        [stderrTrace(w, theme)],
        chartLayout(theme, rowsHeight(w.labels.length - 2), {
          xaxis: { title: { text: 'contribution ± 1 standard error' }, zeroline: true },
          yaxis: { ...ticks, tickmode: 'array', autorange: 'reversed' },
        }),
      );
      this.errors.setSummary('Kernel SHAP estimates each contribution from samples; the bars show one standard error either side.');
      this.errors.setTable(
        'Contributions and their standard errors',
        ['Feature', 'Contribution', 'Std error'],
        w.labels.flatMap((l, i) => (w.measures[i] === 'relative' ? [[l, signed(w.values[i]), fmt(w.stderr[i])]] : [])),
      );
    }
  }
}
