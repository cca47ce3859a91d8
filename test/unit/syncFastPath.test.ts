import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { getRun } from '../../src/core/runs/queries';
import { updateUserEdits } from '../../src/core/runs/userEdits';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

const sha = (c: string) => c.repeat(64);

/**
 * A full sync takes every run's ingest state from one query and skips the per-run queries for an unchanged
 * datasets.json and user.json. What another process changed in between must still be seen, each kind once.
 */
test('a sync of unchanged folders changes nothing and saves nothing; each change made by another process is seen', async () => {
  const ws = tmpDir();
  const dirs = Array.from({ length: 6 }, (_, i) => makeRunFolder(ws, { name: `r${i}`, events: [metricLine('loss', i, 0)] }));
  fs.writeFileSync(path.join(dirs[1], 'datasets.json'), JSON.stringify({ schema: 1, datasets: [{ path: 'a.csv', role: 'input', sha256: sha('a') }] }));
  updateUserEdits(dirs[2], (e) => (e.note = 'first'));
  const lw = await LineageWorkspace.open(ws);
  await lw.save();
  const id = (i: number) => path.basename(dirs[i]);
  const again = await lw.sync();
  assert.equal(again.changed.length, 0, 'nothing new, nothing re-read');
  assert.equal(lw.store.isDirty, false, 'a sync that found nothing leaves nothing to save');

  // Another process: a datasets.json rewritten in place, a user.json edit, new events, a run.json rewrite,
  // a folder deleted, a new run.
  const later = new Date(Date.now() + 5000);
  fs.writeFileSync(path.join(dirs[1], 'datasets.json'), JSON.stringify({ schema: 1, datasets: [{ path: 'b.csv', role: 'input', sha256: sha('b') }] }));
  fs.utimesSync(path.join(dirs[1], 'datasets.json'), later, later);
  updateUserEdits(dirs[2], (e) => (e.note = 'second'));
  fs.appendFileSync(path.join(dirs[3], 'events.jsonl'), metricLine('loss', 9, 1) + '\n');
  const record = JSON.parse(fs.readFileSync(path.join(dirs[4], 'run.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dirs[4], 'run.json'), JSON.stringify({ ...record, name: 'renamed by the script' }));
  fs.utimesSync(path.join(dirs[4], 'run.json'), later, later);
  fs.rmSync(dirs[5], { recursive: true });
  const fresh = makeRunFolder(ws, { name: 'new', events: [metricLine('loss', 1, 0)] });

  const report = await lw.sync();
  const changed = report.changed.map((c) => c.runId).sort();
  assert.deepEqual(changed, [id(1), id(2), id(3), id(4), path.basename(fresh)].sort());
  assert.deepEqual(report.removed, [id(5)]);
  const paths = lw.store.all<{ path: string }>('SELECT path FROM run_datasets WHERE run_id = ? ORDER BY path', [id(1)]).map((r) => r.path);
  assert.ok(paths.includes('b.csv'), `datasets.json's new content is indexed (${paths.join(', ')})`);
  assert.equal(getRun(lw.store, id(2))?.note, 'second');
  assert.equal(getRun(lw.store, id(4))?.name, 'renamed by the script');
  assert.equal(lw.store.get<{ c: number }>('SELECT count(*) AS c FROM runs WHERE id = ?', [id(5)])!.c, 0);
  assert.equal((await lw.sync()).changed.length, 0, 'and once seen, not seen again');
  lw.close();
});
