import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, PYTHON } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

/** Issue 11 item 20: show --json and compare --json keep the JSON types a real Python run logged. */

const env = { LINEAGE_WORKSPACE: '' };
const BIG = '1180591620717411303424'; // 2**70: past 2^53, so kept as its decimal text

const SCRIPT = `
import argparse, lineage
p = argparse.ArgumentParser()
p.add_argument("--layers", nargs="+", type=int)
p.add_argument("--flag", action="store_true")
p.add_argument("--lr", type=float, default=0.1)
args = p.parse_args()
lineage.log_param("big", 2**70)
lineage.log_param("cfg", {"opt": "adam", "betas": (0.9, 0.999)})
lineage.log_metric("loss", 0.5)
`;

test('item 20: a real run with argparse lists, a store_true flag and 2**70: show and compare, as JSON and as text', () => {
  const ws = tmpDir('lineage-e2e-paramtypes-');
  fs.writeFileSync(path.join(ws, 'train.py'), SCRIPT);
  for (const [name, args] of [
    ['wide', ['--layers', '256', '128', '64', '--flag']],
    ['narrow', ['--layers', '32']],
  ] as const) {
    const run = cli(['run', '--name', name, PYTHON, 'train.py', ...args], ws, env);
    assert.equal(run.status, 0, run.stderr);
  }

  const show = cli(['show', 'wide', '--json'], ws, env);
  assert.equal(show.status, 0, show.stderr);
  const { params } = JSON.parse(show.stdout) as { params: Record<string, unknown> };
  assert.deepEqual(params, { layers: [256, 128, 64], flag: true, lr: 0.1, big: BIG, cfg: { opt: 'adam', betas: [0.9, 0.999] } });
  assert.match(show.stdout, /"big": "1180591620717411303424"/);

  const cmp = cli(['compare', 'wide', 'narrow', '--json'], ws, env);
  assert.equal(cmp.status, 0, cmp.stderr);
  const rows = Object.fromEntries(
    (JSON.parse(cmp.stdout) as { params: Array<{ key: string; values: unknown[]; differs: boolean }> }).params.map((p) => [p.key, p]),
  );
  assert.deepEqual(rows.layers, { key: 'layers', values: [[256, 128, 64], [32]], differs: true });
  assert.deepEqual(rows.flag, { key: 'flag', values: [true, false], differs: true });
  assert.deepEqual(rows.big, { key: 'big', values: [BIG, BIG], differs: false });
  assert.deepEqual(rows.cfg.values, [
    { opt: 'adam', betas: [0.9, 0.999] },
    { opt: 'adam', betas: [0.9, 0.999] },
  ]);

  // Text mode prints arrays and objects as JSON (not "256,128,64" nor "[object Object]").
  const text = cli(['show', 'wide'], ws, env).stdout;
  assert.match(text, /layers\s+\[256,128,64\]/);
  assert.match(text, /flag\s+true/);
  assert.match(text, /big\s+1180591620717411303424/);
  assert.match(text, /cfg\s+\{"opt":"adam","betas":\[0\.9,0\.999\]\}/);
  const table = cli(['compare', 'wide', 'narrow'], ws, env).stdout;
  assert.match(table, /layers\s+\[256,128,64\]\s+\[32\]/);
  assert.match(table, /flag\s+true\s+false/);
});
