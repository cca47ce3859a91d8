import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { reportHtml, reportMarkdown, type ReportInput } from '../../src/core/explain/report';
import { apportion, cleanText, escapeMarkdown, fractions } from '../../src/core/explain/reportWords';
import type { ExplanationManifest, RowView } from '../../src/core/explain/types';
import { reportInputFor } from '../../src/core/explain/reportRun';
import { LineageWorkspace } from '../../src/core/workspace';
import { makeRunFolder, tmpDir } from '../helpers/tmp';
import { writeExplanation } from '../helpers/explanationFixture';
import * as path from 'node:path';

const GENERATED = Date.UTC(2026, 10, 3, 15, 0, 0);

function manifest(over: Partial<ExplanationManifest>): ExplanationManifest {
  return {
    format: 1,
    name: 'default',
    created: Date.UTC(2026, 10, 3, 14, 7, 30) / 1000,
    method: 'tree_path_dependent',
    exact: true,
    algorithm: 'TreeSHAP (path-dependent), Lundberg et al. 2018; O(T·L·D²) per row',
    modelType: 'GradientBoostingRegressor',
    pipeline: ['ColumnTransformer', 'GradientBoostingRegressor'],
    task: 'regression',
    positiveClass: null,
    link: 'identity',
    outputName: 'price',
    subject: null,
    rows: 480,
    totalRows: 480,
    seed: null,
    features: [],
    featureKinds: [],
    categories: {},
    featureRanges: {},
    units: {},
    groupedFrom: {},
    baseValue: 0,
    additivityError: 2.9e-10,
    outputScale: 612000,
    backgroundRows: null,
    samplesPerRow: null,
    arrays: {},
    rowIds: null,
    permutationImportance: null,
    partialDependence: [],
    model: { file: 'model.pkl', flavor: 'sklearn', input: 'ndarray-object' },
    ...over,
  };
}

/** A row whose output is exactly base + Σ values (plus `gap` left unattributed), like the engine builds. */
function rowView(
  base: number,
  inputs: Array<[string, number | string | null, number]>,
  link: 'identity' | 'logit',
  unattributed = 0,
  target: number | null = null,
): RowView {
  const sum = inputs.reduce((s, [, , v]) => s + v, 0);
  const output = base + sum + unattributed;
  return {
    index: 17,
    rowId: 1017,
    inputs: inputs.map(([feature, value]) => ({ feature, value })),
    base,
    output,
    prediction: link === 'logit' ? 1 / (1 + Math.exp(-output)) : output,
    target,
    contributions: inputs.map(([feature, input, value]) => ({ feature, value, stderr: null, input })).sort((a, b) => Math.abs(b.value) - Math.abs(a.value)),
    gap: base + sum - output,
  };
}

const RUN: ReportInput['run'] = {
  id: '20261103-140512-a1b2',
  name: 'baseline',
  experiment: 'house-prices',
  startedAt: Date.UTC(2026, 10, 3, 14, 5, 12),
  finishedAt: Date.UTC(2026, 10, 3, 14, 7, 40),
  gitCommit: '3f9c2a1d8e7b6a5f4c3d2e1f0a9b8c7d6e5f4a3b',
  gitDirty: true,
  script: 'train.py',
  datasets: [
    { path: 'data/houses.csv', role: 'input', sha256: 'ab'.repeat(32), rows: 2400 },
    { path: 'outputs/model.pkl', role: 'output', sha256: null, rows: null },
  ],
};

const HOUSE_FEATURES: Array<[string, number | string | null, number]> = [
  ['bedrooms', 3, 1500.2],
  ['floor_area_m2', 180, 41234.5],
  ['age_years', 35, -3111.1],
  ['location', 'center', 12345.6],
  ['garden_m2', 40, 220.7],
  ['distance_km', 2.5, -800.3],
  ['has_garage', 1, 95.1],
];

