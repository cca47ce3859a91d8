import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, copyExample, PYTHON, REPO } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

// examples/house-prices/simulate_live.py: batches of "live" houses for drift monitoring. The first tests read the
// files it writes; the last ones run `lineage drift` on the example's committed batches, as its README does.

const EXAMPLE = path.join(REPO, 'examples', 'house-prices');
const SIMULATE = path.join(EXAMPLE, 'simulate_live.py');
const COLUMNS = ['bedrooms', 'floor_area_m2', 'location', 'age_years', 'price'];

interface House {
  bedrooms: number;
  floor_area_m2: number;
  location: string;
  age_years: number;
  price: number;
  prediction?: number;
}

function simulate(args: string[]) {
  // No __pycache__ left in the example (simulate_live imports generate_data).
  return spawnSync(PYTHON, [SIMULATE, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
}

function readBatch(file: string): House[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as House);
}

function readTraining(): House[] {
  const [header, ...lines] = fs
    .readFileSync(path.join(EXAMPLE, 'data', 'houses.csv'), 'utf8')
    .trim()
    .split('\n');
  assert.deepEqual(header.split(','), COLUMNS);
  return lines.map((l) => {
    const [b, a, loc, age, p] = l.split(',');
    return { bedrooms: Number(b), floor_area_m2: Number(a), location: loc, age_years: Number(age), price: Number(p) };
  });
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** generate_data.py's noise-free price of a house (its per-m² prices and age curve), for the three locations
 * without a size premium: a batch's actual prices divided by this show the market's price level. */
const PER_M2: Record<string, number> = { city_centre: 5200, suburb: 3300, rural: 1900 };
function ageFactor(age: number): number {
  if (age <= 60) return 1 - 0.005 * age;
  if (age <= 90) return 0.7;
  return 0.7 + 0.006 * (age - 90);
}
function priceLevel(houses: House[]): number {
  const plain = houses.filter((h) => h.location in PER_M2);
  return median(plain.map((h) => h.price / (h.floor_area_m2 * PER_M2[h.location] * ageFactor(h.age_years) + 9000 * h.bedrooms)));
}

function generated(extra: string[] = []): { dir: string; batches: House[][]; stdout: string } {
  const dir = tmpDir('lineage-live-');
  const r = simulate(['--out', dir, ...extra]);
  assert.equal(r.status, 0, r.stderr);
  const files = fs.readdirSync(dir).sort();
  return { dir, batches: files.map((f) => readBatch(path.join(dir, f))), stdout: r.stdout };
}

test('simulate_live.py writes the committed batches byte for byte, and another seed gives other houses', () => {
  const { dir, stdout } = generated();
  const committed = path.join(EXAMPLE, 'monitoring', 'batches');
  const names = fs.readdirSync(dir).sort();
  assert.deepEqual(names, ['batch-01.jsonl', 'batch-02.jsonl', 'batch-03.jsonl', 'batch-04.jsonl']);
  // The rows, not the bytes of a prediction column: `simulate_live.py --model` (the README's and the demo's next
  // step) adds one to these same files, and a working tree where that ran must still pass.
  const rowsOf = (file: string) => fs.readFileSync(file, 'utf8').replace(/,"prediction":-?\d+\}/g, '}');
  for (const n of names) assert.equal(rowsOf(path.join(committed, n)), fs.readFileSync(path.join(dir, n), 'utf8'), `${n} differs from the committed one`);
  assert.match(stdout, /no --model: the batches have no prediction column/);

  const other = generated(['--seed', '7', '--batches', '2', '--rows', '50']);
  assert.deepEqual(
    other.batches.map((b) => b.length),
    [50, 50],
  );
  assert.notDeepEqual(other.batches[0], readBatch(path.join(committed, names[0])).slice(0, 50));
});

test('batch 1 is made by the training generator: same columns, categories and ranges, same means within a few per cent', () => {
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      'import random, sys; sys.path.insert(0, sys.argv[1]); import generate_data as g, simulate_live as s\n' +
        'print(all(g.make_row(random.Random(k)) == s.make_live_row(random.Random(k), 0.0) for k in range(500)))',
      EXAMPLE,
    ],
    { encoding: 'utf8', cwd: tmpDir('lineage-live-py-'), env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'True', 'at shift strength 0 a live row is generate_data.make_row’s row, draw for draw');

  const training = readTraining();
  const [first] = generated().batches;
  assert.equal(first.length, 500);
  for (const h of first) assert.deepEqual(Object.keys(h), COLUMNS);
  const trainingLocations = new Set(training.map((h) => h.location));
  assert.deepEqual(new Set(first.map((h) => h.location)), trainingLocations);
  const lo = (k: keyof House, xs: House[]) => Math.min(...xs.map((h) => h[k] as number));
  const hi = (k: keyof House, xs: House[]) => Math.max(...xs.map((h) => h[k] as number));
  for (const k of ['bedrooms', 'floor_area_m2', 'age_years', 'price'] as const) {
    assert.ok(lo(k, first) >= lo(k, training) && hi(k, first) <= hi(k, training) * 1.1, `${k} range ${lo(k, first)}..${hi(k, first)}`);
    const ratio = mean(first.map((h) => h[k])) / mean(training.map((h) => h[k]));
    assert.ok(Math.abs(ratio - 1) < 0.06, `${k}: batch 1 mean / training mean = ${ratio}`);
  }
  assert.ok(Math.abs(priceLevel(first) - 1) < 0.03, `batch 1 price level ${priceLevel(first)}`);
  assert.ok(Math.abs(priceLevel(training) - 1) < 0.03, `training price level ${priceLevel(training)}`);
});

