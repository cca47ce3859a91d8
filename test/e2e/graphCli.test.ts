import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, gitInit } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

const PREPARE = `import argparse
p = argparse.ArgumentParser()
p.add_argument('--scale', type=float, default=1.0)
a = p.parse_args()
rows = open('data/raw.csv').read().strip().split('\\n')
with open('data/prepared.csv', 'w') as f:
    f.write(rows[0] + '\\n')
    for r in rows[1:]:
        x, y = r.split(',')
        f.write(f'{float(x) * a.scale},{y}\\n')
`;

const TRAIN = `import json, lineage
rows = open('data/prepared.csv').read().strip().split('\\n')[1:]
xs = [float(r.split(',')[0]) for r in rows]
with open('model.json', 'w') as f:
    json.dump({'mean': sum(xs) / len(xs)}, f)
lineage.log_model('model.json', flavor='json')
lineage.log_metrics({'mean': sum(xs) / len(xs)})
`;

interface JsonGraph {
  target: string;
  nodes: Array<{ id: string; kind: string; label: string; runId?: string; stale: boolean; reasons: string[]; supersededBy?: { runId: string }; depth: number }>;
  edges: Array<{ from: string; to: string; kind: string }>;
}

function pipeline(): string {
  const ws = tmpDir('lineage-graph-e2e-');
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data/raw.csv'), 'x,y\n1,2\n3,4\n5,6\n');
  fs.writeFileSync(path.join(ws, 'prepare.py'), PREPARE);
  fs.writeFileSync(path.join(ws, 'train.py'), TRAIN);
  gitInit(ws);
  for (const [name, script, ...args] of [
    ['prepare', 'prepare.py', '--scale', '2'],
    ['train', 'train.py'],
  ]) {
    const r = cli(['run', '--name', name, script, ...args], ws);
    assert.equal(r.status, 0, r.stderr);
  }
  return ws;
}

const graphJson = (ws: string, target: string, ...flags: string[]): JsonGraph => {
  const r = cli(['graph', target, '--json', ...flags], ws);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonGraph;
};
const staleRuns = (g: JsonGraph) =>
  g.nodes
    .filter((n) => n.kind === 'run' && n.stale)
    .map((n) => n.label)
    .sort();

