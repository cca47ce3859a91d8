import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, copyExample, gitInit } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

const GLOB = 'monitoring/batches/*.jsonl';

test('lineage monitor add/ls/check/rm on the trained example: batch 1 ok, later batches drift with harbour; exit 3 with --fail-on drift; only new batches evaluated', () => {
  const ws = tmpDir('lineage-monitor-');
  copyExample(ws);
  gitInit(ws);
  const batches = path.join(ws, 'monitoring/batches');
  // The shipped batches in order, a second apart, so "newest" is batch 4 whatever the copy did.
  for (const [i, f] of fs.readdirSync(batches).sort().entries()) fs.utimesSync(path.join(batches, f), 1_700_000_000 + i, 1_700_000_000 + i);
  const r = cli(['run', '--name', 'baseline', 'train.py', '--n-estimators', '40'], ws);
  assert.equal(r.status, 0, r.stderr);

  const add = cli(['monitor', 'add', 'houses live', '--run', 'baseline', '--batches', GLOB], ws);
  assert.equal(add.status, 0, add.stderr);
  assert.match(add.stdout, /added monitor houses live \(houses-live-[0-9a-f]{6}\): .* against run baseline .*; 4 batches match now/);
  const file = JSON.parse(fs.readFileSync(path.join(ws, '.lineage/monitors.json'), 'utf8'));
  assert.equal(file.version, 1);
  assert.equal(file.monitors[0].batches, GLOB);
  assert.match(file.monitors[0].run, /^\d{8}-\d{6}-[0-9a-f]+$/);

  const before = cli(['monitor', 'ls'], ws);
  assert.equal(before.status, 0, before.stderr);
  assert.match(before.stdout, /4 batches; newest monitoring\/batches\/batch-04\.jsonl: not checked yet/);

  const check = cli(['monitor', 'check', '--json', '--fail-on', 'drift'], ws);
  assert.equal(check.status, 3, check.stderr + check.stdout);
  const [c] = JSON.parse(check.stdout);
  assert.equal(c.error, null);
  assert.deepEqual(
    c.batches.map((b: { file: string }) => path.basename(b.file)),
    ['batch-04.jsonl', 'batch-03.jsonl', 'batch-02.jsonl', 'batch-01.jsonl'],
  );
  assert.equal(c.evaluated.length, 4);
  const [b4, b3, b2, b1] = c.batches;
  assert.equal(b1.status, 'ok');
  assert.deepEqual(b1.driftedColumns, []);
  for (const b of [b2, b3, b4]) {
    assert.equal(b.status, 'drift', b.file);
    assert.ok(b.driftedColumns.includes('floor_area_m2') && b.driftedColumns.includes('location'), `${b.file}: ${b.driftedColumns}`);
    assert.deepEqual(b.newCategories, [{ column: 'location', values: ['harbour'] }]);
  }
  assert.equal(b4.datasetDrifted, true);

  // Nothing new: nothing evaluated, the same verdicts from the stored results.
  const again = cli(['monitor', 'check', 'houses live'], ws);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /batch-04\.jsonl {2}drift in 3 columns: floor_area_m2, location, price \(checked/);
  assert.match(again.stdout, /batch-01\.jsonl {2}ok \(checked/);
  assert.doesNotMatch(again.stdout, /\(new\)/);

  // A fifth batch like the training data arrives: only it is evaluated, and the newest is ok again.
  // (Batch 1 without its last row: the same bytes would reuse batch 1's stored result, keyed by sha256.)
  const rows = fs.readFileSync(path.join(batches, 'batch-01.jsonl'), 'utf8').trim().split('\n');
  fs.writeFileSync(path.join(batches, 'batch-05.jsonl'), rows.slice(0, -1).join('\n') + '\n');
  fs.utimesSync(path.join(batches, 'batch-05.jsonl'), 1_700_000_100, 1_700_000_100);
  const fifth = cli(['monitor', 'check', '--json', '--fail-on', 'drift'], ws);
  assert.equal(fifth.status, 0, fifth.stderr);
  const [c5] = JSON.parse(fifth.stdout);
  assert.deepEqual(c5.evaluated, ['monitoring/batches/batch-05.jsonl']);
  assert.equal(c5.batches[0].status, 'ok');

  const ls = cli(['monitor', 'ls', '--json'], ws);
  const [m] = JSON.parse(ls.stdout);
  assert.equal(m.batchCount, 5);
  assert.equal(m.newest.file, 'monitoring/batches/batch-05.jsonl');
  assert.equal(m.newest.result.status, 'ok');

  const unknown = cli(['monitor', 'check', 'nope'], ws);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /no monitor "nope"; there are "houses live"/);
  const usage = cli(['monitor', 'check', '--fail-on', 'sometimes'], ws);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--fail-on takes drift, schema or any/);
  const dup = cli(['monitor', 'add', 'houses live', '--run', 'baseline', '--batches', GLOB], ws);
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /exists already/);

  const rm = cli(['monitor', 'rm', 'houses live'], ws);
  assert.equal(rm.status, 0, rm.stderr);
  assert.ok(!fs.existsSync(path.join(ws, '.lineage/cache/monitors', m.id)));
  assert.match(cli(['monitor', 'ls'], ws).stdout, /No monitors/);
});

