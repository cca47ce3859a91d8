import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, CLI, PYTHON } from '../helpers/cli';
import { loadSqlJs } from '../../src/core/store/sqljs';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

/** Issue 11 item 11: what goes wrong with the store or the terminal is said in one sentence, with a non-zero exit. */

const env = { LINEAGE_WORKSPACE: '' };
const oneSentence = (stderr: string) => {
  assert.doesNotMatch(stderr, /\n\s+at |Error:|EISDIR:|EROFS:/, `no stack trace or raw error: ${stderr}`);
  assert.equal(stderr.trim().split('\n').length, 1, `one line: ${stderr}`);
};

function workspaceWithRun(): string {
  const ws = tmpDir('lineage-e2e-err-');
  makeRunFolder(ws, { name: 'alpha', events: [metricLine('loss', 1, 0)] });
  return ws;
}

test('item 11: a folder where lineage.db should be: ls and db rebuild say so in one sentence, and rebuild leaves no lineage.db.rebuild-old behind', () => {
  const ws = workspaceWithRun();
  fs.mkdirSync(path.join(ws, '.lineage', 'lineage.db'));
  const ls = cli(['ls'], ws, env);
  assert.equal(ls.status, 1);
  oneSentence(ls.stderr);
  assert.match(ls.stderr, /lineage\.db is a folder, not the Lineage index; move it out of the way and run `lineage db rebuild`/);
  const rebuild = cli(['db', 'rebuild'], ws, env);
  assert.equal(rebuild.status, 1);
  oneSentence(rebuild.stderr);
  assert.match(rebuild.stderr, /lineage\.db is a folder/);
  assert.deepEqual(fs.readdirSync(path.join(ws, '.lineage')).sort(), ['lineage.db', 'runs'], 'nothing moved, nothing left behind');
  assert.ok(fs.statSync(path.join(ws, '.lineage', 'lineage.db')).isDirectory());
  // Moved out of the way as told: the rebuild works and leaves only the new index.
  fs.rmdirSync(path.join(ws, '.lineage', 'lineage.db'));
  const again = cli(['db', 'rebuild'], ws, env);
  assert.equal(again.status, 0, again.stderr);
  assert.ok(!fs.existsSync(path.join(ws, '.lineage', 'lineage.db.rebuild-old')));
  assert.ok(fs.statSync(path.join(ws, '.lineage', 'lineage.db')).isFile());
});

test('item 11: a read-only .lineage (a read-only mount): run and db rebuild say it is read-only in one sentence; ls still lists', (t) => {
  const ws = workspaceWithRun();
  const lineage = path.join(ws, '.lineage');
  const saved = tmpDir('lineage-e2e-ro-src-');
  fs.cpSync(lineage, saved, { recursive: true });
  fs.rmSync(lineage, { recursive: true });
  fs.mkdirSync(lineage);
  // Root ignores file modes, but not a read-only file system: a tmpfs mounted read-only is the real thing.
  const mount = (...args: string[]) => spawnSync('mount', args, { encoding: 'utf8' });
  const m = mount('-t', 'tmpfs', 'tmpfs', lineage);
  assert.equal(m.status, 0, `this test mounts a tmpfs and needs root to do so: ${m.stderr}`);
  t.after(() => spawnSync('umount', [lineage]));
  fs.cpSync(saved, lineage, { recursive: true });
  assert.equal(cli(['ls'], ws, env).status, 0);
  assert.equal(mount('-o', 'remount,ro', lineage).status, 0);

  const ls = cli(['ls'], ws, env);
  assert.equal(ls.status, 0, ls.stderr);
  assert.match(ls.stdout, /alpha/);
  const run = cli(['run', '--', PYTHON, '-c', 'print(1)'], ws, env);
  assert.equal(run.status, 1);
  oneSentence(run.stderr);
  assert.match(run.stderr, /could not write .*\.lineage.*: the file system is read-only; record runs in a writable folder/);
  const rebuild = cli(['db', 'rebuild'], ws, env);
  assert.equal(rebuild.status, 1);
  oneSentence(rebuild.stderr);
  assert.match(rebuild.stderr, /the file system is read-only/);
});

test('item 11: lineage ls --json | head -1 ends quietly (broken pipe) instead of an EPIPE trace', () => {
  const ws = tmpDir('lineage-e2e-pipe-');
  // More JSON than a pipe holds (64 KiB), so the reader is gone while the CLI still writes.
  for (let i = 0; i < 200; i++) makeRunFolder(ws, { name: `run-${i}-${'x'.repeat(1000)}`, events: [metricLine('loss', i, 0)] });
  assert.equal(cli(['ls'], ws, env).status, 0);
  const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" ls --json | head -c 1`], {
    cwd: ws,
    encoding: 'utf8',
    env: { ...process.env, ...env, NO_COLOR: '1' },
  });
  assert.equal(r.stdout, '[');
  assert.equal(r.stderr, '', 'nothing on stderr');
  assert.equal(r.status, 141, 'the shell’s code for a broken pipe (128 + SIGPIPE), as cat or git end');
});

test('item 11: an index with a dropped table is rebuilt from the run folders with one notice, not a trace', async () => {
  const ws = workspaceWithRun();
  assert.equal(cli(['ls'], ws, env).status, 0);
  const file = path.join(ws, '.lineage', 'lineage.db');
  const SQL = await loadSqlJs();
  const db = new SQL.Database(fs.readFileSync(file));
  db.run('DROP TABLE runs');
  fs.writeFileSync(file, Buffer.from(db.export()));
  db.close();
  const ls = cli(['ls'], ws, env);
  assert.equal(ls.status, 0, ls.stderr);
  assert.match(ls.stdout, /alpha/);
  oneSentence(ls.stderr);
  assert.match(ls.stderr, /The Lineage database was damaged \(table runs missing\)\. It was rebuilt from the run folders/);
  const show = cli(['show', 'alpha'], ws, env);
  assert.equal(show.status, 0, show.stderr);
});
