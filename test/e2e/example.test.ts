import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, copyExample, gitInit, queryDbFile, PYTHON } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';
import { readAllPoints, readIndex, seriesFile } from '../../src/core/metrics/seriesFile';
import { createHash } from 'node:crypto';
import { additivityGap, explanationEvent, maxAbs, readExplanation } from './explanationFiles';

test('the house-prices example, run through the CLI with real Python and scikit-learn, is fully recorded', async () => {
  const ws = tmpDir('lineage-e2e-');
  copyExample(ws);
  const head = gitInit(ws);
  const r = cli(['run', '--name', 'baseline', 'train.py', '--n-estimators', '120'], ws);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /run \S+ finished in .* val_rmse [\d,]+/);
  const id = /recording run (\S+)/.exec(r.stderr)![1];
  const db = path.join(ws, '.lineage', 'lineage.db');

  const run = (await queryDbFile(db, 'SELECT * FROM runs WHERE id = ?', [id]))[0];
  assert.equal(run.status, 'finished');
  assert.equal(run.exit_code, 0);
  assert.equal(run.name, 'baseline');
  assert.equal(run.git_commit, head);
  assert.equal(run.git_branch, 'main');
  assert.equal(run.python, PYTHON);

  const params = Object.fromEntries((await queryDbFile(db, 'SELECT key, value FROM params WHERE run_id = ?', [id])).map((p) => [p.key, p.value]));
  assert.equal(params.model, 'gbr');
  assert.equal(Number(params.n_estimators), 120, 'argparse value recorded');
  assert.equal(Number(params.learning_rate), 0.05);

  const summaries = await queryDbFile(db, 'SELECT * FROM metric_summaries WHERE run_id = ? ORDER BY key', [id]);
  const byKey = Object.fromEntries(summaries.map((s) => [s.key, s]));
  for (const k of ['train_rmse', 'val_rmse', 'val_mae', 'val_r2']) assert.ok(byKey[k], `summary for ${k}`);
  assert.equal(byKey.val_rmse.count, 120, 'one val_rmse point per boosting stage');
  assert.ok((byKey.val_r2.last as number) > 0.9, `val_r2 ${byKey.val_r2.last}`);
  // The points are in the run's metric cache file, not in lineage.db.
  const series = readAllPoints(readIndex(seriesFile(path.join(ws, '.lineage'), id, 'val_rmse'))!);
  assert.equal(series.values.length, 120);
  assert.equal(series.values[119], byKey.val_rmse.last);
  assert.ok(series.values[0] > series.values[119], 'the curve goes down');
  assert.deepEqual([...series.steps.subarray(0, 3)], [0, 1, 2]);

  const artifacts = await queryDbFile(db, 'SELECT path, kind, flavor, size FROM artifacts WHERE run_id = ? ORDER BY path', [id]);
  const model = artifacts.find((a) => a.kind === 'model');
  assert.ok(model, JSON.stringify(artifacts));
  assert.equal(model.flavor, 'sklearn');
  assert.ok((model.size as number) > 1000);
  assert.ok(fs.existsSync(path.join(ws, '.lineage', 'runs', id, model.path as string)));
  const consoleRow = artifacts.find((a) => a.kind === 'console');
  assert.ok(consoleRow && (consoleRow.size as number) > 0);
  const log = fs.readFileSync(path.join(ws, '.lineage', 'runs', id, 'console.log'), 'utf8');
  assert.match(log, /val_rmse/);

  // The script never calls log_dataset: the CSV it read and the files it wrote are captured automatically,
  // each with the fingerprint taken when the run ended.
  const datasets = await queryDbFile(
    db,
    'SELECT rd.path, rd.role, d.fingerprint, d.size FROM run_datasets rd LEFT JOIN datasets d ON d.id = rd.dataset_id WHERE rd.run_id = ? ORDER BY rd.path',
    [id],
  );
  assert.deepEqual(
    datasets.map((d) => [d.path, d.role]),
    [
      ['data/prepared.csv', 'input'],
      ['outputs/metrics.json', 'output'],
      ['outputs/model.pkl', 'output'],
    ],
  );
  const csv = fs.readFileSync(path.join(ws, 'data', 'prepared.csv'));
  assert.equal(datasets[0].fingerprint, createHash('sha256').update(csv).digest('hex'));
  assert.equal(datasets[0].size, csv.length);
  assert.equal((datasets[2].fingerprint as string).length, 64);

  const packages = await queryDbFile(db, "SELECT version FROM packages WHERE run_id = ? AND lower(name) = 'scikit-learn'", [id]);
  assert.equal(packages.length, 1);

  const ls = cli(['ls', '--json'], ws);
  assert.equal(ls.status, 0, ls.stderr);
  const listed = JSON.parse(ls.stdout);
  assert.equal(listed[0].id, id);
  assert.equal(listed[0].metrics.val_rmse.last, byKey.val_rmse.last);

  // A second run with a changed parameter, then compare marks the difference.
  const r2 = cli(['run', '--name', 'fast', 'train.py', '--n-estimators', '60', '--learning-rate', '0.1'], ws);
  assert.equal(r2.status, 0, r2.stderr);
  const cmp = cli(['compare', 'baseline', 'fast'], ws);
  assert.equal(cmp.status, 0, cmp.stderr);
  assert.match(cmp.stdout, /\* learning_rate\s+0\.05\s+0\.1/);
  assert.match(cmp.stdout, /\* val_rmse\s+[\d,.]+( ▼)?\s+[\d,.]+( ▼)?/);
  const show = cli(['show', 'fast'], ws);
  assert.match(show.stdout, /n_estimators\s+60/);
  assert.match(show.stdout, new RegExp(`git\\s+${head.slice(0, 12)} on main`));
});

