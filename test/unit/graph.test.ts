import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Store } from '../../src/core/store/store';
import { lineagePaths } from '../../src/core/util/lineagePaths';
import { GraphIndex } from '../../src/core/graph/graphIndex';
import { lineageGraph, rerunPlanFor } from '../../src/core/graph/lineageGraph';
import { buildGraph } from '../../src/core/graph/buildGraph';
import { graphDot, graphText } from '../../src/core/graph/render';
import { upstreamRuns } from '../../src/core/graph/plan';
import type { LineageGraph } from '../../src/core/graph/types';
import { seedRuns, sha, writeData, type SeedRun } from '../helpers/graphFixture';
import { tmpDir } from '../helpers/tmp';

async function storeWith(runs: SeedRun[]) {
  const dir = tmpDir('lineage-graph-');
  const store = await Store.open(lineagePaths(dir));
  seedRuns(store, runs);
  return { dir, store };
}

const node = (g: LineageGraph, id: string) => g.nodes.find((n) => n.id === id);
const runIds = (g: LineageGraph) =>
  g.nodes
    .filter((n) => n.kind === 'run')
    .map((n) => n.runId)
    .sort();

const RAW = sha('raw v1');
const PREP = sha('prepared v1');

/** raw → prepare → prepared → train → model, with the files really on disk so nothing is stale. */
async function twoSteps() {
  const s = await storeWith([
    { id: 'p1', name: 'prepare', startedAt: 1000, reads: [['data/raw.csv', RAW]], writes: [['data/prepared.csv', PREP]] },
    { id: 't1', name: 'train', startedAt: 2000, reads: [['data/prepared.csv', PREP]], models: ['artifacts/model.pkl'] },
  ]);
  writeData(s.dir, 'data/raw.csv', 'raw v1');
  writeData(s.dir, 'data/prepared.csv', 'prepared v1');
  return s;
}

test('a chain: train depends on prepare through the content it read, back to raw data, with a model; fresh files are not stale', async () => {
  const { dir, store } = await twoSteps();
  const { graph: g } = await lineageGraph(store, dir, 'train', 'both');
  assert.deepEqual(runIds(g), ['p1', 't1']);
  assert.deepEqual(
    g.edges.map((e) => `${e.from} -${e.kind}-> ${e.to}`).sort(),
    [
      `data:data/prepared.csv@${PREP} -read-> run:t1`,
      `data:data/raw.csv@${RAW} -read-> run:p1`,
      `run:p1 -write-> data:data/prepared.csv@${PREP}`,
      'run:t1 -write-> model:t1:artifacts/model.pkl',
    ].sort(),
  );
  assert.equal(g.nodes.filter((n) => n.stale).length, 0);
  assert.equal(node(g, `data:data/raw.csv@${RAW}`)!.state, 'current');
  // Layers left to right: raw 0, prepare 1, prepared 2, train 3, model 4.
  assert.deepEqual(
    ['data:data/raw.csv@' + RAW, 'run:p1', 'data:data/prepared.csv@' + PREP, 'run:t1', 'model:t1:artifacts/model.pkl'].map((id) => node(g, id)!.depth),
    [0, 1, 2, 3, 4],
  );
  assert.equal(node(g, 'run:t1')!.target, true);
  // Up only from prepare: no train; down only from prepare: train and the model, not raw data's producer.
  const up = (await lineageGraph(store, dir, 'prepare', 'up')).graph;
  assert.deepEqual(runIds(up), ['p1']);
  const down = (await lineageGraph(store, dir, 'prepare', 'down')).graph;
  assert.deepEqual(runIds(down), ['p1', 't1']);
  assert.ok(node(down, 'model:t1:artifacts/model.pkl'));
  // A path target is its current content; a model target is <run>:<file>.
  const byPath = (await lineageGraph(store, dir, 'data/raw.csv', 'down')).graph;
  assert.equal(byPath.target, `data:data/raw.csv@${RAW}`);
  assert.deepEqual(runIds(byPath), ['p1', 't1']);
  const byModel = (await lineageGraph(store, dir, 'train:model.pkl', 'up')).graph;
  assert.equal(byModel.target, 'model:t1:artifacts/model.pkl');
  assert.deepEqual(runIds(byModel), ['p1', 't1']);
  await assert.rejects(lineageGraph(store, dir, 'nothing-like-this', 'both'), /neither a run, a model .* nor a file/);
  await assert.rejects(lineageGraph(store, dir, 'train:nope.pkl', 'both'), /no single model "nope.pkl"; its models: artifacts\/model.pkl/);
  store.close();
});