function houseInput(over: Partial<ReportInput> = {}): ReportInput {
  const features = HOUSE_FEATURES.map(([f]) => f);
  return {
    manifest: manifest({
      features,
      featureKinds: features.map((f) => (f === 'location' ? 'categorical' : 'numeric')),
      categories: { location: ['center', 'suburb', 'rural'] },
      units: { floor_area_m2: 'm²', age_years: 'years', garden_m2: 'm²', distance_km: 'km' },
      groupedFrom: { location: ['cat__location_center', 'cat__location_rural', 'cat__location_suburb'] },
      featureRanges: { floor_area_m2: [35, 320] },
      baseValue: 254000,
    }),
    row: rowView(254000, HOUSE_FEATURES, 'identity', 0, 301000),
    trust: { level: 'exact', text: 'Exact: the contributions add up to each prediction (largest gap 2.9e-10).' },
    run: RUN,
    subject: 'house',
    generatedAt: GENERATED,
    ...over,
  };
}

const CREDIT_FEATURES: Array<[string, number | string | null, number]> = [
  ['age', 41, 0.05],
  ['income', 52000, 1.2],
  ['employment', 'employed', 0.25],
  ['home_ownership', 'rent', -0.1],
  ['debt_to_income', 0.42, -0.6],
  ['late_payments_2y', 1, -0.3],
  ['loan_amount', 12000, 0.02],
];

function creditInput(over: Partial<ReportInput> = {}): ReportInput {
  const features = CREDIT_FEATURES.map(([f]) => f);
  return {
    manifest: manifest({
      method: 'linear_interventional',
      algorithm: 'coef · (x − mean); exact for a linear model',
      modelType: 'LogisticRegression',
      pipeline: ['ColumnTransformer', 'LogisticRegression'],
      task: 'binary',
      positiveClass: 1,
      link: 'logit',
      outputName: 'approved',
      features,
      featureKinds: features.map((f) => (f === 'employment' || f === 'home_ownership' ? 'categorical' : 'numeric')),
      categories: { employment: ['employed', 'self_employed', 'retired'], home_ownership: ['own', 'mortgage', 'rent'] },
      units: { income: 'EUR', loan_amount: 'EUR' },
      baseValue: -0.4,
      outputScale: 6,
      backgroundRows: 2400,
    }),
    row: rowView(-0.4, CREDIT_FEATURES, 'logit', 0, 1),
    trust: { level: 'exact', text: 'Exact: the contributions add up to each prediction (largest gap 4e-15).' },
    run: { ...RUN, experiment: 'credit-decisions', datasets: [{ path: 'data/applications.csv', role: 'input', sha256: 'cd'.repeat(32), rows: 3000 }] },
    subject: 'applicant',
    generatedAt: GENERATED,
    ...over,
  };
}