test('a failing script exits with its own code and is recorded failed with its traceback', async () => {
  const ws = tmpDir('lineage-e2e-');
  fs.writeFileSync(
    path.join(ws, 'boom.py'),
    'import lineage\nlineage.log_metric("loss", 0.5)\nlineage.log_metric("loss", 0.4)\nraise RuntimeError("diverged at step 2")\n',
  );
  const r = cli(['run', 'boom.py'], ws);
  assert.equal(r.status, 1);
  const id = /recording run (\S+)/.exec(r.stderr)![1];
  const show = JSON.parse(cli(['show', id, '--json'], ws).stdout);
  assert.equal(show.status, 'failed');
  assert.equal(show.metrics.loss.count, 2);
  assert.match(show.error, /RuntimeError: diverged at step 2/);
  const usage = cli(['run'], ws);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /nothing to run\. Example: lineage run train\.py/);
  const missing = cli(['show', 'nope'], ws);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /No run "nope"\. `lineage ls` lists the runs/);
});

test("the example's data: fingerprinted without log_dataset, profiled, and reported modified after an edit", async () => {
  const ws = tmpDir('lineage-e2e-');
  copyExample(ws);
  gitInit(ws);
  const r = cli(['run', 'train.py', '--n-estimators', '20'], ws);
  assert.equal(r.status, 0, r.stderr);
  const id = /recording run (\S+)/.exec(r.stderr)![1];
  const of = JSON.parse(cli(['data', 'of', id, '--json'], ws).stdout);
  const input = of.datasets.find((d: { role: string }) => d.role === 'input');
  assert.equal(input.path, 'data/prepared.csv');
  assert.equal(input.version.profile.rows, 3000);
  assert.deepEqual(
    input.version.profile.columns.map((c: { name: string }) => c.name),
    ['bedrooms', 'floor_area_m2', 'location', 'age_years', 'price'],
  );
  let status = cli(['data', 'status', '--check'], ws);
  assert.equal(status.status, 0, status.stdout + status.stderr);
  assert.match(status.stdout, /unchanged\s+input\s+data\/prepared\.csv/);
  fs.appendFileSync(path.join(ws, 'data', 'prepared.csv'), '3,95.0,suburb,12,310000\n');
  status = cli(['data', 'status', '--check'], ws);
  assert.equal(status.status, 3, 'changed data makes --check fail');
  assert.match(status.stdout, /modified\s+input\s+data\/prepared\.csv/);
  const r2 = cli(['run', 'train.py', '--n-estimators', '20'], ws);
  assert.equal(r2.status, 0, r2.stderr);
  const id2 = /recording run (\S+)/.exec(r2.stderr)![1];
  const diff = cli(['data', 'diff', id, id2], ws);
  assert.match(diff.stdout, /data\/prepared\.csv: different/);
  assert.match(diff.stdout, /rows 3,000 → 3,001 \(\+1\)/);
  const runs = JSON.parse(cli(['data', 'runs', 'data/prepared.csv', '--json'], ws).stdout);
  assert.equal(runs.versions.length, 2);
  assert.deepEqual(
    runs.versions.map((v: { runs: Array<{ id: string }> }) => v.runs.map((x) => x.id)),
    [[id2], [id]],
  );
  // The fingerprints survive a rebuild of the index: they are kept on disk, not only in lineage.db.
  assert.equal(cli(['db', 'rebuild'], ws).status, 0);
  const again = JSON.parse(cli(['data', 'runs', 'data/prepared.csv', '--json'], ws).stdout);
  assert.deepEqual(again.versions.map((v: { sha256: string }) => v.sha256).sort(), runs.versions.map((v: { sha256: string }) => v.sha256).sort());
});

