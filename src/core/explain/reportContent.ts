/**
 * What the prediction report says, as a small document (headings, paragraphs, lists, tables, one chart) that
 * report.ts renders to Markdown and to HTML: both outputs say the same words and escape at one place.
 *
 * Amounts (regression, link "identity") are given in the prediction's own units, rounded to four significant
 * digits of the prediction and apportioned so the figures in the sentences add up exactly to the prediction.
 *
 * Chances (binary, link "logit") are described by direction, strength and share, not in percentage points:
 * the contributions add up in log-odds, and a probability is not additive (the same push moves 50% to 73%
 * but 95% only to 98%), so any per-input "points of chance" figure would depend on the order the inputs are
 * added in and would not sum to the change a person sees. The starting chance and the final chance are exact;
 * the share (an input's |log-odds| over the total) and the strength word do not depend on any order. The
 * log-odds themselves are named only in the technical details.
 */
import type { ExplanationManifest, RowView, TrustNote } from './types';
import { formatDuration, formatNumber } from '../util/format';
import {
  amountStep,
  apportion,
  article,
  cleanText,
  dateWords,
  featureWords,
  formatAmount,
  fractions,
  joinWords,
  percentWords,
  rowWords,
  sigmoid,
  strengthWord,
  valueWords,
} from './reportWords';

export interface ReportInput {
  manifest: ExplanationManifest;
  row: RowView;
  trust: TrustNote;
  run: {
    id: string;
    name: string | null;
    experiment: string | null;
    startedAt: number | null /* ms */;
    finishedAt: number | null;
    gitCommit: string | null;
    gitDirty: boolean | null;
    script: string | null;
    datasets: Array<{ path: string; role: string; sha256: string | null; rows: number | null }>;
  };
  counterfactual?: {
    target: number;
    changes: Array<{ feature: string; from: number | string; to: number | string }>;
    prediction: number;
    /** Why nothing was found (the scorer's `reason`), when `changes` is empty. */
    reason?: string | null;
    /** The most inputs the search could change (the scorer's `max_features`, 2 by default). */
    maxFeatures?: number;
  } | null;
  generatedAt?: number; // ms; tests pass a fixed value
  /** What one row is, for "an average house"; "case" when not given. */
  subject?: string;
  /** Contributions named one by one; the rest are grouped (5 when not given). */
  top?: number;
}

export type Span = string | { strong: string } | { code: string };
export interface ChartBar {
  label: string;
  value: number;
  text: string;
}
export type Block =
  | { kind: 'h1' | 'h2'; text: string }
  | { kind: 'p'; text: Span[]; tone?: 'warning' | 'muted' }
  | { kind: 'ul'; items: Span[][] }
  | { kind: 'table'; head: string[]; rows: Span[][][]; numeric?: boolean[] }
  | { kind: 'chart'; title: string; bars: ChartBar[] };

interface Words {
  m: ExplanationManifest;
  row: RowView;
  binary: boolean;
  subject: string;
  output: string;
  outputUnit: string | undefined;
  /** "a 73.2% chance of approval" / "a price of 312,400". */
  outcome: (prediction: number) => string;
  /** "the chance of approval" / "the predicted price". */
  measure: string;
  /** The measure in the title, with the positive class when it has no name of its own. */
  headline: string;
  step: number;
  decimals: number;
  /** “approved”, or "a positive outcome (class 1)": what the chance is the chance of. */
  event: string;
  /** "“approved”" / "not “approved”", or "positive (class 1)" / "negative (not class 1)": the recorded class. */
  actualOutcome: (positive: boolean) => string;
  /** What the contributions do not show the causes of: "a price", "the outcome". */
  realWorld: string;
}

const METHOD_NAMES: Record<string, string> = {
  tree_path_dependent: 'TreeSHAP, path-dependent: exact Shapley values for the trees',
  linear_interventional: 'exact interventional Shapley values of a linear model',
  kernel: 'Kernel SHAP: Shapley values estimated from sampled combinations of inputs',
  external: 'values computed outside Lineage and logged with the run',
};

