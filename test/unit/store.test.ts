import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { listRuns } from '../../src/core/runs/queries';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { withWriterLock } from '../../src/core/store/writerLock';
import { migrate, SCHEMA_TABLES } from '../../src/core/store/schema';
import { openSkippedIntegrityCheck } from '../../src/core/store/store';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

async function runIdsInFile(dbFile: string): Promise<string[]> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(dbFile));
  const ids = (db.exec('SELECT id FROM runs ORDER BY id')[0]?.values ?? []).map((r) => String(r[0]));
  db.close();
  return ids;
}

test('save writes the index atomically and a reopen needs no re-ingest', async () => {
  const ws = tmpDir();
  makeRunFolder(ws, { events: [metricLine('loss', 1)] });
  const a = await LineageWorkspace.open(ws);
  await a.save();
  a.close();
  const leftovers = fs.readdirSync(path.join(ws, '.lineage')).filter((f) => f.endsWith('.tmp'));
  assert.deepEqual(leftovers, []);
  const b = await LineageWorkspace.open(ws);
  const report = await b.sync();
  assert.equal(report.changed.length, 0);
  assert.equal(listRuns(b.store).length, 1);
  b.close();
});

test('two writers that loaded the same file both keep their runs (merge, not clobber)', async () => {
  const ws = tmpDir();
  makeRunFolder(ws, { events: [metricLine('loss', 0)] });
  const first = await LineageWorkspace.open(ws);
  await first.save();
  const a = await LineageWorkspace.open(ws);
  const b = await LineageWorkspace.open(ws);
  const ra = path.basename(makeRunFolder(ws, { events: [metricLine('loss', 1)] }));
  await a.sync({ only: [ra] });
  const rb = path.basename(makeRunFolder(ws, { events: [metricLine('loss', 2)] }));
  await b.sync({ only: [rb] });
  await a.save();
  await b.save(); // b must notice a's save and merge
  const ids = await runIdsInFile(path.join(ws, '.lineage', 'lineage.db'));
  assert.ok(ids.includes(ra) && ids.includes(rb), `both runs kept: ${ids}`);
  assert.equal(ids.length, 3);
  first.close();
  a.close();
  b.close();
});

test('a corrupt database is set aside, rebuilt from the folders, and the user is told', async () => {
  const ws = tmpDir();
  const id = path.basename(makeRunFolder(ws, { events: [metricLine('loss', 1), metricLine('loss', 2)] }));
  const a = await LineageWorkspace.open(ws);
  await a.save();
  a.close();
  const dbFile = path.join(ws, '.lineage', 'lineage.db');
  const bytes = fs.readFileSync(dbFile);
  bytes.fill(0x5a, 100, bytes.length);
  fs.writeFileSync(dbFile, bytes);
  const b = await LineageWorkspace.open(ws);
  assert.equal(b.store.notices.length, 1);
  assert.match(b.store.notices[0], /damaged.*rebuilt from the run folders.*kept as .*lineage\.db\.corrupt-/);
  const aside = fs.readdirSync(path.join(ws, '.lineage')).filter((f) => f.startsWith('lineage.db.corrupt-'));
  assert.equal(aside.length, 1);
  assert.equal(listRuns(b.store)[0].id, id);
  assert.equal(listRuns(b.store)[0].metrics[0].last, 2);
  await b.save();
  b.close();
  assert.deepEqual(await runIdsInFile(dbFile), [id]);
});

test('a database of garbage bytes and an empty file are both recovered', async () => {
  for (const content of [Buffer.from('this is not sqlite at all'), Buffer.alloc(0)]) {
    const ws = tmpDir();
    makeRunFolder(ws, { events: [metricLine('loss', 1)] });
    fs.writeFileSync(path.join(ws, '.lineage', 'lineage.db'), content);
    const lw = await LineageWorkspace.open(ws);
    assert.equal(listRuns(lw.store).length, 1);
    lw.close();
  }
});

test('a lost database is rebuilt with a notice; a first use says nothing', async () => {
  const ws = tmpDir();
  makeRunFolder(ws, { events: [metricLine('loss', 1)] });
  const first = await LineageWorkspace.open(ws);
  assert.deepEqual(first.store.notices, []);
  await first.save();
  first.close();
  fs.rmSync(path.join(ws, '.lineage', 'lineage.db'));
  const again = await LineageWorkspace.open(ws);
  assert.match(again.store.notices[0] ?? '', /was missing; it was rebuilt/);
  assert.equal(listRuns(again.store).length, 1);
  again.close();
});

test('rebuild recreates the same index from the folders', async () => {
  const ws = tmpDir();
  for (let i = 0; i < 5; i++) makeRunFolder(ws, { events: [metricLine('loss', i), '{"type":"param","key":"i","value":' + i + '}'] });
  const a = await LineageWorkspace.open(ws);
  const before = listRuns(a.store);
  await a.save();
  a.close();
  const { ws: b, report } = await LineageWorkspace.rebuild(ws);
  assert.equal(report.changed.length, 5);
  assert.deepEqual(
    listRuns(b.store),
    before.map((r) => ({ ...r, durationMs: r.durationMs })),
  );
  b.close();
});

