import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { finishRun } from '../../src/core/runs/finishRun';
import { keyMetricsText } from '../../src/core/runs/keyMetrics';
import { listRuns } from '../../src/core/runs/queries';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

function workspaceWithRun(events: string[]): { ws: string; id: string } {
  const ws = tmpDir('lineage-finish-');
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data', 'houses.csv'), 'a,b\n1,2\n3,4\n');
  const id = path.basename(makeRunFolder(ws, { name: 'baseline', events }));
  return { ws, id };
}

test('finishRun indexes the run, fingerprints its datasets and saves the index to disk', async () => {
  const { ws: dir, id } = workspaceWithRun([metricLine('val_rmse', 0.25, 0), '{"type":"dataset","path":"data/houses.csv","role":"train"}']);
  // Opened before the run's events exist in the index, as the CLI does while the script runs.
  const ws = await LineageWorkspace.open(dir, { sync: false });
  const progress: string[] = [];
  const warnings: string[] = [];
  const run = await finishRun(ws, id, { onProgress: (m) => progress.push(m), onWarning: (m) => warnings.push(m), save: 'now' });
  ws.close();
  assert.equal(run.id, id);
  assert.equal(run.status, 'finished');
  assert.deepEqual(run.datasets, [{ path: 'data/houses.csv', role: 'train' }]);
  assert.ok(
    progress.some((m) => m.includes('data/houses.csv')),
    progress.join('\n'),
  );
  assert.deepEqual(warnings, []);
  assert.equal(keyMetricsText(run.metrics), 'val_rmse 0.25');

  // Saved: a fresh open that does not sync still knows the run and its fingerprint.
  const again = await LineageWorkspace.open(dir, { sync: false });
  assert.deepEqual(
    listRuns(again.store).map((r) => r.id),
    [id],
  );
  const hashed = again.store.get<{ n: number }>('SELECT COUNT(*) AS n FROM datasets WHERE fingerprint IS NOT NULL');
  again.close();
  assert.ok(hashed && hashed.n >= 1);
});

test('finishRun uses the caller’s sync, and a dataset that is gone does not fail the run', async () => {
  const { ws: dir, id } = workspaceWithRun(['{"type":"dataset","path":"data/missing.csv","role":"train"}']);
  const ws = await LineageWorkspace.open(dir, { sync: false });
  let synced = 0;
  const warnings: string[] = [];
  const run = await finishRun(ws, id, {
    sync: async () => {
      synced++;
      await ws.sync({ only: [id] });
    },
    onWarning: (m) => warnings.push(m),
    save: 'later',
  });
  ws.close();
  assert.equal(synced, 1);
  assert.equal(run.id, id);
  assert.equal(run.status, 'finished');
  assert.deepEqual(run.datasets, [{ path: 'data/missing.csv', role: 'train' }]);
  assert.deepEqual(warnings, []);
});