export function buildReport(input: ReportInput): Block[] {
  const w = words(input);
  return [
    { kind: 'h1', text: `Explaining one prediction: ${w.headline} for ${rowWords(input.row.index, input.row.rowId)}` },
    ...summary(w),
    ...contributions(w, input.top ?? 5),
    ...inputsTable(w),
    ...counterfactual(w, input.counterfactual ?? null),
    ...trust(w, input.trust),
    ...lineage(input.run),
    ...technical(w, input),
  ];
}

/**
 * The SDK calls the output "prediction" when y has no name (any numpy y): that name says nothing, and used as a
 * noun it would read "the predicted prediction" or a chance of “prediction”.
 */
function isDefaultOutputName(name: string | null | undefined): boolean {
  const n = (name ?? '').trim().toLowerCase();
  return n === '' || n === 'prediction';
}

function words(input: ReportInput): Words {
  const m = input.manifest;
  const row = input.row;
  const binary = m.task === 'binary' && m.link === 'logit';
  const unnamed = isDefaultOutputName(m.outputName);
  const output = unnamed ? 'value' : featureWords(m.outputName, undefined);
  const outputUnit = m.units[m.outputName] ? cleanText(m.units[m.outputName]) : undefined;
  const { step, decimals } = amountStep(
    [row.prediction, row.base],
    row.contributions.map((c) => c.value),
  );
  // The outcome in quotes reads for any naming: a chance of “approved”, of “default”, of “churn”. A class
  // that is a number (1, true) says nothing, so the target's name stands for it; without a name either, the
  // class is described as what it is: the positive outcome.
  const pos = m.positiveClass;
  const plainPositive = pos === null || typeof pos === 'number' || /^(\d+|true|yes)$/i.test(String(pos).trim());
  const positiveClass = pos === null ? '' : typeof pos === 'number' ? `class ${formatNumber(pos)}` : `class “${cleanText(pos)}”`;
  const generic = plainPositive && unnamed;
  const event = generic ? 'a positive outcome' : `“${plainPositive ? output : cleanText(pos)}”`;
  // The class is named once, in the headline and the first sentence; the list's sentences stay short.
  const eventInFull = generic && positiveClass ? `${event} (${positiveClass})` : event;
  return {
    m,
    row,
    binary,
    subject: cleanText(input.subject ?? '') || 'case',
    output,
    outputUnit,
    outcome: binary
      ? (p) => `${article(percentWords(p))} ${percentWords(p)} chance of ${eventInFull}`
      : (v) => `${article(output)} ${output} of ${plainAmount({ step, decimals, outputUnit } as Words, v)}`,
    measure: binary ? `the estimated chance of ${event}` : `the predicted ${output}`,
    headline: binary ? `the estimated chance of ${eventInFull}` : `the predicted ${output}`,
    step,
    decimals,
    event,
    actualOutcome: (yes) =>
      generic
        ? yes
          ? `positive${positiveClass ? ` (${positiveClass})` : ''}`
          : `negative${positiveClass ? ` (not ${positiveClass})` : ''}`
        : `${yes ? '' : 'not '}${event}`,
    realWorld: binary || unnamed ? 'the outcome' : `${article(output)} ${output}`,
  };
}

function amountText(w: Words, units: number): string {
  const text = formatAmount(Math.abs(units), w.step, w.decimals);
  return w.outputUnit ? `${text} ${w.outputUnit}` : text;
}

/** A value in the prediction's units, with its sign, rounded like every amount in the sentences. */
function plainAmount(w: Words, v: number): string {
  const text = formatAmount(Math.round(v / w.step), w.step, w.decimals);
  return w.outputUnit ? `${text} ${w.outputUnit}` : text;
}

/** "floor area" + " of 180 m²", or "location" + ": center". */
function inputPhrase(w: Words, feature: string, value: number | string | null): [string, string] {
  const unit = w.m.units[feature];
  const name = featureWords(feature, unit);
  const kind = w.m.featureKinds[w.m.features.indexOf(feature)];
  const shown = valueWords(value, unit, w.m.categories[feature]);
  return kind === 'categorical' || typeof value === 'string' ? [name, `: ${shown}`] : [name, ` of ${shown}`];
}

