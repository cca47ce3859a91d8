import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, cliAsync, copyExample, gitInit } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

const BATCHES = 'monitoring/batches';

test('lineage drift on files: exit 0 without drift, 3 with --fail-on drift, 1 for an unreadable batch; --json and --html', () => {
  const ws = tmpDir('lineage-drift-');
  copyExample(ws);
  const ok = cli(['drift', 'data/houses.csv', `${BATCHES}/batch-01.jsonl`, '--fail-on', 'drift'], ws);
  assert.equal(ok.status, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /no dataset drift: 0 of 5 columns drifted/);

  const bad = cli(['drift', 'data/houses.csv', `${BATCHES}/batch-04.jsonl`, '--fail-on', 'drift', '--json', '--html', 'report.html'], ws);
  assert.equal(bad.status, 3, bad.stderr);
  const report = JSON.parse(bad.stdout);
  const b = report.batches[0];
  const drifted = b.columns.filter((c: { drifted: boolean }) => c.drifted).map((c: { name: string }) => c.name);
  assert.deepEqual(drifted.sort(), ['floor_area_m2', 'location', 'price']);
  assert.deepEqual(
    b.columns.find((c: { name: string }) => c.name === 'location').newCategories.values.map((v: { value: string }) => v.value),
    ['harbour'],
  );
  assert.equal(b.dataset.drifted, true);
  const html = fs.readFileSync(path.join(ws, 'report.html'), 'utf8');
  assert.doesNotMatch(html, /<script/i);
  assert.match(html, /<svg class="chart"/);
  assert.match(html, /harbour/);

  fs.writeFileSync(path.join(ws, 'broken.jsonl'), '{"bedrooms":3}\nnot json\n');
  const err = cli(['drift', 'data/houses.csv', 'broken.jsonl', `${BATCHES}/batch-01.jsonl`], ws);
  assert.equal(err.status, 1, err.stderr);
  assert.match(err.stdout, /broken\.jsonl: could not be evaluated: .*line 2: not valid JSON/);
  assert.match(err.stdout, /batch-01\.jsonl\s+500 rows/, 'the other batch is still evaluated');

  const usage = cli(['drift', 'data/houses.csv', `${BATCHES}/batch-01.jsonl`, '--fail-on', 'sometimes'], ws);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--fail-on takes drift, schema or any/);
  const schema = cli(['drift', 'data/houses.csv', `${BATCHES}/batch-01.jsonl`, '--columns', 'nope'], ws);
  assert.equal(schema.status, 2);
  assert.match(schema.stderr, /no column "nope"/);
});