test('staleness from a really edited file: the reader and everything downstream are stale, each with its reason; rerun plan in order', async () => {
  const { dir, store } = await twoSteps();
  fs.appendFileSync(path.join(dir, 'data/raw.csv'), 'one more row\n');
  const { graph: g } = await lineageGraph(store, dir, 'train', 'both');
  assert.deepEqual(node(g, 'run:p1')!.reasons, ['data/raw.csv changed since prepare ran']);
  assert.deepEqual(node(g, 'run:t1')!.reasons, ['upstream step prepare is stale']);
  assert.equal(node(g, `data:data/raw.csv@${RAW}`)!.state, 'changed');
  assert.equal(node(g, `data:data/raw.csv@${RAW}`)!.stale, false, 'raw data is not stale: it is an old version');
  assert.equal(node(g, `data:data/prepared.csv@${PREP}`)!.stale, true);
  assert.equal(node(g, 'model:t1:artifacts/model.pkl')!.stale, true);
  const text = graphText(g);
  assert.match(text, /run prepare \(p1\) · finished {2}⚠ STALE: data\/raw.csv changed since prepare ran/);
  assert.match(text, /2 stale steps: prepare, train\./);
  const dot = graphDot(g);
  assert.match(dot, /"run:p1" \[label="prepare\\nfinished\\nSTALE", shape=box, color="#c62828"/);
  const { plan } = await rerunPlanFor(store, dir, 'train');
  assert.deepEqual(
    plan.steps.map((s) => s.runId),
    ['p1', 't1'],
  );
  // A deleted input is said as such.
  fs.rmSync(path.join(dir, 'data/raw.csv'));
  const gone = (await lineageGraph(store, dir, 'prepare', 'up')).graph;
  assert.deepEqual(node(gone, 'run:p1')!.reasons, ['data/raw.csv is gone since prepare ran']);
  store.close();
});

test('a re-run with the same command that is up to date supersedes the stale record; the plan skips it', async () => {
  const RAW2 = sha('raw v2');
  const PREP2 = sha('prepared v2');
  const { dir, store } = await storeWith([
    { id: 'p1', name: 'prepare', startedAt: 1000, reads: [['data/raw.csv', RAW]], writes: [['data/prepared.csv', PREP]] },
    { id: 't1', name: 'train', startedAt: 2000, reads: [['data/prepared.csv', PREP]] },
    {
      id: 'p2',
      name: 'prepare-again',
      startedAt: 3000,
      command: ['python3', 'prepare.py'],
      reads: [['data/raw.csv', RAW2]],
      writes: [['data/prepared.csv', PREP2]],
    },
  ]);
  // p1 was recorded with the same command as p2.
  store.run('UPDATE runs SET command = ? WHERE id = ?', [JSON.stringify(['python3', 'prepare.py']), 'p1']);
  writeData(dir, 'data/raw.csv', 'raw v2');
  writeData(dir, 'data/prepared.csv', 'prepared v2');
  const { graph: g } = await lineageGraph(store, dir, 'train', 'up');
  assert.deepEqual(node(g, 'run:p1')!.supersededBy, { runId: 'p2', runName: 'prepare-again' });
  assert.match(node(g, 'run:t1')!.reasons[0], /data\/prepared.csv changed since train ran \(run prepare-again wrote the new version\)/);
  const { plan } = await rerunPlanFor(store, dir, 'train');
  assert.deepEqual(
    plan.steps.map((s) => s.runId),
    ['t1'],
  );
  assert.deepEqual(
    plan.superseded.map((s) => s.runId),
    ['p1'],
  );
  store.close();
});

test('a diamond: one raw file feeds two steps that one train joins; each node appears once and the shared step once in the plan', async () => {
  const A = sha('a');
  const B = sha('b');
  const { dir, store } = await storeWith([
    {
      id: 'split',
      startedAt: 1,
      reads: [['raw.csv', RAW]],
      writes: [
        ['left.csv', A],
        ['right.csv', B],
      ],
    },
    { id: 'l', startedAt: 2, reads: [['left.csv', A]], writes: [['l.out', sha('l')]] },
    { id: 'r', startedAt: 3, reads: [['right.csv', B]], writes: [['r.out', sha('r')]] },
    {
      id: 'join',
      startedAt: 4,
      reads: [
        ['l.out', sha('l')],
        ['r.out', sha('r')],
      ],
      models: ['m.pkl'],
    },
  ]);
  writeData(dir, 'raw.csv', 'changed');
  const { graph: g } = await lineageGraph(store, dir, 'join', 'up');
  assert.deepEqual(runIds(g), ['join', 'l', 'r', 'split']);
  assert.equal(new Set(g.nodes.map((n) => n.id)).size, g.nodes.length);
  assert.equal(node(g, 'run:join')!.depth, 5);
  assert.notEqual(node(g, 'run:l')!.row, node(g, 'run:r')!.row, 'the two branches are on different rows');
  assert.ok(
    g.nodes.every((n) => n.kind === 'data' || n.stale),
    'every step and the model is stale from the one changed file',
  );
  const index = GraphIndex.load(store);
  const order = upstreamRuns(index, { kind: 'run', runId: 'join' });
  assert.equal(order[0], 'split');
  assert.equal(order[order.length - 1], 'join');
  assert.equal(order.length, 4);
  const text = graphText(g);
  assert.match(text, /\(shown above\)/, 'the shared step is printed once, then referred to');
  store.close();
});

test('a run reading its own output, and identical content written by a later run, do not loop', async () => {
  const X = sha('x');
  const Y = sha('y');
  const { dir, store } = await storeWith([
    // Reads cache.bin and writes the same content back: it is not its own producer.
    { id: 'self', startedAt: 1, reads: [['cache.bin', X]], writes: [['cache.bin', X]] },
    { id: 'a', startedAt: 2, reads: [['cache.bin', X]], writes: [['y.csv', Y]] },
    // Writes content `a` read before: that is later than `a`, so it cannot be a's producer (no cycle a → b → a).
    { id: 'b', startedAt: 3, reads: [['y.csv', Y]], writes: [['cache.bin', X]] },
  ]);
  const index = GraphIndex.load(store);
  assert.equal(index.producerOf('self', 'cache.bin', X), undefined);
  assert.equal(index.producerOf('a', 'cache.bin', X)?.runId, 'self');
  const { graph: g } = await lineageGraph(store, dir, 'b', 'both');
  assert.deepEqual(runIds(g), ['a', 'b', 'self']);
  assert.ok(g.nodes.every((n) => Number.isInteger(n.depth)));
  store.close();
});

test('a cycle in a damaged index (equal start times) still ends: layout places every node, staleness does not recurse for ever', () => {
  const index = GraphIndex.fromRecords({
    runs: ['a', 'b'].map((id) => ({ id, name: id, status: 'finished', startedAt: null, experiment: 'e', command: null, cwd: null })),
    uses: [
      ['a', 'x', 'read', 'X'],
      ['a', 'y', 'write', 'Y'],
      ['b', 'y', 'read', 'Y'],
      ['b', 'x', 'write', 'X'],
    ],
    models: [],
  });
  const g = buildGraph(
    index,
    { kind: 'run', runId: 'a' },
    'both',
    new Map([
      ['x', 'CHANGED'],
      ['y', 'Y'],
    ]),
  );
  assert.equal(g.nodes.length, 4);
  assert.ok(g.nodes.every((n) => Number.isInteger(n.depth) && n.depth >= 0));
  assert.equal(g.nodes.find((n) => n.id === 'run:a')!.stale, true);
  assert.deepEqual(upstreamRuns(index, { kind: 'run', runId: 'a' }).sort(), ['a', 'b']);
});

test('the same content at another path links through a same-content edge; an unfingerprinted input is shown but never stale', async () => {
  const { dir, store } = await storeWith([
    { id: 'w', startedAt: 1, writes: [['out/a.csv', PREP]] },
    {
      id: 'r',
      startedAt: 2,
      reads: [
        ['copy/a.csv', PREP],
        ['big.bin', null],
      ],
    },
  ]);
  writeData(dir, 'out/a.csv', 'prepared v1');
  writeData(dir, 'copy/a.csv', 'prepared v1');
  const { graph: g } = await lineageGraph(store, dir, 'r', 'up');
  assert.ok(g.edges.some((e) => e.kind === 'same-content' && e.from === `data:out/a.csv@${PREP}` && e.to === `data:copy/a.csv@${PREP}`));
  assert.equal(node(g, 'data:big.bin@?')!.state, 'unknown');
  assert.equal(node(g, 'run:r')!.stale, false);
  store.close();
});
