import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Store } from '../../src/core/store/store';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { lineagePaths } from '../../src/core/util/lineagePaths';
import { GraphIndex } from '../../src/core/graph/graphIndex';
import { indexCacheFile } from '../../src/core/graph/indexCache';
import { lineageGraph } from '../../src/core/graph/lineageGraph';
import { seedRuns, sha, type SeedRun } from '../helpers/graphFixture';
import { tmpDir } from '../helpers/tmp';

const RAW = sha('raw');
const PREP = sha('prepared');
const PREPARE: SeedRun = { id: 'p1', name: 'prepare', startedAt: 1000, reads: [['raw.csv', RAW]], writes: [['prepared.csv', PREP]] };
const TRAIN: SeedRun = { id: 't1', name: 'train', startedAt: 2000, reads: [['prepared.csv', PREP]], models: ['model.pkl'] };

/** A saved store with a chain and its graph copy written, reopened from disk as the next command would. */
async function cachedStore(): Promise<{ dir: string; store: Store; file: string }> {
  const dir = tmpDir('lineage-graph-cache-');
  const first = await Store.open(lineagePaths(dir));
  seedRuns(first, [PREPARE, TRAIN]);
  GraphIndex.load(first);
  await first.save();
  first.close();
  const file = indexCacheFile(lineagePaths(dir).root);
  assert.ok(fs.existsSync(file), 'the first load keeps a copy under .lineage/cache');
  return { dir, store: await Store.open(lineagePaths(dir)), file };
}

const stamp = (file: string) => {
  const st = fs.statSync(file);
  return `${st.ino}:${st.mtimeMs}:${st.size}`;
};
const downstreamOfRaw = async (dir: string, store: Store) =>
  (await lineageGraph(store, dir, { kind: 'data', path: 'raw.csv', sha256: RAW }, 'down')).graph.nodes
    .filter((n) => n.kind === 'run')
    .map((n) => n.runId)
    .sort();

test('an unchanged store loads the graph copy as it is (not rebuilt), and it gives the same index', async () => {
  const { store, file } = await cachedStore();
  const before = stamp(file);
  const index = GraphIndex.load(store);
  assert.equal(stamp(file), before, 'nothing changed, so the copy is read, not written again');
  assert.deepEqual([...index.runs.keys()].sort(), ['p1', 't1']);
  assert.deepEqual(index.modelsOf('t1'), ['model.pkl']);
  assert.equal(index.producerOf('t1', 'prepared.csv', PREP)?.runId, 'p1');
  store.close();
});

test('a run added or removed, a read changed or a run renamed: the copy is never used stale, and is rebuilt', async () => {
  const { dir, store, file } = await cachedStore();
  assert.deepEqual(await downstreamOfRaw(dir, store), ['p1', 't1']);

  // Added: a second reader of the prepared data.
  seedRuns(store, [{ id: 'e1', name: 'evaluate', startedAt: 3000, reads: [['prepared.csv', PREP]] }]);
  let before = stamp(file);
  assert.deepEqual(await downstreamOfRaw(dir, store), ['e1', 'p1', 't1']);
  assert.notEqual(stamp(file), before, 'the copy was replaced');

  // Removed.
  store.run("DELETE FROM run_datasets WHERE run_id = 't1'");
  store.run("DELETE FROM artifacts WHERE run_id = 't1'");
  store.run("DELETE FROM runs WHERE id = 't1'");
  assert.deepEqual(await downstreamOfRaw(dir, store), ['e1', 'p1']);

  // What a run read changed (the evaluate run now reads raw data itself, not prepare's output).
  store.run("UPDATE run_datasets SET path = 'raw.csv', dataset_id = (SELECT id FROM datasets WHERE fingerprint = ?) WHERE run_id = 'e1'", [RAW]);
  const g = (await lineageGraph(store, dir, 'evaluate', 'up')).graph;
  assert.deepEqual(
    g.nodes
      .filter((n) => n.kind === 'run')
      .map((n) => n.runId)
      .sort(),
    ['e1'],
    'evaluate no longer depends on prepare',
  );

  // Renamed: the name is in the copy too.
  store.run("UPDATE runs SET name = 'prepare-renamed' WHERE id = 'p1'");
  before = stamp(file);
  assert.equal(GraphIndex.load(store).runName[GraphIndex.load(store).runNum('p1')], 'prepare-renamed');
  assert.notEqual(stamp(file), before);

  // The next process sees the saved changes through the copy it finds, and the copy matches them.
  await store.save();
  store.close();
  const again = await Store.open(lineagePaths(dir));
  before = stamp(file);
  const index = GraphIndex.load(again);
  assert.equal(stamp(file), before, 'saved and unchanged since: the copy is current');
  assert.deepEqual([...index.runs.keys()].sort(), ['e1', 'p1']);
  assert.equal(index.runName[index.runNum('p1')], 'prepare-renamed');
  again.close();
});

