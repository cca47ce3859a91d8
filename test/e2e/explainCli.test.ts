import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, PYTHON } from '../helpers/cli';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';
import { writeExplanation, type ExplanationSpec } from '../helpers/explanationFixture';

/** `lineage explain` (issue 12, section 4), through the real binary. */

const env = { LINEAGE_WORKSPACE: '' };

/**
 * Twelve features so --top has something to group: feature j's attribution in row i is (j+1)·(−1)^i for
 * j < 11, and "\x1b[31mred" (a name with a terminal escape) gets 0.5. Mean |φ| of f10 is 11, of f0 1.
 */
function spec(): ExplanationSpec {
  const features = [...Array.from({ length: 11 }, (_, j) => `f${j}`), '\x1b[31mred'];
  const rows = 3;
  const values = Array.from({ length: rows }, (_, i) => features.map((_, j) => (j < 11 ? (j + 1) * (i % 2 ? -1 : 1) : 0.5)));
  const data = Array.from({ length: rows }, (_, i) => features.map((_, j) => (j === 0 ? i % 2 : i * 10 + j)));
  return {
    features,
    values,
    data,
    base: 1000,
    target: [1070, 930, 1100],
    featureKinds: features.map((_, j) => (j === 0 ? 'categorical' : 'numeric')),
    categories: { f0: ['center', 'suburb'] },
  };
}

function workspace(): { ws: string; id: string; plain: string } {
  const ws = tmpDir('lineage-e2e-explain-');
  const dir = makeRunFolder(ws, { name: 'gbr', events: [metricLine('rmse', 1, 0)] });
  writeExplanation(dir, spec());
  writeExplanation(dir, { ...spec(), name: 'ridge', method: 'linear_interventional' });
  const plain = path.basename(makeRunFolder(ws, { name: 'plain', events: [metricLine('rmse', 2, 0)] }));
  return { ws, id: path.basename(dir), plain };
}

