import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { fingerprintRunDatasets } from '../../src/core/datasets/runDatasets';
import { collectGarbage, hasObject, keepRunData, readKeptReport } from '../../src/core/datasets/objects';
import { makeRunFolder, tmpDir } from '../helpers/tmp';

async function runReading(ws: string, file: string, content: string) {
  fs.writeFileSync(path.join(ws, file), content);
  const dir = makeRunFolder(ws, { events: [JSON.stringify({ type: 'dataset', path: file, role: 'input' })] });
  const lw = await LineageWorkspace.open(ws);
  const runId = path.basename(dir);
  await fingerprintRunDatasets(lw.store, lw.paths, runId, {
    onKept: (r) => {
      if (r instanceof Error) throw r;
    },
  });
  const sha = readKeptReport(lw.paths, runId)!.entries[0].sha256!;
  return { lw, runId, sha, dir };
}

test('gc never frees what a run, a starred run or a pushed model needs; frees what nothing needs; waits out the grace period', async () => {
  const ws = tmpDir('lineage-gc-');
  const plain = await runReading(ws, 'a.csv', 'plain\n');
  plain.lw.close();
  const starred = await runReading(ws, 'b.csv', 'starred\n');
  starred.lw.close();
  const pushed = await runReading(ws, 'c.csv', 'pushed\n');
  pushed.lw.close();
  const gone = await runReading(ws, 'd.csv', 'gone\n');
  fs.mkdirSync(gone.lw.paths.registry, { recursive: true });
  fs.writeFileSync(
    path.join(gone.lw.paths.registry, 'history.jsonl'),
    JSON.stringify({ action: 'push', runId: pushed.runId, model: 'm', version: 1 }) + '\n{"torn',
  );
  // Folders removed behind the index's back (the index still says starred): their data must stay.
  for (const r of [starred, pushed, gone]) fs.rmSync(r.dir, { recursive: true });
  const lw = gone.lw;
  lw.store.run('UPDATE runs SET starred = 1 WHERE id = ?', [starred.runId]);

  const young = collectGarbage(lw.store, lw.paths, {});
  assert.deepEqual(young.freed, [], 'nothing younger than an hour is freed');
  assert.equal(young.young, 1);
  assert.deepEqual(young.droppedRefs, [gone.runId], 'the refs of a run that is gone (and not protected) go at once');

  const dry = collectGarbage(lw.store, lw.paths, { graceMs: 0, dryRun: true });
  assert.deepEqual(
    dry.freed.map((f) => f.sha256),
    [gone.sha],
  );
  assert.ok(hasObject(lw.paths, gone.sha), 'a dry run frees nothing');

  const r = collectGarbage(lw.store, lw.paths, { graceMs: 0 });
  assert.deepEqual(
    r.freed.map((f) => [f.sha256, f.size]),
    [[gone.sha, 5]],
  );
  assert.equal(r.freedBytes, 5);
  assert.deepEqual(r.protectedRuns.sort(), [starred.runId, pushed.runId].sort());
  for (const keep of [plain.sha, starred.sha, pushed.sha]) assert.ok(hasObject(lw.paths, keep));
  assert.ok(!hasObject(lw.paths, gone.sha));
  lw.close();
});

test('an object reused by a new run is touched, so gc does not free it between the keep and the run being indexed', async () => {
  const ws = tmpDir('lineage-gc-');
  const first = await runReading(ws, 'a.csv', 'same\n');
  const obj = path.join(first.lw.paths.objects, first.sha.slice(0, 2), first.sha);
  const old = new Date(Date.now() - 3 * 3600 * 1000);
  fs.utimesSync(obj, old, old);
  fs.rmSync(first.dir, { recursive: true });
  // A new run reads the same bytes: its keep finds the object and touches it before its kept.json exists.
  const dir = makeRunFolder(ws, { events: [JSON.stringify({ type: 'dataset', path: 'a.csv', role: 'input' })] });
  await first.lw.sync();
  const report = await keepRunDataAfterFingerprint(first.lw, path.basename(dir));
  assert.equal(report.entries[0].how, 'already kept');
  fs.rmSync(path.join(dir, 'kept.json'));
  fs.rmSync(path.join(first.lw.paths.objects, 'refs', `${path.basename(dir)}.json`));
  const r = collectGarbage(first.lw.store, first.lw.paths, {});
  assert.deepEqual(r.freed, []);
  assert.ok(hasObject(first.lw.paths, first.sha));
  first.lw.close();
});

async function keepRunDataAfterFingerprint(lw: LineageWorkspace, runId: string) {
  await fingerprintRunDatasets(lw.store, lw.paths, runId, { keep: false });
  return keepRunData(lw.store, lw.paths, runId);
}
