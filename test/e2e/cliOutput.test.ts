import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, PYTHON } from '../helpers/cli';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

/** Issue 11 items 13, 21, 22 and 23: what show, compare and the end-of-run line print. */

const env = { LINEAGE_WORKSPACE: '' };

test('item 13: show --json carries every dataset’s fingerprint, as data of gives it', () => {
  const ws = tmpDir('lineage-e2e-showjson-');
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data', 'houses.csv'), 'sqft,price\n1000,200\n1500,310\n2000,405\n');
  fs.writeFileSync(path.join(ws, 'train.py'), 'import lineage\nlineage.log_dataset("data/houses.csv", role="train")\nlineage.log_metric("loss", 0.5)\n');
  const run = cli(['run', '--name', 'fp', PYTHON, 'train.py'], ws, env);
  assert.equal(run.status, 0, run.stderr);
  const show = cli(['show', 'fp', '--json'], ws, env);
  assert.equal(show.status, 0, show.stderr);
  const datasets = (JSON.parse(show.stdout) as { datasets: Array<Record<string, unknown>> }).datasets;
  const of = (JSON.parse(cli(['data', 'of', 'fp', '--json'], ws, env).stdout) as { datasets: Array<{ path: string; version: Record<string, unknown> }> })
    .datasets;
  const train = datasets.find((d) => d.role === 'train')!;
  const ofTrain = of.find((d) => d.path === 'data/houses.csv')!.version;
  assert.match(String(train.sha256), /^[0-9a-f]{64}$/);
  assert.equal(train.sha256, ofTrain.sha256);
  assert.equal(train.size, fs.statSync(path.join(ws, 'data', 'houses.csv')).size);
  assert.equal(train.files, 1);
  assert.equal(train.rows, 3);
  assert.equal(train.path, 'data/houses.csv');
});

test('item 21: a name two runs share is ambiguous: show, compare, data of and rm list the candidates (id, started)', () => {
  const ws = tmpDir('lineage-e2e-dup-');
  const ids = [0, 1].map((i) => path.basename(makeRunFolder(ws, { name: 'dup', events: [metricLine('loss', i, 0)] })));
  makeRunFolder(ws, { name: 'other', events: [metricLine('loss', 2, 0)] });
  for (const args of [
    ['show', 'dup'],
    ['compare', 'dup', 'other'],
    ['data', 'of', 'dup'],
    ['rm', '--yes', 'dup'],
  ]) {
    const r = cli(args, ws, env);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stdout}`);
    assert.match(r.stderr, /"dup" is ambiguous: 2 runs have that name: .*; give the id instead\./, args.join(' '));
    for (const id of ids) assert.match(r.stderr, new RegExp(`${id} \\(started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\)`), args.join(' '));
  }
  assert.equal(fs.readdirSync(path.join(ws, '.lineage', 'runs')).length, 3, 'rm deleted nothing');
  assert.equal(cli(['show', ids[0]], ws, env).status, 0);
});

test('item 22: control characters in metric keys are escaped in the end-of-run line, ls and show', () => {
  const ws = tmpDir('lineage-e2e-esc-');
  fs.writeFileSync(path.join(ws, 'train.py'), 'import lineage\nlineage.log_metric("val_loss\\x1b[2J\\nfake", 0.25)\n');
  const run = cli(['run', '--name', 'esc', PYTHON, 'train.py'], ws, env);
  assert.equal(run.status, 0, run.stderr);
  for (const out of [run.stderr, cli(['ls'], ws, env).stdout, cli(['show', 'esc'], ws, env).stdout]) {
    // eslint-disable-next-line no-control-regex -- a raw ESC in the output is what must not be there
    assert.doesNotMatch(out, /\x1b/, 'no raw escape reaches the terminal');
    assert.match(out, /val_loss\\e\[2J\\nfake/);
  }
  assert.match(run.stderr, /lineage: run \S+ finished in .* · val_loss\\e\[2J\\nfake 0\.25\n/);
});

test('item 22: show cuts a 6,000-character param (--full shows it whole); CJK names keep table columns aligned', () => {
  const ws = tmpDir('lineage-e2e-wide-');
  const long = 'v'.repeat(6000);
  makeRunFolder(ws, {
    name: '学習-一',
    events: [JSON.stringify({ type: 'param', key: 'big', value: long }), JSON.stringify({ type: 'param', key: '名前', value: '値' }), metricLine('loss', 1, 0)],
  });
  makeRunFolder(ws, { name: 'plain', events: [metricLine('loss', 2, 0)] });
  const show = cli(['show', '学習-一'], ws, env);
  assert.equal(show.status, 0, show.stderr);
  assert.ok(!show.stdout.includes(long));
  assert.match(show.stdout, /big\s+v{10,}…/);
  assert.ok(cli(['show', '学習-一', '--full'], ws, env).stdout.includes(long));

  // Display columns: a CJK character takes two, so the EXPERIMENT column starts at the same column on every row.
  const cols = (line: string) => [...line].reduce((w, ch) => w + (/[\u3000-\u9fff\uff00-\uff60]/.test(ch) ? 2 : 1), 0);
  const lines = cli(['ls'], ws, env)
    .stdout.split('\n')
    .filter((l) => l.includes(' exp '));
  assert.equal(lines.length, 2);
  const at = lines.map((l) => cols(l.slice(0, l.indexOf(' exp '))));
  assert.equal(new Set(at).size, 1, `aligned:\n${lines.join('\n')}`);
});

test('item 23: an exact tie marks every tied run best, in compare and compare --json', () => {
  const ws = tmpDir('lineage-e2e-tie-');
  for (const [name, loss] of [
    ['a', 0.5],
    ['b', 0.25],
    ['c', 0.25],
  ] as const)
    makeRunFolder(ws, { name, events: [metricLine('val_loss', loss, 0)] });
  const r = cli(['compare', 'a', 'b', 'c'], ws, env);
  assert.equal(r.status, 0, r.stderr);
  const row = r.stdout.split('\n').find((l) => l.includes('val_loss'))!;
  assert.equal((row.match(/▼/g) ?? []).length, 2, row);
  assert.match(row, /0\.5\s+0\.25 ▼\s+0\.25 ▼$/);
  const json = JSON.parse(cli(['compare', '--json', 'a', 'b', 'c'], ws, env).stdout) as { metrics: Array<{ key: string; best: number[] }> };
  assert.deepEqual(json.metrics.find((m) => m.key === 'val_loss')!.best, [1, 2]);
});
