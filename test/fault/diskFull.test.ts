/**
 * Issue 11 item 9: a disk that fills up during a run, or is full at launch, on a real 2 MB tmpfs. Needs root
 * (mount); skipped otherwise. Every tmpfs is unmounted in a finally, whatever happens.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, countLines } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

const canMount = process.platform === 'linux' && process.getuid?.() === 0;

/** A fresh `size` tmpfs for `fn`; unmounted (and its mount point removed) afterwards, even on failure. */
async function withTmpfs(size: string, fn: (mount: string) => Promise<void> | void): Promise<void> {
  const mount = tmpDir('lineage-diskfull-');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount], { encoding: 'utf8' });
  assert.equal(m.status, 0, `mount: ${m.stderr}`);
  try {
    await fn(mount);
  } finally {
    const u = spawnSync('umount', [mount], { encoding: 'utf8' });
    if (u.status !== 0) spawnSync('umount', ['-l', mount]);
    fs.rmdirSync(mount);
  }
}

const POINTS = 400000;
const SCRIPT = `import lineage\nfor i in range(${POINTS}):\n    lineage.log_metric("loss", 1.0 / (i + 1), step=i)\nprint("done")\n`;

test(
  'item 9: a disk that fills up during a run marks it incomplete with the points it kept, and says what to free',
  { skip: !canMount && 'needs root to mount a tmpfs' },
  async () => {
    await withTmpfs('2m', (ws) => {
      fs.writeFileSync(path.join(ws, 'train.py'), SCRIPT);
      const r = cli(['run', 'train.py'], ws);
      assert.equal(r.status, 0, `the script's own exit code; stderr: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /ENOSPC|at .*\.js:\d+/, 'no raw error or stack trace');
      assert.doesNotMatch(r.stderr, /safe in/i, 'the run is not safe: its events could not all be written');

      const runs = fs.readdirSync(path.join(ws, '.lineage', 'runs'));
      assert.equal(runs.length, 1);
      const dir = path.join(ws, '.lineage', 'runs', runs[0]);
      const events = path.join(dir, 'events.jsonl');
      const text = fs.readFileSync(events, 'utf8');
      assert.ok(text.endsWith('\n'), 'no line cut short at the end of events.jsonl');
      const kept = countLines(events, (l) => l.startsWith('{"type":"metric"'));
      assert.ok(kept > 0 && kept < POINTS, `kept ${kept}`);
      for (const line of text.split('\n').filter(Boolean)) JSON.parse(line); // every line whole

      const expected = `the run kept ${kept.toLocaleString('en-US')} of ${POINTS.toLocaleString('en-US')} points logged`;
      const record = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { status: string; error?: string; exitCode: number };
      assert.equal(record.status, 'finished', 'the script ended normally: not left "running", not killed');
      assert.equal(record.exitCode, 0);
      assert.ok(record.error?.startsWith(`incomplete: disk full: ${expected}`), `run.json error: ${record.error}`);
      assert.match(r.stderr, new RegExp(`lineage: incomplete: disk full: ${expected}.*free space on ${ws}`));
      // The SDK's own warning reaches the terminal although console.log could not take it.
      assert.match(r.stderr, new RegExp(`${POINTS - kept} of ${POINTS} points this process logged`));
      assert.ok(!fs.existsSync(path.join(dir, '.reserve')), 'the space set aside is given back');

      // Later, with space again, the run reads as recorded: finished, incomplete, the points it kept.
      fs.rmSync(path.join(ws, 'train.py'));
      const show = cli(['show', runs[0], '--json'], ws);
      assert.equal(show.status, 0, show.stderr);
      const j = JSON.parse(show.stdout) as { status: string; error: string | null };
      assert.equal(j.status, 'finished');
      assert.match(j.error ?? '', /^incomplete: disk full: the run kept/);
      const shown = cli(['show', runs[0]], ws);
      assert.doesNotMatch(shown.stdout + shown.stderr, /skipped|cut short|half-written/i, 'no torn line to warn about');
    });
  },
);

test('item 9: a disk full at launch starts nothing and leaves no run folder behind', { skip: !canMount && 'needs root to mount a tmpfs' }, async () => {
  await withTmpfs('1m', (ws) => {
    fs.writeFileSync(path.join(ws, 'train.py'), SCRIPT);
    fs.mkdirSync(path.join(ws, '.lineage', 'runs'), { recursive: true });
    // Fill the disk but for a few KB: room for a run.json, not for a run.
    const filler = fs.openSync(path.join(ws, 'filler'), 'w');
    const block = Buffer.alloc(4096, 1);
    try {
      for (;;) fs.writeSync(filler, block);
    } catch {
      /* full */
    }
    fs.closeSync(filler);
    fs.truncateSync(path.join(ws, 'filler'), fs.statSync(path.join(ws, 'filler')).size - 16 * 1024);

    const r = cli(['run', 'train.py'], ws);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /lineage: The disk holding .* is full, so the run was not started; free some space there and run again\./);
    assert.doesNotMatch(r.stderr, /ENOSPC|at .*\.js:\d+/);
    assert.deepEqual(fs.readdirSync(path.join(ws, '.lineage', 'runs')), [], 'no phantom run');
  });
});