function summary(w: Words): Block[] {
  const { row } = w;
  const first: Span[] = [
    `The model ${w.binary ? 'estimated' : 'predicted'} `,
    { strong: w.outcome(row.prediction) },
    row.index === row.rowId
      ? ` for this ${w.subject} (row ${formatNumber(row.rowId)} of the data the explanation was made from).`
      : ` for this ${w.subject}, ${rowWords(row.index, row.rowId)}.`,
  ];
  if (row.target !== null && Number.isFinite(row.target)) {
    if (!w.binary) first.push(` The actual ${w.output} recorded in the data is ${plainAmount(w, row.target)}.`);
    else if (row.target === 1 || row.target === 0)
      first.push(` In the data, the actual outcome for this ${w.subject} was ${w.actualOutcome(row.target === 1)}.`);
  }
  return [{ kind: 'p', text: first }];
}

interface Item {
  name: string;
  phrase: string;
  value: number;
  feature: string | null;
  count: number;
}

function contributions(w: Words, top: number): Block[] {
  const sorted = [...w.row.contributions].sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || 0);
  if (sorted.length === 0)
    return [
      { kind: 'h2', text: 'What made the difference' },
      { kind: 'p', text: ['No input contributions were recorded for this row.'] },
    ];
  const k = Math.max(1, Math.min(top, sorted.length));
  // A single leftover input is named rather than grouped as "1 other input".
  const shown = sorted.length === k + 1 ? sorted : sorted.slice(0, k);
  const rest = sorted.slice(shown.length);
  const items: Item[] = shown.map((c) => {
    const [name, phrase] = inputPhrase(w, c.feature, c.input);
    return { name, phrase, value: c.value, feature: c.feature, count: 1 };
  });
  if (rest.length > 0) {
    const name = `${rest.length} other input${rest.length === 1 ? '' : 's'}`;
    items.push({ name, phrase: ' together', value: rest.reduce((s, c) => s + c.value, 0), feature: null, count: rest.length });
  }
  return w.binary ? chanceItems(w, items, rest) : amountItems(w, items);
}

function amountItems(w: Words, items: Item[]): Block[] {
  const { row, step } = w;
  const parts = items.map((i) => i.value);
  // What the method left unattributed (approximate methods): shown as its own line so the figures still add up.
  const remainder = row.prediction - row.base - parts.reduce((a, b) => a + b, 0);
  const withRemainder = Math.abs(remainder) >= step / 2 ? [...parts, remainder] : parts;
  const total = Math.round(row.prediction / step) - Math.round(row.base / step);
  const units = apportion(
    withRemainder.map((v) => v / step),
    total,
  );
  const verb = (u: number, many: boolean) =>
    u > 0
      ? `raised ${w.measure} by ${amountText(w, u)}`
      : u < 0
        ? `lowered ${w.measure} by ${amountText(w, u)}`
        : `made almost no difference${many ? ' on balance' : ''} (less than ${amountText(w, 1)})`;
  const list: Span[][] = items.map((it, i) => [{ strong: it.name }, `${it.phrase} ${verb(units[i], it.count > 1)}.`]);
  if (withRemainder.length > parts.length) {
    const u = units[units.length - 1];
    list.push([`A remainder of ${u < 0 ? '−' : '+'}${amountText(w, u)} is not attributed to any input (the method is approximate; see “How sure we are”).`]);
  }
  const signed = (u: number) => `${u < 0 ? '−' : '+'}${amountText(w, u)}`;
  return [
    { kind: 'h2', text: 'What made the difference' },
    {
      kind: 'p',
      text: [
        `Compared with an average ${w.subject}, whose predicted ${w.output} is ${plainAmount(w, row.base)}, this ${w.subject}'s inputs moved the prediction by ${signed(total)}:`,
      ],
    },
    { kind: 'ul', items: list },
    {
      kind: 'p',
      tone: 'muted',
      text: [
        `Starting from ${plainAmount(w, row.base)} and adding these amounts gives the prediction, ${plainAmount(w, row.prediction)}. Amounts are rounded to the nearest ${amountText(w, 1)} so that they add up.`,
      ],
    },
    {
      kind: 'chart',
      title: `How each input moved ${w.measure}`,
      bars: items.map((it, i) => ({ label: `${it.name}${it.phrase}`, value: it.value, text: signed(units[i]) })),
    },
  ];
}

