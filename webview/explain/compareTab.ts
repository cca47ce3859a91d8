/**
 * The side-by-side tab: this explanation's mean |contribution| per feature next to another run's, as grouped
 * bars, and in words which features changed rank (did the new model start relying on something else?).
 */
import { clear, el, setText } from '../shared/dom';
import { fmt } from '../shared/format';
import { ChartCard } from '../shared/chartCard';
import { chartLayout, rowsHeight, type Ctx } from './context';
import { ExplainCompare, type ComparisonRow } from './protocol';
import { comparisonTraces, positionTicks, rankChanges } from './traces';

const TOP = 25;

export class CompareTab {
  private readonly select = el('select', { id: 'compare-with', class: 'compare-with' });
  private readonly empty = el('p', { class: 'hint' });
  private readonly changes = el('div', { class: 'rank-changes', role: 'status' });
  private readonly chart = new ChartCard('Mean |contribution| per feature, side by side', 'compare');
  private dirty = true;
  private request = 0;

  constructor(
    root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    this.select.addEventListener('change', () => void this.load());
    root.append(
      el('h2', {}, 'Compare with another run'),
      el('div', { class: 'toolbar' }, el('label', { for: 'compare-with', class: 'field-label' }, 'Compare with'), this.select),
      this.empty,
      this.changes,
      this.chart.card,
    );
  }

  reset(): void {
    const { others } = this.ctx.init();
    clear(this.select);
    for (const o of others) this.select.append(el('option', { value: `${o.runId}\u0000${o.name}` }, `${o.runName} · ${o.name}`));
    this.select.disabled = others.length === 0;
    this.empty.hidden = others.length > 0;
    setText(this.empty, 'No other run has an explanation yet. Log one with lineage.explain(...) in another run to compare.');
    this.chart.card.hidden = others.length === 0;
    this.dirty = true;
  }

  /** The theme changed: the chart is drawn again in its colours when next shown. */
  invalidate(): void {
    this.dirty = true;
  }

  async draw(): Promise<void> {
    if (!this.dirty) return this.chart.resize();
    this.dirty = false;
    await this.load();
  }

  private async load(): Promise<void> {
    const [runId, name] = this.select.value.split('\u0000');
    if (!runId || name === undefined) return;
    const id = ++this.request;
    const r = await new Promise<{ features: ComparisonRow[]; otherRunName: string; error: string | null }>((resolve) =>
      this.ctx.ipc.request(ExplainCompare, { runId, name }, resolve),
    );
    if (id !== this.request) return;
    clear(this.changes);
    if (r.error) {
      this.changes.append(el('p', { class: 'whatif-error' }, r.error));
      return;
    }
    const init = this.ctx.init();
    const rows = [...r.features].sort((a, b) => Math.max(b.a ?? 0, b.b ?? 0) - Math.max(a.a ?? 0, a.b ?? 0)).slice(0, TOP);
    const theme = this.ctx.theme();
    await this.chart.draw(
      comparisonTraces(rows, `${init.runName} (this run)`, r.otherRunName, theme),
      chartLayout(theme, rowsHeight(rows.length * 1.6), {
        barmode: 'group',
        showlegend: true,
        legend: { orientation: 'h', y: 1.06 },
        margin: { l: 8, r: 24, t: 30, b: 40 },
        xaxis: { title: { text: 'mean |contribution|' }, rangemode: 'tozero' },
        yaxis: { ...positionTicks(rows.map((x) => x.feature)), tickmode: 'array', autorange: 'reversed' },
      }),
    );
    const moved = rankChanges(r.features);
    const top = moved.slice(0, 5).map((c) => `${c.feature} (${rank(c.from)} in ${r.otherRunName} → ${rank(c.to)} here)`);
    this.changes.append(
      el(
        'p',
        {},
        moved.length === 0
          ? `The features rank in the same order in both runs.`
          : `${moved.length} feature${moved.length === 1 ? '' : 's'} changed rank; the largest moves: ${top.join('; ')}.`,
      ),
    );
    this.chart.setSummary(`${rows.length} features; this run against ${r.otherRunName}.`);
    this.chart.setTable(
      `Mean |contribution|: ${init.runName} and ${r.otherRunName}`,
      ['Feature', init.runName, r.otherRunName],
      r.features.map((x) => [x.feature, fmt(x.a), fmt(x.b)]),
    );
    this.ctx.emit('compare-drawn', { features: rows.length, moved: moved.length });
  }
}

function rank(n: number | null): string {
  return n === null ? 'absent' : `#${n}`;
}
