import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, PYTHON } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

// Issue 11 item 7: a device or FIFO as a dataset hung forever. Every case runs the real CLI in a child with a
// timeout, so a regression fails (killed by the timeout) instead of hanging the suite.
function lineage(args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' },
    timeout: 30000,
    killSignal: 'SIGKILL',
  });
  assert.equal(r.signal, null, `lineage ${args.join(' ')} did not finish (killed after 30 s)`);
  return r;
}

function mkfifo(file: string): void {
  const r = spawnSync('mkfifo', [file]);
  assert.equal(r.status, 0, `mkfifo: ${r.stderr?.toString()}`);
}

test('lineage data fingerprint /dev/zero ends, saying it is not a regular file', () => {
  const ws = tmpDir();
  const r = lineage(['data', 'fingerprint', '/dev/zero', '--json'], ws);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { sha256: string | null; warnings: string[] };
  assert.equal(out.sha256, null);
  assert.match(out.warnings.join('\n'), /not a regular file/);
});

test('a FIFO named like a table is not read (no hash, no profile)', () => {
  const ws = tmpDir();
  mkfifo(path.join(ws, 'stream.csv'));
  const r = lineage(['data', 'fingerprint', 'stream.csv', '--json'], ws);
  assert.match(r.stdout + r.stderr, /not a regular file/);
});

test('a FIFO inside a dataset folder is skipped with a warning; the other files are fingerprinted', () => {
  const ws = tmpDir();
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data', 'a.csv'), 'x\n1\n');
  fs.writeFileSync(path.join(ws, 'data', 'b.csv'), 'x\n2\n');
  fs.writeFileSync(path.join(ws, 'data', 'c.csv'), 'x\n3\n');
  mkfifo(path.join(ws, 'data', 'pipe'));
  fs.symlinkSync('/dev/zero', path.join(ws, 'data', 'zero'));
  const r = lineage(['data', 'fingerprint', 'data', '--json'], ws);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { sha256: string | null; files: number; warnings: string[] };
  assert.equal(out.files, 3);
  assert.match(out.sha256 ?? '', /^[0-9a-f]{64}$/);
  assert.match(out.warnings.join('\n'), /pipe is not a regular file/);
  assert.match(out.warnings.join('\n'), /zero is not a regular file/);
});

test("log_dataset('/dev/zero') in a run: the run ends and the dataset is noted as not a regular file", () => {
  const ws = tmpDir();
  const r = lineage(['run', '--', PYTHON, '-c', "import lineage; lineage.log_dataset('/dev/zero'); print('logged')"], ws);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /logged/);
  const of = lineage(['data', 'of', '--json'], ws);
  const ofOut = of.stdout + of.stderr;
  const runs = fs.readdirSync(path.join(ws, '.lineage', 'runs'));
  assert.equal(runs.length, 1);
  const links = JSON.parse(fs.readFileSync(path.join(ws, '.lineage', 'runs', runs[0], 'datasets.json'), 'utf8')) as unknown;
  const text = JSON.stringify(links);
  assert.match(text, /\/dev\/zero/);
  assert.match(text, /Not a regular file/, `${text}\n${ofOut}`);
});

test('data status on a dataset replaced by a link to /dev/zero ends and reports it changed', () => {
  const ws = tmpDir();
  fs.mkdirSync(path.join(ws, 'data'));
  const file = path.join(ws, 'data', 'x.csv');
  fs.writeFileSync(file, 'a,b\n1,2\n');
  const r = lineage(['run', '--', PYTHON, '-c', "import lineage; lineage.log_dataset('data/x.csv')"], ws);
  assert.equal(r.status, 0, r.stderr);
  fs.rmSync(file);
  fs.symlinkSync('/dev/zero', file);
  const st = lineage(['data', 'status', '--json'], ws);
  assert.equal(st.status, 0, st.stderr);
  const out = JSON.parse(st.stdout) as { datasets: Array<{ path: string; state: string; current: string | null }> };
  const d = out.datasets.find((x) => x.path === 'data/x.csv');
  assert.ok(d, st.stdout);
  assert.equal(d.state, 'modified');
  assert.equal(d.current, null);
});
