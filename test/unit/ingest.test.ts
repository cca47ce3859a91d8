import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { readSeries, CHUNK_POINTS } from '../../src/core/metrics/seriesWriter';
import { getRun, listRuns } from '../../src/core/runs/queries';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';
import { seriesIndexOf } from '../helpers/seriesFiles';

test('reads only what was appended, and waits for a line to be complete', async () => {
  const ws = tmpDir();
  const dir = makeRunFolder(ws, { events: [metricLine('loss', 1, 0)] });
  const events = path.join(dir, 'events.jsonl');
  const lw = await LineageWorkspace.open(ws);
  fs.appendFileSync(events, metricLine('loss', 2, 1) + '\n' + '{"type":"metric","key":"loss","val');
  let report = await lw.sync();
  assert.equal(report.changed[0].newEvents, 1);
  assert.deepEqual([...readSeries(lw.store, path.basename(dir), 'loss').values], [1, 2]);
  fs.appendFileSync(events, 'ue":3,"step":2}\n');
  report = await lw.sync();
  assert.equal(report.changed[0].newEvents, 1);
  assert.deepEqual([...readSeries(lw.store, path.basename(dir), 'loss').values], [1, 2, 3]);
  report = await lw.sync();
  assert.equal(report.changed.length, 0, 'nothing new, nothing re-read');
  lw.close();
});

test('series longer than a chunk, appended in uneven pieces, read back exactly with a correct summary', async () => {
  const ws = tmpDir();
  const dir = makeRunFolder(ws, { events: [] });
  const id = path.basename(dir);
  const events = path.join(dir, 'events.jsonl');
  const lw = await LineageWorkspace.open(ws);
  const total = CHUNK_POINTS * 2 + 123;
  const expected: number[] = [];
  let i = 0;
  for (const piece of [5, CHUNK_POINTS - 3, 1, CHUNK_POINTS + 50, total]) {
    const lines: string[] = [];
    for (let k = 0; k < piece && i < total; k++, i++) {
      const v = i === 777 ? 'NaN' : i === 778 ? 'Infinity' : Math.sin(i) * 100;
      expected.push(typeof v === 'string' ? Number(v) : v);
      lines.push(metricLine('acc', v, undefined, 1795756323.5 + i));
    }
    fs.appendFileSync(events, lines.map((l) => l + '\n').join(''));
    await lw.sync();
  }
  const s = readSeries(lw.store, id, 'acc');
  assert.equal(s.values.length, total);
  assert.deepEqual([...s.values].map(String), expected.map(String));
  assert.deepEqual(
    [...s.steps],
    expected.map((_, k) => k),
    'default steps count up per key',
  );
  assert.equal(s.ts[10], (1795756323.5 + 10) * 1000);
  const chunks = seriesIndexOf(lw.store, id, 'acc').chunks;
  assert.deepEqual(
    chunks.map((c) => c.n),
    [CHUNK_POINTS, CHUNK_POINTS, 123],
  );
  const m = getRun(lw.store, id).metrics[0];
  const finite = expected.filter((v) => !Number.isNaN(v));
  assert.equal(m.count, total);
  assert.equal(m.nanCount, 1);
  assert.equal(m.max, Infinity);
  assert.equal(m.min, Math.min(...finite));
  assert.equal(m.last, expected[total - 1]);
  assert.equal(m.first, expected[0]);
  lw.close();
});