test('lineage drift against the trained run: its recorded input is the reference, the shifted copy drifts in the right columns, exit 3', () => {
  const ws = tmpDir('lineage-drift-run-');
  copyExample(ws);
  gitInit(ws);
  const r = cli(['run', '--name', 'baseline', 'train.py', '--n-estimators', '40'], ws);
  assert.equal(r.status, 0, r.stderr);
  // A shifted copy of the training data: floor areas 40 % larger and a location never seen in training.
  const lines = fs.readFileSync(path.join(ws, 'data/houses.csv'), 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const fa = head.indexOf('floor_area_m2');
  const loc = head.indexOf('location');
  const shifted = [lines[0]].concat(
    lines.slice(1).map((l, i) => {
      const f = l.split(',');
      f[fa] = (Number(f[fa]) * 1.4).toFixed(1);
      if (i % 4 === 0) f[loc] = 'harbour';
      return f.join(',');
    }),
  );
  fs.writeFileSync(path.join(ws, 'shifted.csv'), shifted.join('\n') + '\n');
  const d = cli(['drift', 'baseline', 'shifted.csv', '--actual', 'price', '--fail-on', 'drift', '--json'], ws);
  assert.equal(d.status, 3, d.stderr);
  const report = JSON.parse(d.stdout);
  assert.equal(report.reference.runName, 'baseline');
  assert.equal(report.reference.rows, 3000);
  const b = report.batches[0];
  assert.deepEqual(
    b.columns
      .filter((c: { drifted: boolean }) => c.drifted)
      .map((c: { name: string }) => c.name)
      .sort(),
    ['floor_area_m2', 'location'],
  );
  assert.deepEqual(
    b.columns.find((c: { name: string }) => c.name === 'location').newCategories.values.map((v: { value: string }) => v.value),
    ['harbour'],
  );
  assert.ok(b.risk.length > 0, 'the run logged an explanation: the risk ranking uses it');
  assert.match(b.riskSentence, /drifted and is the model's/);
  // the second run of the same reference comes from the cache
  const again = cli(['drift', 'baseline', `${BATCHES}/batch-01.jsonl`, '--json'], ws);
  assert.equal(again.status, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).reference.cached, true);
});

test('--memory-budget: same report as in memory; a bad size is a usage error; Ctrl-C while columns are on disk leaves no temporary file', async () => {
  const ws = tmpDir('lineage-drift-budget-');
  const spill = path.join(ws, 'spill');
  fs.mkdirSync(spill);
  const rows = (n: number, shift: number) =>
    'a,b,c\n' + Array.from({ length: n }, (_, i) => `${((i * 7919) % 10007) + shift},${(i * 31) % 977},${i % 3 ? 'x' : 'y'}`).join('\n') + '\n';
  fs.writeFileSync(path.join(ws, 'ref.csv'), rows(300_000, 0));
  fs.writeFileSync(path.join(ws, 'cur.csv'), rows(300_000, 50));
  const env = { LINEAGE_DRIFT_TMPDIR: spill };
  const memory = cli(['drift', 'ref.csv', 'cur.csv', '--json', '--memory-budget', '1G'], ws, env);
  const disk = cli(['drift', 'ref.csv', 'cur.csv', '--json', '--memory-budget', '1M'], ws, env);
  assert.equal(memory.status, 0, memory.stderr);
  const strip = (out: string) => JSON.stringify({ ...JSON.parse(out).batches[0], timings: null });
  assert.equal(strip(disk.stdout), strip(memory.stdout));
  assert.deepEqual(fs.readdirSync(spill), []);
  const bad = cli(['drift', 'ref.csv', 'cur.csv', '--memory-budget', '10k'], ws, env);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--memory-budget takes a size of at least 1M/);

  // Interrupted while its columns are in temporary files: they go with it.
  const child = cliAsync(['drift', 'ref.csv', 'cur.csv', '--memory-budget', '1M'], ws, env);
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let sent = false;
  const deadline = Date.now() + 60_000;
  while (!sent && Date.now() < deadline) {
    if (fs.readdirSync(spill).length > 0) {
      child.kill('SIGINT');
      sent = true;
    } else await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(sent, 'the check wrote temporary files within a minute');
  assert.equal(await closed, 130);
  assert.deepEqual(fs.readdirSync(spill), [], 'no temporary file left after Ctrl-C');
});

test('LINEAGE_DRIFT_MEMORY_BUDGET that is not a size is a usage error naming the variable, not silently the default', () => {
  const ws = tmpDir('lineage-drift-envbudget-');
  fs.writeFileSync(path.join(ws, 'ref.csv'), 'a\n1\n2\n3\n');
  fs.writeFileSync(path.join(ws, 'cur.csv'), 'a\n1\n2\n4\n');
  const bad = cli(['drift', 'ref.csv', 'cur.csv'], ws, { LINEAGE_DRIFT_MEMORY_BUDGET: '4 gigs' });
  assert.equal(bad.status, 2, bad.stdout + bad.stderr);
  assert.match(bad.stderr, /LINEAGE_DRIFT_MEMORY_BUDGET takes a size such as 512M or 2G; got "4 gigs"/);
  const ok = cli(['drift', 'ref.csv', 'cur.csv'], ws, { LINEAGE_DRIFT_MEMORY_BUDGET: '512M' });
  assert.equal(ok.status, 0, ok.stderr);
  const flag = cli(['drift', 'ref.csv', 'cur.csv', '--memory-budget', '64M'], ws, { LINEAGE_DRIFT_MEMORY_BUDGET: '4 gigs' });
  assert.equal(flag.status, 0, '--memory-budget wins over the variable: ' + flag.stderr);
});
