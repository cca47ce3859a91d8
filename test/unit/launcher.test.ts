import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchRun } from '../../src/core/launcher/launch';
import { descendants } from '../../src/core/launcher/processTree';
import { isProcessAlive } from '../../src/core/util/fsx';
import { tmpDir } from '../helpers/tmp';

const SDK = path.resolve(__dirname, '../../sdk/python');
process.env.LINEAGE_SDK_DIR = SDK;

function readRecord(dir: string) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
}

test('a command runs with the run folder in its environment; output is streamed and saved', async () => {
  const ws = tmpDir();
  const seen: string[] = [];
  const h = await launchRun({
    workspace: ws,
    command: ['bash', '-c', 'echo "dir=$LINEAGE_RUN_DIR id=$LINEAGE_RUN_ID"; echo oops >&2; echo "$PYTHONPATH"; exit 0'],
    onOutput: (t) => seen.push(t),
  });
  const r = await h.done;
  assert.equal(r.status, 'finished');
  assert.equal(r.exitCode, 0);
  const log = fs.readFileSync(path.join(h.dir, 'console.log'), 'utf8');
  assert.match(log, new RegExp(`dir=${h.dir} id=${h.id}`));
  assert.match(log, /oops/);
  assert.match(log, new RegExp(SDK.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  assert.equal(seen.join(''), log);
  const rec = readRecord(h.dir);
  assert.equal(rec.status, 'finished');
  assert.ok(rec.endedAt >= rec.startedAt);
  assert.equal(rec.git, undefined, 'no repository, no git info');
});

test('default names number the runs of the workspace, so they do not repeat', async () => {
  const ws = tmpDir();
  const names: string[] = [];
  for (let i = 0; i < 5; i++) {
    const h = await launchRun({ workspace: ws, command: ['bash', '-c', 'true'] });
    await h.done;
    names.push(h.record.name);
    // Something that is not a run in the runs folder does not count.
    if (i === 1) fs.writeFileSync(path.join(path.dirname(h.dir), '.DS_Store'), '');
  }
  assert.deepEqual(
    names.map((n) => Number(/-(\d+)$/.exec(n)?.[1])),
    [1, 2, 3, 4, 5],
  );
  assert.match(names[0], /^[a-z]+-[a-z]+-1$/);
  const named = await launchRun({ workspace: ws, command: ['bash', '-c', 'true'], name: 'baseline' });
  await named.done;
  assert.equal(named.record.name, 'baseline', 'a given name is kept');
});

test('exit codes become failed; a missing interpreter is a clear error', async () => {
  const ws = tmpDir();
  const failed = await (await launchRun({ workspace: ws, command: ['bash', '-c', 'exit 7'] })).done;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.exitCode, 7);
  fs.writeFileSync(path.join(ws, 'x.py'), 'print(1)\n');
  const h = await launchRun({ workspace: ws, command: ['x.py'], python: '/nonexistent/python9' });
  await assert.rejects(h.done, /python9 was not found\. Set the interpreter with --python or LINEAGE_PYTHON/);
  assert.equal(readRecord(h.dir).status, 'failed');
  await assert.rejects(launchRun({ workspace: ws, command: ['missing.py'] }), /does not exist/);
});

test('stop ends the whole process tree, including a grandchild in its own session', async () => {
  const ws = tmpDir();
  const pidFile = path.join(ws, 'pids');
  const h = await launchRun({
    workspace: ws,
    command: ['bash', '-c', `sleep 300 & setsid sleep 301 & echo "$! " >> ${pidFile}; wait`],
    stopGraceMs: 500,
  });
  let kids: number[] = [];
  for (let i = 0; i < 50 && kids.length < 2; i++) {
    await new Promise((r) => setTimeout(r, 50));
    kids = descendants(readRecord(h.dir).childPid);
  }
  assert.ok(kids.length >= 2, `children seen: ${kids}`);
  h.stop();
  const r = await h.done;
  assert.equal(r.status, 'killed');
  // A killed orphan stays a zombie until init reaps it: only a process still running counts.
  const running = (pid: number) => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 40 && kids.some(running); i++) await new Promise((res) => setTimeout(res, 50));
  for (const k of kids) assert.ok(!running(k) || !isProcessAlive(k), `pid ${k} still running`);
});

test('git commit, branch and the uncommitted diff (with untracked files) are captured', async () => {
  const ws = tmpDir();
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: ws,
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
    })
      .toString()
      .trim();
  git('init', '-q', '-b', 'main');
  fs.writeFileSync(path.join(ws, 'train.py'), 'print("v1")\n');
  git('add', '.');
  git('commit', '-qm', 'one');
  const head = git('rev-parse', 'HEAD');
  fs.writeFileSync(path.join(ws, 'train.py'), 'print("v2")\n');
  fs.writeFileSync(path.join(ws, 'notes.txt'), 'untracked note\n');
  const h = await launchRun({ workspace: ws, command: ['bash', '-c', 'true'] });
  await h.done;
  const rec = readRecord(h.dir);
  assert.equal(rec.git.commit, head);
  assert.equal(rec.git.branch, 'main');
  assert.equal(rec.git.dirty, true);
  assert.deepEqual(rec.git.untracked, ['notes.txt']);
  const diff = fs.readFileSync(path.join(h.dir, 'git.diff'), 'utf8');
  assert.match(diff, /-print\("v1"\)\n\+print\("v2"\)/);
  assert.match(diff, /\+untracked note/);
  assert.doesNotMatch(diff, /\.lineage/);
});

test('python runs record the interpreter and its installed packages without pip', async () => {
  const ws = tmpDir();
  fs.writeFileSync(path.join(ws, 'train.py'), 'import sys; print(sys.version)\n');
  const h = await launchRun({ workspace: ws, command: ['train.py'], python: '/usr/bin/python3' });
  const r = await h.done;
  assert.equal(r.status, 'finished');
  const rec = readRecord(h.dir);
  assert.equal(rec.python.path, '/usr/bin/python3');
  assert.match(rec.python.version, /^3\.\d+\.\d+/);
  assert.ok(
    rec.python.packages.some((p: { name: string }) => p.name.toLowerCase() === 'scikit-learn'),
    'sklearn from apt is listed',
  );
  assert.equal(rec.experiment, path.basename(ws));
});
