import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, PYTHON, cli, cliAsync, gitInit, waitFor } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';
import { isProcessAlive } from '../../src/core/util/fsx';

function onlyRunDir(ws: string): string {
  const runs = fs.readdirSync(path.join(ws, '.lineage', 'runs'));
  assert.equal(runs.length, 1);
  return path.join(ws, '.lineage', 'runs', runs[0]);
}

function readRecord(dir: string): Record<string, unknown> {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function showJson(ws: string, id: string) {
  const r = cli(['show', id, '--json'], ws);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as {
    status: string;
    exitCode: number | null;
    signal: string | null;
    durationMs: number | null;
    git: { commit: string } | null;
    python: { packages: number } | null;
  };
}

/** `lineage run` with the script's stdout and stderr apart, as bytes. */
function runBytes(ws: string, args: string[]) {
  return spawnSync(process.execPath, [CLI, 'run', ...args], { cwd: ws, env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' }, timeout: 60000 });
}

test('item 8: kill -9 of the launcher as soon as the script starts loses none of the run: git, packages, duration, exit code, status', async () => {
  const ws = tmpDir('lineage-fault-');
  fs.writeFileSync(path.join(ws, 'train.py'), 'import time, lineage\nlineage.log_param("lr", 0.1)\ntime.sleep(1.5)\nlineage.log_metric("loss", 0.5, step=1)\n');
  const commit = gitInit(ws);
  const child = cliAsync(['run', 'train.py'], ws);
  const runs = path.join(ws, '.lineage', 'runs');
  await waitFor(() => fs.existsSync(runs) && fs.readdirSync(runs).length === 1, 15000, 'run folder');
  const dir = onlyRunDir(ws);
  await waitFor(() => !!readRecord(dir).childPid, 15000, 'the script to start');
  child.kill('SIGKILL');
  const scriptPid = readRecord(dir).childPid as number;
  await waitFor(() => !isProcessAlive(scriptPid) || fs.readFileSync(`/proc/${scriptPid}/stat`, 'utf8').includes(') Z'), 30000, 'the script to finish');
  await waitFor(() => readRecord(dir).status !== 'running', 10000, 'the run to be settled');

  const show = showJson(ws, path.basename(dir));
  assert.equal(show.status, 'finished');
  assert.equal(show.exitCode, 0);
  assert.equal(show.git?.commit, commit, 'the git capture is kept');
  assert.ok((show.python?.packages ?? 0) > 0, `packages: ${show.python?.packages}`);
  assert.ok((show.durationMs ?? 0) >= 1500, `duration ${show.durationMs} ms`);
});

// Two pipes carry no common order: writes in the same instant may reach console.log stdout first; writes a
// moment apart (a print, then a traceback) keep theirs.
test("item 17: the script's stderr goes to stderr and its stdout to stdout; console.log has both in order", () => {
  const ws = tmpDir('lineage-fault-');
  const r = runBytes(ws, ['--', 'sh', '-c', 'echo out1; sleep 0.2; echo err1 >&2; sleep 0.2; echo out2; sleep 0.2; echo err2 >&2']);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.equal(r.stdout.toString(), 'out1\nout2\n', 'stdout holds the script stdout only');
  const lines = r.stderr.toString().split('\n');
  assert.deepEqual(
    lines.filter((l) => !l.startsWith('lineage:')),
    ['err1', 'err2', ''],
  );
  assert.equal(fs.readFileSync(path.join(onlyRunDir(ws), 'console.log'), 'utf8'), 'out1\nerr1\nout2\nerr2\n');
});

test('item 18: bytes that are not UTF-8 reach the terminal unchanged', () => {
  const ws = tmpDir('lineage-fault-');
  const r = runBytes(ws, ['--', 'printf', '\\377\\376ok\\342\\202\n']);
  assert.equal(r.status, 0, r.stderr.toString());
  assert.deepEqual([...r.stdout], [0xff, 0xfe, 0x6f, 0x6b, 0xe2, 0x82, 0x0a]);
  assert.deepEqual([...fs.readFileSync(path.join(onlyRunDir(ws), 'console.log'))], [...r.stdout]);
});

test('item 19: killed by SIGTERM is "killed (SIGTERM)" for a Python script and for any other command', async () => {
  for (const command of [['slow.py'], ['--', 'sleep', '30']]) {
    const ws = tmpDir('lineage-fault-');
    fs.writeFileSync(path.join(ws, 'slow.py'), 'import time, lineage\nlineage.log_param("a", 1)\ntime.sleep(30)\n');
    const child = cliAsync(['run', ...command], ws);
    const runs = path.join(ws, '.lineage', 'runs');
    await waitFor(() => fs.existsSync(runs) && fs.readdirSync(runs).length === 1, 15000, 'run folder');
    const dir = onlyRunDir(ws);
    await waitFor(() => !!readRecord(dir).childPid, 15000, 'the script to start');
    if (command[0] === 'slow.py') await waitFor(() => fs.existsSync(path.join(dir, 'events.jsonl')), 15000, 'the SDK to start');
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    process.kill(readRecord(dir).childPid as number, 'SIGTERM');
    assert.equal(await exit, 143, `${command.join(' ')}: the exit code is 128 + 15`);
    const show = showJson(ws, path.basename(dir));
    assert.equal(show.status, 'killed', command.join(' '));
    assert.equal(show.signal, 'SIGTERM', command.join(' '));
  }
});