function chanceItems(w: Words, items: Item[], rest: Array<{ value: number }>): Block[] {
  const { row } = w;
  // Shares of everything that moved the estimate, in either direction; the grouped inputs count by their own sizes.
  const sizes = items.map((it) => (it.feature === null ? rest.reduce((s, c) => s + Math.abs(c.value), 0) : Math.abs(it.value)));
  const parts = fractions(sizes);
  const shares = parts.every((f) => Number.isFinite(f))
    ? apportion(
        parts.map((f) => 100 * f),
        100,
      )
    : sizes.map(() => 0);
  const verb = (v: number) => (v > 0 ? `${strengthWord(v)} raised` : v < 0 ? `${strengthWord(v)} lowered` : 'did not change');
  const list: Span[][] = items.map((it, i) => [
    { strong: it.name },
    // A real push rounded to 0 % reads as none at all: say it was under 1 %.
    `${it.phrase} ${verb(it.value)} ${w.measure}${it.count > 1 ? ' on balance' : ''} (${shares[i] === 0 && sizes[i] > 0 ? 'less than 1' : shares[i]}% of the total influence).`,
  ]);
  const start = sigmoid(row.base);
  return [
    { kind: 'h2', text: 'What made the difference' },
    {
      kind: 'p',
      text: [`For an average ${w.subject} the estimate is ${percentWords(start)}. This ${w.subject}'s inputs moved it to ${percentWords(row.prediction)}:`],
    },
    { kind: 'ul', items: list },
    {
      kind: 'p',
      tone: 'muted',
      text: [
        'A share is how much of everything that moved the estimate, up or down, came from that input. Chances do not add up like amounts (the same push moves 50% much further than 95%), so no input is given a percentage-point figure of its own; the exact values are in the technical details.',
      ],
    },
    {
      kind: 'chart',
      title: `How strongly each input moved ${w.measure}`,
      bars: items.map((it, i) => ({ label: `${it.name}${it.phrase}`, value: it.value, text: `${it.value >= 0 ? 'raised' : 'lowered'} · ${shares[i]}%` })),
    },
  ];
}

function inputsTable(w: Words): Block[] {
  const rows: Span[][][] = w.row.inputs.map((i) => {
    const unit = w.m.units[i.feature];
    return [[featureWords(i.feature, unit)], [valueWords(i.value, unit, w.m.categories[i.feature])]];
  });
  return [
    { kind: 'h2', text: 'What the model was given' },
    { kind: 'table', head: ['Input', 'Value'], rows, numeric: [false, true] },
  ];
}

function changeWords(w: Words, c: { feature: string; from: number | string; to: number | string }): string {
  const [name, to] = inputPhrase(w, c.feature, c.to);
  const [, from] = inputPhrase(w, c.feature, c.from);
  return `${name}${to} instead of${from.replace(/^(: | of )/, ' ')}`;
}

