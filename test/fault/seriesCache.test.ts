// kill -9 of a process while it writes the metric cache files: on the next open every series holds exactly
// the points of its events file (none lost to a torn tail, none twice from a file ahead of the saved index).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliAsync, waitFor } from '../helpers/cli';
import { tmpDir, makeRunFolder } from '../helpers/tmp';
import { LineageWorkspace } from '../../src/core/workspace';
import { readSeries } from '../../src/core/metrics/seriesWriter';
import { forgetIndexes } from '../../src/core/metrics/seriesFile';
import { clearSeriesCache } from '../../src/core/compare/compareData';

const RUNS = 8;

function writeLines(ws: string, ids: string[], from: number, to: number): void {
  for (const id of ids) {
    const lines: string[] = [];
    for (let i = from; i < to; i++)
      lines.push(`{"type":"metric","key":"loss","value":${(Math.sin(i) * 100).toFixed(6)},"step":${i},"ts":${1795756323 + i / 1000}}\n`);
    fs.appendFileSync(path.join(ws, '.lineage', 'runs', id, 'events.jsonl'), lines.join(''));
  }
}

function cacheBytes(ws: string): number {
  const top = path.join(ws, '.lineage', 'cache', 'series');
  let n = 0;
  for (const run of fs.existsSync(top) ? fs.readdirSync(top) : []) {
    const dir = path.join(top, run);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir)) n += fs.statSync(path.join(dir, f)).size;
  }
  return n;
}

/** Starts `lineage ls` (which indexes what is new) and kills it with SIGKILL once the cache has grown by `after` bytes. */
async function killMidWrite(ws: string, after: number): Promise<void> {
  const start = cacheBytes(ws);
  const child = cliAsync(['ls'], ws);
  let exited = false;
  child.on('exit', () => (exited = true));
  await waitFor(() => exited || cacheBytes(ws) > start + after, 60_000, 'the cache to grow');
  assert.equal(exited, false, 'the indexing was still going when it was killed');
  child.kill('SIGKILL');
  await waitFor(() => exited, 10_000, 'the process to die');
}

async function assertEveryPoint(ws: string, ids: string[], n: number, what: string): Promise<void> {
  forgetIndexes();
  clearSeriesCache();
  const lw = await LineageWorkspace.open(ws);
  for (const id of ids) {
    const s = readSeries(lw.store, id, 'loss');
    assert.equal(s.values.length, n, `${what}: ${id} has every point once`);
    for (let i = 0; i < n; i += 997) assert.equal(s.steps[i], i, `${what}: ${id} step ${i}`);
    assert.equal(s.values[n - 1].toFixed(6), (Math.sin(n - 1) * 100).toFixed(6), `${what}: ${id} last value`);
  }
  const sum = lw.store.get<{ n: number }>('SELECT sum(count) AS n FROM metric_summaries')!.n;
  assert.equal(sum, ids.length * n, `${what}: the summaries count every point once`);
  await lw.save();
  lw.close();
}

test('kill -9 while the cache files are first written, and again while they are appended to: no point lost or doubled', async () => {
  const ws = tmpDir('lineage-fault-');
  const ids = Array.from({ length: RUNS }, (_, i) => path.basename(makeRunFolder(ws, { name: `r${i}`, events: [] })));
  const first = 150_000;
  writeLines(ws, ids, 0, first);
  // First open, killed while the cache is being written (nothing saved yet: the index is built again).
  await killMidWrite(ws, 2_000_000);
  await assertEveryPoint(ws, ids, first, 'after a kill during the first indexing');

  // Indexed and saved; more points arrive; killed while they are appended (the saved index is now behind the files).
  const more = first + 100_000;
  writeLines(ws, ids, first, more);
  await killMidWrite(ws, 1_000_000);
  await assertEveryPoint(ws, ids, more, 'after a kill during an append');
});

test('two processes indexing the same growing run at once (the editor and a CLI): each series holds every point once', async () => {
  const ws = tmpDir('lineage-fault-');
  const [id] = [path.basename(makeRunFolder(ws, { name: 'shared', events: [] }))];
  writeLines(ws, [id], 0, 1000);
  // Two indexers in a loop, while the run keeps growing by uneven batches (a tail chunk rewritten in place
  // by one while the other reads or appends).
  let stop = false;
  const loop = async () => {
    while (!stop) {
      const child = cliAsync(['ls'], ws);
      await new Promise((r) => child.on('exit', r));
    }
  };
  const indexers = [loop(), loop()];
  let n = 1000;
  for (let k = 0; k < 40; k++) {
    const more = 500 + ((k * 7919) % 3000);
    writeLines(ws, [id], n, n + more);
    n += more;
    await new Promise((r) => setTimeout(r, 40));
  }
  stop = true;
  await Promise.all(indexers);
  await assertEveryPoint(ws, [id], n, 'after two concurrent indexers');
});
