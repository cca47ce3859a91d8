/**
 * Sweeps (issue 16 §3): the search space's syntax, the grid's product, seeded random draws, the best run
 * (a NaN objective never wins), and the queue file that lets a sweep go on after its process died: with real
 * launched runs (dist/runKeeper.js, /usr/bin/python3) and the index read as `lineage sweep` reads it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseGrid, parseRandom, checkSpace, SpaceError, type ParamSpec } from '../../src/core/sweep/space';
import { gridPoints, plannedPoints, pointArgs } from '../../src/core/sweep/sample';
import { bestTrial, loadSweep, parseObjective, saveSweep, unfinishedSweeps, type SweepTrial } from '../../src/core/sweep/state';
import { createSweep, SweepRunner, type SweepHooks } from '../../src/core/sweep/runner';
import { launchRun } from '../../src/core/launcher/launch';
import { finishRun } from '../../src/core/runs/finishRun';
import { finalMetric } from '../../src/core/sweep/objective';
import { readUserEdits } from '../../src/core/runs/userEdits';
import { LineageWorkspace } from '../../src/core/workspace';
import { tmpDir } from '../helpers/tmp';

const PYTHON = process.env.LINEAGE_TEST_PYTHON || '/usr/bin/python3';

test('space: grid lists, int and float ranges, :log, choices; mistakes are refused with an example', () => {
  assert.deepEqual(parseGrid('lr=0.01,0.1'), { name: 'lr', kind: 'grid', values: ['0.01', '0.1'] });
  assert.deepEqual(parseRandom('n=50..400'), { name: 'n', kind: 'int', low: 50, high: 400, log: false });
  assert.deepEqual(parseRandom('lr=1e-4..1e-1:log'), { name: 'lr', kind: 'float', low: 1e-4, high: 0.1, log: true });
  assert.deepEqual(parseRandom('dropout=0.0..0.5'), { name: 'dropout', kind: 'float', low: 0, high: 0.5, log: false });
  assert.deepEqual(parseRandom('opt=adam,sgd'), { name: 'opt', kind: 'choice', values: ['adam', 'sgd'] });
  assert.equal(parseGrid('--depth=3,3,5').name, 'depth');
  assert.deepEqual((parseGrid('depth=3,3,5') as { values: string[] }).values, ['3', '5']);
  assert.throws(() => parseGrid('lr'), SpaceError);
  assert.throws(() => parseGrid('lr=0.1,,0.2'), /separated by commas/);
  assert.throws(() => parseRandom('n=400..50'), /below its high end/);
  assert.throws(() => parseRandom('lr=0..1:log'), /above 0/);
  assert.throws(() => parseRandom('n=a..b'), /range of numbers/);
  assert.throws(() => checkSpace([parseGrid('a=1,2'), parseRandom('a=1..3')]), /given twice/);
  assert.throws(() => checkSpace([]), /nothing to sweep/);
  assert.deepEqual(parseObjective('val_rmse:min'), { metric: 'val_rmse', direction: 'min' });
  assert.throws(() => parseObjective('val_rmse'), /metric:min or metric:max/);
});

test('grid: the cartesian product, the last option varying fastest; pointArgs in the space order', () => {
  const space = [parseGrid('lr=0.01,0.1'), parseGrid('depth=3,5,7')];
  const pts = gridPoints(space);
  assert.equal(pts.length, 6);
  assert.deepEqual(pts[0], { lr: '0.01', depth: '3' });
  assert.deepEqual(pts[1], { lr: '0.01', depth: '5' });
  assert.deepEqual(pts[5], { lr: '0.1', depth: '7' });
  assert.equal(new Set(pts.map((p) => JSON.stringify(p))).size, 6);
  assert.deepEqual(pointArgs(space, pts[4]), ['--lr', '0.1', '--depth', '5']);
});

test('random: the same seed gives the same draws, another seed others; draws stay in range; samples per grid point', () => {
  const space: ParamSpec[] = [parseGrid('k=a,b'), parseRandom('n=50..400'), parseRandom('lr=1e-4..1e-1:log'), parseRandom('opt=adam,sgd')];
  const a = plannedPoints(space, 50, 42);
  assert.equal(a.length, 100);
  assert.deepEqual(plannedPoints(space, 50, 42), a);
  assert.notDeepEqual(plannedPoints(space, 50, 43), a);
  for (const p of a) {
    const n = Number(p.n);
    assert.ok(Number.isInteger(n) && n >= 50 && n <= 400, p.n);
    const lr = Number(p.lr);
    assert.ok(lr >= 1e-4 && lr <= 0.1, p.lr);
    assert.ok(['adam', 'sgd'].includes(p.opt));
  }
  assert.deepEqual(new Set(a.map((p) => p.k)), new Set(['a', 'b']));
  // Log-uniform: about a third of the draws in each decade of 1e-4..1e-1.
  const low = a.filter((p) => Number(p.lr) < 1e-3).length;
  assert.ok(low > 15 && low < 55, `draws below 1e-3: ${low} of 100`);
  // Both ends of an int range are reached over enough draws.
  const few = plannedPoints([parseRandom('n=1..3')], 200, 7).map((p) => p.n);
  assert.deepEqual(new Set(few), new Set(['1', '2', '3']));
});

test('best: min or max over finished trials; a NaN, a missing value or a failed run never wins; ties go to the earliest', () => {
  const t = (n: number, status: SweepTrial['status'], value: number | null | undefined): SweepTrial => ({ n, params: {}, status, runId: `r${n}`, value });
  const trials = [
    t(1, 'finished', NaN),
    t(2, 'finished', 0.5),
    t(3, 'failed', 0.1),
    t(4, 'finished', null),
    t(5, 'finished', 0.5),
    t(6, 'finished', 0.9),
    t(7, 'running', 0),
  ];
  assert.equal(bestTrial(trials, 'min')?.n, 2);
  assert.equal(bestTrial(trials, 'max')?.n, 6);
  assert.equal(bestTrial([t(1, 'finished', NaN), t(2, 'killed', 1)], 'min'), undefined);
});

const SCRIPT = `import argparse, lineage
p = argparse.ArgumentParser()
p.add_argument("--x", type=float)
a = p.parse_args()
lineage.log_metric("loss", float("nan") if a.x == 3 else (a.x - 2) ** 2)
`;

function hooksFor(ws: LineageWorkspace, workspace: string, launched: string[]): SweepHooks {
  return {
    launch: async (command, name) => {
      const h = await launchRun({ workspace, command, cwd: workspace, python: PYTHON, name, createdBy: 'test' });
      launched.push(h.id);
      return h;
    },
    finish: async (runId) => {
      const d = await finishRun(ws, runId, { sync: () => ws.sync({ only: [runId] }), save: 'now' });
      return { status: d.status, value: finalMetric(ws.store, runId, 'loss') };
    },
  };
}

test('queue: saved after every step; a resume after the process died counts what ended, re-queues what was lost, and re-runs nothing finished', async () => {
  const workspace = tmpDir('lineage-sweep-unit-');
  fs.writeFileSync(path.join(workspace, 'train.py'), SCRIPT);
  const s = createSweep({
    workspace,
    script: 'train.py',
    cwd: workspace,
    python: PYTHON,
    strategy: 'grid',
    space: [parseGrid('x=1,2,3,4')],
    samples: 1,
    parallel: 2,
    objective: { metric: 'loss', direction: 'min' },
    createdBy: 'test',
    command: ['lineage', 'sweep'],
  });
  assert.deepEqual(
    loadSweep(workspace, s.id).trials.map((t) => t.status),
    ['pending', 'pending', 'pending', 'pending'],
  );

  // The first process: runs #1 to its end, then "dies" while #2's run is recorded as running with a gone pid.
  const ws = await LineageWorkspace.open(workspace, { sync: false });
  const launched: string[] = [];
  const first = new SweepRunner(workspace, loadSweep(workspace, s.id), hooksFor(ws, workspace, launched));
  first.state.trials.splice(1); // only #1 for this process
  const firstEnd = await first.run();
  assert.equal(firstEnd.trials[0].status, 'finished');
  const lostRun = path.join(workspace, '.lineage', 'runs', '20261205-000000-0000aa');
  fs.mkdirSync(lostRun, { recursive: true });
  const dead = spawnSync(PYTHON, ['-c', 'import os; print(os.getpid())'], { encoding: 'utf8' });
  fs.writeFileSync(
    path.join(lostRun, 'run.json'),
    JSON.stringify({
      schema: 1,
      id: path.basename(lostRun),
      name: 'lost',
      experiment: 'e',
      status: 'running',
      startedAt: new Date().toISOString(),
      command: ['python3'],
      cwd: workspace,
      createdBy: 'test',
      pid: Number(dead.stdout.trim()),
    }),
  );
  const state = loadSweep(workspace, s.id);
  state.status = 'running';
  state.owner = { pid: Number(dead.stdout.trim()), host: os.hostname() };
  state.trials = [
    firstEnd.trials[0],
    { n: 2, params: { x: '2' }, status: 'running', runId: path.basename(lostRun) },
    { n: 3, params: { x: '3' }, status: 'pending' },
    { n: 4, params: { x: '4' }, status: 'pending' },
  ];
  delete state.best;
  saveSweep(workspace, state);
  assert.deepEqual(
    unfinishedSweeps(workspace, os.hostname()).map((x) => x.id),
    [s.id],
    'a sweep whose owner is gone is offered for resuming',
  );

  const warnings: string[] = [];
  const hooks = { ...hooksFor(ws, workspace, launched), onWarning: (m: string) => warnings.push(m) };
  const end = await new SweepRunner(workspace, loadSweep(workspace, s.id), hooks).run({ resume: true });
  ws.close();
  assert.equal(end.status, 'finished');
  assert.deepEqual(
    end.trials.map((t) => [t.n, t.params.x, t.status]),
    [
      [1, '1', 'finished'],
      [2, '2', 'interrupted'],
      [3, '3', 'finished'],
      [4, '4', 'finished'],
      [5, '2', 'finished'],
    ],
  );
  assert.equal(launched.length, 4, 'x=1 ran once; x=3, x=4 and the lost x=2 again');
  assert.ok(
    warnings.some((w) => w.includes('queued again')),
    warnings.join('\n'),
  );
  assert.ok(
    warnings.some((w) => w.includes('without a final loss')),
    'the NaN objective is said',
  );
  // x=2 gives loss 0: the re-run is the best, tagged, and the sweep run says so.
  const best = end.trials[4];
  assert.equal(end.best?.runId, best.runId);
  assert.equal(end.best?.value, 0);
  assert.equal(readUserEdits(path.join(workspace, '.lineage', 'runs', best.runId!)).tags?.['lineage.sweep_best'], 'true');
  assert.equal(
    readUserEdits(path.join(workspace, '.lineage', 'runs', end.trials[0].runId!)).tags?.['lineage.sweep_best'],
    null,
    'the earlier best lost its tag',
  );
  const saved = loadSweep(workspace, s.id);
  assert.equal(saved.status, 'finished');
  assert.equal(saved.owner, undefined);
  for (const t of end.trials.filter((x) => x.status === 'finished')) {
    const rec = JSON.parse(fs.readFileSync(path.join(workspace, '.lineage', 'runs', t.runId!, 'run.json'), 'utf8')) as { parentRunId?: string };
    assert.equal(rec.parentRunId, s.id);
  }
  const sweepRec = JSON.parse(fs.readFileSync(path.join(workspace, '.lineage', 'runs', s.id, 'run.json'), 'utf8')) as { status: string };
  assert.equal(sweepRec.status, 'finished');
  assert.deepEqual(unfinishedSweeps(workspace, os.hostname()), []);
});
