// The metric cache files (seriesFile.ts) beside the index: what a damaged, short, missing or too-long file
// turns into (the points of the events file, never fewer, never twice), and the conversion of a store
// written by the previous release (points inside lineage.db) on its first open.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { readSeries, CHUNK_POINTS } from '../../src/core/metrics/seriesWriter';
import { clearSeriesCache, seriesFor } from '../../src/core/compare/compareData';
import { forgetIndexes, readIndex, RECORD_HEADER, runSeriesDir, seriesFile } from '../../src/core/metrics/seriesFile';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { SCHEMA_VERSION } from '../../src/core/store/schema';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';
import { breakChunks, seriesIndexOf } from '../helpers/seriesFiles';

const FIXTURE = path.resolve(__dirname, '../../test/fixtures/store-v5/lineage');

/** What the events file says a series is, read with nothing but JSON.parse (steps filled as documented). */
function eventsSeries(ws: string, runId: string, key: string): { steps: number[]; values: string[] } {
  const text = fs.readFileSync(path.join(ws, '.lineage', 'runs', runId, 'events.jsonl'), 'utf8');
  const steps: number[] = [];
  const values: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    if (e.type !== 'metric' || e.key !== key) continue;
    steps.push(typeof e.step === 'number' ? e.step : steps.length ? steps[steps.length - 1] + 1 : 0);
    values.push(String(Number(e.value)));
  }
  return { steps, values };
}

function assertSameAsEvents(lw: LineageWorkspace, ws: string, runId: string, key: string, what: string): void {
  const want = eventsSeries(ws, runId, key);
  const got = readSeries(lw.store, runId, key);
  assert.equal(got.values.length, want.values.length, `${what}: point count`);
  assert.deepEqual(Array.from(got.values, String), want.values, `${what}: values`);
  assert.deepEqual(Array.from(got.steps), want.steps, `${what}: steps`);
}

/** A workspace with one run of `n` points of `loss` (plus a short `acc`), indexed and saved. */
async function indexed(n = 3 * CHUNK_POINTS + 500) {
  const ws = tmpDir();
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(metricLine('loss', Math.cos(i) * 10, i, 1795756323.5 + i / 100));
  for (let i = 0; i < 40; i++) lines.push(metricLine('acc', i / 40));
  const id = path.basename(makeRunFolder(ws, { events: lines }));
  const lw = await LineageWorkspace.open(ws);
  await lw.save();
  return { ws, id, lw };
}

test('the index holds no points: its size does not grow with the metric history', async () => {
  const small = await indexed(1000);
  const big = await indexed(200_000);
  const size = (ws: string) => fs.statSync(path.join(ws, '.lineage', 'lineage.db')).size;
  assert.equal(size(big.ws), size(small.ws), 'lineage.db is the same size for 1,000 and 200,000 points');
  const cache = fs.readdirSync(runSeriesDir(path.join(big.ws, '.lineage'), big.id));
  assert.equal(cache.length, 2, 'one cache file per metric');
  assertSameAsEvents(big.lw, big.ws, big.id, 'loss', 'big');
  small.lw.close();
  big.lw.close();
});

test('a torn last chunk (a write cut short) is rebuilt from the events, with a notice', async () => {
  const { ws, id, lw } = await indexed();
  const file = seriesFile(path.join(ws, '.lineage'), id, 'loss');
  const idx = seriesIndexOf(lw.store, id, 'loss');
  const last = idx.chunks[idx.chunks.length - 1];
  fs.truncateSync(file, last.offset + RECORD_HEADER + 10);
  forgetIndexes();
  clearSeriesCache();
  const [s] = seriesFor(lw.store, [id], 'loss', 'step', 100_000);
  assert.equal(s.total, 3 * CHUNK_POINTS + 500);
  assertSameAsEvents(lw, ws, id, 'loss', 'after the repair');
  assert.match(
    lw.store.notices.join('\n'),
    /metric cache of run .* was damaged: .*holds 24576 of the 25076 points.*rebuilt from the run's events file; no point was lost/,
  );
  lw.close();
});