function counterfactual(w: Words, cf: ReportInput['counterfactual']): Block[] {
  const head: Block = { kind: 'h2', text: 'What would have changed the outcome' };
  if (!cf) {
    return [
      head,
      {
        kind: 'p',
        text: [
          'This was not worked out for this report. In Lineage’s Explain panel, the what-if section searches for the smallest change to one or two inputs that would move the prediction past a target you choose; export the report from there to include the answer here.',
        ],
      },
    ];
  }
  const up = cf.target >= w.row.prediction;
  const goal = `${w.measure} to ${w.binary ? percentWords(cf.target) : plainAmount(w, cf.target)} or ${up ? 'more' : 'less'}`;
  const max = cf.maxFeatures ?? 2;
  const scope = `changing at most ${max === 1 ? 'one input' : max === 2 ? 'two inputs' : `${formatNumber(max)} inputs`}, each within the values seen in the training data, and leaving everything else as it was`;
  if (cf.changes.length === 0) {
    const reason = cf.reason ? ` (${cleanText(cf.reason)})` : '';
    return [head, { kind: 'p', text: [`No change was found that brings ${goal}, ${scope}${reason}.`] }];
  }
  const now = w.binary ? percentWords(cf.prediction) : plainAmount(w, cf.prediction);
  return [
    head,
    {
      kind: 'p',
      text: [
        `The smallest change found that brings ${goal}: `,
        { strong: joinWords(cf.changes.map((c) => changeWords(w, c))) },
        `. With ${cf.changes.length === 1 ? 'that change' : 'those changes'} the model ${w.binary ? 'estimates' : 'predicts'} ${now}.`,
      ],
    },
    { kind: 'p', tone: 'muted', text: [`The search worked by ${scope}.`] },
  ];
}

/** In plain words; the engine's own note (method, largest gap) goes to the technical details. */
function trust(w: Words, note: TrustNote): Block[] {
  const head: Block = { kind: 'h2', text: 'How sure we are' };
  const caveat = `The contributions describe how this model reacts to these inputs; they do not show what causes ${w.realWorld} in the real world.`;
  if (note.level === 'failed') {
    return [
      head,
      {
        kind: 'p',
        tone: 'warning',
        text: [
          { strong: 'Warning:' },
          ' the contributions do not add up to the prediction, so they may be wrong. Treat this explanation with caution and ask whoever trained the model to re-create it.',
        ],
      },
    ];
  }
  const main =
    note.level === 'exact'
      ? 'The contributions are exact for this model: starting from the average and adding them gives the prediction.'
      : 'The contributions are estimates: the method tries many combinations of inputs and averages the results, so a small contribution may be noise. The technical details give each estimate’s margin of error.';
  return [head, { kind: 'p', text: [main, ' ', caveat] }, { kind: 'p', tone: 'muted', text: ['The technical details at the end say how this was checked.'] }];
}

function lineage(run: ReportInput['run']): Block[] {
  const items: Span[][] = [];
  const name = run.name ? cleanText(run.name) : null;
  const exp = run.experiment ? [', experiment ', { strong: cleanText(run.experiment) }] : [];
  items.push([`Trained in the run `, { strong: name ?? 'without a name' }, ` (id ${cleanText(run.id)})`, ...exp, '.']);
  const started = dateWords(run.startedAt);
  const finished = dateWords(run.finishedAt);
  if (started || finished) {
    const took = run.startedAt !== null && run.finishedAt !== null ? ` (it took ${formatDuration(run.finishedAt - run.startedAt)})` : '';
    items.push([
      `Training ${started ? `started ${started}` : 'start time not recorded'}${finished ? ` and finished ${finished}${took}` : ', finish time not recorded'}.`,
    ]);
  } else items.push(['When the model was trained was not recorded.']);
  if (run.gitCommit) {
    const dirty =
      run.gitDirty === true
        ? ', with uncommitted changes (the code that ran may differ from that commit)'
        : run.gitDirty === false
          ? ', with no uncommitted changes'
          : '';
    items.push(['Code: git commit ', { code: cleanText(run.gitCommit) }, `${dirty}.`]);
  } else items.push(['Code: no git commit was recorded (the code was not in a git repository, or git was not available).']);
  if (run.script) items.push(['Script: ', { code: cleanText(run.script) }, '.']);
  const data: Block[] =
    run.datasets.length === 0
      ? [{ kind: 'p', text: ['No data files were recorded for this run, so the data it learned from cannot be traced.'] }]
      : [
          { kind: 'p', text: ['The data files the run used, with fingerprints that change if a single byte of the file changes:'] },
          {
            kind: 'table',
            head: ['File', 'Used as', 'Rows', 'Fingerprint (SHA-256)'],
            numeric: [false, false, true, false],
            rows: run.datasets.map((d) => [
              [cleanText(d.path)],
              [cleanText(d.role)],
              [d.rows === null ? 'not recorded' : formatNumber(d.rows)],
              d.sha256 ? [{ code: cleanText(d.sha256) }] : ['not recorded'],
            ]),
          },
        ];
  return [{ kind: 'h2', text: 'Where the model came from' }, { kind: 'ul', items }, ...data];
}

