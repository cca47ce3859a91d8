import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, gitInit, queryDbFile, REPO } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';
import { additivityGap, explanationEvent, maxAbs, readExplanation } from './explanationFiles';

const FEATURES = [
  'age',
  'income',
  'credit_history_years',
  'debt_to_income',
  'late_payments_2y',
  'existing_loans',
  'loan_amount',
  'loan_term_months',
  'employment',
  'home_ownership',
];
const EXPECTED_METHOD: Record<string, string> = { logistic: 'linear_interventional', gbc: 'tree_path_dependent' };

function copyCreditExample(dest: string): void {
  fs.cpSync(path.join(REPO, 'examples', 'credit-decisions'), dest, {
    recursive: true,
    // A local run leaves outputs/ and .lineage/ in the example: a test workspace starts without runs.
    filter: (src) => !src.includes('outputs') && !src.includes('__pycache__') && !src.includes('.lineage'),
  });
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

for (const model of ['logistic', 'gbc']) {
  test(`the credit example's ${model} run logs an exact explanation of its decisions in log-odds`, async () => {
    const ws = tmpDir('lineage-e2e-credit-');
    copyCreditExample(ws);
    gitInit(ws);
    const r = cli(['run', 'train.py', '--model', model], ws);
    assert.equal(r.status, 0, r.stderr);
    const id = /recording run (\S+)/.exec(r.stderr)![1];
    assert.match(r.stdout, new RegExp(`explanation: ${EXPECTED_METHOD[model]}, 600 rows`));

    const e = readExplanation(ws, id);
    const m = e.manifest;
    assert.equal(m.method, EXPECTED_METHOD[model]);
    assert.equal(m.exact, true);
    assert.equal(m.task, 'binary');
    assert.equal(m.link, 'logit', 'explained in log-odds');
    assert.equal(String(m.positive_class), '1');
    assert.equal(m.rows, 600);
    assert.deepEqual(m.features, FEATURES);
    assert.deepEqual(m.feature_kinds, [...Array<string>(8).fill('numeric'), 'categorical', 'categorical']);
    assert.deepEqual([...m.categories.employment].sort(), ['contract', 'employed', 'retired', 'self_employed', 'unemployed']);
    assert.deepEqual([...m.categories.home_ownership].sort(), ['mortgage', 'own', 'rent']);
    assert.equal(m.grouped_from.employment.length, 5);
    assert.equal(m.units.income, 'EUR');

    const scale = maxAbs(e.output);
    const gap = additivityGap(e);
    assert.ok(gap <= 1e-9 * scale, `additivity gap ${gap} at scale ${scale}`);
    assert.ok(m.additivity_error <= 1e-9 * scale, `recorded ${m.additivity_error}`);

    // The outputs really are the model's log-odds: through the logistic function and against the stored
    // targets they give the log loss and accuracy the script logged for the same validation rows.
    assert.ok(e.target);
    let loss = 0;
    let right = 0;
    for (let i = 0; i < e.output.length; i++) {
      const p = Math.min(Math.max(sigmoid(e.output[i]), 1e-15), 1 - 1e-15);
      loss -= e.target[i] === 1 ? Math.log(p) : Math.log(1 - p);
      right += Number(p >= 0.5 === (e.target[i] === 1));
    }
    loss /= e.output.length;
    const db = path.join(ws, '.lineage', 'lineage.db');
    const logged = Object.fromEntries(
      (await queryDbFile(db, 'SELECT key, last FROM metric_summaries WHERE run_id = ?', [id])).map((s) => [s.key, s.last as number]),
    );
    assert.ok(Math.abs(loss - logged.val_log_loss) <= 1e-9, `log loss from the explanation ${loss}, logged ${logged.val_log_loss}`);
    assert.equal(right / e.output.length, logged.val_accuracy);
    assert.ok(logged.val_auc > 0.9, `val_auc ${logged.val_auc}`);

    // The generator's rules show through: more late payments lower the odds on average.
    const j = FEATURES.indexOf('late_payments_2y');
    const mean = (pick: (late: number) => boolean) => {
      let s = 0;
      let n = 0;
      for (let i = 0; i < m.rows; i++) {
        if (pick(e.data[i * FEATURES.length + j])) {
          s += e.values[i * FEATURES.length + j];
          n++;
        }
      }
      return s / n;
    };
    assert.ok(mean((late) => late >= 3) < mean((late) => late === 0), 'late payments lower the log-odds');

    const ev = explanationEvent(ws, id);
    assert.equal(ev?.method, EXPECTED_METHOD[model]);
  });
}
