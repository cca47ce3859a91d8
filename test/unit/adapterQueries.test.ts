/** The named queries the editor's views and commands call instead of SQL of their own. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { hasRun, listExperiments, listModels, recentRunsOfScript, runLabel, runningRuns, runProcesses } from '../../src/core/runs/queries';
import { datasetVersions, lastReadOf, listDatasets, recordVersion, runsOfVersion, runsUsingDataset } from '../../src/core/datasets/datasetIndex';
import { fingerprintRunDatasets } from '../../src/core/datasets/runDatasets';
import { makeRunFolder, tmpDir } from '../helpers/tmp';

/** A run folder whose run.json says what the test needs (start time, command, process ids). */
function run(ws: string, id: string, patch: Record<string, unknown>, events: string[] = []): string {
  const dir = makeRunFolder(ws, { id, events: ['{"type":"header","schema":1}', ...events] });
  const file = path.join(dir, 'run.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), ...patch }));
  return dir;
}

test('experiments, labels, running runs and the runs of a script, as the views ask for them', async () => {
  const ws = tmpDir('lineage-adapter-');
  // A path with LIKE's own characters: they must match literally, not as wildcards.
  const script = path.join(ws, 'my_100%', 'train.py');
  const other = path.join(ws, 'myX100abc', 'train.py');
  run(ws, '20250101-000001-000001', { name: 'old', experiment: 'a', startedAt: '2025-01-01T00:00:01Z', command: ['python3', script] });
  run(ws, '20250101-000002-000002', { name: 'new', experiment: 'a', startedAt: '2025-01-01T00:00:02Z', command: ['python3', script, '--lr', '1'] });
  run(ws, '20250101-000003-000003', { name: 'elsewhere', experiment: 'b', startedAt: '2025-01-01T00:00:03Z', command: ['python3', other] });
  run(ws, '20250101-000004-000004', {
    name: 'live',
    experiment: 'b',
    status: 'running',
    endedAt: null,
    startedAt: '2025-01-01T00:00:04Z',
    host: 'box',
    pid: 4242,
    childPid: 4343,
  });
  const lw = await LineageWorkspace.open(ws);
  try {
    assert.deepEqual(
      listExperiments(lw.store),
      [
        { name: 'b', runs: 2 },
        { name: 'a', runs: 2 },
      ],
      'the experiment with the newest run first',
    );
    assert.deepEqual(runLabel(lw.store, '20250101-000001-000001'), { name: 'old', note: null });
    assert.equal(runLabel(lw.store, 'nope'), undefined);
    assert.equal(hasRun(lw.store, '20250101-000003-000003'), true);
    assert.equal(hasRun(lw.store, 'nope'), false);
    assert.deepEqual(runningRuns(lw.store), [{ id: '20250101-000004-000004', host: 'box' }]);
    assert.deepEqual(runProcesses(lw.store, '20250101-000004-000004'), { pid: 4242, childPid: 4343 });
    assert.deepEqual(recentRunsOfScript(lw.store, script, 5), ['20250101-000002-000002', '20250101-000001-000001'], 'newest first; % and _ are literal');
    assert.deepEqual(recentRunsOfScript(lw.store, script, 1), ['20250101-000002-000002']);
  } finally {
    lw.close();
  }
});

test('datasets, their versions, the runs that used each, the last read; models', async () => {
  const ws = tmpDir('lineage-adapter-');
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data', 'houses.csv'), 'a,b\n1,2\n3,4\n');
  const reader = run(ws, '20250101-000001-000001', { name: 'reader', startedAt: '2025-01-01T00:00:01Z' }, [
    '{"type":"dataset","path":"data/houses.csv","role":"train"}',
  ]);
  const writer = run(ws, '20250101-000002-000002', { name: 'writer', startedAt: '2025-01-01T00:00:02Z' }, [
    '{"type":"dataset","path":"data/houses.csv","role":"output"}',
    '{"type":"model","path":"artifacts/model.pkl","flavor":"sklearn"}',
  ]);
  fs.writeFileSync(path.join(writer, 'artifacts', 'model.pkl'), 'model');
  const lw = await LineageWorkspace.open(ws);
  try {
    for (const dir of [reader, writer]) await fingerprintRunDatasets(lw.store, lw.paths, path.basename(dir));
    assert.deepEqual(listDatasets(lw.store), [{ path: 'data/houses.csv', versions: 1 }]);
    const [v] = datasetVersions(lw.store, 'data/houses.csv');
    assert.equal(v.sha.length, 64);
    assert.equal(v.size, fs.statSync(path.join(ws, 'data', 'houses.csv')).size);
    assert.equal(v.rows, 2, "the profile's row count");
    assert.deepEqual(
      runsOfVersion(lw.store, v.id).map((r) => [r.name, r.role, r.status]),
      [
        ['writer', 'output', 'finished'],
        ['reader', 'train', 'finished'],
      ],
    );
    const last = lastReadOf(lw.store, 'data/houses.csv');
    assert.equal(last?.runName, 'reader', 'a run that wrote it is not one that read it');
    assert.equal(last?.sha, v.sha);
    assert.equal(lastReadOf(lw.store, 'data/none.csv'), undefined);
    assert.deepEqual(
      listModels(lw.store).map((m) => [m.name, m.path, m.flavor]),
      [['writer', 'artifacts/model.pkl', 'sklearn']],
    );
  } finally {
    lw.close();
  }
});

test('dataset versions are newest first by the runs that used them, even when indexed in another order or in the same millisecond', async () => {
  // A rebuild or one sync of several finished runs inserts their versions in whatever order it meets the
  // run folders, often within one millisecond; "newest" must follow the runs, or "the first run's version"
  // is not the second item (the real-VS Code restore suite once asked no confirmation for this reason).
  const ws = tmpDir('lineage-adapter-');
  run(ws, '20250101-000001-000001', { name: 'first', startedAt: '2025-01-01T00:00:01Z' });
  run(ws, '20250101-000002-000002', { name: 'second', startedAt: '2025-01-01T00:00:02Z' });
  const lw = await LineageWorkspace.open(ws);
  try {
    const fp = (sha: string) => ({
      absPath: path.join(ws, 'data.csv'),
      kind: 'file' as const,
      sha256: sha,
      size: 1,
      fileCount: 1,
      mtimeMs: 0,
      warnings: [],
      stats: { hashed: 1, cached: 0, bytesHashed: 1, retried: 0 },
    });
    const newer = recordVersion(lw.store, 'data.csv', fp('b'.repeat(64)));
    const older = recordVersion(lw.store, 'data.csv', fp('a'.repeat(64)));
    lw.store.run('UPDATE datasets SET created_at = 1000');
    lw.store.run("INSERT INTO run_datasets (run_id, path, role, dataset_id) VALUES ('20250101-000002-000002', 'data.csv', 'input', ?)", [newer]);
    lw.store.run("INSERT INTO run_datasets (run_id, path, role, dataset_id) VALUES ('20250101-000001-000001', 'data.csv', 'input', ?)", [older]);
    assert.deepEqual(
      datasetVersions(lw.store, 'data.csv').map((v) => v.sha[0]),
      ['b', 'a'],
    );
    assert.deepEqual(
      runsUsingDataset(lw.store, 'data.csv').map((u) => u.runs.map((r) => r.name)),
      [['second'], ['first']],
    );
  } finally {
    lw.close();
  }
});