test('lineage monitor with a reference file; a hand-broken monitors.json is refused with what to do', () => {
  const ws = tmpDir('lineage-monitor-file-');
  copyExample(ws);
  const add = cli(['monitor', 'add', 'file', '--reference', 'data/houses.csv', '--batches', 'monitoring/batches/batch-0[1].jsonl'], ws);
  assert.equal(add.status, 0, add.stderr);
  assert.match(add.stdout, /0 batches match now/, 'brackets are literal, not a character class');
  fs.writeFileSync(
    path.join(ws, '.lineage/monitors.json'),
    JSON.stringify({ version: 1, monitors: [{ id: 'f', name: 'file', reference: 'data/houses.csv', batches: 'monitoring/batches/batch-01.jsonl' }] }),
  );
  const ok = cli(['monitor', 'check', '--fail-on', 'any'], ws);
  assert.equal(ok.status, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /batch-01\.jsonl {2}ok \(new\)/);
  fs.writeFileSync(path.join(ws, '.lineage/monitors.json'), '{"version": 1, "monitors": [{"id": "f", "name": "file", "batches": "x/*.csv"}]}');
  const bad = cli(['monitor', 'ls'], ws);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /monitors\.json: monitors\[0\]: give exactly one of "run" \(a run id\) and "reference" \(a file\)/);
});

test('lineage monitor check: LINEAGE_DRIFT_MEMORY_BUDGET that is not a size is a usage error saying what a size looks like, as in lineage drift; --memory-budget overrides it', () => {
  const ws = tmpDir('lineage-monitor-budget-');
  copyExample(ws);
  const add = cli(['monitor', 'add', 'file', '--reference', 'data/houses.csv', '--batches', 'monitoring/batches/batch-01.jsonl'], ws);
  assert.equal(add.status, 0, add.stderr);
  const bad = cli(['monitor', 'check'], ws, { LINEAGE_DRIFT_MEMORY_BUDGET: 'lots' });
  assert.equal(bad.status, 2, bad.stderr + bad.stdout);
  assert.match(bad.stderr, /LINEAGE_DRIFT_MEMORY_BUDGET takes a size such as 512M or 2G; got "lots" \(fix or unset it, or pass --memory-budget\)/);
  assert.equal(bad.stdout, '');
  const json = cli(['monitor', 'check', '--json'], ws, { LINEAGE_DRIFT_MEMORY_BUDGET: 'lots' });
  assert.equal(json.status, 2);
  const flag = cli(['monitor', 'check', '--memory-budget', '64M'], ws, { LINEAGE_DRIFT_MEMORY_BUDGET: 'lots' });
  assert.equal(flag.status, 0, flag.stderr);
  assert.match(flag.stdout, /batch-01\.jsonl {2}ok \(new\)/);
  const tiny = cli(['monitor', 'check', '--memory-budget', '10K'], ws);
  assert.equal(tiny.status, 2);
  assert.match(tiny.stderr, /--memory-budget takes a size of at least 1M, such as 512M or 2G; got "10K"/);
  const ok = cli(['monitor', 'check', '--force'], ws, { LINEAGE_DRIFT_MEMORY_BUDGET: '512M' });
  assert.equal(ok.status, 0, ok.stderr);
});
