/**
 * The What-if tab: the shown row's inputs as a form (numbers within the observed range as a hint, a list
 * for categories). "Predict" asks the host to score the edited row with the run's own model (a scorer
 * process started on first use); the new prediction, its change and its waterfall are shown. The
 * counterfactual search asks for the smallest change to at most two inputs that moves the prediction
 * past a target. In an untrusted workspace, or without a saved model, the form is disabled and says why.
 */
import { clear, el, setText } from '../shared/dom';
import { fmt } from '../shared/format';
import type { Ctx } from './context';
import {
  ExplainCounterfactual,
  ExplainManageTrust,
  ExplainPredict,
  type CounterfactualResult,
  type RowView,
  type ScorerState,
  type WhatIfResult,
  type WhatIfRow,
} from './protocol';
import { logistic, signed } from './traces';
import { predictionText, Waterfall, type Explained } from './waterfall';

export class WhatIfTab {
  private readonly waterfall: Waterfall;
  private readonly disabledNote = el('div', { class: 'whatif-disabled', role: 'note' });
  private readonly form = el('form', { class: 'whatif-form', 'aria-label': 'Inputs of the row' });
  private readonly fields = el('div', { class: 'whatif-fields' });
  private readonly predictButton = el('button', { type: 'submit', class: 'predict' }, 'Predict');
  private readonly resetButton = el('button', { type: 'button', class: 'secondary reset-row' }, 'Reset to the row');
  private readonly scorerStatus = el('p', { class: 'scorer-status', role: 'status' });
  private readonly errorBox = el('p', { class: 'whatif-error', role: 'alert' });
  private readonly result = el('p', { class: 'whatif-result', role: 'status' });
  private readonly targetInput = el('input', { type: 'number', step: 'any', id: 'cf-target', class: 'cf-target' });
  private readonly maxSelect = el('select', { id: 'cf-max', class: 'cf-max' });
  private readonly cfButton = el('button', { type: 'button', class: 'find-counterfactual' }, 'Find the smallest change');
  private readonly cfResult = el('div', { class: 'cf-result', role: 'status' });
  private inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  private row: RowView | null = null;
  private last: WhatIfResult | null = null;
  /** The edited row's waterfall as last drawn, so a theme change can draw it again in the new colours. */
  private drawn: Explained | null = null;
  private stale = false;
  private dirty = true;
  private busy = false;
  private request = 0;

