import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, cliAsync, copyExample, countLines, gitInit, queryDbFile, waitFor } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';
import { isProcessAlive } from '../../src/core/util/fsx';

function onlyRunDir(ws: string): string {
  const runs = fs.readdirSync(path.join(ws, '.lineage', 'runs'));
  assert.equal(runs.length, 1);
  return path.join(ws, '.lineage', 'runs', runs[0]);
}

function metricPoints(file: string): number {
  return countLines(file, (l) => l.includes('"type":"metric"'));
}

test('kill -9 of the CLI mid-run: the script finishes on its own and rebuild recovers every event', async () => {
  const ws = tmpDir('lineage-fault-');
  copyExample(ws);
  gitInit(ws);
  const child = cliAsync(['run', 'train.py', '--n-estimators', '80', '--sleep-per-stage', '0.02'], ws);
  await waitFor(() => fs.existsSync(path.join(ws, '.lineage', 'runs')) && fs.readdirSync(path.join(ws, '.lineage', 'runs')).length === 1, 15000, 'run folder');
  const dir = onlyRunDir(ws);
  const events = path.join(dir, 'events.jsonl');
  await waitFor(() => fs.existsSync(events) && metricPoints(events) >= 10, 20000, 'first metrics');
  child.kill('SIGKILL');
  const scriptPid = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).childPid as number;
  await waitFor(() => !isProcessAlive(scriptPid) || fs.readFileSync(`/proc/${scriptPid}/stat`, 'utf8').includes(') Z'), 30000, 'the orphaned script to finish');
  const written = metricPoints(events);
  assert.ok(written >= 80 * 2, `the script kept logging after the CLI died (${written} points)`);

  const rebuilt = cli(['db', 'rebuild'], ws);
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  assert.match(rebuilt.stdout, /Rebuilt .* from 1 run folder/);
  const id = path.basename(dir);
  const db = path.join(ws, '.lineage', 'lineage.db');
  const [{ n }] = await queryDbFile(db, 'SELECT sum(count) AS n FROM metric_summaries WHERE run_id = ?', [id]);
  assert.equal(n, written, 'every metric line written is in the rebuilt index');
  const [run] = await queryDbFile(db, 'SELECT status FROM runs WHERE id = ?', [id]);
  assert.equal(run.status, 'finished', "the script's own end event decides when the launcher died");
});

test('kill -9 of the CLI and the script together mid-run: recorded as killed, every flushed event kept', async () => {
  const ws = tmpDir('lineage-fault-');
  copyExample(ws);
  const child = cliAsync(['run', 'train.py', '--n-estimators', '400', '--sleep-per-stage', '0.02'], ws);
  await waitFor(() => fs.existsSync(path.join(ws, '.lineage', 'runs')) && fs.readdirSync(path.join(ws, '.lineage', 'runs')).length === 1, 15000, 'run folder');
  const dir = onlyRunDir(ws);
  const events = path.join(dir, 'events.jsonl');
  await waitFor(() => fs.existsSync(events) && metricPoints(events) >= 20, 20000, 'first metrics');
  await waitFor(() => !!JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).childPid, 5000, 'child pid');
  const scriptPid = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')).childPid as number;
  child.kill('SIGKILL');
  process.kill(-scriptPid, 'SIGKILL');
  await waitFor(() => !isProcessAlive(scriptPid) || fs.readFileSync(`/proc/${scriptPid}/stat`, 'utf8').includes(') Z'), 10000, 'script gone');
  await new Promise((r) => setTimeout(r, 100));
  const written = metricPoints(events);
  const rebuilt = cli(['db', 'rebuild'], ws);
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  const show = JSON.parse(cli(['show', path.basename(dir), '--json'], ws).stdout);
  const total = Object.values(show.metrics as Record<string, { count: number }>).reduce((a, m) => a + m.count, 0);
  assert.equal(total, written);
  assert.equal(show.status, 'killed');
  assert.match(show.error, /stopped without recording an end/);
});

test('kill -9 of the CLI right after the run ended (before or during its save): nothing is lost', async () => {
  const ws = tmpDir('lineage-fault-');
  fs.writeFileSync(
    path.join(ws, 'quick.py'),
    'import lineage\nfor i in range(2000):\n    lineage.log_metric("loss", 1.0 / (i + 1), step=i)\nlineage.log_param("p", 1)\n',
  );
  // A first run so a database exists and the second save has something to replace.
  assert.equal(cli(['run', 'quick.py'], ws).status, 0);
  const child = cliAsync(['run', 'quick.py'], ws);
  const runsDir = path.join(ws, '.lineage', 'runs');
  let second = '';
  await waitFor(
    () => {
      const ids = fs.readdirSync(runsDir).sort();
      if (ids.length < 2) return false;
      second = ids[1];
      try {
        return JSON.parse(fs.readFileSync(path.join(runsDir, second, 'run.json'), 'utf8')).status !== 'running';
      } catch {
        return false;
      }
    },
    30000,
    'the second run to end',
  );
  child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 50));
  // Whatever instant the kill landed at, the file on disk is a whole database (atomic rename), never torn.
  const before = await queryDbFile(path.join(ws, '.lineage', 'lineage.db'), 'SELECT count(*) AS n FROM runs');
  assert.ok((before[0].n as number) >= 1);
  const ls = JSON.parse(cli(['ls', '--json'], ws).stdout);
  assert.equal(ls.length, 2);
  const run = ls.find((r: { id: string }) => r.id === second);
  assert.equal(run.status, 'finished');
  assert.equal(run.metrics.loss.count, 2000);
});
