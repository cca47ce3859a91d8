/**
 * The Global tab: which features the model relies on across all explained rows — mean |attribution| bars,
 * the beeswarm (reduced on the host), a dependence scatter of a chosen feature, and, when logged,
 * permutation importance and partial dependence with ICE curves.
 */
import { listSome } from '../shared/a11y';
import { plotlyText } from '../shared/escape';
import { clear, el, setText } from '../shared/dom';
import { fmt } from '../shared/format';
import { ChartCard } from '../shared/chartCard';
import { chartLayout, rowsHeight, type Ctx } from './context';
import { ExplainDependence, ExplainPdp, type DependenceView, type ExplainInitParams, type PdpData } from './protocol';
import { beeswarmTraces, dependenceTrace, importanceBars, importanceTrace, pdpTraces, permutationTrace, positionTicks, shorten, valueText } from './traces';

const TOP = 20;

function labelledSelect(label: string, cls: string, options: Array<{ value: string; text: string }>, selected?: string): HTMLSelectElement {
  const s = el('select', { class: cls, 'aria-label': label });
  for (const o of options) {
    const opt = el('option', { value: o.value }, o.text);
    if (o.value === selected) opt.selected = true;
    s.append(opt);
  }
  return s;
}

export class GlobalTab {
  private readonly importance = new ChartCard('Which features matter most (mean |contribution|)', 'importance');
  private readonly beeswarm = new ChartCard('How each feature pushes predictions (one dot per group of rows)', 'beeswarm');
  private readonly dependence: ChartCard;
  private readonly permutation = new ChartCard('Permutation importance (drop in score when a feature is shuffled)', 'permutation');
  private readonly pdp: ChartCard;
  private readonly depSelect: HTMLSelectElement;
  private readonly pdpSelect: HTMLSelectElement;
  private dirty = true;
  private depView: DependenceView | null = null;
  private depRequest = 0;
  private pdpRequest = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    this.depSelect = labelledSelect('Dependence: feature', 'dep-feature', []);
    this.depSelect.addEventListener('change', () => void this.loadDependence(this.depSelect.value));
    this.dependence = new ChartCard('Dependence: a feature’s value against its contribution', 'dependence', [this.depSelect]);
    this.pdpSelect = labelledSelect('Partial dependence: feature', 'pdp-feature', []);
    this.pdpSelect.addEventListener('change', () => void this.loadPdp(this.pdpSelect.value));
    this.pdp = new ChartCard('Partial dependence and individual curves (ICE)', 'pdp', [this.pdpSelect]);
    root.append(
      el('h2', { class: 'visually-hidden' }, 'Global'),
      this.importance.card,
      this.beeswarm.card,
      this.dependence.card,
      this.permutation.card,
      this.pdp.card,
    );
  }

  invalidate(): void {
    this.dirty = true;
    this.depView = null;
  }

  /** Draws what the init holds (importance and beeswarm: the first paint), then the dependence of the top feature. */
  async draw(): Promise<void> {
    if (!this.dirty) {
      for (const c of [this.importance, this.beeswarm, this.dependence, this.permutation, this.pdp]) c.resize();
      return;
    }
    this.dirty = false;
    const init = this.ctx.init();
    await Promise.all([this.drawImportance(init), this.drawBeeswarm(init)]);
    this.ctx.emit('global-drawn', { points: init.global.beeswarm.reduce((n, f) => n + f.x.length, 0) });
    // The rest (dependence, permutation, PDP) after the first paint has reached the screen, not before it.
    await afterPaint();
    this.fillSelects(init);
    const m = init.global.manifest;
    this.permutation.card.hidden = !m.permutationImportance;
    this.pdp.card.hidden = m.partialDependence.length === 0;
    await Promise.all([
      this.loadDependence(this.depSelect.value),
      m.permutationImportance ? this.drawPermutation(init) : Promise.resolve(),
      m.partialDependence.length ? this.loadPdp(this.pdpSelect.value) : Promise.resolve(),
    ]);
    this.ctx.emit('global-done');
  }

  private fillSelects(init: ExplainInitParams): void {
    clear(this.depSelect);
    for (const f of init.global.importance) this.depSelect.append(el('option', { value: f.feature }, f.feature));
    clear(this.pdpSelect);
    for (const p of init.global.manifest.partialDependence) this.pdpSelect.append(el('option', { value: p.feature }, p.feature));
  }

  private async drawImportance(init: ExplainInitParams): Promise<void> {
    const theme = this.ctx.theme();
    const g = init.global;
    const bars = importanceBars(g.importance, TOP);
    const ticks = positionTicks(bars.labels);
    await this.importance.draw(
      [importanceTrace(bars, theme)],
      chartLayout(theme, rowsHeight(bars.labels.length), {
        xaxis: { title: { text: `mean |contribution| to ${plotlyTitle(g.manifest.outputName)}` }, rangemode: 'tozero' },
        yaxis: { ...ticks, autorange: 'reversed', tickmode: 'array' },
      }),
    );
    const n = g.importance.length;
    this.importance.setSummary(
      `${n} feature${n === 1 ? '' : 's'}, largest first: ${listSome(
        g.importance.map((f) => `${f.feature} ${fmt(f.meanAbs)}`),
        5,
      )}.`,
    );
    this.importance.setTable(
      `Mean absolute contribution of each feature over ${fmt(g.manifest.rows)} rows`,
      ['Feature', 'Mean |contribution|', 'Rank'],
      g.importance.map((f, i) => [f.feature, fmt(f.meanAbs), String(i + 1)]),
    );
  }

  private async drawBeeswarm(init: ExplainInitParams): Promise<void> {
    const theme = this.ctx.theme();
    const g = init.global;
    const labels = g.beeswarm.map((f) => f.feature);
    const ticks = positionTicks(labels);
    const points = g.beeswarm.reduce((n, f) => n + f.x.length, 0);
    await this.beeswarm.draw(
      beeswarmTraces(g, theme),
      chartLayout(theme, rowsHeight(labels.length, 200) + 20, {
        xaxis: { title: { text: `contribution to ${plotlyTitle(g.manifest.outputName)}` }, zeroline: true },
        yaxis: { ...ticks, tickmode: 'array', autorange: 'reversed', range: undefined },
        hovermode: 'closest',
        margin: { l: 8, r: 8, t: 8, b: 40 },
      }),
    );
    setText(
      this.beeswarm.note,
      g.otherFeatures > 0 ? `The top ${labels.length} features are shown; ${g.otherFeatures} more are in the table of the first chart.` : '',
    );
    this.beeswarm.setSummary(
      `${fmt(points)} points standing for ${fmt(g.manifest.rows)} rows × ${labels.length} features; red is a high feature value, blue a low one. ` +
        `Right of zero raises the prediction, left lowers it.`,
    );
    this.beeswarm.setTable(
      'Spread of each feature’s contributions',
      ['Feature', 'Lowest', 'Median', 'Highest', 'High values push'],
      g.beeswarm.map((f) => {
        const s = spread(f.x, f.count);
        return [f.feature, fmt(s.min), fmt(s.median), fmt(s.max), highValuesPush(f.x, f.color)];
      }),
    );
  }

  private async loadDependence(feature: string): Promise<void> {
    if (!feature) return;
    const id = ++this.depRequest;
    const view = await new Promise<DependenceView | null>((resolve) => this.ctx.ipc.request(ExplainDependence, { feature }, (r) => resolve(r.view)));
    if (id !== this.depRequest) return;
    this.depView = view;
    const theme = this.ctx.theme();
    if (!view) {
      setText(this.dependence.note, `No dependence data for ${feature}.`);
      return;
    }
    setText(this.dependence.note, view.sampled < this.ctx.init().global.manifest.rows ? `${fmt(view.sampled)} rows sampled.` : '');
    const xaxis: Record<string, unknown> = { title: { text: plotlyTitle(view.feature) } };
    if (view.categories) Object.assign(xaxis, positionTicks(view.categories), { tickmode: 'array' });
    await this.dependence.draw(
      [dependenceTrace(view, theme)],
      chartLayout(theme, 340, { xaxis, yaxis: { title: { text: 'contribution' }, zeroline: true }, hovermode: 'closest', margin: { l: 8, r: 8, t: 8, b: 48 } }),
    );
    this.dependence.setSummary(
      `${view.feature}: ${fmt(view.x.length)} rows${view.colorFeature ? `, coloured by ${view.colorFeature}, the feature it interacts with most` : ''}.`,
    );
    const rows = Math.min(view.x.length, 200);
    this.dependence.setTable(
      `The first ${rows} of ${fmt(view.x.length)} rows`,
      [view.feature, 'Contribution', ...(view.colorFeature ? [view.colorFeature] : [])],
      Array.from({ length: rows }, (_, i) => [
        valueText(view.x[i], view.categories),
        fmt(view.y[i]),
        ...(view.colorFeature && view.color ? [valueText(view.color[i], view.colorCategories)] : []),
      ]),
    );
    this.ctx.emit('dependence-drawn', { feature });
  }

  private async drawPermutation(init: ExplainInitParams): Promise<void> {
    const theme = this.ctx.theme();
    const m = init.global.manifest;
    const p = m.permutationImportance!;
    const { trace, order } = permutationTrace(m.features, p.mean, p.std, theme);
    const labels = order.map((i) => m.features[i]);
    await this.permutation.draw(
      [trace],
      chartLayout(theme, rowsHeight(labels.length), {
        xaxis: { title: { text: `drop in ${plotlyTitle(p.scoring)}` } },
        yaxis: { ...positionTicks(labels), tickmode: 'array', autorange: 'reversed' },
      }),
    );
    this.permutation.setSummary(`${p.nRepeats} shuffles per feature (${p.scoring}); error bars are one standard deviation.`);
    this.permutation.setTable(
      'Permutation importance',
      ['Feature', 'Mean drop', 'Std'],
      order.map((i) => [m.features[i], fmt(p.mean[i]), fmt(p.std[i])]),
    );
  }

  private async loadPdp(feature: string): Promise<void> {
    if (!feature) return;
    const id = ++this.pdpRequest;
    const pdp = await new Promise<PdpData | null>((resolve) => this.ctx.ipc.request(ExplainPdp, { feature }, (r) => resolve(r.pdp)));
    if (id !== this.pdpRequest || !pdp) return;
    const theme = this.ctx.theme();
    const xaxis: Record<string, unknown> = { title: { text: plotlyTitle(pdp.feature) } };
    if (pdp.categories)
      Object.assign(xaxis, { tickvals: pdp.grid, ticktext: pdp.grid.map((v) => plotlyTitle(valueText(v, pdp.categories))), tickmode: 'array' });
    await this.pdp.draw(
      pdpTraces(pdp, theme),
      chartLayout(theme, 320, {
        xaxis,
        yaxis: { title: { text: plotlyTitle(this.ctx.init().global.manifest.outputName) } },
        showlegend: true,
        legend: { orientation: 'h', y: 1.08 },
        margin: { l: 8, r: 8, t: 28, b: 48 },
      }),
    );
    this.pdp.setSummary(`${pdp.feature}: the average prediction over the grid, with ${pdp.ice.length} individual rows’ curves.`);
    this.pdp.setTable(
      `Partial dependence of ${pdp.feature}`,
      [pdp.feature, 'Average prediction'],
      pdp.grid.map((v, i) => [valueText(v, pdp.categories), fmt(pdp.average[i])]),
    );
    this.ctx.emit('pdp-drawn', { feature });
  }
}