test('the global table: features by mean |attribution| with bars and shares, N other features, the trust line', () => {
  const { ws } = workspace();
  const r = cli(['explain', 'gbr', '--top', '3'], ws, env);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  // Σ mean|φ| = 1+…+11 + 0.5 = 66.5: f10 is 11/66.5 = 16.5 %, the 9 others sum to 66.5 − 11 − 10 − 9 = 36.5 (54.9 %).
  assert.match(r.stdout, /explanation "default"/);
  assert.match(r.stdout, /TreeSHAP \(path-dependent\) · FixtureModel/);
  assert.match(r.stdout, /3 rows × 12 features · explains price, base value 1,000/);
  const row = (name: string) => lines.find((l) => l.trimStart().startsWith(name + ' '))!;
  assert.match(row('f10'), /f10\s+11\s+█{20}\s+16\.5%/);
  assert.match(row('f9'), /f9\s+10\s+█{18}\s+15\.0%/);
  assert.match(row('9 other features'), /36\.5\s+█+\s+54\.9%/);
  assert.match(r.stdout, /^Exact \(TreeSHAP \(path-dependent\)\): the contributions add up to each prediction \(largest gap 0\)\.$/m);
  assert.match(r.stdout, /other explanations: ridge \(--name\)/);
  // eslint-disable-next-line no-control-regex -- a raw ESC in the output is what must not be there
  assert.doesNotMatch(cli(['explain', 'gbr', '--top', '20'], ws, env).stdout, /\x1b/);
  assert.match(cli(['explain', 'gbr', '--top', '20'], ws, env).stdout, /\\e\[31mred\s+0\.5/);
});

test('--json: the importance list, the other features and the trust note', () => {
  const { ws, id } = workspace();
  const r = cli(['explain', id, '--json', '--top', '2', '--name', 'ridge'], ws, env);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(j.run, id);
  assert.equal(j.name, 'ridge');
  assert.equal(j.method, 'linear_interventional');
  assert.deepEqual(j.importance, [
    { feature: 'f10', meanAbs: 11, share: 11 / 66.5 },
    { feature: 'f9', meanAbs: 10, share: 10 / 66.5 },
  ]);
  assert.deepEqual(j.otherFeatures, { count: 10, meanAbs: 45.5, share: 45.5 / 66.5 });
  assert.equal((j.trust as { level: string }).level, 'exact');
});

test('--row: inputs, prediction, sorted contributions and the additivity gap; --json gives the row view', () => {
  const { ws } = workspace();
  const r = cli(['explain', 'gbr', '--row', '1', '--top', '2'], ws, env);
  assert.equal(r.status, 0, r.stderr);
  // Row 1: every attribution negated, so output = 1000 − 66 + 0.5 = 934.5; f0 is "suburb".
  assert.match(r.stdout, /Row 1\n/);
  assert.match(r.stdout, /price\s+934\.5/);
  assert.match(r.stdout, /true value 930/);
  assert.match(r.stdout, /f10\s+20\s+-11\s+-█{20}/);
  assert.match(r.stdout, /f9\s+19\s+-10\s+-█{18}/);
  assert.match(r.stdout, /10 other features\s+-44\.5/, '−(1+…+9) + 0.5');
  assert.match(r.stdout, /base 1,000 \+ contributions -65\.5 = 934\.5; the model's output is 934\.5 \(gap 0\)/);
  const j = JSON.parse(cli(['explain', 'gbr', '--row', '1', '--json'], ws, env).stdout) as {
    row: {
      index: number;
      prediction: number;
      contributions: Array<{ feature: string; value: number; input: unknown }>;
      inputs: Array<{ feature: string; value: unknown }>;
    };
  };
  assert.equal(j.row.index, 1);
  assert.equal(j.row.prediction, 934.5);
  assert.equal(j.row.contributions.length, 12);
  assert.deepEqual(j.row.inputs[0], { feature: 'f0', value: 'suburb' });
});

test('--report writes Markdown or HTML for one row', () => {
  const { ws } = workspace();
  const md = path.join(ws, 'row1.md');
  const r = cli(['explain', 'gbr', '--row', '1', '--report', md], ws, env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Wrote the report for row 1 of run .* to .*row1\.md/);
  const text = fs.readFileSync(md, 'utf8');
  assert.match(text, /^# /);
  assert.match(text, /suburb/);
  const html = path.join(ws, 'row1.html');
  assert.equal(cli(['explain', 'gbr', '--row', '1', '--report', html], ws, env).status, 0);
  assert.match(fs.readFileSync(html, 'utf8'), /^<!doctype html>/i);
  assert.doesNotMatch(fs.readFileSync(html, 'utf8'), /<script/i, 'no script');
});

test('clear refusals: no run, no explanation, unknown name, row out of range, bad options, a damaged array', () => {
  const { ws, id, plain } = workspace();
  const expect = (args: string[], status: number, pattern: RegExp) => {
    const r = cli(['explain', ...args], ws, env);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, pattern, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  };
  expect(['nope'], 1, /No run "nope"\. `lineage ls` lists the runs/);
  expect(['plain'], 1, new RegExp(`run plain \\(${plain}\\) has no explanation; call lineage\\.explain\\(model, X\\) in the training script`));
  expect(['gbr', '--name', 'xgb'], 1, /has no explanation "xgb"; it has "default", "ridge"\./);
  expect(['gbr', '--row', '3'], 2, /row 3 is out of range: explanation "default" of run gbr \(.*\) has 3 rows \(0 to 2\)/);
  expect(['gbr', '--row', '-1'], 2, /unknown option -1|--row takes a whole number/);
  expect(['gbr', '--row', 'x'], 2, /--row takes a whole number, got "x"/);
  expect(['gbr', '--top', '0'], 2, /--top takes a whole number ≥ 1/);
  expect(['gbr', '--report', 'a.md'], 2, /--report writes one row's report: give the row with --row N/);
  expect(['gbr', '--row', '0', '--report', 'a.pdf'], 2, /must end in \.md .* or \.html/);
  expect([], 2, /give one run/);
  fs.truncateSync(path.join(ws, '.lineage', 'runs', id, 'explanations', 'default', 'values.f64'), 8);
  expect(
    ['gbr'],
    1,
    /explanation "default": explanations\/default\/values\.f64 has 8 bytes where the manifest says 288: the file is torn or damaged\. Re-run the script/,
  );
});

/**
 * The SDK and the engine agree: a real script explains a pipeline (one-hot location + gradient boosting) and a
 * logistic regression with lineage.explain; what `lineage explain` prints equals what scikit-learn predicts for
 * the same rows and the mean |φ| the SDK returned in memory, and survives `lineage db rebuild`.
 */
test('a real lineage.explain run: the CLI shows the predictions scikit-learn makes and the SDK’s own attributions', () => {
  const ws = tmpDir('lineage-e2e-explain-py-');
  fs.writeFileSync(
    path.join(ws, 'train.py'),
    `import json
import numpy as np
import lineage
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

rng = np.random.default_rng(0)
n = 300
area = rng.uniform(40, 200, n)
age = rng.uniform(0, 50, n)
loc = rng.choice(["center", "suburb", "rural"], n)
X = np.empty((n, 3), dtype=object)
X[:, 0], X[:, 1], X[:, 2] = area, age, loc
y = 1000 * area - 500 * age + np.where(loc == "center", 30000, 0) + rng.normal(0, 1000, n)
pre = ColumnTransformer([("loc", OneHotEncoder(sparse_output=False), [2])], remainder="passthrough")
gbr = make_pipeline(pre, GradientBoostingRegressor(n_estimators=40, random_state=0)).fit(X, y)
e = lineage.explain(gbr, X, y=y, feature_names=["floor_area_m2", "age_years", "location"])
Xf = np.column_stack([area, age])
yc = (y > np.median(y)).astype(int)
clf = LogisticRegression(max_iter=1000).fit(Xf, yc)
e2 = lineage.explain(clf, Xf, y=yc, feature_names=["floor_area_m2", "age_years"], name="logit")
json.dump({
    "predict": gbr.predict(X).tolist(),
    "meanAbs": np.abs(np.asarray(e.values)).mean(axis=0).tolist(),
    "proba": clf.predict_proba(Xf)[:, 1].tolist(),
    "meanAbs2": np.abs(np.asarray(e2.values)).mean(axis=0).tolist(),
    "row5": [float(area[5]), float(age[5]), str(loc[5])],
}, open("oracle.json", "w"))
`,
  );
  const run = cli(['run', '--name', 'explained', PYTHON, 'train.py'], ws, env);
  assert.equal(run.status, 0, run.stderr);
  const oracle = JSON.parse(fs.readFileSync(path.join(ws, 'oracle.json'), 'utf8')) as {
    predict: number[];
    meanAbs: number[];
    proba: number[];
    meanAbs2: number[];
    row5: [number, number, string];
  };
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  const check = () => {
    const g = JSON.parse(cli(['explain', 'explained', '--json'], ws, env).stdout) as {
      importance: Array<{ feature: string; meanAbs: number }>;
      trust: { level: string };
    };
    assert.equal(g.trust.level, 'exact');
    const byName = new Map(g.importance.map((i) => [i.feature, i.meanAbs]));
    ['floor_area_m2', 'age_years', 'location'].forEach((f, j) => close(byName.get(f)!, oracle.meanAbs[j], `mean |φ| of ${f}`));
    for (const i of [0, 5, 299]) {
      const r = JSON.parse(cli(['explain', 'explained', '--row', String(i), '--json'], ws, env).stdout) as {
        row: { prediction: number; gap: number; inputs: Array<{ feature: string; value: unknown }> };
      };
      close(r.row.prediction, oracle.predict[i], `row ${i} prediction`);
      assert.ok(Math.abs(r.row.gap) <= 1e-6 * 250000, `row ${i} adds up`);
      if (i === 5)
        assert.deepEqual(
          r.row.inputs.map((x) => x.value),
          oracle.row5,
          'the inputs as the user gave them, the location as its text',
        );
    }
    const l = JSON.parse(cli(['explain', 'explained', '--name', 'logit', '--row', '7', '--json'], ws, env).stdout) as {
      link: string;
      row: { prediction: number };
    };
    assert.equal(l.link, 'logit');
    close(l.row.prediction, oracle.proba[7], 'logistic probability of row 7');
    const l2 = JSON.parse(cli(['explain', 'explained', '--name', 'logit', '--json'], ws, env).stdout) as {
      importance: Array<{ feature: string; meanAbs: number }>;
    };
    ['floor_area_m2', 'age_years'].forEach((f, j) => close(l2.importance.find((x) => x.feature === f)!.meanAbs, oracle.meanAbs2[j], `logit mean |φ| of ${f}`));
  };
  check();
  const text = cli(['explain', 'explained'], ws, env);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /floor_area_m2/);
  assert.match(text.stdout, /other explanations: logit/);
  const rebuilt = cli(['db', 'rebuild'], ws, env);
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  check();
});

test('sampled rows: --row and --report say which explained row it is and which row of the original data', () => {
  const ws = tmpDir('lineage-e2e-explain-sampled-');
  const dir = makeRunFolder(ws, { name: 'sampled', events: [metricLine('rmse', 1, 0)] });
  // Rows 3, 8 and 11 of a 20-row X were explained: --row 1 is the original row 8.
  writeExplanation(dir, { ...spec(), rowIds: [3, 8, 11], manifest: { total_rows: 20 } });
  const r = cli(['explain', 'sampled', '--row', '1'], ws, env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Explained row 1 \(row 8 of the original data\)$/m);
  const md = path.join(ws, 'row1.md');
  const w = cli(['explain', 'sampled', '--row', '1', '--report', md], ws, env);
  assert.equal(w.status, 0, w.stderr);
  assert.match(w.stdout, /^Wrote the report for explained row 1 \(row 8 of the original data\) of run .* to .*row1\.md\.$/m);
  const text = fs.readFileSync(md, 'utf8');
  assert.match(text, /^# Explaining one prediction: the predicted price for explained row 1 \(row 8 of the original data\)$/m);
  assert.match(text, /for this case, explained row 1 \(row 8 of the original data\)\./);
  assert.doesNotMatch(text, /for row 8\b|\(row 8 of the data the explanation/);
  // When every row was explained the two numbers are one: no second number.
  const { ws: all } = workspace();
  assert.match(cli(['explain', 'gbr', '--row', '1'], all, env).stdout, /^Row 1$/m);
  const full = cli(['explain', 'gbr', '--row', '1', '--report', path.join(all, 'r.md')], all, env);
  assert.match(full.stdout, /^Wrote the report for row 1 of run /m);
  assert.match(fs.readFileSync(path.join(all, 'r.md'), 'utf8'), /^# Explaining one prediction: the predicted price for row 1$/m);
});

/**
 * log_explanation accepts values near the largest double (1.8e308): the table's shares and the row's additivity
 * check must still read as numbers or say plainly that they cannot be worked out, never "Infinity%" or "NaN".
 */
test('values near 1e308: shares without overflow, a gap that is not finite said so with what to do', () => {
  const ws = tmpDir('lineage-e2e-explain-huge-');
  const dir = makeRunFolder(ws, { name: 'huge', events: [metricLine('rmse', 1, 0)] });
  writeExplanation(dir, {
    features: ['x', 'y'],
    values: [
      [1, 2],
      [1e308, 1e308],
      [0.5, -0.5],
    ],
    data: [
      [1, 2],
      [3, NaN],
      [5, 6],
    ],
    base: [0, 1e308, 0],
    method: 'external',
    exact: false,
  });
  const g = cli(['explain', 'huge'], ws, env);
  assert.equal(g.status, 0, g.stderr);
  assert.doesNotMatch(g.stdout, /Infinity|NaN/);
  // mean |φ| of x is (1 + 1e308 + 0.5)/3, of y (2 + 1e308 + 0.5)/3: equal in doubles, so half each.
  assert.match(g.stdout, /^\s+x\s+3\.333e\+307\s+█{20}\s+50\.0%$/m);
  assert.match(g.stdout, /^\s+y\s+3\.333e\+307\s+█{20}\s+50\.0%$/m);
  const j = JSON.parse(cli(['explain', 'huge', '--json'], ws, env).stdout) as { importance: Array<{ share: number }> };
  assert.deepEqual(
    j.importance.map((r) => r.share),
    [0.5, 0.5],
  );
  const r = cli(['explain', 'huge', '--row', '1'], ws, env);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /NaN|Infinity%/);
  assert.match(r.stdout, /gap not finite: these numbers are too large \(or infinite\) to add up in 64-bit floating point/);
  assert.match(r.stdout, /log the values in smaller units/);
  // A row whose numbers are ordinary is checked as usual.
  assert.match(cli(['explain', 'huge', '--row', '0'], ws, env).stdout, /the model's output is 3 \(gap 0\)/);
});
