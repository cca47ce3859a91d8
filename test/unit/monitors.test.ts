import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tmpDir } from '../helpers/tmp';
import { lineagePaths } from '../../src/core/util/lineagePaths';
import {
  addMonitor,
  checkMonitor,
  describeResult,
  failOnHolds,
  globBase,
  globToRegExp,
  listBatches,
  MonitorError,
  readMonitors,
  removeMonitor,
  storedResults,
} from '../../src/core/drift/monitors';
import { monitorCacheDir } from '../../src/core/drift/monitorResults';
import { validateMonitors } from '../../src/core/drift/monitorDefs';
import { prepareReference } from '../../src/core/drift/check';
import { DriftInputError } from '../../src/core/drift/driftError';

const EXAMPLE = path.resolve(__dirname, '../../examples/house-prices');

function workspace(): string {
  const ws = tmpDir('lineage-monitors-');
  fs.mkdirSync(path.join(ws, '.lineage'));
  fs.mkdirSync(path.join(ws, 'data'));
  fs.copyFileSync(path.join(EXAMPLE, 'data/houses.csv'), path.join(ws, 'data/houses.csv'));
  fs.mkdirSync(path.join(ws, 'live'));
  return ws;
}

function copyBatch(ws: string, n: number, as = `batch-0${n}.jsonl`, mtimeSec?: number): string {
  const dest = path.join(ws, 'live', as);
  fs.copyFileSync(path.join(EXAMPLE, `monitoring/batches/batch-0${n}.jsonl`), dest);
  if (mtimeSec !== undefined) fs.utimesSync(dest, mtimeSec, mtimeSec);
  return dest;
}