test('later batches shift step by step: floor areas up to ×1.3, a never-seen "harbour" location up to 25 %, actual prices 15 % higher', () => {
  const training = readTraining();
  const { batches } = generated();
  const area = (b: House[]) => mean(b.map((h) => h.floor_area_m2));
  const harbour = (b: House[]) => b.filter((h) => h.location === 'harbour').length / b.length;
  assert.equal(training.filter((h) => h.location === 'harbour').length, 0, 'harbour never appears in training');
  assert.equal(harbour(batches[0]), 0);

  // The last batch at full strength; its areas also include harbour houses, 4 m² larger than a suburb's on average.
  const growth = area(batches[3]) / area(training);
  assert.ok(growth > 1.25 && growth < 1.38, `floor area mean ×${growth}`);
  assert.ok(harbour(batches[3]) > 0.19 && harbour(batches[3]) < 0.31, `harbour share ${harbour(batches[3])}`);
  const level = priceLevel(batches[3]);
  assert.ok(level > 1.12 && level < 1.18, `price level ${level}`);

  // In between the shift grows with the batch (strengths 0, 1/3, 2/3, 1): every measure rises monotonically.
  for (let k = 1; k < 4; k++) {
    assert.ok(area(batches[k]) > area(batches[k - 1]), `area batch ${k + 1}`);
    assert.ok(harbour(batches[k]) > harbour(batches[k - 1]), `harbour batch ${k + 1}`);
    assert.ok(priceLevel(batches[k]) > priceLevel(batches[k - 1]), `price level batch ${k + 1}`);
  }
  // What does not shift: bedrooms and ages keep the training distribution.
  for (const k of ['bedrooms', 'age_years'] as const) {
    const ratio = mean(batches[3].map((h) => h[k])) / mean(training.map((h) => h[k]));
    assert.ok(Math.abs(ratio - 1) < 0.08, `${k} ratio ${ratio}`);
  }
});

test('with --model the batches carry the model’s predictions: close to the actual prices in batch 1, far off once the market moved', () => {
  const out = tmpDir('lineage-live-model-');
  const train = spawnSync(PYTHON, [path.join(EXAMPLE, 'train.py'), '--no-explain', '--n-estimators', '100', '--output-dir', out], {
    encoding: 'utf8',
    cwd: out,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 120_000,
  });
  assert.equal(train.status, 0, train.stderr);
  const withModel = generated(['--model', path.join(out, 'model.pkl')]);
  const plain = generated();
  assert.match(withModel.stdout, /with predictions/);
  const rmse = (b: House[]) => Math.sqrt(mean(b.map((h) => (h.price - h.prediction!) ** 2)));
  withModel.batches.forEach((b, k) => {
    assert.deepEqual(
      b.map(({ prediction, ...rest }) => {
        assert.ok(Number.isInteger(prediction), `prediction ${prediction}`);
        return rest;
      }),
      plain.batches[k],
      'the same houses, one column more',
    );
  });
  assert.ok(rmse(withModel.batches[0]) < 40_000, `batch 1 RMSE ${rmse(withModel.batches[0])}`);
  assert.ok(rmse(withModel.batches[3]) > 3 * rmse(withModel.batches[0]), `batch 4 RMSE ${rmse(withModel.batches[3])}`);

  const missing = simulate(['--out', tmpDir('lineage-live-'), '--model', path.join(out, 'nope.pkl')]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /no model at .*nope\.pkl: train one first/);
});