test('lineage graph on a real two-step pipeline: text, --dot, --json; stale after editing the raw data; rerun-stale brings it up to date', () => {
  const ws = pipeline();
  const text = cli(['graph', 'train'], ws);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^run train \(\S+\) · finished\nMade from:\n└─ reads data\/prepared.csv @[0-9a-f]{12} · current\n {3}└─ written by run prepare /);
  assert.match(text.stdout, /reads data\/raw.csv @[0-9a-f]{12} · current/);
  assert.match(text.stdout, /saves model artifacts\/model.json of run train/);
  assert.match(text.stdout, /Up to date/);

  const dot = cli(['graph', 'train', '--dot'], ws);
  assert.equal(dot.status, 0, dot.stderr);
  assert.match(dot.stdout, /^digraph lineage \{\n {2}rankdir=LR;/);
  assert.match(dot.stdout, /"run:[^"]+" -> "data:data\/prepared.csv@[0-9a-f]{64}";/);
  assert.doesNotMatch(dot.stdout, /STALE/);

  const g = graphJson(ws, 'train');
  assert.deepEqual(
    g.nodes.filter((n) => n.kind === 'run').map((n) => n.label),
    ['prepare', 'train'],
    'topological order: prepare first',
  );
  assert.deepEqual(staleRuns(g), []);
  const depth = (label: string) => g.nodes.find((n) => n.label === label)!.depth;
  assert.ok(depth('data/raw.csv') < depth('prepare') && depth('prepare') < depth('data/prepared.csv') && depth('data/prepared.csv') < depth('train'));
  const trainId = g.nodes.find((n) => n.label === 'train')!.runId!;
  const up = graphJson(ws, `${trainId}:model.json`, '--up');
  assert.equal(up.target, `model:${trainId}:artifacts/model.json`);

  // Edit the raw data: prepare is stale because of it, train because prepare is.
  fs.appendFileSync(path.join(ws, 'data/raw.csv'), '7,8\n');
  const stale = graphJson(ws, 'train');
  assert.deepEqual(staleRuns(stale), ['prepare', 'train']);
  assert.deepEqual(stale.nodes.find((n) => n.label === 'prepare')!.reasons, ['data/raw.csv changed since prepare ran']);
  assert.deepEqual(stale.nodes.find((n) => n.label === 'train')!.reasons, ['upstream step prepare is stale']);
  const staleText = cli(['graph', 'train'], ws).stdout;
  assert.match(staleText, /⚠ STALE: data\/raw.csv changed since prepare ran/);
  assert.match(staleText, /2 stale steps: prepare, train\./);
  assert.match(cli(['graph', 'train', '--dot'], ws).stdout, /label="prepare\\nfinished\\nSTALE"/);

  const dry = cli(['rerun-stale', 'train', '--dry-run'], ws);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(
    dry.stdout,
    /Plan: 2 stale steps, in order:\n {2}1\. prepare \(\S+\): \S*python3 prepare.py --scale 2\n.*\n {2}2\. train \(\S+\): \S*python3 train.py\n/,
  );
  assert.match(dry.stdout, /Dry run: nothing was started/);
  assert.equal(fs.readdirSync(path.join(ws, '.lineage/runs')).length, 2, 'a dry run starts nothing');

  const rerun = cli(['rerun-stale', 'train'], ws);
  assert.equal(rerun.status, 0, rerun.stderr + rerun.stdout);
  assert.match(rerun.stdout, /\[1\/2\] re-running prepare[\s\S]*\[2\/2\] re-running train[\s\S]*Re-ran 2 steps/);
  assert.equal(fs.readdirSync(path.join(ws, '.lineage/runs')).length, 4);
  // The re-run used the same params: 4 rows scaled by 2.
  assert.equal(fs.readFileSync(path.join(ws, 'data/prepared.csv'), 'utf8'), 'x,y\n2.0,2\n6.0,4\n10.0,6\n14.0,8\n');
  assert.equal(JSON.parse(fs.readFileSync(path.join(ws, 'model.json'), 'utf8')).mean, 8);

  // The current raw data now leads through fresh runs only; the old train record says it was re-run.
  const fresh = graphJson(ws, 'data/raw.csv', '--down');
  assert.equal(fresh.nodes.filter((n) => n.kind === 'run').length, 2);
  assert.deepEqual(staleRuns(fresh), []);
  const newTrain = fresh.nodes.find(
    (n) => n.kind === 'run' && n.label !== 'prepare' && fresh.edges.some((e) => e.to === n.id && e.from.includes('prepared.csv')),
  )!;
  assert.deepEqual(staleRuns(graphJson(ws, newTrain.runId!)), []);
  const old = graphJson(ws, 'train', '--up');
  assert.equal(old.nodes.find((n) => n.label === 'train')!.supersededBy?.runId, newTrain.runId);
  const again = cli(['rerun-stale', 'train'], ws);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /Nothing to re-run/);
});

test('rerun-stale stops at the first failing step and says which; unknown targets are errors that say what to give', () => {
  const ws = pipeline();
  fs.appendFileSync(path.join(ws, 'data/raw.csv'), '7,8\n');
  fs.writeFileSync(path.join(ws, 'prepare.py'), 'import sys\nopen("data/raw.csv").read()\nsys.exit(3)\n');
  const r = cli(['rerun-stale', 'train'], ws);
  assert.equal(r.status, 3, r.stdout);
  assert.match(r.stderr, /step 1 of 2, prepare, failed \(exit code 3; recorded as run \S+\)\. Not run: train\./);
  assert.equal(fs.readdirSync(path.join(ws, '.lineage/runs')).length, 3, 'train was not started');
  const unknown = cli(['graph', 'no-such-thing'], ws);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /neither a run, a model \(<run>:<model file>\) nor a file a run read or wrote/);
  const usage = cli(['graph', 'train', '--dot', '--json'], ws);
  assert.equal(usage.status, 2);
});
