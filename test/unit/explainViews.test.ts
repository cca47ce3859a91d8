import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExplainError, loadExplanation, type ExplanationData } from '../../src/core/explain/load';
import { comparisonView, dependenceView, findRows, globalView, rowView } from '../../src/core/explain/views';
import { COLOR_BUCKETS } from '../../src/core/explain/beeswarm';
import { tmpDir } from '../helpers/tmp';
import { randomSpec, writeExplanation, type ExplanationSpec } from '../helpers/explanationFixture';
import { mulberry32 } from '../../bench/lib/measure';

/**
 * Four houses, hand-checkable: mean |φ| is size (10+6+2+2)/4 = 5, city (4+2+2+0)/4 = 2, age (1+0+3+2)/4 = 1.5;
 * outputs 107, 96, 101, 100 against targets 110, 90, 101, 95 (errors 3, 6, 0, 5).
 */
const HOUSES: ExplanationSpec = {
  features: ['size', 'city', 'age'],
  values: [
    [10, -4, 1],
    [-6, 2, 0],
    [2, 2, -3],
    [-2, 0, 2],
  ],
  data: [
    [200, 0, 5],
    [50, 1, 30],
    [120, 1, 10],
    [80, 0, 20],
  ],
  base: 100,
  target: [110, 90, 101, 95],
  featureKinds: ['numeric', 'categorical', 'numeric'],
  categories: { city: ['center', 'suburb'] },
};

async function load(spec: ExplanationSpec): Promise<ExplanationData> {
  const dir = path.join(tmpDir('lineage-explain-views-'), 'run');
  fs.mkdirSync(dir);
  writeExplanation(dir, spec);
  return loadExplanation(dir, spec.name ?? 'default');
}

test('global view: importance by mean |attribution|, and a beeswarm binned by hand', async () => {
  const ex = await load(HOUSES);
  const g = globalView('run1', ex, { shown: 2, pointsPerFeature: 2 });
  assert.equal(g.runId, 'run1');
  assert.equal(g.name, 'default');
  assert.deepEqual(g.importance, [
    { feature: 'size', meanAbs: 5 },
    { feature: 'city', meanAbs: 2 },
    { feature: 'age', meanAbs: 1.5 },
  ]);
  assert.equal(g.otherFeatures, 1);
  assert.deepEqual(
    g.beeswarm.map((b) => b.feature),
    ['size', 'city'],
  );
  // size over 2 bins of [-6, 10]: bin 0 holds -6 (value 50, colour 0) and -2 (80, colour 0.2); bin 1 holds 2
  // (120, colour 70/150) and 10 (200, colour 1). Two points per bin, both bins equally busy: jitter ±0.225.
  const size = g.beeswarm[0];
  assert.deepEqual([...size.x], [-6, -2, 2, 10]);
  assert.deepEqual([...size.count], [1, 1, 1, 1]);
  assert.deepEqual([...size.color], [0, 0.2, 70 / 150, 1].map(Math.fround));
  assert.deepEqual([...size.jitter], [-0.225, 0.225, -0.225, 0.225].map(Math.fround));
  // city over 2 bins of [-4, 2]: bin 0 holds -4 alone; bin 1 holds 0 (center) and 2, 2 (both suburb): the two
  // suburb rows share one point of count 2. Bin 1 is the busiest (3 rows), bin 0's single point sits at 0.
  const city = g.beeswarm[1];
  assert.deepEqual([...city.x], [-4, 0, 2]);
  assert.deepEqual([...city.count], [1, 1, 2]);
  assert.deepEqual([...city.color], [0, 0, 1]);
  assert.deepEqual([...city.jitter], [0, -0.225, 0.225].map(Math.fround));
  assert.equal(g.trust.level, 'exact');
});

test('beeswarm at 4,000 × 12: counts sum to the rows, points stay few, jitter and colour in range', async () => {
  const ex = await load(randomSpec(4000, 12, 7));
  const g = globalView('r', ex);
  assert.equal(g.beeswarm.length, 12);
  assert.equal(g.otherFeatures, 0);
  for (const b of g.beeswarm) {
    assert.equal(
      b.count.reduce((s, c) => s + c, 0),
      4000,
      b.feature,
    );
    assert.ok(b.x.length <= 400 * (COLOR_BUCKETS + 1) && b.x.length < 4000, `${b.feature}: ${b.x.length} points`);
    for (let i = 0; i < b.x.length; i++) {
      assert.ok(Math.abs(b.jitter[i]) <= 0.45 + 1e-6);
      assert.ok(b.color[i] >= 0 && b.color[i] <= 1);
    }
  }
  // Importance falls with the feature number by construction (attribution ∝ 1/(j+1)).
  assert.deepEqual(
    g.importance.map((r) => r.feature).filter((f) => f !== 'region'),
    Array.from({ length: 11 }, (_, j) => `f${j + 1}`),
  );
  assert.deepEqual(globalView('r', ex), g, 'deterministic');
});