interface DriftJson {
  batches: Array<{
    batch: { file: string; rows: number };
    columns: Array<{ name: string; test: string; drifted: boolean; newCategories: { values: Array<{ value: string; count: number }> } | null }>;
    dataset: { drifted: boolean; driftedColumns: number; testedColumns: number };
    actual: { drifted: boolean } | null;
    prediction: { drifted: boolean } | null;
    performance: { metric: string; rmse?: number; rows: number } | null;
  }>;
}

test('lineage drift on the example: batch 1 has no drift (exit 0 with --fail-on drift), the last batch drifts in floor area and location with "harbour" new (exit 3)', () => {
  // A copy of the example: a demo run may have left a .lineage store in the real one.
  const ws = tmpDir('lineage-live-drift-');
  copyExample(ws);
  const batches = path.join(ws, 'monitoring', 'batches');
  const first = cli(['drift', 'data/houses.csv', path.join(batches, 'batch-01.jsonl'), '--actual', 'price', '--fail-on', 'drift', '--json'], ws);
  assert.equal(first.status, 0, first.stderr);
  const ok = (JSON.parse(first.stdout) as DriftJson).batches[0];
  assert.equal(ok.batch.rows, 500);
  assert.equal(ok.dataset.drifted, false);
  assert.deepEqual(
    ok.columns.filter((c) => c.drifted).map((c) => c.name),
    [],
  );
  assert.equal(ok.actual?.drifted, false, 'the actual prices have the training level in batch 1');
  assert.ok(!fs.existsSync(path.join(ws, '.lineage')), 'checking drift outside a Lineage workspace leaves no store behind');

  const last = cli(['drift', 'data/houses.csv', path.join(batches, 'batch-04.jsonl'), '--actual', 'price', '--fail-on', 'drift', '--json'], ws);
  assert.equal(last.status, 3, last.stderr);
  const drifted = (JSON.parse(last.stdout) as DriftJson).batches[0];
  assert.equal(drifted.dataset.drifted, true);
  assert.deepEqual(
    drifted.columns.filter((c) => c.drifted).map((c) => c.name),
    ['floor_area_m2', 'location'],
  );
  const location = drifted.columns.find((c) => c.name === 'location')!;
  assert.deepEqual(
    location.newCategories?.values.map((v) => v.value),
    ['harbour'],
  );
  assert.ok(location.newCategories.values[0].count > 95 && location.newCategories.values[0].count < 155, 'about 25 % of 500 houses');
  assert.equal(drifted.actual?.drifted, true, 'the price level change shows as drift of the actuals');

  // Every batch at once, as a scheduled job would: the shift starts with batch 2, so that is where --fail-on trips.
  const all = cli(['drift', 'data/houses.csv', ...['01', '02', '03', '04'].map((k) => path.join(batches, `batch-${k}.jsonl`)), '--json'], ws);
  assert.equal(all.status, 0, 'without --fail-on drift is reported, not an error');
  assert.deepEqual(
    (JSON.parse(all.stdout) as DriftJson).batches.map((b) => b.dataset.drifted),
    [false, true, true, true],
  );
});

test('lineage drift with the model’s predictions: prediction drift and the error per batch follow the shift', () => {
  const out = tmpDir('lineage-live-pred-');
  const train = spawnSync(PYTHON, [path.join(EXAMPLE, 'train.py'), '--no-explain', '--n-estimators', '100', '--output-dir', out], {
    encoding: 'utf8',
    cwd: out,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    timeout: 120_000,
  });
  assert.equal(train.status, 0, train.stderr);
  const { dir } = generated(['--model', path.join(out, 'model.pkl')]);
  const files = ['01', '04'].map((k) => path.join(dir, `batch-${k}.jsonl`));
  const r = cli(['drift', path.join(EXAMPLE, 'data', 'houses.csv'), ...files, '--prediction', 'prediction', '--actual', 'price', '--json'], out);
  assert.equal(r.status, 0, r.stderr);
  const [b1, b4] = (JSON.parse(r.stdout) as DriftJson).batches;
  assert.equal(b1.prediction?.drifted, false);
  assert.equal(b4.prediction?.drifted, true);
  assert.equal(b1.performance?.metric, 'rmse');
  assert.equal(b1.performance?.rows, 500);
  // Recomputed from the file: the CLI's RMSE is the batch's own error, not a figure of the run.
  const houses = readBatch(files[0]);
  const expected = Math.sqrt(mean(houses.map((h) => (h.price - h.prediction!) ** 2)));
  assert.ok(Math.abs(b1.performance.rmse! - expected) < 1e-6 * expected, `${b1.performance.rmse} vs ${expected}`);
  assert.ok(b4.performance!.rmse! > 3 * b1.performance.rmse!, `RMSE ${b1.performance.rmse} → ${b4.performance!.rmse}`);
});