test('garbage over a chunk in the middle is found by its checksum and rebuilt from the events', async () => {
  const { ws, id, lw } = await indexed();
  breakChunks(lw.store, id, 'loss', (seq) => seq === 1);
  clearSeriesCache();
  const [s] = seriesFor(lw.store, [id], 'loss', 'step', 100_000);
  assert.equal(s.y.length, 3 * CHUNK_POINTS + 500);
  assertSameAsEvents(lw, ws, id, 'loss', 'after the repair');
  assert.match(lw.store.notices.join('\n'), /chunk 1 of loss\.[0-9a-f]+\.series is damaged \(its points fail their checksum\)/);
  lw.close();
});

test('a missing cache folder is rebuilt from the events when read, and an append continues it', async () => {
  const { ws, id, lw } = await indexed();
  fs.rmSync(path.join(ws, '.lineage', 'cache'), { recursive: true });
  forgetIndexes();
  clearSeriesCache();
  assertSameAsEvents(lw, ws, id, 'acc', 'acc after the folder was lost');
  assertSameAsEvents(lw, ws, id, 'loss', 'loss after the folder was lost');
  // Lost again, then a live append: the writer rebuilds before it continues.
  fs.rmSync(path.join(ws, '.lineage', 'cache'), { recursive: true });
  forgetIndexes();
  fs.appendFileSync(path.join(ws, '.lineage', 'runs', id, 'events.jsonl'), metricLine('loss', 42, 3 * CHUNK_POINTS + 500) + '\n');
  await lw.sync();
  assertSameAsEvents(lw, ws, id, 'loss', 'after the append');
  assert.equal(readSeries(lw.store, id, 'loss').values.at(-1), 42);
  lw.close();
});

test('files ahead of the index (it was not saved before a crash) are continued, never appended twice', async () => {
  const { ws, id, lw } = await indexed(5000);
  const events = path.join(ws, '.lineage', 'runs', id, 'events.jsonl');
  const more = [];
  for (let i = 5000; i < 5000 + CHUNK_POINTS; i++) more.push(metricLine('loss', i, i) + '\n');
  fs.appendFileSync(events, more.join(''));
  await lw.sync(); // the files get the points; the index in memory too, but it is never saved
  lw.close();
  const again = await LineageWorkspace.open(ws); // the saved index knows 5,000 points; the file holds 13,192
  assertSameAsEvents(again, ws, id, 'loss', 'reopened');
  const count = again.store.get<{ count: number }>("SELECT count FROM metric_summaries WHERE key = 'loss'")!.count;
  assert.equal(count, 5000 + CHUNK_POINTS);
  again.close();
});

test('a store written by the previous release (points inside lineage.db) moves them to the cache on first open', async () => {
  const ws = tmpDir();
  fs.cpSync(FIXTURE, path.join(ws, '.lineage'), { recursive: true, preserveTimestamps: true });
  const dbFile = path.join(ws, '.lineage', 'lineage.db');
  const before = fs.statSync(dbFile).size;
  const progress: number[][] = [];
  const lw = await LineageWorkspace.open(ws, { sync: false, onMigrateProgress: (d, t) => progress.push([d, t]) });
  assert.deepEqual(progress.at(-1), [3, 3], 'progress ends at every series moved');
  // Nothing is re-read from the events: the index kept where it was (run.json is re-read: a checkout gives
  // it a new mtime).
  const report = await lw.sync();
  assert.deepEqual(
    report.changed.map((c) => c.newEvents),
    report.changed.map(() => 0),
  );
  const long = '20261201-100000-aaaaaa';
  const short = '20261201-110000-bbbbbb';
  assertSameAsEvents(lw, ws, long, 'loss', 'long/loss');
  assertSameAsEvents(lw, ws, long, 'val/acc', 'long/val/acc');
  assertSameAsEvents(lw, ws, short, 'loss', 'short/loss');
  assert.equal(seriesIndexOf(lw.store, long, 'loss').chunks.length, 2);
  assert.ok(
    seriesIndexOf(lw.store, long, 'loss').chunks.every((c) => c.lodLen > 0),
    'the coarse copies moved too',
  );
  // The new file has no chunk tables and is smaller; it was saved, so the next open migrates nothing.
  lw.close();
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(dbFile));
  const tables = (db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0]));
  assert.ok(!tables.includes('metric_chunks') && !tables.includes('metric_lod'), tables.join());
  assert.equal(db.exec('PRAGMA user_version')[0].values[0][0], SCHEMA_VERSION);
  db.close();
  const after = fs.statSync(dbFile).size;
  assert.ok(after < before / 2, `lineage.db ${before} → ${after} bytes`);
  const reopened: number[][] = [];
  (await LineageWorkspace.open(ws, { onMigrateProgress: (d, t) => reopened.push([d, t]) })).close();
  assert.deepEqual(reopened, []);
});