test('NaN inputs get the grey bucket, NaN attributions are left out, an all-NaN feature draws nothing', async () => {
  const ex = await load({
    features: ['x', 'y'],
    values: [
      [1, NaN],
      [2, NaN],
      [NaN, NaN],
    ],
    data: [
      [NaN, 1],
      [5, 1],
      [6, 1],
    ],
    base: 0,
    output: [3, 2, 0],
  });
  const g = globalView('r', ex);
  assert.deepEqual(g.importance[0], { feature: 'x', meanAbs: 1.5 });
  assert.ok(Number.isNaN(g.importance[1].meanAbs));
  const x = g.beeswarm[0];
  assert.equal(
    x.count.reduce((s, c) => s + c, 0),
    2,
  );
  assert.ok(Number.isNaN(x.color[0]), 'the row with an unknown input is grey');
  assert.equal(g.beeswarm[1].x.length, 0);
});

test('row view: inputs with category names, contributions by size, the prediction and the additivity gap', async () => {
  const ex = await load(HOUSES);
  const r = rowView(ex, 0);
  assert.equal(r.index, 0);
  assert.equal(r.rowId, 0);
  assert.deepEqual(r.inputs, [
    { feature: 'size', value: 200 },
    { feature: 'city', value: 'center' },
    { feature: 'age', value: 5 },
  ]);
  assert.deepEqual(
    r.contributions.map((c) => [c.feature, c.value, c.input]),
    [
      ['size', 10, 200],
      ['city', -4, 'center'],
      ['age', 1, 5],
    ],
  );
  assert.equal(r.contributions[0].stderr, null);
  assert.equal(r.base, 100);
  assert.equal(r.output, 107);
  assert.equal(r.prediction, 107);
  assert.equal(r.target, 110);
  assert.equal(r.gap, 0);
  for (const bad of [-1, 4, 1.5, NaN]) assert.throws(() => rowView(ex, bad), /out of range: the explanation has 4 rows \(0 to 3\)/);
});

test('a logit explanation shows probabilities; row ids and standard errors come through', async () => {
  const ex = await load({
    features: ['income', 'debt'],
    values: [
      [1, -0.5],
      [-2, 0],
    ],
    data: [
      [50, 10],
      [20, 30],
    ],
    base: 0.5,
    link: 'logit',
    task: 'binary',
    method: 'kernel',
    stderr: [
      [0.1, 0.2],
      [0.3, 0.4],
    ],
    rowIds: [17, 42],
  });
  const r = rowView(ex, 1);
  assert.equal(r.rowId, 42);
  assert.equal(r.output, -1.5);
  assert.ok(Math.abs(r.prediction - 1 / (1 + Math.exp(1.5))) < 1e-15);
  assert.deepEqual(
    r.contributions.map((c) => [c.feature, c.stderr]),
    [
      ['income', 0.3],
      ['debt', 0.4],
    ],
  );
  assert.deepEqual(
    findRows(ex, { sort: 'index', search: '42' }).map((f) => f.index),
    [1],
  );
});