// What the main job ends with: every --model leaves an explanation whose numbers are the model's own.
const EXPECTED_METHOD: Record<string, string> = { gbr: 'tree_path_dependent', rf: 'tree_path_dependent', ridge: 'linear_interventional' };

for (const model of ['gbr', 'rf', 'ridge']) {
  test(`the example's ${model} run logs an exact explanation of its validation predictions`, async () => {
    const ws = tmpDir('lineage-e2e-');
    copyExample(ws);
    gitInit(ws);
    const r = cli(['run', 'train.py', '--model', model], ws);
    assert.equal(r.status, 0, r.stderr);
    const id = /recording run (\S+)/.exec(r.stderr)![1];
    assert.match(r.stdout, new RegExp(`explanation: ${EXPECTED_METHOD[model]}, 600 rows, additivity error`));

    const e = readExplanation(ws, id);
    const m = e.manifest;
    assert.equal(m.format, 1);
    assert.equal(m.method, EXPECTED_METHOD[model]);
    assert.equal(m.exact, true);
    assert.equal(m.task, 'regression');
    assert.equal(m.link, 'identity');
    assert.equal(m.rows, 600, 'the validation rows (test_size 0.2 of 3,000), none sampled away');
    assert.deepEqual(m.features, ['bedrooms', 'floor_area_m2', 'age_years', 'location']);
    assert.deepEqual(m.feature_kinds, ['numeric', 'numeric', 'numeric', 'categorical']);
    assert.deepEqual([...m.categories.location].sort(), ['city_centre', 'rural', 'suburb', 'waterfront']);
    assert.equal(m.grouped_from.location.length, 4, 'the one-hot columns summed into one location attribution');
    assert.equal(m.units.floor_area_m2, 'm²');
    assert.equal(m.units.price, 'EUR', "the output's unit, for the report's sentences");
    assert.equal(m.subject, 'house');

    // Additivity, from the arrays (not the manifest's word for it), within 1e-9 of the output scale.
    const scale = maxAbs(e.output);
    assert.ok(scale > 100_000, `prices in euros, scale ${scale}`);
    assert.ok(Math.abs(m.output_scale - scale) <= 1e-9 * scale, `output_scale ${m.output_scale} vs ${scale}`);
    const gap = additivityGap(e);
    assert.ok(gap <= 1e-9 * scale, `additivity gap ${gap} at scale ${scale}`);
    assert.ok(m.additivity_error <= 1e-9 * scale && Math.abs(m.additivity_error - gap) <= 1e-9 * scale, `recorded ${m.additivity_error}, computed ${gap}`);

    // The outputs are the model's real predictions: against the recorded targets they give exactly the
    // val_rmse the script logged for the same rows.
    assert.ok(e.target, 'y was given, so the targets are stored');
    let sq = 0;
    for (let i = 0; i < e.output.length; i++) sq += (e.output[i] - e.target[i]) ** 2;
    const rmse = Math.sqrt(sq / e.output.length);
    const db = path.join(ws, '.lineage', 'lineage.db');
    const valRmse = (await queryDbFile(db, "SELECT last FROM metric_summaries WHERE run_id = ? AND key = 'val_rmse'", [id]))[0].last as number;
    assert.ok(Math.abs(rmse - valRmse) <= 1e-9 * valRmse, `rmse from the explanation ${rmse}, logged ${valRmse}`);
    // Every attribution is a finite number, and location's codes index its categories.
    assert.ok(e.values.every(Number.isFinite));
    for (let i = 0; i < m.rows; i++) {
      const code = e.data[i * 4 + 3];
      assert.ok(Number.isInteger(code) && code >= 0 && code < 4, `location code ${code}`);
    }
    // What-if needs the model beside the arrays, and the index needs the event.
    assert.ok(m.model && fs.statSync(path.join(e.dir, m.model.file)).size > 1000, JSON.stringify(m.model));
    const ev = explanationEvent(ws, id);
    assert.equal(ev?.method, EXPECTED_METHOD[model]);
    assert.equal(ev?.rows, 600);
    const indexed = await queryDbFile(db, 'SELECT name, path, method, exact, rows, features FROM explanations WHERE run_id = ?', [id]);
    assert.deepEqual(indexed, [
      { name: 'default', path: 'explanations/default/explanation.json', method: EXPECTED_METHOD[model], exact: 1, rows: 600, features: 4 },
    ]);
  });
}
