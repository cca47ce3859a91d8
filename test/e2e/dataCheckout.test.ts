import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cli, copyExample, gitInit, PYTHON } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

const SCRIPT = `import csv, lineage
with open("data/train.csv", newline="") as f:
    rows = list(csv.DictReader(f))
lineage.log_metric("rows", len(rows))
lineage.log_metric("total", sum(float(r["y"]) for r in rows))
`;

function workspace(): string {
  const ws = tmpDir('lineage-checkout-');
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'read.py'), SCRIPT);
  fs.writeFileSync(path.join(ws, 'data', 'train.csv'), 'x,y\n1,2\n3,4\n5,6\n');
  return ws;
}

function run(ws: string, name: string) {
  const r = cli(['run', '--name', name, PYTHON, 'read.py'], ws);
  assert.equal(r.status, 0, r.stderr + r.stdout);
}

test('lineage run keeps the CSV a script read; after an edit, data checkout refuses, then restores it byte for byte with --force', () => {
  const ws = workspace();
  const csv = path.join(ws, 'data', 'train.csv');
  const original = fs.readFileSync(csv);
  run(ws, 'first');
  const of = cli(['data', 'of', 'first'], ws);
  assert.equal(of.status, 0, of.stderr);
  assert.match(of.stdout, /data\/train\.csv.*kept/);
  assert.match(of.stdout, /Data kept: kept 1 file/);
  const show = cli(['show', 'first'], ws);
  assert.match(show.stdout, /data kept: kept 1 file \(16 B, 16 B new\)/);
  assert.equal(JSON.parse(cli(['show', 'first', '--json'], ws).stdout).kept.entries[0].state, 'kept');

  fs.appendFileSync(csv, '7,8\n');
  run(ws, 'second');
  const edited = fs.readFileSync(csv);

  const refused = cli(['data', 'checkout', 'first'], ws);
  assert.equal(refused.status, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /refused\s+data\/train\.csv: changed since the run/);
  assert.match(refused.stderr, /--force/);
  assert.deepEqual(fs.readFileSync(csv), edited, 'a refused checkout writes nothing');

  const dry = cli(['data', 'checkout', 'first', '--dry-run', '--force'], ws);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /would\s+data\/train\.csv: changed since the run.*would be overwritten/);
  assert.deepEqual(fs.readFileSync(csv), edited, 'a dry run writes nothing');

  const forced = cli(['data', 'checkout', 'first', '--force', '--json'], ws);
  assert.equal(forced.status, 0, forced.stderr);
  assert.deepEqual(JSON.parse(forced.stdout).restored, ['data/train.csv']);
  assert.deepEqual(fs.readFileSync(csv), original);

  // The second run's version is kept too: back to it, then a deleted file comes back without --force.
  assert.equal(cli(['data', 'checkout', 'second', '--force'], ws).status, 0);
  assert.deepEqual(fs.readFileSync(csv), edited);
  fs.rmSync(csv);
  const back = cli(['data', 'checkout', 'first'], ws);
  assert.equal(back.status, 0, back.stdout + back.stderr);
  assert.match(back.stdout, /restored\s+data\/train\.csv/);
  assert.deepEqual(fs.readFileSync(csv), original);

  const elsewhere = path.join(tmpDir('lineage-checkout-to-'), 'out');
  const to = cli(['data', 'checkout', 'second', '--to', elsewhere], ws);
  assert.equal(to.status, 0, to.stderr);
  assert.deepEqual(fs.readFileSync(path.join(elsewhere, 'data', 'train.csv')), edited);
  assert.deepEqual(fs.readFileSync(csv), original, '--to leaves the workspace alone');
});

test('lineage gc frees only what no run needs: the second run is deleted, its version goes, the first run can still be restored', () => {
  const ws = workspace();
  const csv = path.join(ws, 'data', 'train.csv');
  const original = fs.readFileSync(csv);
  run(ws, 'first');
  fs.writeFileSync(csv, 'x,y\n9,9\n');
  run(ws, 'second');
  const objects = () =>
    fs
      .readdirSync(path.join(ws, '.lineage', 'objects'))
      .filter((d) => /^[0-9a-f]{2}$/.test(d))
      .flatMap((d) => fs.readdirSync(path.join(ws, '.lineage', 'objects', d)));
  assert.equal(objects().length, 2);
  const none = cli(['gc', '--older-than', '0'], ws);
  assert.equal(none.status, 0, none.stderr);
  assert.match(none.stdout, /Freed 0 object\(s\)/);
  assert.equal(cli(['rm', 'second', '--yes', '--permanent'], ws).status, 0);
  const young = cli(['gc', '--dry-run'], ws);
  assert.match(young.stdout, /Would free 0 object\(s\)/);
  assert.match(young.stdout, /1 unreferenced object\(s\) newer than 60 minutes/);
  const dry = cli(['gc', '--dry-run', '--older-than', '0'], ws);
  assert.match(dry.stdout, /would free [0-9a-f]{64}\s+8 B/);
  assert.equal(objects().length, 2, 'a dry run frees nothing');
  const freed = cli(['gc', '--older-than', '0'], ws);
  assert.match(freed.stdout, /Freed 1 object\(s\), 8 B/);
  assert.equal(objects().length, 1);
  fs.rmSync(csv);
  assert.equal(cli(['data', 'checkout', 'first'], ws).status, 0);
  assert.deepEqual(fs.readFileSync(csv), original);
});