/** The plain text of the Markdown, as a reader sees it: escapes undone, bold marks gone. */
function plain(md: string): string {
  return md
    .replace(/\*\*/g, '')
    .replace(/\\([\\`*_[\]~|$#+=.)-])/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

const amount = (s: string) => Number(s.replace(/[,\s]/g, '').replace('−', '-'));

test('regression: the headline, the named contributions in plain words and the grouped rest', () => {
  const md = plain(reportMarkdown(houseInput()));
  // The fixture's row is position 17 of a sample, row 1,017 of the data: the report names both.
  assert.match(md, /^# Explaining one prediction: the predicted price for explained row 17 \(row 1,017 of the original data\)$/m);
  assert.match(md, /The model predicted a price of 305,500 for this house, explained row 17 \(row 1,017 of the original data\)\./);
  const whole = plain(reportMarkdown(houseInput({ row: { ...houseInput().row, index: 1017 } })));
  assert.match(whole, /^# Explaining one prediction: the predicted price for row 1,017$/m, 'every row explained: one number');
  assert.match(whole, /for this house \(row 1,017 of the data the explanation was made from\)\./);
  assert.match(md, /The actual price recorded in the data is 301,000\./);
  assert.match(md, /Compared with an average house, whose predicted price is 254,000, this house's inputs moved the prediction by \+51,500:/);
  // Units: the name loses its unit suffix and the value carries the unit; a category reads "location: center".
  assert.match(md, /^- floor area of 180 m² raised the predicted price by 41,200\.$/m);
  // 12,345.6 shows as 12,400: the rounded parts must add up to the rounded whole, and this part is the one
  // closest to rounding up (see apportion).
  assert.match(md, /^- location: center raised the predicted price by 12,400\.$/m);
  assert.match(md, /^- age of 35 years lowered the predicted price by 3,100\.$/m);
  assert.match(md, /^- bedrooms of 3 raised the predicted price by 1,500\.$/m);
  assert.match(md, /^- distance of 2\.5 km lowered the predicted price by 800\.$/m);
  assert.match(md, /^- 2 other inputs together raised the predicted price by 300\.$/m);
  assert.match(md, /Amounts are rounded to the nearest 100 so that they add up\./);
  assert.doesNotMatch(md, /^- garden/m, 'the two smallest are grouped');
});

test('regression: the amounts in the sentences add up exactly to the prediction shown', () => {
  for (const input of [
    houseInput(),
    houseInput({ top: 2 }),
    houseInput({ top: 7 }),
    houseInput({ row: rowView(254000, HOUSE_FEATURES, 'identity', 1234.5) }),
  ]) {
    const md = plain(reportMarkdown(input));
    const base = amount(/Starting from ([\d,.−-]+)/.exec(md)![1]);
    const prediction = amount(/gives the prediction, ([\d,.−-]+)\./.exec(md)![1]);
    let sum = base;
    for (const m of md.matchAll(/(raised|lowered) the predicted price by ([\d,.]+)/g)) sum += (m[1] === 'raised' ? 1 : -1) * amount(m[2]);
    const rest = /A remainder of ([+−])([\d,.]+)/.exec(md);
    if (rest) sum += (rest[1] === '+' ? 1 : -1) * amount(rest[2]);
    assert.equal(sum, prediction, md);
    // And the prediction shown is the real one, rounded to hundreds.
    assert.equal(prediction, Math.round(input.row.prediction / 100) * 100);
  }
});

test('regression: a remainder the method did not attribute is its own line, and counted', () => {
  const md = plain(
    reportMarkdown(houseInput({ row: rowView(254000, HOUSE_FEATURES, 'identity', 1234.5), trust: { level: 'approximate', text: 'Approximate.' } })),
  );
  assert.match(md, /A remainder of \+1,200 is not attributed to any input/);
  assert.match(md, /The contributions are estimates/);
});

test('binary: chances in words, strength and shares that add up to 100%', () => {
  const md = plain(reportMarkdown(creditInput()));
  assert.match(md, /The model estimated a 53\.0% chance of “approved” for this applicant/);
  assert.match(md, /In the data, the actual outcome for this applicant was “approved”\./);
  assert.match(md, /For an average applicant the estimate is 40\.1%\. This applicant's inputs moved it to 53\.0%:/);
  assert.match(md, /^- income of 52,000 EUR strongly raised the estimated chance of “approved” \(\d+% of the total influence\)\.$/m);
  assert.match(md, /^- debt to income of 0\.42 moderately lowered the estimated chance/m);
  assert.match(md, /^- employment: employed moderately raised/m);
  assert.match(md, /^- home ownership: rent slightly lowered/m);
  assert.match(md, /^- 2 other inputs together slightly raised the estimated chance of “approved” on balance \(3% of the total influence\)\.$/m);
  const shares = [...md.matchAll(/\((\d+)% of the total influence\)/g)].map((m) => Number(m[1]));
  assert.equal(shares.length, 6);
  assert.equal(
    shares.reduce((a, b) => a + b, 0),
    100,
  );
  // income is 1.2 of 2.52 total |log-odds| (47.6%); rounding all six to the nearest would make 101%, and
  // income's is the part furthest from rounding up, so it shows 47%.
  assert.deepEqual(shares, [47, 24, 12, 10, 4, 3]);
  // No log-odds in the sentences: only in the technical details.
  const [body, tech] = md.split('## Technical details');
  assert.doesNotMatch(body, /log-odds/);
  assert.match(tech, /points of log-odds/);
  assert.match(tech, /base value -0\.4 \+ contributions = output 0\.12/);
});

test('counterfactual: the change that would have reached the target, or why none did, or how to get one', () => {
  const withCf = plain(
    reportMarkdown(
      houseInput({
        counterfactual: {
          target: 330000,
          changes: [
            { feature: 'floor_area_m2', from: 180, to: 205 },
            { feature: 'location', from: 'suburb', to: 'center' },
          ],
          prediction: 331250,
        },
      }),
    ),
  );
  assert.match(
    withCf,
    /The smallest change found that brings the predicted price to 330,000 or more: floor area of 205 m² instead of 180 m² and location: center instead of suburb\. With those changes the model predicts 331,300\./,
  );
  assert.match(withCf, /changing at most two inputs, each within the values seen in the training data/);
  const credit = plain(
    reportMarkdown(
      creditInput({
        counterfactual: { target: 0.3, changes: [], prediction: 0.53, reason: 'no single or pair change within the observed ranges goes below 30%' },
      }),
    ),
  );
  assert.match(
    credit,
    /No change was found that brings the estimated chance of “approved” to 30\.0% or less, .*\(no single or pair change within the observed ranges goes below 30%\)\./,
  );
  const none = plain(reportMarkdown(houseInput()));
  assert.match(none, /## What would have changed the outcome\n\nThis was not worked out for this report\. In Lineage’s Explain panel, the what-if section/);
});

test('lineage: the run, when it was trained, the commit and uncommitted changes, the data with fingerprints', () => {
  const md = plain(reportMarkdown(houseInput()));
  assert.match(md, /^- Trained in the run baseline \(id 20261103-140512-a1b2\), experiment house-prices\.$/m);
  assert.match(md, /^- Training started 2026-11-03 14:05 UTC and finished 2026-11-03 14:07 UTC \(it took 2 min 28 s\)\.$/m);
  assert.match(
    md,
    /^- Code: git commit 3f9c2a1d8e7b6a5f4c3d2e1f0a9b8c7d6e5f4a3b, with uncommitted changes \(the code that ran may differ from that commit\)\.$/m,
  );
  assert.match(md, /^- Script: train.py\.$/m);
  assert.match(md, new RegExp(`^\\| data/houses.csv \\| input \\| 2,400 \\| ${'ab'.repeat(32)} \\|$`, 'm'));
  assert.match(md, /^\| outputs\/model.pkl \| output \| not recorded \| not recorded \|$/m);
  const bare = plain(
    reportMarkdown(
      houseInput({
        run: { ...RUN, name: null, experiment: null, gitCommit: null, gitDirty: null, script: null, startedAt: null, finishedAt: null, datasets: [] },
      }),
    ),
  );
  assert.match(bare, /Trained in the run without a name \(id 20261103-140512-a1b2\)\./);
  assert.match(bare, /When the model was trained was not recorded\./);
  assert.match(bare, /no git commit was recorded/);
  assert.match(bare, /No data files were recorded for this run/);
});

test('technical details: method, algorithm, additivity, rows, seed, grouping and every raw contribution', () => {
  const md = plain(reportMarkdown(houseInput({ manifest: { ...houseInput().manifest, seed: 0, totalRows: 2400 } })));
  const tech = md.split('## Technical details')[1];
  assert.ok(tech, 'a technical details section at the end');
  assert.match(tech, /Explanation “default”, made 2026-11-03 14:07 UTC; this report was written 2026-11-03 15:00 UTC\./);
  assert.match(
    tech,
    /Method: TreeSHAP, path-dependent: exact Shapley values for the trees \(exact\)\. Algorithm: TreeSHAP \(path-dependent\), Lundberg et al\. 2018; O\(T·L·D²\) per row\./,
  );
  assert.match(tech, /Model: GradientBoostingRegressor \(pipeline: ColumnTransformer → GradientBoostingRegressor\)\./);
  assert.match(tech, /Additivity gap \(base \+ contributions − output\) for this row: 0; largest over the explanation’s rows: 2\.900e-10/);
  assert.match(tech, /Rows explained: 480 of 2,400, sampled \(seed 0\)\./);
  assert.match(tech, /location: the sum of the model’s 3 encoded columns \(cat__location_center, /);
  assert.match(tech, /How far to trust it: Exact: the contributions add up/);
  assert.doesNotMatch(md.split('## Technical details')[0], /largest gap/, 'the engine’s technical note is kept for the end');
  // Every contribution at full precision, including the grouped ones.
  assert.match(tech, /^\| floor_area_m2 \| 180 m² \| 41,234\.5 \|$/m);
  assert.match(tech, /^\| has_garage \| 1 \| 95\.1 \|$/m);
  // The method's name appears only down here.
  assert.doesNotMatch(md.split('## Technical details')[0], /SHAP|Shapley|additivity/i);
});

const HOSTILE = [
  '<script>alert(1)</script>',
  '`rm -rf` | col',
  '**bold** _it_ [link](javascript:alert(1)) ![img](x)',
  'line one\nline two\r\n# heading',
  '- list',
  '1. numbered',
  '<img src=x onerror=alert(1)>',
  'a\u202eevil',
  '$x^2$ ~~strike~~ &amp; &lt;',
];

function hostileInput(binary: boolean): ReportInput {
  const base = binary ? creditInput() : houseInput();
  const feats: Array<[string, number | string | null, number]> = HOSTILE.map((h, i) => [h, i % 2 ? h : i, (i + 1) * (binary ? 0.1 : 1000) * (i % 3 ? 1 : -1)]);
  const features = feats.map(([f]) => f);
  return {
    ...base,
    manifest: {
      ...base.manifest,
      features,
      featureKinds: features.map((_, i) => (i % 2 ? 'categorical' : 'numeric')),
      categories: {},
      units: { [HOSTILE[0]]: '<b>u</b>' },
      groupedFrom: { [HOSTILE[1]]: [HOSTILE[0], HOSTILE[3]] },
      outputName: HOSTILE[2],
      positiveClass: '<script>x</script>',
      algorithm: HOSTILE[0],
      modelType: HOSTILE[6],
      pipeline: [HOSTILE[1]],
      name: HOSTILE[3],
    },
    row: rowView(binary ? 0 : 1000, feats, binary ? 'logit' : 'identity'),
    trust: { level: 'failed', text: HOSTILE[0] },
    run: {
      ...RUN,
      name: HOSTILE[0],
      experiment: HOSTILE[3],
      script: HOSTILE[1],
      gitCommit: HOSTILE[2],
      datasets: [{ path: HOSTILE[4], role: HOSTILE[1], sha256: HOSTILE[6], rows: 1 }],
    },
    counterfactual: {
      target: binary ? 0.9 : 99999,
      changes: [{ feature: HOSTILE[0], from: HOSTILE[6], to: HOSTILE[2] }],
      prediction: binary ? 0.95 : 100000,
      reason: HOSTILE[0],
    },
    subject: HOSTILE[5],
    top: 4,
  };
}

test('hostile strings are inert in the Markdown: no raw tags, no markup, tables keep their columns, one line each', () => {
  for (const binary of [false, true]) {
    const md = reportMarkdown(hostileInput(binary));
    assert.doesNotMatch(md, /<script|<img|<b>/i);
    assert.doesNotMatch(md, /\u202e/);
    // Every * _ ` [ ] | ~ $ from a user string is escaped: only the report's own bold marks stay bare.
    const bare = md.replace(/\\[\\`*_[\]~|$#+=.)-]/g, '').replace(/\*\*[^*\n]+?\*\*/g, '');
    assert.doesNotMatch(
      bare.replace(/^\|.*\|$/gm, (l) => l.replace(/ \| /g, ' ').replace(/^\| | \|$/g, '')),
      /[`*_[\]~|$]/,
    );
    // No user text opens a block: every line is one of the report's own (heading, list item, table row, paragraph).
    for (const line of md.split('\n')) {
      if (!line) continue;
      assert.ok(/^(# Explaining|## [A-Z]|- |\| |[A-Z0-9“]|\*\*Warning:\*\* )/.test(line), `line starts a block of its own: ${line}`);
      assert.doesNotMatch(line, /^- (#|- |\d+\.)/);
    }
    // Table rows have exactly their columns (escaped pipes do not split).
    for (const table of md.split('\n\n').filter((b) => b.startsWith('| '))) {
      const counts = table
        .trim()
        .split('\n')
        .map((l) => l.replace(/\\\|/g, '').split('|').length);
      assert.equal(new Set(counts).size, 1, table);
    }
    assert.match(md, /^\*\*Warning:\*\* the contributions do not add up to the prediction/m);
  }
});

// markdown-it (here through @vscode/vsce, which packages the extension) renders as VS Code's preview does.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const MarkdownIt = require('markdown-it') as new (opts: { html: boolean; linkify: boolean }) => { render(md: string): string };

test('hostile strings rendered by a real Markdown renderer (raw HTML and links on): only the report’s own elements', () => {
  for (const binary of [false, true]) {
    const input = hostileInput(binary);
    const html = new MarkdownIt({ html: true, linkify: true }).render(reportMarkdown(input));
    const tags = new Set([...html.matchAll(/<([a-z][a-z0-9]*)/g)].map((m) => m[1]));
    assert.deepEqual([...tags].sort(), ['h1', 'h2', 'li', 'p', 'strong', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'ul']);
    assert.equal((html.match(/<h1>/g) ?? []).length, 1);
    assert.equal((html.match(/<h2>/g) ?? []).length, 6);
    // Each hostile text reads back as itself (newlines as spaces, the bidi override shown as U+FFFD).
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('**bold** _it_ [link](javascript:alert(1)) ![img](x)'));
    assert.ok(html.includes('`rm -rf` | col'));
    assert.ok(html.includes('line one line two # heading'));
  }
});

/** Every element opened is closed in order (void elements self-close), and no script or external resource. */
function assertWellFormed(html: string): void {
  const stack: string[] = [];
  for (const m of html.matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9-]*)\b([^<>]*?)(\/?)>/g)) {
    const [, close, name, attrs, self] = m;
    assert.doesNotMatch(name, /^(script|link|img|iframe|object|embed|a|base|form)$/i, `no <${name}> element`);
    assert.doesNotMatch(attrs, /\s(on[a-z]+|href|src|srcset|xlink:href)\s*=/i, `no handler or link attribute in <${name}${attrs}>`);
    if (self) continue;
    if (close) assert.equal(stack.pop(), name.toLowerCase(), `</${name}> closes the element last opened`);
    else stack.push(name.toLowerCase());
  }
  assert.deepEqual(stack, [], 'every element is closed');
  const css = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
  assert.doesNotMatch(css, /@import|url\(/i, 'the stylesheet loads nothing');
}

test('HTML: self-contained, well formed, themed for dark and print, with the chart, and hostile strings inert', () => {
  for (const input of [houseInput(), creditInput(), hostileInput(false), hostileInput(true)]) {
    const html = reportHtml(input);
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assertWellFormed(html);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'/);
    assert.match(html, /@media \(prefers-color-scheme: dark\)/);
    assert.match(html, /@media print/);
    assert.match(html, /<svg class="chart" role="img"/);
  }
  const house = reportHtml(houseInput());
  assert.match(house, /<li><strong>floor area<\/strong> of 180 m² raised the predicted price by 41,200\.<\/li>/);
  assert.match(house, /<text class="value"[^>]*>\+41,200<\/text>/);
  assert.equal((house.match(/<rect /g) ?? []).length, 6, 'five named inputs and the grouped rest');
  const hostile = reportHtml(hostileInput(false));
  assert.match(hostile, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.match(hostile, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.doesNotMatch(hostile, /\u202e/);
});

test('bad numbers do not crash the report: NaN and infinite contributions, an empty row, a huge prediction', () => {
  const nan = houseInput({
    row: { ...houseInput().row, contributions: [{ feature: 'bedrooms', value: NaN, stderr: null, input: 3 }], prediction: NaN, output: NaN, gap: NaN },
  });
  assert.match(plain(reportMarkdown(nan)), /NaN/);
  assertWellFormed(reportHtml(nan));
  const empty = houseInput({ row: { ...houseInput().row, contributions: [], inputs: [] } });
  assert.match(reportMarkdown(empty), /No input contributions were recorded for this row\./);
  const inf = creditInput({
    row: { ...creditInput().row, contributions: [{ feature: 'income', value: Infinity, stderr: null, input: 1e300 }], output: Infinity, prediction: 1 },
  });
  assert.match(plain(reportMarkdown(inf)), /a 100% chance/);
  const huge = houseInput({ row: rowView(1e12, HOUSE_FEATURES, 'identity') });
  assert.match(plain(reportMarkdown(huge)), /a price of 1,000,000,051,500 for this house/);
});

test('approximate methods show each standard error in the technical details', () => {
  const input = houseInput({ trust: { level: 'approximate', text: 'Approximate (Kernel SHAP).' } });
  input.manifest = { ...input.manifest, method: 'kernel', exact: false, backgroundRows: 100, samplesPerRow: 2048 };
  input.row = { ...input.row, contributions: input.row.contributions.map((c) => ({ ...c, stderr: Math.abs(c.value) / 50 })) };
  const md = plain(reportMarkdown(input));
  assert.match(md, /\| Input \| Value \| Contribution \| Standard error \|/);
  assert.match(md, /^\| floor_area_m2 \| 180 m² \| 41,234\.5 \| 824\.69 \|$/m);
  assert.match(md, /Background rows: 100\.\n- Combinations of inputs evaluated per row: 2,048\./);
});

test('helpers: apportioned parts add up to the rounded whole; user text is cleaned and escaped', () => {
  assert.deepEqual(apportion([0.4, 0.4, 0.4], 1), [1, 0, 0]);
  assert.deepEqual(apportion([1.6, -0.6], 1), [2, -1]);
  assert.equal(
    apportion([412.345, 123.456, -31.111, 15.002, -8.003, 3.158], 515).reduce((a, b) => a + b, 0),
    515,
  );
  assert.equal(cleanText('a\nb\t\u0000c'), 'a b c');
  assert.equal(escapeMarkdown('a|b <c> *d*'), 'a\\|b &lt;c&gt; \\*d\\*');
});

test('reportInputFor: the report of a run in a workspace, from its index row, run.json and explanation files', async () => {
  const ws = tmpDir('lineage-report-');
  const dir = makeRunFolder(ws, { name: 'baseline', experiment: 'house-prices' });
  writeExplanation(dir, {
    features: ['floor_area_m2', 'location'],
    featureKinds: ['numeric', 'categorical'],
    categories: { location: ['center', 'rural'] },
    values: [
      [1000, -200],
      [30000, 12000],
    ],
    data: [
      [50, 1],
      [180, 0],
    ],
    base: 250000,
    manifest: { units: { floor_area_m2: 'm²', price: 'EUR' }, output_name: 'price', subject: 'house' },
  });
  const lw = await LineageWorkspace.open(ws);
  // The script's word for a row (lineage.explain(..., subject="house")) is used unless the caller picks one.
  assert.match(plain(reportMarkdown(await reportInputFor(lw.store, 'baseline', 'default', 1, { subject: 'flat' }))), /for this flat/);
  const input = await reportInputFor(lw.store, 'baseline', 'default', 1, { generatedAt: GENERATED });
  assert.equal(input.subject, 'house');
  assert.equal(input.run.id, path.basename(dir));
  assert.equal(input.run.name, 'baseline');
  assert.equal(input.run.experiment, 'house-prices');
  assert.equal(input.run.script, 'train.py');
  assert.equal(input.row.prediction, 292000);
  const md = plain(reportMarkdown(input));
  assert.match(md, /The model predicted a price of 292,000 EUR for this house/);
  assert.match(md, /^- floor area of 180 m² raised the predicted price by 30,000 EUR\.$/m);
  assert.match(md, /^- location: center raised the predicted price by 12,000 EUR\.$/m);
  assert.match(md, /Trained in the run baseline \(id [^)]+\), experiment house-prices\./);
  await assert.rejects(reportInputFor(lw.store, 'baseline', 'default', 2), /Row 2 is out of range/);
});

/**
 * The SDK names the output "prediction" whenever y has no name (any numpy y), and positive_class is then the
 * label as numpy gave it (1, or "yes"): the report must not say "the predicted prediction" or a chance of
 * “prediction”.
 */
test('the default output name reads naturally: the predicted value, a positive outcome (class 1)', () => {
  const regression = (outputName: string) => {
    const input = houseInput({ subject: undefined });
    return { ...input, manifest: { ...input.manifest, outputName } };
  };
  for (const outputName of ['prediction', '']) {
    const input = regression(outputName);
    const md = plain(reportMarkdown(input));
    assert.match(md, /^# Explaining one prediction: the predicted value for explained row 17 \(row 1,017 of the original data\)$/m, outputName);
    assert.match(md, /The model predicted a value of 305,500 for this case/);
    assert.match(md, /The actual value recorded in the data is 301,000\./);
    assert.match(md, /Compared with an average case, whose predicted value is 254,000, this case's inputs moved the prediction by \+51,500:/);
    assert.match(md, /^- floor area of 180 m² raised the predicted value by 41,200\.$/m);
    assert.match(md, /they do not show what causes the outcome in the real world/);
    const html = reportHtml(input);
    assert.match(html, /<title>Explaining one prediction: the predicted value for explained row 17 \(row 1,017 of the original data\)<\/title>/);
    assert.match(html, /The actual value recorded in the data is 301,000\./);
    for (const text of [md, html]) assert.doesNotMatch(text, /predicted prediction|actual prediction|a prediction of|causes a prediction/, outputName);
  }
  const binary = (positiveClass: string | number | null, target: number) => {
    const input = creditInput({ row: rowView(-0.4, CREDIT_FEATURES, 'logit', 0, target) });
    return { ...input, manifest: { ...input.manifest, outputName: 'prediction', positiveClass } };
  };
  const cases: Array<[string | number | null, string, string]> = [
    [1, 'a positive outcome \\(class 1\\)', 'class 1'],
    ['yes', 'a positive outcome \\(class “yes”\\)', 'class “yes”'],
    [null, 'a positive outcome', ''],
  ];
  for (const [pos, event, cls] of cases) {
    const md = plain(reportMarkdown(binary(pos, 1)));
    assert.match(
      md,
      new RegExp(`^# Explaining one prediction: the estimated chance of ${event} for explained row 17 \\(row 1,017 of the original data\\)$`, 'm'),
      String(pos),
    );
    assert.match(md, new RegExp(`The model estimated a 53\\.0% chance of ${event} for this applicant`));
    // The class is named in the headline and the first sentence; the list says it short.
    assert.match(md, /^- income of 52,000 EUR strongly raised the estimated chance of a positive outcome \(\d+% of the total influence\)\.$/m);
    assert.match(md, new RegExp(`In the data, the actual outcome for this applicant was positive${cls ? ` \\(${cls}\\)` : ''}\\.`));
    const no = plain(reportMarkdown(binary(pos, 0)));
    assert.match(no, new RegExp(`In the data, the actual outcome for this applicant was negative${cls ? ` \\(not ${cls}\\)` : ''}\\.`));
    const html = reportHtml(binary(pos, 1));
    assert.match(
      html,
      new RegExp(
        `<title>Explaining one prediction: the estimated chance of ${event.replace(/“|”/g, '.')} for explained row 17 \\(row 1,017 of the original data\\)</title>`,
      ),
    );
    for (const text of [md, no, html]) assert.doesNotMatch(text, /“prediction”|&ldquo;prediction/, String(pos));
  }
  // A named positive class still reads as itself, with the default output name or a named one.
  const approved = plain(reportMarkdown(binary('approved', 1)));
  assert.match(approved, /chance of “approved” for this applicant/);
  assert.match(approved, /the actual outcome for this applicant was “approved”\./);
});

test('shares of huge log-odds are worked out without overflow: never "Infinity%"', () => {
  // 100 × 1e307 is past the largest double: the shares are scaled by the largest part before the percentages.
  const input = creditInput({
    row: rowView(
      0,
      [
        ['income', 52000, 1e307],
        ['debt_to_income', 0.42, -5e306],
        ['employment', 'employed', 5e306],
      ],
      'logit',
    ),
  });
  input.manifest = { ...input.manifest, features: ['income', 'debt_to_income', 'employment'] };
  const md = plain(reportMarkdown(input));
  assert.doesNotMatch(md, /Infinity|NaN/);
  assert.deepEqual(
    [...md.matchAll(/\((\d+)% of the total influence\)/g)].map((m) => Number(m[1])),
    [50, 25, 25],
  );
  assert.doesNotMatch(reportHtml(input), /Infinity%|NaN%/);
  // Sizes whose sum passes 1.8e308 are divided by the largest first; what has no share is NaN, not a guess.
  assert.deepEqual(fractions([1e308, 1e308, 5e307]), [0.4, 0.4, 0.2]);
  assert.deepEqual(fractions([3, NaN, 1]), [0.75, NaN, 0.25]);
  assert.deepEqual(fractions([Infinity, 1]), [NaN, NaN]);
  assert.deepEqual(fractions([0, 0]), [NaN, NaN]);
});

test('binary: a push too small to round to 1 % says "less than 1 %", not "0 %" of the total influence', () => {
  const features: Array<[string, number | string | null, number]> = [
    ['income', 52000, 2.4],
    ['debt_to_income', 0.42, -1.2],
    ['age', 41, 0.004],
  ];
  const input = creditInput({ row: rowView(-0.4, features, 'logit', 0, 1), top: 5 });
  const md = plain(reportMarkdown(input));
  assert.match(md, /^- age of 41 slightly raised the estimated chance of “approved” \(less than 1% of the total influence\)\.$/m);
  assert.doesNotMatch(md, /\(0% of the total influence\)/);
});
