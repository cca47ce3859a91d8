import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { DatasetWatcher } from '../../src/core/datasets/watch';
import { checkDatasetChanges, watchedDatasetKeys } from '../../src/core/datasets/changes';
import { fingerprintRunDatasets } from '../../src/core/datasets/runDatasets';
import { makeRunFolder, tmpDir } from '../helpers/tmp';

async function workspaceWithRunUsing(csv: string) {
  const ws = tmpDir('lineage-watch-');
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data', 'houses.csv'), csv);
  const dir = makeRunFolder(ws, { name: 'baseline', events: ['{"type":"dataset","path":"data/houses.csv","role":"train"}'] });
  const lw = await LineageWorkspace.open(ws);
  await fingerprintRunDatasets(lw.store, lw.paths, path.basename(dir));
  return { ws, lw, runId: path.basename(dir) };
}

function waitFor<T>(fn: (resolve: (v: T) => void) => void, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    fn((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

test('editing a dataset a run used is seen by the watcher and the run is reported as changed since then', async () => {
  const { ws, lw, runId } = await workspaceWithRunUsing('a,b\n1,2\n');
  assert.deepEqual(watchedDatasetKeys(lw.store), ['data/houses.csv']);
  let calls = 0;
  const seen = waitFor<string[]>(
    (resolve) => {
      const w = new DatasetWatcher({
        workspace: ws,
        debounceMs: 100,
        onChange: (keys) => {
          calls++;
          resolve(keys);
          void w.close();
        },
      });
      void w.setPaths(watchedDatasetKeys(lw.store)).then(() => {
        // Several writes in a burst: one debounced report.
        fs.appendFileSync(path.join(ws, 'data', 'houses.csv'), '3,4\n');
        fs.appendFileSync(path.join(ws, 'data', 'houses.csv'), '5,6\n');
      });
    },
    10000,
    'a change event',
  );
  assert.deepEqual(await seen, ['data/houses.csv']);
  await new Promise((r) => setTimeout(r, 250));
  assert.equal(calls, 1);
  const [change] = await checkDatasetChanges(lw.store, lw.paths, ['data/houses.csv']);
  assert.equal(change.state, 'modified');
  assert.equal(change.sinceRun?.id, runId);
  assert.equal(change.sinceRun?.name, 'baseline');
  fs.writeFileSync(path.join(ws, 'data', 'houses.csv'), 'a,b\n1,2\n');
  assert.equal((await checkDatasetChanges(lw.store, lw.paths, ['data/houses.csv']))[0].state, 'unchanged', 'restoring the bytes restores the status');
  fs.rmSync(path.join(ws, 'data', 'houses.csv'));
  assert.equal((await checkDatasetChanges(lw.store, lw.paths, ['data/houses.csv']))[0].state, 'missing');
  lw.close();
});

test('at the system watch limit (ENOSPC) the watcher says so once and falls back to polling', async () => {
  const limitFile = '/proc/sys/fs/inotify/max_user_watches';
  let original: string;
  try {
    original = fs.readFileSync(limitFile, 'utf8').trim();
    fs.writeFileSync(limitFile, original);
  } catch {
    return assert.fail(`this test lowers ${limitFile} for a moment and needs root to do so`);
  }
  const { ws, lw } = await workspaceWithRunUsing('a,b\n1,2\n');
  const notices: string[] = [];
  let w: DatasetWatcher | undefined;
  let hog: fs.FSWatcher | undefined;
  try {
    // A limit of one watch, taken by someone else: the next watch fails with ENOSPC, as on a busy machine.
    fs.writeFileSync(limitFile, '1');
    try {
      hog = fs.watch(ws);
    } catch {
      /* the one slot was already taken by another process */
    }
    const changed = waitFor<string[]>(
      (resolve) => {
        w = new DatasetWatcher({ workspace: ws, debounceMs: 50, pollIntervalMs: 100, onChange: resolve, onNotice: (m) => notices.push(m) });
        void w.setPaths(['data/houses.csv']);
      },
      15000,
      'a change seen by polling',
    );
    for (let i = 0; i < 100 && !w?.isPolling; i++) await new Promise((r) => setTimeout(r, 20));
    fs.writeFileSync(limitFile, original);
    assert.ok(w!.isPolling, 'fell back to polling');
    await new Promise((r) => setTimeout(r, 300));
    fs.appendFileSync(path.join(ws, 'data', 'houses.csv'), '3,4\n');
    assert.deepEqual(await changed, ['data/houses.csv']);
    assert.equal(notices.length, 1);
    assert.match(notices[0], /file-watch limit is reached.*checks the 1 dataset path\(s\).*max_user_watches/);
  } finally {
    fs.writeFileSync(limitFile, original);
    hog?.close();
    await w?.close();
    lw.close();
  }
});