function technical(w: Words, input: ReportInput): Block[] {
  const { m, row } = w;
  const items: Span[][] = [];
  const created = dateWords(m.created === null ? null : m.created * 1000);
  const generated = dateWords(input.generatedAt ?? Date.now());
  items.push([`Explanation “${cleanText(m.name)}”${created ? `, made ${created}` : ''}; this report was written ${generated ?? 'now'}.`]);
  items.push([
    `Method: ${METHOD_NAMES[m.method] ?? cleanText(m.method)}${m.exact ? ' (exact)' : ' (approximate)'}.${m.algorithm ? ` Algorithm: ${cleanText(m.algorithm, 600)}.` : ''}`,
  ]);
  if (m.modelType)
    items.push([`Model: ${cleanText(m.modelType)}${m.pipeline.length > 0 ? ` (pipeline: ${m.pipeline.map((t) => cleanText(t)).join(' → ')})` : ''}.`]);
  if (w.binary) {
    items.push([
      `The model’s raw output is the log-odds of ${m.positiveClass === null ? 'the positive class' : `class “${cleanText(m.positiveClass)}”`}; the contributions are in points of log-odds and add up there: base value ${formatNumber(row.base)} + contributions = output ${formatNumber(row.output)}. The chance shown is 1 / (1 + e^(−output)). Each contribution multiplies the odds by e^(contribution).`,
    ]);
  } else {
    items.push([`Base value (the average prediction) ${formatNumber(row.base)}; this row’s model output ${formatNumber(row.output)}.`]);
  }
  items.push([
    `Additivity gap (base + contributions − output) for this row: ${formatNumber(row.gap)}; largest over the explanation’s rows: ${formatNumber(m.additivityError)} (largest output ${formatNumber(m.outputScale)}).`,
  ]);
  items.push([
    `Rows explained: ${formatNumber(m.rows)} of ${formatNumber(m.totalRows)}${m.rows < m.totalRows ? ', sampled' : ''}${m.seed !== null ? ` (seed ${formatNumber(m.seed)})` : ''}.`,
  ]);
  if (m.backgroundRows !== null) items.push([`Background rows: ${formatNumber(m.backgroundRows)}.`]);
  if (m.samplesPerRow !== null) items.push([`Combinations of inputs evaluated per row: ${formatNumber(m.samplesPerRow)}.`]);
  for (const [feature, columns] of Object.entries(m.groupedFrom)) {
    // A column passed through as it is was not grouped: only one-hot (or similar) groups are worth a line.
    if (!Array.isArray(columns) || columns.length < 2) continue;
    const shown = columns.slice(0, 8).map((t) => cleanText(t));
    items.push([
      `${featureWords(feature, m.units[feature])}: the sum of the model’s ${formatNumber(columns.length)} encoded columns (${shown.join(', ')}${columns.length > shown.length ? ', …' : ''}).`,
    ]);
  }
  items.push([`How far to trust it: ${cleanText(input.trust.text, 600)}`]);
  const withErr = row.contributions.some((c) => c.stderr !== null);
  const unitHead = w.binary ? 'Contribution (log-odds)' : `Contribution${w.outputUnit ? ` (${w.outputUnit})` : ''}`;
  const head = ['Input', 'Value', unitHead, ...(withErr ? ['Standard error'] : [])];
  const rows = row.contributions.map((c) => {
    const unit = m.units[c.feature];
    return [
      [cleanText(c.feature)],
      [valueWords(c.input, unit, m.categories[c.feature])],
      [formatNumber(c.value)],
      ...(withErr ? [[c.stderr === null ? '—' : formatNumber(c.stderr)]] : []),
    ] as Span[][];
  });
  return [
    { kind: 'h2', text: 'Technical details' },
    { kind: 'ul', items },
    { kind: 'table', head, rows, numeric: [false, true, true, true] },
  ];
}
