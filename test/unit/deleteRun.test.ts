import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { deleteRun, RunInProgressError } from '../../src/core/runs/deleteRun';
import { listRuns } from '../../src/core/runs/queries';
import { lineagePaths } from '../../src/core/util/lineagePaths';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

async function twoRuns() {
  const dir = tmpDir('lineage-rm-');
  const keep = path.basename(makeRunFolder(dir, { name: 'keep', experiment: 'a', events: [metricLine('loss', 1, 0)] }));
  const gone = path.basename(makeRunFolder(dir, { name: 'gone', experiment: 'b', events: [metricLine('loss', 2, 0)] }));
  const ws = await LineageWorkspace.open(dir);
  return { dir, ws, keep, gone };
}

async function idsAfterRebuild(dir: string): Promise<string[]> {
  const { ws } = await LineageWorkspace.rebuild(dir);
  const ids = listRuns(ws.store).map((r) => r.id);
  ws.close();
  return ids;
}

test('deleteRun moves the folder into a freedesktop trash with its .trashinfo, and the index forgets it for good', async () => {
  const { dir, ws, keep, gone } = await twoRuns();
  const trash = tmpDir('lineage-trash-');
  const res = deleteRun(ws, gone, { systemTrash: trash });
  assert.deepEqual(res, { id: gone, to: 'system-trash', path: path.join(trash, 'files', gone) });
  assert.ok(!fs.existsSync(path.join(dir, '.lineage', 'runs', gone)));
  assert.ok(fs.existsSync(path.join(trash, 'files', gone, 'events.jsonl')), 'kept in the trash with its events');
  const info = fs.readFileSync(path.join(trash, 'info', `${gone}.trashinfo`), 'utf8');
  assert.match(info, /^\[Trash Info\]\nPath=\/.*\/\.lineage\/runs\/[^/]+\nDeletionDate=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\n$/);
  assert.deepEqual(
    listRuns(ws.store).map((r) => r.id),
    [keep],
  );
  // The experiment it alone held is gone from the index too.
  assert.deepEqual(
    ws.store.all<{ name: string }>('SELECT name FROM experiments ORDER BY name').map((e) => e.name),
    ['a'],
  );
  await ws.save();
  ws.close();
  assert.deepEqual(await idsAfterRebuild(dir), [keep]);
});

test('deleteRun: a second run with the same name in the trash gets its own slot', async () => {
  const { ws, gone } = await twoRuns();
  const trash = tmpDir('lineage-trash-');
  fs.mkdirSync(path.join(trash, 'files', gone), { recursive: true });
  const res = deleteRun(ws, gone, { systemTrash: trash });
  ws.close();
  assert.equal(res.path, path.join(trash, 'files', `${gone}.2`));
  assert.ok(fs.existsSync(path.join(trash, 'info', `${gone}.2.trashinfo`)));
});

test('deleteRun without a system trash keeps the folder in .lineage/trash, which a rebuild does not read', async () => {
  const { dir, ws, keep, gone } = await twoRuns();
  const res = deleteRun(ws, gone, { systemTrash: false });
  const inTrash = path.join(lineagePaths(dir).trash, gone);
  assert.deepEqual(res, { id: gone, to: 'workspace-trash', path: inTrash });
  assert.ok(fs.existsSync(path.join(inTrash, 'run.json')));
  assert.ok(!fs.existsSync(path.join(dir, '.lineage', 'runs', gone)));
  await ws.save();
  ws.close();
  assert.deepEqual(await idsAfterRebuild(dir), [keep]);
});

test('deleteRun permanent removes the folder; a folder already gone only leaves the index', async () => {
  const { dir, ws, keep, gone } = await twoRuns();
  assert.deepEqual(deleteRun(ws, gone, { permanent: true }), { id: gone, to: 'deleted' });
  assert.ok(!fs.existsSync(path.join(dir, '.lineage', 'runs', gone)));
  assert.ok(!fs.existsSync(lineagePaths(dir).trash));
  fs.rmSync(path.join(dir, '.lineage', 'runs', keep), { recursive: true });
  assert.deepEqual(deleteRun(ws, keep), { id: keep, to: 'already-gone' });
  assert.deepEqual(listRuns(ws.store), []);
  ws.close();
});

test('deleteRun refuses a run still in progress and leaves it untouched', async () => {
  const dir = tmpDir('lineage-rm-');
  const id = path.basename(makeRunFolder(dir, { status: 'running' }));
  // A live pid (this test's own) is what makes the index keep a run "running".
  const runJson = path.join(dir, '.lineage', 'runs', id, 'run.json');
  fs.writeFileSync(runJson, JSON.stringify({ ...JSON.parse(fs.readFileSync(runJson, 'utf8')), pid: process.pid }));
  const ws = await LineageWorkspace.open(dir);
  assert.equal(listRuns(ws.store)[0].status, 'running');
  assert.throws(() => deleteRun(ws, id, { systemTrash: false }), RunInProgressError);
  assert.ok(fs.existsSync(runJson));
  assert.equal(listRuns(ws.store).length, 1);
  ws.close();
});