test('in a git repository a committed input is recorded by reference and restored from git', () => {
  const ws = workspace();
  gitInit(ws);
  const csv = path.join(ws, 'data', 'train.csv');
  const original = fs.readFileSync(csv);
  run(ws, 'committed');
  const kept = JSON.parse(cli(['data', 'of', 'committed', '--json'], ws).stdout).kept;
  const e = kept.entries.find((x: { path: string }) => x.path === 'data/train.csv');
  assert.equal(e.state, 'reference');
  assert.equal(e.ref.kind, 'git');
  assert.equal(e.reason, 'git blob matches HEAD');
  assert.ok(!fs.existsSync(path.join(ws, '.lineage', 'objects', e.sha256.slice(0, 2), e.sha256)), 'no copy of what git holds');
  fs.writeFileSync(csv, 'x,y\n0,0\n');
  const r = cli(['data', 'checkout', 'committed', '--force'], ws);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  // Once in CI the file stayed as edited with exit 0: say what checkout printed and what the run recorded.
  const recorded = ['kept.json', 'datasets.json'].map((f) => {
    const runsDir = path.join(ws, '.lineage', 'runs');
    return fs
      .readdirSync(runsDir)
      .map((id) => `${f}: ${fs.existsSync(path.join(runsDir, id, f)) ? fs.readFileSync(path.join(runsDir, id, f), 'utf8') : '(none)'}`);
  });
  assert.equal(fs.readFileSync(csv, 'utf8'), original.toString('utf8'), `checkout said:\n${r.stdout}${r.stderr}\n${recorded.flat().join('\n')}`);
});

test('a committed input is restored from git even when git is seen to exit only after its output was written (CI under load)', () => {
  const ws = workspace();
  gitInit(ws);
  const csv = path.join(ws, 'data', 'train.csv');
  const original = fs.readFileSync(csv);
  run(ws, 'committed');
  fs.writeFileSync(csv, 'x,y\n0,0\n');
  // The real git, whose exit is reported half a second after its output closed, as on a busy machine: the
  // blob is all written before the process is reaped. Checkout used to wait for the file to close only
  // once git had exited, missed that event, never finished, and exited 0 with the file as edited.
  const bin = tmpDir('lineage-slow-git-');
  const real = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();
  fs.writeFileSync(path.join(bin, 'git'), `#!/bin/sh\n"${real}" "$@"\nrc=$?\nexec 1>&- 2>&-\nsleep 0.5\nexit $rc\n`, { mode: 0o755 });
  const r = cli(['data', 'checkout', 'committed', '--force'], ws, { PATH: `${bin}${path.delimiter}${process.env.PATH}` });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /restored\s+data\/train\.csv/);
  assert.deepEqual(fs.readFileSync(csv), original);
  assert.deepEqual(fs.readdirSync(path.join(ws, 'data')), ['train.csv'], 'no temporary file is left beside it');
});

test('the house-prices example: prepare.py recorded, houses.csv edited and prepared again; checkout of the first run gives houses.csv back byte for byte', () => {
  const ws = tmpDir('lineage-checkout-example-');
  copyExample(ws);
  const raw = path.join(ws, 'data', 'houses.csv');
  const original = fs.readFileSync(raw);
  const first = cli(['run', '--name', 'prepare-1', PYTHON, 'prepare.py'], ws);
  assert.equal(first.status, 0, first.stderr + first.stdout);
  // One byte changed in place, as a hand edit would.
  const lines = original.toString('utf8').split('\n');
  lines[1] = lines[1].replace(/\d$/, (d) => String((Number(d) + 1) % 10));
  fs.writeFileSync(raw, lines.join('\n'));
  const second = cli(['run', '--name', 'prepare-2', PYTHON, 'prepare.py'], ws);
  assert.equal(second.status, 0, second.stderr);
  const of = JSON.parse(cli(['data', 'of', 'prepare-1', '--json'], ws).stdout);
  assert.deepEqual(
    of.kept.entries.map((e: { path: string; role: string; state: string }) => [e.path, e.role, e.state]),
    [['data/houses.csv', 'input', 'kept']],
    'inputs are kept, outputs (data/prepared.csv) are not by default',
  );
  const refused = cli(['data', 'checkout', 'prepare-1'], ws);
  assert.equal(refused.status, 1);
  assert.match(refused.stdout, /refused\s+data\/houses\.csv: changed since the run/);
  const r = cli(['data', 'checkout', 'prepare-1', '--force'], ws);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /restored\s+data\/houses\.csv/);
  assert.deepEqual(fs.readFileSync(raw), original);
  const status = cli(['data', 'status', 'prepare-1', '--check'], ws);
  assert.match(status.stdout, /unchanged\s+input\s+data\/houses\.csv/);
});