test('findRows: sorts by prediction and error, searches by comparisons, categories and row ids', async () => {
  const ex = await load(HOUSES);
  const ids = (q: Parameters<typeof findRows>[1]) => findRows(ex, q).map((r) => r.index);
  assert.deepEqual(ids({ sort: 'index' }), [0, 1, 2, 3]);
  assert.deepEqual(ids({ sort: 'prediction-desc' }), [0, 2, 3, 1]);
  assert.deepEqual(ids({ sort: 'prediction-asc' }), [1, 3, 2, 0]);
  assert.deepEqual(ids({ sort: 'error-desc' }), [1, 3, 0, 2]);
  assert.deepEqual(ids({ sort: 'error-desc', limit: 2 }), [1, 3]);
  assert.deepEqual(findRows(ex, { sort: 'error-desc', limit: 1 }), [{ index: 1, rowId: 1, prediction: 96, target: 90, error: 6 }]);
  assert.deepEqual(ids({ sort: 'index', search: 'size>100' }), [0, 2]);
  assert.deepEqual(ids({ sort: 'index', search: 'city=suburb' }), [1, 2]);
  assert.deepEqual(ids({ sort: 'index', search: 'city=SUBURB' }), [1, 2], 'category text is matched without case when no exact match');
  assert.deepEqual(ids({ sort: 'index', search: '  size>100   city=suburb ' }), [2]);
  assert.deepEqual(ids({ sort: 'index', search: 'age<=10 size!=200' }), [2]);
  assert.deepEqual(ids({ sort: 'index', search: '3' }), [3]);
  assert.deepEqual(ids({ sort: 'index', search: 'prediction>=101' }), [0, 2]);
  assert.deepEqual(ids({ sort: 'prediction-desc', search: 'error>4' }), [3, 1]);
  assert.throws(
    () => findRows(ex, { sort: 'index', search: 'floor>1' }),
    (e: unknown) => {
      assert.ok(e instanceof ExplainError);
      assert.match(e.message, /No feature "floor" in this explanation; the features are "size", "city", "age"/);
      return true;
    },
  );
  assert.throws(() => findRows(ex, { sort: 'index', search: 'city=downtown' }), /"city" has no category "downtown"; its categories are "center", "suburb"/);
  assert.throws(() => findRows(ex, { sort: 'index', search: 'size>big' }), /"size" is compared with "big", which is not a number/);
  assert.throws(() => findRows(ex, { sort: 'index', search: 'size' }), /not a row id or a comparison/);
  assert.throws(() => findRows(ex, { sort: 'index', search: 'size>' }), /has no value/);
});