test('the writer lock serialises writers and takes over a lock left by a dead process', async () => {
  const dir = tmpDir();
  const lock = path.join(dir, 'x.lock');
  const order: string[] = [];
  await Promise.all([
    withWriterLock(lock, async () => {
      order.push('a+');
      await new Promise((r) => setTimeout(r, 50));
      order.push('a-');
    }),
    withWriterLock(lock, async () => {
      order.push('b+');
      order.push('b-');
    }),
  ]);
  assert.ok(order.join() === 'a+,a-,b+,b-' || order.join() === 'b+,b-,a+,a-', order.join());
  fs.writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 999, host: os.hostname(), at: Date.now() }));
  let ran = false;
  await withWriterLock(
    lock,
    async () => {
      ran = true;
    },
    2000,
  );
  assert.ok(ran);
  assert.ok(!fs.existsSync(lock));
});

test('a full disk on save keeps the index dirty and says the runs are safe', async () => {
  // /dev/full answers every write with ENOSPC: a real full disk, without filling one.
  if (!fs.existsSync('/dev/full')) return assert.fail('/dev/full is needed for this test');
  const ws = tmpDir();
  makeRunFolder(ws, { events: [metricLine('loss', 1)] });
  const lw = await LineageWorkspace.open(ws);
  const fsp = fs.promises as unknown as { open: typeof fs.promises.open };
  const realOpen = fsp.open;
  fsp.open = ((p: fs.PathLike, ...rest: unknown[]) =>
    String(p).endsWith('.tmp') ? realOpen('/dev/full', 'w') : (realOpen as (...a: unknown[]) => unknown)(p, ...rest)) as typeof fs.promises.open;
  try {
    await assert.rejects(lw.save(), /disk is full, so the index was not saved; free some space/);
  } finally {
    fsp.open = realOpen;
  }
  assert.ok(lw.store.isDirty);
  await lw.save();
  assert.ok(!lw.store.isDirty);
  lw.close();
});

test('edits written back to back (same mtime tick) are all seen', async () => {
  const { updateUserEdits } = await import('../../src/core/runs/userEdits');
  const ws = tmpDir();
  const dir = makeRunFolder(ws, { events: [metricLine('loss', 1)] });
  const id = path.basename(dir);
  const lw = await LineageWorkspace.open(ws);
  for (let i = 0; i < 200; i++) {
    updateUserEdits(dir, (e) => (e.starred = i % 2 === 0));
    await lw.sync({ only: [id] });
    assert.equal(listRuns(lw.store)[0].starred, i % 2 === 0, `edit ${i}`);
  }
  updateUserEdits(dir, (e) => ((e.name = 'renamed'), (e.note = 'why'), (e.tags = { stage: 'candidate' })));
  await lw.sync({ only: [id] });
  const { getRun } = await import('../../src/core/runs/queries');
  const r = getRun(lw.store, id);
  assert.equal(r.name, 'renamed');
  assert.equal(r.note, 'why');
  assert.deepEqual(r.tags, { stage: 'candidate' });
  lw.close();
  // The edits live in the run folder: a rebuilt index keeps them.
  const { ws: rebuilt } = await LineageWorkspace.rebuild(ws);
  assert.equal(getRun(rebuilt.store, id).name, 'renamed');
  rebuilt.close();
});

test('SCHEMA_TABLES names exactly the tables the migrations leave (an open checks a file against it)', async () => {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  await migrate(db);
  const tables = (db.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")[0]?.values ?? []).map((r) => String(r[0]));
  db.close();
  assert.deepEqual(tables, [...SCHEMA_TABLES].sort());
});

test('a sync that finds nothing new writes nothing, so a `lineage ls` does not save the index', async () => {
  const ws = tmpDir();
  makeRunFolder(ws, { events: [metricLine('loss', 1)] });
  const a = await LineageWorkspace.open(ws);
  await a.save();
  assert.equal(a.store.isDirty, false);
  await a.sync();
  assert.equal(a.store.isDirty, false, 'nothing changed, nothing to save');
  a.close();
});

test('the integrity check is spent only on a file someone else touched since the last Lineage save', async () => {
  const ws = tmpDir();
  makeRunFolder(ws, { events: [metricLine('loss', 1)] });
  const a = await LineageWorkspace.open(ws);
  await a.save();
  a.close();
  (await LineageWorkspace.open(ws)).close();
  assert.equal(openSkippedIntegrityCheck(), true, 'the file as our save left it: no check');
  // Damaged in place (same size, same inode, new mtime): checked again, found, and rebuilt.
  const db = path.join(ws, '.lineage', 'lineage.db');
  const size = fs.statSync(db).size;
  const fd = fs.openSync(db, 'r+');
  fs.writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, Math.floor(size / 2 / 4096) * 4096);
  fs.closeSync(fd);
  const b = await LineageWorkspace.open(ws);
  assert.equal(openSkippedIntegrityCheck(), false);
  assert.match(b.store.notices.join('\n'), /damaged/);
  assert.equal(listRuns(b.store).length, 1);
  b.close();
});