function plotlyTitle(s: string): string {
  return plotlyText(shorten(s, 60));
}

/** Weighted min, median and max of the reduced points. */
function spread(x: Float32Array, count: Uint32Array): { min: number; median: number; max: number } {
  const idx = Array.from(x, (_, i) => i).sort((a, b) => x[a] - x[b]);
  let total = 0;
  for (const c of count) total += c;
  let acc = 0;
  let median = NaN;
  for (const i of idx) {
    acc += count[i];
    if (acc >= total / 2) {
      median = x[i];
      break;
    }
  }
  return { min: idx.length ? x[idx[0]] : NaN, median, max: idx.length ? x[idx[idx.length - 1]] : NaN };
}

/** In words: do high values of the feature raise or lower the prediction (the sign of the correlation)? */
function highValuesPush(x: Float32Array, color: Float32Array): string {
  let n = 0;
  let sx = 0;
  let sc = 0;
  let sxc = 0;
  let sxx = 0;
  let scc = 0;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(color[i])) continue;
    n++;
    sx += x[i];
    sc += color[i];
    sxc += x[i] * color[i];
    sxx += x[i] * x[i];
    scc += color[i] * color[i];
  }
  if (n < 3) return '—';
  const cov = sxc / n - (sx / n) * (sc / n);
  const r = cov / Math.sqrt(Math.max(1e-300, (sxx / n - (sx / n) ** 2) * (scc / n - (sc / n) ** 2)));
  if (!Number.isFinite(r) || Math.abs(r) < 0.2) return 'mixed';
  return r > 0 ? 'up' : 'down';
}

/** Resolves after the next frame was presented (two animation frames). */
function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
}