test('search by quoted names with spaces and operator characters; error sort needs targets', async () => {
  const ex = await load({
    features: ['floor area (m²)', 'a<b'],
    values: [
      [1, 2],
      [3, 4],
    ],
    data: [
      [100, 1],
      [150, 2],
    ],
    base: 0,
  });
  assert.deepEqual(
    findRows(ex, { sort: 'index', search: '"floor area (m²)">=120' }).map((r) => r.index),
    [1],
  );
  assert.deepEqual(
    findRows(ex, { sort: 'index', search: 'a<b<2' }).map((r) => r.index),
    [0],
    'the name "a<b" is found before the operator after it',
  );
  assert.throws(() => findRows(ex, { sort: 'error-desc' }), /no true targets.*pass y= to lineage\.explain/);
  assert.throws(() => findRows(ex, { sort: 'index', search: '"floor area' }), /opening " without a closing one/);
});

test('dependence view: x and y from the rows, coloured by the feature that moves the attribution at equal x', async () => {
  // φ_size = 0.1·(size − 100) + 5·(city = suburb ? 1 : −1): at equal size, city moves the attribution; age never does.
  const rnd = mulberry32(3);
  const n = 500;
  const values: number[][] = [];
  const data: number[][] = [];
  for (let i = 0; i < n; i++) {
    const size = 50 + rnd() * 150;
    const city = rnd() < 0.5 ? 0 : 1;
    const age = rnd() * 50;
    data.push([size, city, age]);
    values.push([0.1 * (size - 100) + (city ? 5 : -5), city ? 1 : -1, 0.01 * (age - 25)]);
  }
  const ex = await load({ ...HOUSES, values, data, target: undefined });
  const d = dependenceView(ex, 'size');
  assert.equal(d.colorFeature, 'city');
  assert.deepEqual(d.colorCategories, ['center', 'suburb']);
  assert.equal(d.categories, null);
  assert.equal(d.sampled, n);
  assert.deepEqual(
    [...d.x.slice(0, 3)],
    data.slice(0, 3).map((r) => r[0]),
  );
  assert.deepEqual(
    [...d.y.slice(0, 3)],
    values.slice(0, 3).map((r) => r[0]),
  );
  assert.deepEqual(
    [...d.color!.slice(0, 3)],
    data.slice(0, 3).map((r) => r[1]),
  );
  const few = dependenceView(ex, 'age', 100);
  assert.equal(few.sampled, 100);
  assert.equal(few.x[1], data[5][2], 'every fifth row');
  assert.throws(() => dependenceView(ex, 'nope'), /No feature "nope"/);
});

test('two runs side by side: the union of features, a null where a run lacks one', async () => {
  const a = await load(HOUSES);
  const b = await load({
    features: ['rooms', 'size'],
    values: [
      [1, 1],
      [-3, 3],
    ],
    data: [
      [1, 1],
      [1, 1],
    ],
    base: 0,
  });
  assert.deepEqual(comparisonView(a, b), [
    { feature: 'size', a: 5, b: 2 },
    { feature: 'city', a: 2, b: null },
    { feature: 'age', a: 1.5, b: null },
    { feature: 'rooms', a: null, b: 2 },
  ]);
});

test('hostile feature names pass through every view as the same text', async () => {
  const names = ['<script>alert(1)</script>', '__proto__', '\u202e\u0007', 'constructor'];
  const ex = await load({ features: names, values: [[4, 3, 2, 1]], data: [[1, 2, 3, 4]], base: 0 });
  assert.deepEqual(
    globalView('r', ex).importance.map((i) => i.feature),
    names,
  );
  assert.deepEqual(
    rowView(ex, 0).contributions.map((c) => c.feature),
    names,
  );
  assert.equal(dependenceView(ex, '__proto__').feature, '__proto__');
  assert.deepEqual(
    findRows(ex, { sort: 'index', search: 'constructor>3' }).map((r) => r.index),
    [0],
  );
});

test('a categorical feature is searched by its category text, or by the number that text is, never by its code', async () => {
  // rooms' categories are the texts numpy floats become ('1.0' …), so code 2 is "3.0": rooms=3 must find the
  // rows whose rooms is 3.0 (rows 2 and 4), not those with code 3 (rows whose rooms is 4.0).
  const ex = await load({
    features: ['rooms', 'city', 'zone'],
    values: Array.from({ length: 5 }, () => [1, 1, 1]),
    data: [
      [0, 0, 1],
      [1, 1, 0],
      [2, 0, 1],
      [3, 1, 0],
      [2, 1, 1],
    ],
    base: 0,
    featureKinds: ['categorical', 'categorical', 'categorical'],
    categories: { rooms: ['1.0', '2.0', '3.0', '4.0'], city: ['New York', 'Paris'], zone: ['10', '2'] },
  });
  const ids = (search: string) => findRows(ex, { sort: 'index', search }).map((r) => r.index);
  assert.deepEqual(ids('rooms=3'), [2, 4]);
  assert.deepEqual(ids('rooms=3.0'), [2, 4]);
  assert.deepEqual(ids('rooms="3.0"'), [2, 4], 'a quoted value is the category text');
  assert.deepEqual(ids('"rooms"="3.0"'), [2, 4]);
  assert.deepEqual(ids('rooms!=3'), [0, 1, 3]);
  assert.deepEqual(ids('rooms>=3'), [2, 3, 4], 'an order compares the numbers the categories are');
  assert.deepEqual(ids('rooms<2.5'), [0, 1]);
  assert.deepEqual(ids('zone=2'), [0, 2, 4], 'the category "2" (code 1), not code 2');
  assert.deepEqual(ids('zone=10'), [1, 3]);
  assert.deepEqual(ids('city="New York"'), [0, 2], 'a quoted value may hold spaces');
  assert.deepEqual(ids('city="new york" rooms=3'), [2]);
  assert.throws(() => ids('rooms=7'), /"rooms" has no category "7"; its categories are "1\.0", "2\.0", "3\.0", "4\.0"/);
  assert.throws(() => ids('rooms="7"'), /"rooms" has no category "7"/);
  assert.throws(() => ids('city>Paris'), /"city" is a category: search it with = or != and one of its categories \("New York", "Paris"\)/);
  assert.throws(() => ids('city="Paris'), /opening " without a closing one/);
});

test('mean |attribution| of finite values near 1e308 does not overflow to Infinity', async () => {
  const big = 1.5e308;
  const ex = await load({
    features: ['a', 'b'],
    values: [
      [big, 1],
      [-big, 2],
      [big, NaN],
    ],
    data: [
      [1, 1],
      [2, 2],
      [3, 3],
    ],
    base: 0,
    output: [big, -big, big],
  });
  const g = globalView('run1', ex);
  assert.deepEqual(g.importance, [
    { feature: 'a', meanAbs: big },
    { feature: 'b', meanAbs: 1.5 },
  ]);
});