test('params, tags, artifacts, models, datasets, env and status are indexed; warnings are counted', async () => {
  const ws = tmpDir();
  const dir = makeRunFolder(ws, {
    status: 'running',
    events: [
      '{"type":"header","schema":1}',
      '{"type":"param","key":"lr","value":0.1}',
      '{"type":"param","key":"lr","value":0.2}',
      '{"type":"param","key":"deep","value":true}',
      '{"type":"tag","key":"note","value":"baseline"}',
      '{"type":"artifact","path":"artifacts/metrics.json"}',
      '{"type":"model","path":"artifacts/model.pkl","flavor":"sklearn"}',
      '{"type":"dataset","path":"data/houses.csv","role":"train"}',
      '{"type":"env","python":"/usr/bin/python3","python_version":"3.11.2","pid":1}',
      'garbage',
      '{"type":"status","status":"finished"}',
    ],
  });
  fs.writeFileSync(path.join(dir, 'artifacts', 'metrics.json'), '{}');
  fs.writeFileSync(path.join(dir, 'artifacts', 'model.pkl'), 'x'.repeat(10));
  fs.writeFileSync(path.join(dir, 'console.log'), 'hello\n');
  const lw = await LineageWorkspace.open(ws);
  const r = getRun(lw.store, path.basename(dir));
  assert.deepEqual(r.params, { lr: 0.2, deep: true });
  assert.deepEqual(r.tags, { note: 'baseline' });
  assert.deepEqual(
    r.artifacts.map((a) => [a.path, a.kind, a.flavor, a.size]),
    [
      ['artifacts/metrics.json', 'artifact', null, 2],
      ['console.log', 'console', null, 6],
      ['artifacts/model.pkl', 'model', 'sklearn', 10],
    ],
  );
  assert.deepEqual(r.datasets, [{ path: 'data/houses.csv', role: 'train' }]);
  assert.equal(r.python?.path, '/usr/bin/python3');
  // run.json says running but no process is recorded: the script's own status event decides.
  assert.equal(r.status, 'finished');
  assert.equal(r.warnings.count, 1);
  assert.deepEqual(r.warnings.first[0], { line: 10, message: 'not JSON: "garbage"' });
  lw.close();
});

test('a running run whose processes are gone without an end is marked killed, with a reason', async () => {
  const ws = tmpDir();
  const dir = makeRunFolder(ws, { status: 'running', events: [metricLine('loss', 1)] });
  const rec = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
  rec.pid = 2 ** 22 + 12345; // beyond pid_max: certainly not alive
  rec.host = os.hostname();
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(rec));
  const lw = await LineageWorkspace.open(ws);
  const r = getRun(lw.store, path.basename(dir));
  assert.equal(r.status, 'killed');
  assert.match(r.error ?? '', /stopped without recording an end/);
  lw.close();
});

test('a truncated events file is re-read from the start; a deleted folder leaves the index', async () => {
  const ws = tmpDir();
  const dir = makeRunFolder(ws, { events: [metricLine('loss', 1), metricLine('loss', 2), metricLine('loss', 3)] });
  const id = path.basename(dir);
  const lw = await LineageWorkspace.open(ws);
  assert.equal(readSeries(lw.store, id, 'loss').values.length, 3);
  fs.writeFileSync(path.join(dir, 'events.jsonl'), metricLine('loss', 9) + '\n');
  await lw.sync();
  assert.deepEqual([...readSeries(lw.store, id, 'loss').values], [9]);
  fs.rmSync(dir, { recursive: true });
  const report = await lw.sync();
  assert.deepEqual(report.removed, [id]);
  assert.equal(listRuns(lw.store).length, 0);
  lw.close();
});

test('a folder whose run.json is missing or broken is still indexed with its events', async () => {
  const ws = tmpDir();
  const a = makeRunFolder(ws, { events: [metricLine('loss', 1)] });
  const b = makeRunFolder(ws, { events: [metricLine('loss', 2)] });
  fs.rmSync(path.join(a, 'run.json'));
  fs.writeFileSync(path.join(b, 'run.json'), '{"schema":1,');
  const lw = await LineageWorkspace.open(ws);
  const runs = listRuns(lw.store);
  assert.equal(runs.length, 2);
  assert.deepEqual(runs.map((r) => r.metrics[0].last).sort(), [1, 2]);
  assert.match(getRun(lw.store, path.basename(b)).error ?? '', /not valid JSON/);
  lw.close();
});

test('parsing on worker threads, several slices per file and two jobs per worker: every point once, in order', async () => {
  const ws = tmpDir();
  const n = 90_000; // ~6 MB of events a run: two 4 MiB slices each
  const ids: string[] = [];
  for (let r = 0; r < 3; r++) {
    const lines: string[] = [];
    for (let i = 0; i < n; i++) lines.push(metricLine('loss', r * 1e6 + i, i, 1795756323 + i / 1000) + ' '.repeat(r * 3));
    ids.push(path.basename(makeRunFolder(ws, { events: lines })));
  }
  const lw = await LineageWorkspace.open(ws, { parallelMinBytes: 0 });
  for (const [r, id] of ids.entries()) {
    const s = readSeries(lw.store, id, 'loss');
    assert.equal(s.values.length, n, `run ${r}`);
    assert.equal(s.values[0], r * 1e6);
    assert.equal(s.values[n - 1], r * 1e6 + n - 1);
    assert.ok(
      s.steps.every((x, i) => x === i),
      `run ${r}: steps in order`,
    );
  }
  lw.close();
});
