/**
 * `lineage sweep` end to end (issue 16 §3): a real tiny Python script (argparse + lineage.log_metric) swept by
 * the CLI as a grid, seeded random draws and Optuna's TPE (Debian's python3-optuna), then a sweep whose CLI
 * is SIGKILLed mid-way and resumed, and one whose every run fails.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, cliAsync, queryDbFile } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

// val_rmse is smallest at lr=0.05, depth=4.2: among lr 0.01,0.1 × depth 3,5 the best is lr=0.01 depth=5.
const SCRIPT = `import argparse, os, time, lineage
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--depth", type=int, default=3)
p.add_argument("--sleep", type=float, default=0.0)
a = p.parse_args()
time.sleep(a.sleep)
if os.environ.get("SWEEP_FAIL"):
    raise SystemExit("asked to fail")
lineage.log_metric("val_rmse", (a.lr - 0.05) ** 2 + (a.depth - 4.2) ** 2)
`;

const rmse = (lr: number, depth: number) => (lr - 0.05) ** 2 + (depth - 4.2) ** 2;

function workspace(): string {
  const ws = tmpDir('lineage-e2e-sweep-');
  fs.writeFileSync(path.join(ws, 'train.py'), SCRIPT);
  return ws;
}

interface Summary {
  id: string;
  status: string;
  seed: number;
  bestRunId: string | null;
  bestValue: number | null;
  trials: Array<{ n: number; params: Record<string, string>; status: string; runId: string | null; value: number | null }>;
}

async function childrenOf(ws: string, parent: string) {
  return queryDbFile(
    path.join(ws, '.lineage', 'lineage.db'),
    `SELECT r.id, r.status, (SELECT last FROM metric_summaries m WHERE m.run_id = r.id AND m.key = 'val_rmse') AS v
     FROM runs r WHERE r.parent_run_id = ? ORDER BY r.started_at, r.id`,
    [parent],
  );
}

test('a 2×2 grid, 2 at a time: 4 child runs under one sweep run, the best id on the last stdout line, tagged, and the sweep run holds the space and the best value', async () => {
  const ws = workspace();
  const r = cli(['sweep', 'train.py', '--grid', 'lr=0.01,0.1', '--grid', 'depth=3,5', '--parallel', '2', '--objective', 'val_rmse:min'], ws);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const bestId = lines[lines.length - 1];
  const top = JSON.parse(cli(['ls', '--json'], ws).stdout) as Array<{ id: string; children: number; name: string }>;
  assert.equal(top.length, 1, 'the trials are folded under the sweep run');
  assert.equal(top[0].children, 4);
  const kids = await childrenOf(ws, top[0].id);
  assert.equal(kids.length, 4);
  assert.ok(kids.every((k) => k.status === 'finished'));
  const expected = Math.min(rmse(0.01, 3), rmse(0.01, 5), rmse(0.1, 3), rmse(0.1, 5));
  const best = kids.find((k) => Math.abs(Number(k.v) - expected) < 1e-12);
  assert.equal(bestId, best?.id);
  const shown = JSON.parse(cli(['show', bestId, '--json'], ws).stdout) as { tags: Record<string, string>; params: Record<string, unknown> };
  assert.equal(shown.tags['lineage.sweep_best'], 'true');
  assert.deepEqual({ lr: shown.params.lr, depth: shown.params.depth }, { lr: 0.01, depth: 5 });
  const other = JSON.parse(cli(['show', String(kids.find((k) => k.id !== bestId)!.id), '--json'], ws).stdout) as { tags: Record<string, string> };
  assert.equal(other.tags['lineage.sweep_best'], undefined);
  const sweep = JSON.parse(cli(['show', top[0].id, '--json'], ws).stdout) as { params: Record<string, unknown>; tags: Record<string, string>; status: string };
  assert.equal(sweep.status, 'finished');
  assert.equal(sweep.params['space.lr'], 'grid 0.01,0.1');
  assert.equal(sweep.params['sweep.parallel'], 2);
  assert.equal(sweep.tags['lineage.sweep_best_run'], bestId);
  assert.match(r.stderr, /\[4\/4\]/);
  const db = await queryDbFile(path.join(ws, '.lineage', 'lineage.db'), "SELECT last FROM metric_summaries WHERE run_id = ? AND key = 'val_rmse'", [top[0].id]);
  assert.equal(db[0].last, expected);
});

test('random draws with a seed: the same seed gives the same runs, recorded in the sweep; the values stay in the ranges', () => {
  const ws = workspace();
  const args = [
    'sweep',
    'train.py',
    '--random',
    'lr=1e-3..1:log',
    '--random',
    'depth=1..8',
    '--samples',
    '4',
    '--seed',
    '11',
    '--objective',
    'val_rmse:min',
    '--json',
  ];
  const a = cli(args, ws);
  const b = cli(args, ws);
  assert.equal(a.status, 0, a.stderr);
  const sa = JSON.parse(a.stdout) as Summary;
  const sb = JSON.parse(b.stdout) as Summary;
  assert.equal(sa.seed, 11);
  assert.equal(sa.trials.length, 4);
  assert.deepEqual(
    sa.trials.map((t) => t.params),
    sb.trials.map((t) => t.params),
  );
  for (const t of sa.trials) {
    assert.ok(Number(t.params.lr) >= 1e-3 && Number(t.params.lr) <= 1);
    assert.ok(Number.isInteger(Number(t.params.depth)) && Number(t.params.depth) >= 1 && Number(t.params.depth) <= 8);
    assert.ok(Math.abs(t.value! - rmse(Number(t.params.lr), Number(t.params.depth))) < 1e-9, 'each run got its own draw');
  }
  const min = Math.min(...sa.trials.map((t) => t.value!));
  assert.equal(sa.bestValue, min);
  const c = JSON.parse(cli([...args.slice(0, 9), '12', ...args.slice(10)], ws).stdout) as Summary;
  assert.notDeepEqual(
    c.trials.map((t) => t.params),
    sa.trials.map((t) => t.params),
    'another seed, other draws',
  );
});

test('--optuna --trials 6 with the real optuna: 6 child runs, the best the smallest value', async () => {
  const ws = workspace();
  const r = cli(
    [
      'sweep',
      'train.py',
      '--random',
      'lr=1e-3..1:log',
      '--random',
      'depth=1..8',
      '--optuna',
      '--trials',
      '6',
      '--parallel',
      '2',
      '--seed',
      '5',
      '--objective',
      'val_rmse:min',
      '--json',
    ],
    ws,
  );
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.trials.length, 6);
  assert.ok(s.trials.every((t) => t.status === 'finished'));
  assert.equal(s.bestValue, Math.min(...s.trials.map((t) => t.value!)));
  assert.equal((await childrenOf(ws, s.id)).length, 6);
  const sweep = JSON.parse(cli(['show', s.id, '--json'], ws).stdout) as { params: Record<string, unknown> };
  assert.equal(sweep.params['sweep.strategy'], 'optuna');
  assert.equal(sweep.params['sweep.trials'], 6);
});

test('the CLI SIGKILLed mid-sweep: --resume waits for the run that was running, then runs only what was left', async () => {
  const ws = workspace();
  const child = cliAsync(
    ['sweep', 'train.py', '--grid', 'lr=0.01,0.1', '--grid', 'depth=3,5', '--parallel', '1', '--objective', 'val_rmse:min', '--', '--sleep', '1'],
    ws,
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise((res) => child.once('exit', res));
  const deadline = Date.now() + 60000;
  // Killed once #1 has ended and #2 has started.
  while (!/#2 lr=0\.01 depth=5 → run/.test(err)) {
    assert.ok(Date.now() < deadline, `no second run started: ${err}`);
    await new Promise((res) => setTimeout(res, 20));
  }
  child.kill('SIGKILL');
  await exited;
  const id = /sweep (\d{8}-\d{6}-[0-9a-f]{6})/.exec(err)![1];
  const before = fs.readdirSync(path.join(ws, '.lineage', 'runs')).length;
  assert.equal(before, 3, 'the sweep run, #1 and #2');
  const listed = cli(['sweep', '--list'], ws).stdout;
  assert.match(listed, new RegExp(`${id} .* running \\(resume with --resume\\)`));

  const r = cli(['sweep', '--resume', id, '--json'], ws);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.deepEqual(
    s.trials.map((t) => t.status),
    ['finished', 'finished', 'finished', 'finished'],
  );
  assert.equal(fs.readdirSync(path.join(ws, '.lineage', 'runs')).length, 5, 'two more runs, nothing run twice');
  assert.equal(new Set(s.trials.map((t) => t.runId)).size, 4);
  const kids = await childrenOf(ws, id);
  assert.equal(kids.length, 4);
  assert.equal(s.bestValue, rmse(0.01, 5));
  const again = cli(['sweep', '--resume', id], ws);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already ended \(finished\)/);
});

test('every run fails: exit 1, the sweep run failed, no best; usage mistakes exit 2', () => {
  const ws = workspace();
  const r = cli(['sweep', 'train.py', '--grid', 'lr=0.01,0.1', '--objective', 'val_rmse:min', '--json'], ws, { SWEEP_FAIL: '1' });
  assert.equal(r.status, 1, r.stderr);
  const s = JSON.parse(r.stdout) as Summary;
  assert.equal(s.status, 'failed');
  assert.equal(s.bestRunId, null);
  assert.deepEqual(
    s.trials.map((t) => t.status),
    ['failed', 'failed'],
  );
  const bad = cli(['sweep', 'train.py', '--grid', 'lr=0.01,0.1'], ws);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--objective metric:min/);
  assert.equal(cli(['sweep', 'train.py', '--random', 'n=9..1', '--objective', 'x:min'], ws).status, 2);
});
