/**
 * The Drift panel's webview messages and saved state, checked before the host acts on them (panelMessages.ts):
 * a page names the files the host reads, so only absolute table paths, well-formed run ids, known options,
 * sorts and in-range batch indexes get through.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DRIFT_MAX_BATCHES, driftOptionsOf, driftSelectionOf, driftStateOf, driftTableOf } from '../../src/extension/panels/panelMessages';

const good = {
  folder: '/work/example',
  reference: { file: '/work/example/data/houses.csv' },
  batches: ['/work/example/monitoring/batches/batch-01.jsonl', '/work/example/monitoring/batches/batch-02.jsonl.gz'],
  options: { actual: 'price', prediction: 'predicted_price' },
  batch: 1,
  column: 'location',
  sort: 'risk',
};

test('a well-formed saved state comes back as it was', () => {
  assert.deepEqual(driftStateOf(good), good);
  assert.deepEqual(driftStateOf({ ...good, reference: { runId: 'r-20261101-0001' } })?.reference, { runId: 'r-20261101-0001' });
});

test('a state without a usable reference is refused: relative, non-table, traversing run ids, wrong types', () => {
  for (const reference of [
    { file: 'data/houses.csv' },
    { file: '/etc/passwd' },
    { file: '/work/x.csv\0.txt' },
    { runId: '../../etc' },
    { runId: 42 },
    null,
    'houses.csv',
  ])
    assert.equal(driftStateOf({ ...good, reference }), undefined, JSON.stringify(reference));
  assert.equal(driftStateOf(null), undefined);
  assert.equal(driftStateOf('{"reference":{}}'), undefined);
});

test('batches: only absolute table files, at most DRIFT_MAX_BATCHES; the selection is kept only in range', () => {
  const s = driftStateOf({ ...good, batches: ['/a/b.csv', 'rel.csv', '/a/c.exe', 7, '/a/d.TSV', '/a/e.ndjson.gz'], batch: 5 });
  assert.deepEqual(s?.batches, ['/a/b.csv', '/a/d.TSV', '/a/e.ndjson.gz']);
  assert.equal(s?.batch, 0, 'index 5 is out of range for 3 batches');
  const many = Array.from({ length: DRIFT_MAX_BATCHES + 10 }, (_, i) => `/b/${i}.csv`);
  assert.equal(driftStateOf({ ...good, batches: many })?.batches.length, DRIFT_MAX_BATCHES);
  assert.equal(driftTableOf('/x/y.jsonl'), '/x/y.jsonl');
  assert.equal(driftTableOf('/x/y.json'), undefined);
  assert.equal(driftTableOf(`/${'a'.repeat(5000)}.csv`), undefined);
});

test('drift/state: batch index, column and sort each checked on their own', () => {
  assert.deepEqual(driftSelectionOf({ batch: 1, column: 'floor_area_m2', sort: 'drift' }, 2), { batch: 1, column: 'floor_area_m2', sort: 'drift' });
  assert.deepEqual(driftSelectionOf({ batch: 2, column: 'x'.repeat(2000), sort: 'alphabet' }, 2), {});
  assert.deepEqual(driftSelectionOf({ batch: -1, column: null }, 2), { column: null });
  assert.deepEqual(driftSelectionOf({ batch: 0.5, column: 3 }, 2), {});
  assert.deepEqual(driftSelectionOf(undefined, 2), {});
});

test('options: known keys and well-formed values only; a column named __proto__ stays a key', () => {
  const o = driftOptionsOf({
    columns: ['a', '', 3, 'b'],
    prediction: 'p',
    actual: 7,
    datasetThreshold: 2,
    overrides: JSON.parse('{"__proto__":{"test":"ks"},"a":{"test":"nope","threshold":-1},"b":{"threshold":0.2}}'),
    evil: 'x',
  });
  assert.deepEqual(o.columns, ['a', 'b']);
  assert.equal(o.prediction, 'p');
  assert.equal(o.actual, undefined);
  assert.equal(o.datasetThreshold, undefined);
  assert.deepEqual(Object.keys(o.overrides ?? {}), ['__proto__', 'b']);
  assert.deepEqual(Object.getPrototypeOf(o.overrides), Object.prototype);
  assert.equal('evil' in o, false);
  assert.deepEqual(driftOptionsOf({ datasetThreshold: 0.3 }), { datasetThreshold: 0.3 });
  assert.deepEqual(driftOptionsOf([1, 2]), {});
});