test('monitors.json: a missing file is no monitors; bad JSON and bad fields are refused naming the monitor and field', () => {
  const ws = workspace();
  const root = path.join(ws, '.lineage');
  assert.deepEqual(readMonitors(root), []);
  fs.writeFileSync(path.join(root, 'monitors.json'), '{"version": 1, "monitors": [');
  assert.throws(
    () => readMonitors(root),
    (e: Error) => e instanceof MonitorError && /monitors\.json is not valid JSON/.test(e.message),
  );
  const bad = (monitors: unknown[], re: RegExp) =>
    assert.throws(
      () => validateMonitors({ version: 1, monitors }),
      (e: Error) => e instanceof MonitorError && re.test(e.message),
    );
  const ok = { id: 'live-1', name: 'live', run: 'r1', batches: 'live/*.jsonl' };
  assert.equal(validateMonitors({ version: 1, monitors: [ok] })[0].name, 'live');
  assert.throws(() => validateMonitors({ version: 2, monitors: [] }), /"version" must be 1/);
  assert.throws(() => validateMonitors([]), /expected \{"version": 1/);
  bad([{ ...ok, id: '../x' }], /monitors\[0\]: "id" must be lower-case/);
  bad([{ ...ok, reference: 'data/houses.csv' }], /exactly one of "run"/);
  bad([{ id: 'a', name: 'a', batches: 'x/*.csv' }], /exactly one of "run"/);
  bad([{ ...ok, batches: '../../etc/*.csv' }], /"batches" must be a path inside the workspace/);
  bad([{ ...ok, batches: '/etc/*.csv' }], /inside the workspace/);
  bad([{ ...ok, name: '' }], /"name" must be a non-empty text/);
  bad([ok, { ...ok, id: 'other' }], /monitors\[1\]: the name "live" is used twice/);
  bad([{ ...ok, overrides: { price: { test: 'magic' } } }], /overrides\["price"\]\.test must be one of ks/);
  bad([{ ...ok, overrides: { price: { threshold: -1 } } }], /threshold must be a positive number/);
  bad([{ ...ok, referenceFile: 'data/a.csv', run: undefined, reference: 'data/a.csv' }], /"referenceFile" picks one of a run's tables/);
  // A broken file is never overwritten by an add: the user's edit is not lost.
  assert.throws(() => addMonitor(root, { name: 'x', reference: 'data/houses.csv', batches: 'live/*.csv' }), /not valid JSON/);
  fs.rmSync(path.join(root, 'monitors.json'));
  const added = addMonitor(root, { name: 'Live houses!', reference: 'data/houses.csv', batches: './live/*.jsonl' });
  assert.match(added.id, /^live-houses-[0-9a-f]{6}$/);
  assert.equal(added.batches, 'live/*.jsonl');
  assert.throws(() => addMonitor(root, { name: 'Live houses!', reference: 'data/houses.csv', batches: 'x' }), /exists already/);
  assert.deepEqual(readMonitors(root), [added]);
});

test('globs: * and ? stay within a name, ** spans folders; the base folder is what is walked; newest batch first', () => {
  const re = globToRegExp('monitoring/batches/*.jsonl');
  assert.ok(re.test('monitoring/batches/batch-01.jsonl'));
  assert.ok(!re.test('monitoring/batches/old/batch-01.jsonl'));
  assert.ok(!re.test('monitoring/batchesXbatch.jsonl'));
  assert.ok(globToRegExp('live/batch-0?.csv').test('live/batch-07.csv'));
  assert.ok(!globToRegExp('live/batch-0?.csv').test('live/batch-007.csv'));
  const deep = globToRegExp('live/**/*.csv.gz');
  assert.ok(deep.test('live/a.csv.gz') && deep.test('live/2024/05/a.csv.gz'));
  assert.ok(!deep.test('other/a.csv.gz'));
  assert.ok(globToRegExp('data/(a)+[b].csv').test('data/(a)+[b].csv'), 'regex characters in names are literal');
  assert.equal(globBase('monitoring/batches/*.jsonl'), 'monitoring/batches');
  assert.equal(globBase('live/**/*.csv'), 'live');
  assert.equal(globBase('*.csv'), '');

  const ws = workspace();
  copyBatch(ws, 1, 'b-1.jsonl', 1_700_000_000);
  copyBatch(ws, 2, 'b-2.jsonl', 1_700_000_100);
  copyBatch(ws, 3, 'b-3.jsonl', 1_700_000_050);
  fs.writeFileSync(path.join(ws, 'live', 'notes.txt'), 'not a table');
  fs.mkdirSync(path.join(ws, 'live', 'deeper'));
  copyBatch(ws, 4, 'deeper/b-4.jsonl', 1_700_000_200);
  assert.deepEqual(
    listBatches(ws, 'live/*').map((b) => b.rel),
    ['live/b-2.jsonl', 'live/b-3.jsonl', 'live/b-1.jsonl'],
  );
  assert.deepEqual(
    listBatches(ws, 'live/**/*.jsonl').map((b) => b.rel),
    ['live/deeper/b-4.jsonl', 'live/b-2.jsonl', 'live/b-3.jsonl', 'live/b-1.jsonl'],
  );
  assert.deepEqual(listBatches(ws, 'nowhere/*.csv'), []);
});

test('check: only new or changed batches are evaluated; the example batch 1 is ok, batch 4 drifts with harbour; results survive and are rebuilt', async () => {
  const ws = workspace();
  const paths = lineagePaths(ws);
  const m = addMonitor(paths.root, { name: 'live', reference: 'data/houses.csv', batches: 'live/*.jsonl' });
  copyBatch(ws, 1, undefined, 1_700_000_000);
  const first = await checkMonitor({ paths }, m);
  assert.equal(first.error, null);
  assert.deepEqual(first.evaluated, ['live/batch-01.jsonl']);
  assert.equal(first.batches[0].status, 'ok');
  assert.equal(describeResult(first.batches[0]), 'ok');

  copyBatch(ws, 4, undefined, 1_700_000_100);
  const second = await checkMonitor({ paths }, m);
  assert.deepEqual(second.evaluated, ['live/batch-04.jsonl'], 'batch 1 came from the cache');
  const b4 = second.batches[0];
  assert.equal(b4.file, 'live/batch-04.jsonl');
  assert.equal(b4.status, 'drift');
  assert.deepEqual(b4.driftedColumns, ['floor_area_m2', 'location', 'price']);
  assert.deepEqual(b4.newCategories, [{ column: 'location', values: ['harbour'] }]);
  assert.equal(describeResult(b4), 'drift in 3 columns: floor_area_m2, location, price');
  assert.ok(failOnHolds(b4, 'drift') && failOnHolds(b4, 'any') && !failOnHolds(b4, 'schema'));
  assert.ok(!failOnHolds(second.batches[1], 'any'));

  assert.deepEqual((await checkMonitor({ paths }, m)).evaluated, [], 'nothing new: nothing evaluated');
  assert.deepEqual(
    storedResults(paths, m).map((s) => s.result?.status),
    ['drift', 'ok'],
  );

  // Batch 1's bytes replaced by batch 2's (same name): its sha256 changed, so it is evaluated again.
  copyBatch(ws, 2, 'batch-01.jsonl', 1_700_000_000 + 5);
  const third = await checkMonitor({ paths }, m);
  assert.deepEqual(third.evaluated, ['live/batch-01.jsonl']);
  assert.equal(third.batches.find((b) => b.file === 'live/batch-01.jsonl')?.status, 'drift');

  // The results cache deleted: every batch is evaluated again, to the same verdicts.
  fs.rmSync(monitorCacheDir(paths.root, m.id), { recursive: true });
  assert.deepEqual(
    storedResults(paths, m).map((s) => s.result),
    [null, null],
  );
  const rebuilt = await checkMonitor({ paths }, m);
  assert.deepEqual(rebuilt.evaluated.sort(), ['live/batch-01.jsonl', 'live/batch-04.jsonl']);
  assert.deepEqual(
    rebuilt.batches.map((b) => b.status),
    ['drift', 'drift'],
  );
  // A corrupt result file is a cache miss, not a crash.
  const one = path.join(monitorCacheDir(paths.root, m.id), `${rebuilt.batches[0].sha256}.json`);
  fs.writeFileSync(one, '{"version": 1, "status"');
  assert.deepEqual((await checkMonitor({ paths }, m)).evaluated, ['live/batch-04.jsonl']);
});

test('check: a malformed batch is an error result and the others are still evaluated; a schema change is its own status; a missing reference says so', async () => {
  const ws = workspace();
  const paths = lineagePaths(ws);
  const m = addMonitor(paths.root, { name: 'live', reference: 'data/houses.csv', batches: 'live/*' });
  fs.writeFileSync(path.join(ws, 'live', 'broken.jsonl'), '{"bedrooms": 3}\nnot json\n');
  const rows = fs.readFileSync(path.join(ws, 'data/houses.csv'), 'utf8').trim().split('\n');
  fs.writeFileSync(path.join(ws, 'live', 'extra.csv'), [rows[0] + ',garden'].concat(rows.slice(1, 200).map((l) => l + ',yes')).join('\n') + '\n');
  copyBatch(ws, 1);
  const c = await checkMonitor({ paths }, m);
  const by = new Map(c.batches.map((b) => [b.file, b]));
  assert.equal(by.get('live/broken.jsonl')?.status, 'error');
  assert.match(describeResult(by.get('live/broken.jsonl')!), /^error: .*line 2/);
  assert.equal(by.get('live/extra.csv')?.status, 'schema');
  assert.equal(describeResult(by.get('live/extra.csv')!), 'schema change: garden added');
  assert.equal(by.get('live/batch-01.jsonl')?.status, 'ok');

  fs.rmSync(path.join(ws, 'data/houses.csv'));
  const gone = addMonitor(paths.root, { name: 'gone', reference: 'data/houses.csv', batches: 'live/*.jsonl' });
  const g = await checkMonitor({ paths }, gone);
  assert.ok(g.error, 'the reference cannot be loaded');
  assert.ok(g.batches.every((b) => b.status === 'error' && /the reference cannot be loaded/.test(b.error ?? '')));
  assert.ok(!fs.existsSync(path.join(monitorCacheDir(paths.root, gone.id), `${g.batches[0].sha256}.json`)), 'not stored: evaluated once the reference is back');

  assert.equal(removeMonitor(paths.root, 'live')?.id, m.id);
  assert.ok(!fs.existsSync(monitorCacheDir(paths.root, m.id)));
  assert.equal(removeMonitor(paths.root, 'live'), undefined);
  assert.deepEqual(
    readMonitors(paths.root).map((x) => x.name),
    ['gone'],
  );
});

test('check: LINEAGE_DRIFT_MEMORY_BUDGET that is not a size stops the check with what a size looks like (the editor shows this error), not the default', async () => {
  const ws = workspace();
  copyBatch(ws, 1);
  const paths = lineagePaths(ws);
  const m = addMonitor(paths.root, { name: 'live', reference: 'data/houses.csv', batches: 'live/*.jsonl' });
  const saved = process.env.LINEAGE_DRIFT_MEMORY_BUDGET;
  process.env.LINEAGE_DRIFT_MEMORY_BUDGET = 'lots';
  try {
    const c = await checkMonitor({ paths }, m);
    assert.match(c.error ?? '', /LINEAGE_DRIFT_MEMORY_BUDGET takes a size such as 512M or 2G; got "lots"/);
    assert.deepEqual(c.evaluated, []);
    assert.equal(c.batches[0].status, 'error');
    assert.match(describeResult(c.batches[0]), /not evaluated: LINEAGE_DRIFT_MEMORY_BUDGET takes a size/);
    assert.equal(storedResults(paths, m)[0].result, null, 'nothing stored: the batch is evaluated once the budget is fixed');
    // An explicit budget (the CLI's --memory-budget) does not consult the variable.
    const given = await checkMonitor({ paths }, m, { memoryBudget: 64 * 1024 * 1024 });
    assert.equal(given.error, null);
    assert.equal(given.batches[0].status, 'ok');
    process.env.LINEAGE_DRIFT_MEMORY_BUDGET = '512M';
    const fixed = await checkMonitor({ paths }, m, { force: true });
    assert.equal(fixed.error, null);
    assert.equal(fixed.batches[0].status, 'ok');
  } finally {
    if (saved === undefined) delete process.env.LINEAGE_DRIFT_MEMORY_BUDGET;
    else process.env.LINEAGE_DRIFT_MEMORY_BUDGET = saved;
  }
  fs.rmSync(ws, { recursive: true, force: true });
});

test("prepareReference (the editor's Drift panel passes no budget) refuses a LINEAGE_DRIFT_MEMORY_BUDGET that is not a size; an explicit budget is used as given", async () => {
  const ws = workspace();
  const file = path.join(ws, 'data/houses.csv');
  const saved = process.env.LINEAGE_DRIFT_MEMORY_BUDGET;
  process.env.LINEAGE_DRIFT_MEMORY_BUDGET = '4 gigs';
  try {
    await assert.rejects(
      prepareReference({ lineageRoot: null, reference: { file } }),
      (e: Error) =>
        e instanceof DriftInputError && /LINEAGE_DRIFT_MEMORY_BUDGET takes a size such as 512M or 2G; got "4 gigs" \(fix or unset it\)/.test(e.message),
    );
    const p = await prepareReference({ lineageRoot: null, reference: { file }, memoryBudget: 64 * 1024 * 1024 });
    assert.ok(p.ref.rows > 0);
    p.ref.dispose();
  } finally {
    if (saved === undefined) delete process.env.LINEAGE_DRIFT_MEMORY_BUDGET;
    else process.env.LINEAGE_DRIFT_MEMORY_BUDGET = saved;
  }
  fs.rmSync(ws, { recursive: true, force: true });
});