test('a store changed by a writer without the triggers (an older Lineage) gets a new token: the old copy is not used', async () => {
  const { dir, store } = await cachedStore();
  store.close();
  // Another program rewrites the index file: its triggers gone, a run added.
  const SQL = await loadSqlJs();
  const dbFile = lineagePaths(dir).db;
  const db = new SQL.Database(fs.readFileSync(dbFile));
  const triggers = (db.exec("SELECT name FROM sqlite_master WHERE type = 'trigger'")[0]?.values ?? []).map((v) => String(v[0]));
  assert.ok(triggers.length > 0, 'the graph generation triggers are in the index file');
  for (const t of triggers) db.exec(`DROP TRIGGER ${t}`);
  db.exec("INSERT INTO runs (id, experiment_id, name, status, started_at) VALUES ('e9', 1, 'evaluate', 'finished', 3000)");
  db.exec(
    "INSERT INTO run_datasets (run_id, path, role, dataset_id) SELECT 'e9', 'prepared.csv', 'input', id FROM datasets WHERE fingerprint = '" + PREP + "'",
  );
  fs.writeFileSync(dbFile, db.export());
  db.close();
  const reopened = await Store.open(lineagePaths(dir));
  assert.deepEqual(await downstreamOfRaw(dir, reopened), ['e9', 'p1', 't1']);
  reopened.close();
});

test('a damaged or foreign copy is ignored and replaced', async () => {
  const { dir, store, file } = await cachedStore();
  const good = fs.readFileSync(file);
  for (const bad of [good.subarray(0, good.length >> 1), Buffer.from('not a graph index'), Buffer.alloc(0)]) {
    fs.writeFileSync(file, bad);
    assert.deepEqual(await downstreamOfRaw(dir, store), ['p1', 't1']);
    assert.deepEqual(fs.readFileSync(file), good, 'rewritten whole');
  }
  // A copy whose numbers point outside its arrays (right size, right token) is refused, not walked: the first
  // number array after the header and `meta` is each use's run.
  const damaged = Buffer.from(good);
  const useRunAt = ((8 + damaged.readUInt32LE(4) + 7) & ~7) + 8;
  damaged.writeInt32LE(1_000_000, useRunAt);
  fs.writeFileSync(file, damaged);
  assert.deepEqual(await downstreamOfRaw(dir, store), ['p1', 't1']);
  assert.deepEqual(fs.readFileSync(file), good);
  store.close();
});

test('a model logged replaces the copy; any other artifact (a plot) leaves it as it is', async () => {
  const { store, file } = await cachedStore();
  const before = stamp(file);
  store.run("INSERT INTO artifacts (run_id, path, kind, flavor, size) VALUES ('p1', 'plot.png', 'file', NULL, 1)");
  GraphIndex.load(store);
  assert.equal(stamp(file), before, 'a plot is not in the graph: the copy stays');
  store.run("INSERT INTO artifacts (run_id, path, kind, flavor, size) VALUES ('p1', 'scaler.pkl', 'model', 'pickle', 1)");
  assert.deepEqual(GraphIndex.load(store).modelsOf('p1'), ['scaler.pkl']);
  assert.notEqual(stamp(file), before);
  store.run("DELETE FROM artifacts WHERE path = 'scaler.pkl'");
  assert.deepEqual(GraphIndex.load(store).modelsOf('p1'), []);
  store.close();
});
