/**
 * Drift over time, when the report has several batches: one line per feature of its drift score (its statistic
 * relative to its threshold, so 1 is the drift line for every test: score.ts driftScore) across the batches in
 * order, and the performance metric on a second axis when actuals exist. Clicking a point opens that batch;
 * keyboard users choose it from the batch list above (main.ts), and the chart's table lists the same numbers.
 */
import { ChartCard } from '../shared/chartCard';
import { fmt } from '../shared/format';
import type { Theme } from '../shared/theme';
import type { DriftReport } from './protocol';
import { baseName, performanceMetric, performanceValue } from './score';
import { METRIC_LABEL, overTimeTraces, scoresOverTime } from './traces';

export class OverTime {
  readonly chart = new ChartCard('Drift over time', 'over-time');
  private listening = false;

  constructor(private readonly onPick: (batch: number) => void) {}

  async draw(r: DriftReport, theme: Theme, selected: number): Promise<void> {
    const several = r.batches.length > 1;
    this.chart.card.hidden = !several;
    if (!several) return;
    const scores = scoresOverTime(r);
    const metric = performanceMetric(r);
    this.chart.setSummary(
      `Each feature's drift statistic divided by its threshold, batch by batch (above 1 = drift; p-value tests as log p ÷ log threshold)` +
        (metric ? `, and the ${METRIC_LABEL[metric]} per batch on the right axis` : '') +
        '. Click a point, or choose the batch above, to see its detail.',
    );
    this.chart.setTable(
      'Drift score per feature and batch (1 = the drift line)',
      ['Batch', ...scores.map((s) => s.name), ...(metric ? [METRIC_LABEL[metric]] : [])],
      r.batches.map((b, j) => [`${j + 1}: ${baseName(b.batch.file)}`, ...scores.map((s) => fmt(s.scores[j])), ...(metric ? [fmt(performanceValue(b))] : [])]),
    );
    const { traces, layout } = overTimeTraces(r, theme, selected);
    await this.chart.draw(traces, layout);
    if (!this.listening) {
      this.listening = true;
      this.chart.plot.on('plotly_click', (ev: { points?: Array<{ x?: unknown }> }) => {
        const x = ev.points?.[0]?.x;
        if (typeof x === 'number' && Number.isInteger(x)) this.onPick(x - 1);
      });
    }
  }

  resize(): void {
    this.chart.resize();
  }
}