  constructor(
    root: HTMLElement,
    private readonly ctx: Ctx,
  ) {
    this.waterfall = new Waterfall(ctx, 'whatif-waterfall', 'The edited row: from the average prediction to the new prediction');
    this.waterfall.chart.card.hidden = true;
    for (const n of ['1', '2']) this.maxSelect.append(el('option', { value: n }, n));
    this.maxSelect.value = '2';
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.predict();
    });
    this.resetButton.addEventListener('click', () => {
      if (this.row) this.fill(this.row);
    });
    this.cfButton.addEventListener('click', () => void this.counterfactual());
    this.form.append(this.fields, el('div', { class: 'toolbar' }, this.predictButton, this.resetButton));
    root.append(
      el('h2', {}, 'What if the inputs were different?'),
      this.disabledNote,
      this.form,
      this.scorerStatus,
      this.errorBox,
      this.result,
      this.waterfall.chart.card,
      this.waterfall.errors.card,
      el('h2', {}, 'What would change the outcome?'),
      el(
        'div',
        { class: 'toolbar' },
        el('label', { for: 'cf-target', class: 'field-label' }, 'Target prediction'),
        this.targetInput,
        el('label', { for: 'cf-max', class: 'field-label' }, 'Change at most (features)'),
        this.maxSelect,
        this.cfButton,
      ),
      this.cfResult,
    );
    this.errorBox.hidden = true;
  }

  /** A new init: whether what-if can run here. */
  reset(): void {
    const { whatIf } = this.ctx.init();
    clear(this.disabledNote);
    this.disabledNote.hidden = whatIf.enabled;
    if (!whatIf.enabled) {
      this.disabledNote.append(el('p', {}, whatIf.reason ?? 'What-if is not available for this explanation.'));
      if (whatIf.needsTrust) {
        const trust = el('button', { type: 'button', class: 'manage-trust' }, 'Manage Workspace Trust');
        trust.addEventListener('click', () => this.ctx.ipc.notify(ExplainManageTrust, {}));
        this.disabledNote.append(trust);
      }
    }
    this.dirty = true;
  }

  set(row: RowView, visible: boolean): void {
    this.row = row;
    this.dirty = true;
    if (visible) this.draw();
  }

  /** The theme changed: the waterfall's colours come from it, so it is drawn again (now, or when shown). */
  retheme(visible: boolean): void {
    this.stale = this.drawn !== null;
    if (visible) this.draw();
  }

  draw(): void {
    if (this.stale && this.drawn && !this.waterfall.chart.card.hidden) {
      this.stale = false;
      void this.waterfall.draw(this.drawn, 'Contributions for the edited row');
    }
    if (!this.row || !this.dirty) return;
    this.dirty = false;
    this.fill(this.row);
    const enabled = this.ctx.init().whatIf.enabled;
    for (const c of [...this.inputs.values(), this.predictButton, this.resetButton, this.targetInput, this.maxSelect, this.cfButton]) c.disabled = !enabled;
    this.ctx.emit('whatif-form', { fields: this.inputs.size });
  }

  /** The form with the row's inputs. */
  private fill(row: RowView): void {
    const m = this.ctx.init().global.manifest;
    clear(this.fields);
    this.inputs.clear();
    this.last = null;
    this.drawn = null;
    this.waterfall.chart.card.hidden = true;
    this.waterfall.errors.card.hidden = true;
    setText(this.result, `Row ${row.index} as explained: ${predictionText(m, row.output)}.`);
    clear(this.cfResult);
    row.inputs.forEach((inp, i) => {
      const id = `whatif-${i}`;
      const hintId = `whatif-hint-${i}`;
      const kind = m.featureKinds[m.features.indexOf(inp.feature)] ?? 'numeric';
      let control: HTMLInputElement | HTMLSelectElement;
      let hint = '';
      if (kind === 'categorical') {
        const sel = el('select', { id, 'data-feature-index': String(i) });
        const cats = m.categories[inp.feature] ?? [];
        for (const c of cats) sel.append(el('option', { value: c }, c));
        if (typeof inp.value === 'string' && !cats.includes(inp.value)) sel.append(el('option', { value: inp.value }, inp.value));
        sel.value = inp.value === null ? '' : String(inp.value);
        control = sel;
        hint = `${cats.length} categor${cats.length === 1 ? 'y' : 'ies'}`;
      } else {
        const range = m.featureRanges[inp.feature];
        const input = el('input', { id, type: 'number', step: 'any', 'data-feature-index': String(i) });
        input.value = typeof inp.value === 'number' && Number.isFinite(inp.value) ? String(inp.value) : '';
        if (range) hint = `observed ${fmt(range[0])} to ${fmt(range[1])}`;
        control = input;
      }
      control.setAttribute('aria-describedby', hintId);
      this.inputs.set(inp.feature, control);
      this.fields.append(
        el('div', { class: 'whatif-field' }, el('label', { for: id }, inp.feature), control, el('span', { id: hintId, class: 'hint' }, hint || ' ')),
      );
    });
  }

  /** The form's values: numbers (empty → null, meaning unknown), category texts. */
  private values(): WhatIfRow {
    const out: WhatIfRow = {};
    for (const [feature, c] of this.inputs) {
      if (c instanceof HTMLSelectElement) out[feature] = c.value;
      else out[feature] = c.value.trim() === '' || !Number.isFinite(c.valueAsNumber) ? null : c.valueAsNumber;
    }
    return out;
  }

  /** The host says how the model process is doing. */
  scorer(state: ScorerState, message: string | null): void {
    const text: Record<ScorerState, string> = {
      starting: 'Starting the model… (the first prediction loads it; later ones are quick)',
      ready: 'The model is loaded.',
      stopped: '',
      failed: `The model could not be started: ${message ?? 'unknown error'}`,
    };
    setText(this.scorerStatus, text[state]);
    this.scorerStatus.classList.toggle('busy', state === 'starting');
  }

  private showError(message: string | null): void {
    this.errorBox.hidden = !message;
    setText(this.errorBox, message ?? '');
  }

  private async predict(): Promise<void> {
    if (!this.row || this.busy || !this.ctx.init().whatIf.enabled) return;
    const row = this.row;
    const id = ++this.request;
    this.busy = true;
    this.predictButton.setAttribute('aria-busy', 'true');
    this.showError(null);
    setText(this.result, 'Predicting…');
    const r = await new Promise<{ result: WhatIfResult | null; error: string | null }>((resolve) =>
      this.ctx.ipc.request(ExplainPredict, { index: row.index, row: this.values() }, resolve),
    );
    this.busy = false;
    this.predictButton.removeAttribute('aria-busy');
    if (id !== this.request || row !== this.row) return;
    if (r.error || !r.result) {
      setText(this.result, '');
      this.showError(r.error ?? 'The model gave no answer.');
      this.ctx.emit('whatif-error', { error: r.error });
      return;
    }
    const res = r.result;
    this.last = res;
    const m = this.ctx.init().global.manifest;
    const before = m.link === 'logit' ? logistic(row.output) : row.prediction;
    const after = res.prediction;
    const change = after - before;
    const unit = m.link === 'logit' ? ` (${(before * 100).toFixed(1)}% → ${(after * 100).toFixed(1)}%)` : '';
    setText(this.result, `New prediction: ${predictionText(m, res.output)}. Change from row ${row.index}: ${signed(change)}${unit}.`);
    const contributions = m.features.map((feature, j) => ({ feature, value: res.values[j] ?? 0, stderr: null, input: this.values()[feature] ?? null }));
    this.waterfall.chart.card.hidden = false;
    this.drawn = { base: res.base, output: res.output, contributions };
    this.stale = false;
    await this.waterfall.draw(this.drawn, 'Contributions for the edited row');
    this.ctx.emit('whatif-drawn', { prediction: res.prediction, change });
  }

  private async counterfactual(): Promise<void> {
    if (!this.row || !this.ctx.init().whatIf.enabled) return;
    const target = this.targetInput.valueAsNumber;
    if (!Number.isFinite(target)) {
      this.showError('Type the prediction you want to reach as a number (for a probability, between 0 and 1).');
      return;
    }
    this.showError(null);
    clear(this.cfResult);
    this.cfResult.append(el('p', {}, 'Searching…'));
    const row = this.row;
    const maxFeatures = Number(this.maxSelect.value) === 1 ? 1 : 2;
    const r = await new Promise<{ result: CounterfactualResult | null; error: string | null }>((resolve) =>
      this.ctx.ipc.request(ExplainCounterfactual, { index: row.index, row: this.values(), target, maxFeatures }, resolve),
    );
    clear(this.cfResult);
    if (r.error || !r.result) {
      this.showError(r.error ?? 'The search gave no answer.');
      return;
    }
    const cf = r.result;
    if (!cf.found) {
      this.cfResult.append(
        el(
          'p',
          {},
          `No change to at most ${maxFeatures} feature${maxFeatures === 1 ? '' : 's'} within the observed ranges reaches ${fmt(target)}. ${cf.reason ?? ''}`,
        ),
      );
    } else {
      const words = cf.changes.map((c) => `${c.feature} from ${show(c.from)} to ${show(c.to)}`);
      this.cfResult.append(el('p', {}, `Changing ${words.join(' and ')} gives ${fmt(cf.prediction)} (target ${fmt(target)}).`));
      const table = el('table', { class: 'data-table' });
      table.append(
        el('caption', {}, 'The smallest change found'),
        el('thead', {}, el('tr', {}, ...['Feature', 'From', 'To'].map((c) => el('th', { scope: 'col' }, c)))),
        el('tbody', {}, ...cf.changes.map((c) => el('tr', {}, el('th', { scope: 'row' }, c.feature), el('td', {}, show(c.from)), el('td', {}, show(c.to))))),
      );
      this.cfResult.append(table);
    }
    this.ctx.emit('counterfactual-drawn', { found: cf.found });
  }

  /** The what-if result shown now (for tests and the report). */
  get lastResult(): WhatIfResult | null {
    return this.last;
  }
}

function show(v: number | string | null): string {
  return v === null ? 'unknown' : typeof v === 'number' ? fmt(v) : v;
}