test('a store from before the coarse copies (schema 3) gets them, then moves them to the cache', async () => {
  const ws = tmpDir();
  fs.cpSync(FIXTURE, path.join(ws, '.lineage'), { recursive: true, preserveTimestamps: true });
  const dbFile = path.join(ws, '.lineage', 'lineage.db');
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(dbFile));
  const lods = db
    .exec("SELECT data FROM metric_lod WHERE key = 'loss' AND run_id = '20261201-100000-aaaaaa' ORDER BY seq")[0]
    .values.map((r) => Buffer.from(r[0] as Uint8Array));
  db.exec('DROP TABLE metric_lod; ALTER TABLE params DROP COLUMN json; PRAGMA user_version = 3');
  fs.writeFileSync(dbFile, db.export());
  db.close();
  const lw = await LineageWorkspace.open(ws);
  const idx = seriesIndexOf(lw.store, '20261201-100000-aaaaaa', 'loss');
  const bytes = fs.readFileSync(idx.file);
  idx.chunks.forEach((c, i) => {
    const at = c.offset + RECORD_HEADER + c.payloadLen;
    assert.deepEqual(bytes.subarray(at, at + c.lodLen), lods[i], `coarse copy of chunk ${i}`);
  });
  assertSameAsEvents(lw, ws, '20261201-100000-aaaaaa', 'loss', 'loss');
  lw.close();
});

test('lineage db rebuild writes the cache again from the events (a stale or foreign file does not survive it)', async () => {
  const { ws, id, lw } = await indexed(2000);
  lw.close();
  const file = seriesFile(path.join(ws, '.lineage'), id, 'loss');
  fs.writeFileSync(file, 'not a series file at all');
  const { ws: rebuilt } = await LineageWorkspace.rebuild(ws);
  assertSameAsEvents(rebuilt, ws, id, 'loss', 'rebuilt');
  assert.ok(readIndex(file)!.chunks.length === 1);
  assert.ok(!fs.existsSync(path.join(ws, '.lineage', 'cache', 'series.rebuild-old')));
  rebuilt.close();
});

test('a series of one point lives in its summary row: no file until it is read or grows, and it reads back exactly', async () => {
  const ws = tmpDir();
  const id = path.basename(
    makeRunFolder(ws, {
      events: [metricLine('final_acc', 0.9375, 7, 1795756323.25), metricLine('diverged', 'NaN', 3), metricLine('big', 1.7976931348623157e308)],
    }),
  );
  const lw = await LineageWorkspace.open(ws);
  const dir = runSeriesDir(path.join(ws, '.lineage'), id);
  assert.ok(!fs.existsSync(dir), 'three one-point series, no cache file');
  const acc = readSeries(lw.store, id, 'final_acc');
  assert.deepEqual([Array.from(acc.steps), Array.from(acc.values), Array.from(acc.ts)], [[7], [0.9375], [1795756323250]]);
  assert.ok(Number.isNaN(readSeries(lw.store, id, 'diverged').values[0]));
  assert.equal(readSeries(lw.store, id, 'big').values[0], 1.7976931348623157e308);
  const [chart] = seriesFor(lw.store, [id], 'final_acc', 'step', 800);
  assert.deepEqual([Array.from(chart.x), Array.from(chart.y), chart.total], [[7], [0.9375], 1]);
  // A second point: the file holds both, the first taken from the summary.
  fs.appendFileSync(path.join(ws, '.lineage', 'runs', id, 'events.jsonl'), metricLine('big', -1, 1) + '\n' + metricLine('diverged', 2) + '\n');
  await lw.sync();
  assert.deepEqual(Array.from(readSeries(lw.store, id, 'big').values), [1.7976931348623157e308, -1]);
  const d = readSeries(lw.store, id, 'diverged');
  assert.deepEqual(
    [Array.from(d.steps), Array.from(d.values, String)],
    [
      [3, 4],
      ['NaN', '2'],
    ],
  );
  assertSameAsEvents(lw, ws, id, 'big', 'big');
  lw.close();
});
