/**
 * Issue 14's "done when", on the bundled example as the README tells it: prepare and train, edit the raw data,
 * see the graph mark both steps stale, bring them up to date with rerun-stale, get the first runs' data back
 * byte for byte with `lineage data checkout`, and reproduce the first training run with the same model hash.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, copyExample, gitInit } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function ok(args: string[], ws: string): string {
  const r = cli(args, ws);
  assert.equal(r.status, 0, `lineage ${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

interface GraphJson {
  nodes: Array<{ kind: string; stale?: boolean; runId?: string; runName?: string }>;
}

function staleRuns(ws: string, target: string): string[] {
  const g = JSON.parse(ok(['graph', target, '--json'], ws)) as GraphJson;
  return g.nodes.filter((n) => n.kind === 'run' && n.stale).map((n) => n.runName ?? n.runId ?? '?');
}

test('the example: edit the data, the graph marks prepare and train stale, rerun-stale updates them, checkout and reproduce give the first runs back', () => {
  const ws = tmpDir('lineage-go-back-');
  copyExample(ws);
  gitInit(ws);
  const raw = path.join(ws, 'data/houses.csv');
  const prepared = path.join(ws, 'data/prepared.csv');
  const rawBefore = sha(raw);
  const preparedBefore = sha(prepared);

  ok(['run', '--name', 'prep-1', 'prepare.py'], ws);
  ok(['run', '--name', 'train-1', 'train.py'], ws);
  assert.deepEqual(staleRuns(ws, 'train-1'), [], 'fresh runs are up to date');
  const model1 = JSON.parse(ok(['show', 'train-1', '--json'], ws)) as { id: string };

  // One house's price changes in the raw data, after both steps ran.
  const text = fs.readFileSync(raw, 'utf8').replace('5,149.8,suburb,21,467300', '5,149.8,suburb,21,468300');
  assert.notEqual(sha(raw), createHash('sha256').update(text).digest('hex'));
  fs.writeFileSync(raw, text);

  const stale = staleRuns(ws, 'train-1');
  assert.deepEqual(stale.sort(), ['prep-1', 'train-1'], `stale steps: ${stale.join(', ')}`);
  const textGraph = ok(['graph', 'train-1'], ws);
  assert.match(textGraph, /data\/houses\.csv/);
  assert.match(textGraph, /stale|STALE/);

  const rerun = ok(['rerun-stale', 'train-1'], ws);
  assert.match(rerun, /prepare\.py/);
  assert.match(rerun, /train\.py/);
  assert.notEqual(sha(prepared), preparedBefore, 'prepare ran again on the edited data');
  const newest = (JSON.parse(ok(['ls', '--json'], ws)) as Array<{ id: string; name: string }>)[0];
  assert.deepEqual(staleRuns(ws, newest.id), [], 'after rerun-stale the newest training run is up to date');

  // The first runs' data back, byte for byte (the files changed, so --force).
  ok(['data', 'checkout', 'prep-1', '--force'], ws);
  assert.equal(sha(raw), rawBefore, 'houses.csv is the first run’s bytes again');
  ok(['data', 'checkout', 'train-1', '--force'], ws);
  assert.equal(sha(prepared), preparedBefore, 'prepared.csv is the first run’s bytes again');

  // And the first training run reproduces, with the same model file.
  const rep = cli(['reproduce', 'train-1', '--json'], ws);
  assert.equal(rep.status, 0, `${rep.stdout}\n${rep.stderr}`);
  const report = JSON.parse(rep.stdout) as { verdict: string; model?: { same?: boolean } };
  assert.equal(report.verdict, 'identical', rep.stdout);
  assert.ok(model1.id);
});
