import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { fingerprintRunDatasets, type FingerprintRunOptions } from '../../src/core/datasets/runDatasets';
import { hasObject, objectPath, readKeptReport, restoreRunInputs } from '../../src/core/datasets/objects';
import { makeRunFolder, tmpDir } from '../helpers/tmp';

function dataset(p: string, role = 'train'): string {
  return JSON.stringify({ type: 'dataset', path: p, role });
}

async function recordRun(ws: string, events: string[], keep?: FingerprintRunOptions['keep']) {
  const dir = makeRunFolder(ws, { events });
  const lw = await LineageWorkspace.open(ws);
  await lw.sync();
  const runId = path.basename(dir);
  await fingerprintRunDatasets(lw.store, lw.paths, runId, {
    keep,
    onKept: (r) => {
      if (r instanceof Error) throw r;
    },
  });
  return { lw, runId };
}

function sha(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

test('an input edited in place after the run: the kept copy is unchanged and checkout gives the bytes back', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.mkdirSync(path.join(ws, 'data'));
  const csv = path.join(ws, 'data', 'houses.csv');
  fs.writeFileSync(csv, 'a,b\n1,2\n3,4\n');
  const original = fs.readFileSync(csv);
  const { lw, runId } = await recordRun(ws, [dataset('data/houses.csv')]);
  const report = readKeptReport(lw.paths, runId)!;
  assert.equal(report.entries.length, 1);
  assert.equal(report.entries[0].state, 'kept');
  const s = report.entries[0].sha256!;
  assert.ok(hasObject(lw.paths, s));
  assert.equal(fs.statSync(objectPath(lw.paths, s)).nlink, 1, 'never a hard link');
  // Edit in place (same inode): a hard link or shared extent would change the kept copy.
  const fd = fs.openSync(csv, 'r+');
  fs.writeSync(fd, Buffer.from('X'), 0, 1, 0);
  fs.closeSync(fd);
  assert.deepEqual(fs.readFileSync(objectPath(lw.paths, s)), original);
  const refused = await restoreRunInputs(lw.store, lw.paths, runId, {});
  assert.deepEqual(refused.restored, []);
  assert.equal(refused.wouldChange.length, 1);
  assert.match(refused.wouldChange[0].reason, /changed since the run/);
  assert.notDeepEqual(fs.readFileSync(csv), original, 'refused: nothing written');
  const done = await restoreRunInputs(lw.store, lw.paths, runId, { force: true });
  assert.deepEqual(done.restored, ['data/houses.csv']);
  assert.deepEqual(fs.readFileSync(csv), original);
  const again = await restoreRunInputs(lw.store, lw.paths, runId, {});
  assert.deepEqual(again.unchanged, ['data/houses.csv']);
  lw.close();
});

test('the same content in two places (and in a folder) is one object', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.mkdirSync(path.join(ws, 'data', 'folder'), { recursive: true });
  for (const f of ['data/a.csv', 'data/b.csv', 'data/folder/c.csv']) fs.writeFileSync(path.join(ws, f), 'x,y\n1,2\n');
  const { lw, runId } = await recordRun(ws, [dataset('data/a.csv'), dataset('data/b.csv'), dataset('data/folder')]);
  const report = readKeptReport(lw.paths, runId)!;
  assert.deepEqual(
    report.entries.map((e) => [e.path, e.state]),
    [
      ['data/a.csv', 'kept'],
      ['data/b.csv', 'kept'],
      ['data/folder/c.csv', 'kept'],
    ],
  );
  const shards = fs.readdirSync(lw.paths.objects).filter((n) => /^[0-9a-f]{2}$/.test(n));
  const objects = shards.flatMap((d) => fs.readdirSync(path.join(lw.paths.objects, d)));
  assert.deepEqual(objects, [sha(path.join(ws, 'data/a.csv'))]);
  assert.equal(report.copiedBytes, 8);
  lw.close();
});
