import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from '../helpers/cli';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

// Issue 11 item 14: a run.json without "status" showed "failed" although the script's end event said finished.
test('a run.json without a status shows the status of the events end event', () => {
  const ws = tmpDir('lineage-e2e-');
  const dir = makeRunFolder(ws, {
    events: [metricLine('loss', 1, 0), JSON.stringify({ type: 'status', status: 'finished' })],
  });
  const rec = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
  delete rec.status;
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(rec));
  const id = path.basename(dir);

  const show = cli(['show', id], ws);
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /status\s+finished/);
  const json = JSON.parse(cli(['show', id, '--json'], ws).stdout) as { status: string };
  assert.equal(json.status, 'finished');
  const rebuilt = cli(['db', 'rebuild'], ws);
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  assert.equal((JSON.parse(cli(['show', id, '--json'], ws).stdout) as { status: string }).status, 'finished');
});

// Issue 11 item 14: in a repository without commits, show printed "git (no commits  on  +".
test('a run in a git repository with no commits shows a clean git line', () => {
  const ws = tmpDir('lineage-e2e-');
  spawnSync('git', ['init', '-q'], { cwd: ws });
  fs.writeFileSync(path.join(ws, 'notes.txt'), 'hello\n');
  const run = cli(['run', '--', 'sh', '-c', 'echo done'], ws);
  assert.equal(run.status, 0, run.stderr);
  const id = fs.readdirSync(path.join(ws, '.lineage', 'runs'))[0];
  const show = cli(['show', id], ws);
  assert.equal(show.status, 0, show.stderr);
  const gitLine = show.stdout.split('\n').find((l) => /^\s+git\s/.test(l));
  assert.ok(gitLine, show.stdout);
  assert.match(gitLine, /^\s+git\s+\(no commits yet\)( \+ uncommitted changes \(git\.diff\))?$/);
});

// A new user's check of the README: `data status` printed each path at its own length, so the fingerprints
// of a short and a long path did not line up, and colour codes were counted in the state's padding.
test('data status lines its columns up whatever the path lengths', () => {
  const ws = tmpDir('lineage-e2e-');
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data', 'x.csv'), 'a,b\n1,2\n');
  fs.writeFileSync(path.join(ws, 'data', 'a-much-longer-name.csv'), 'a\n1\n');
  fs.writeFileSync(
    path.join(ws, 's.py'),
    'import lineage\nlineage.log_dataset("data/x.csv")\nlineage.log_dataset("data/a-much-longer-name.csv", role="train")\n',
  );
  const run = cli(['run', 's.py'], ws);
  assert.equal(run.status, 0, run.stderr);
  fs.writeFileSync(path.join(ws, 'data', 'x.csv'), 'a,b\n1,3\n');
  const status = cli(['data', 'status'], ws);
  assert.equal(status.status, 0, status.stderr);
  const rows = status.stdout.split('\n').filter((l) => /data\/.*\s[0-9a-f]{12}$/.test(l));
  assert.equal(rows.length, 2, status.stdout);
  const shaAt = rows.map((l) => l.search(/[0-9a-f]{12}$/));
  const pathAt = rows.map((l) => l.indexOf('data/'));
  assert.equal(new Set(shaAt).size, 1, `fingerprints in one column:\n${rows.join('\n')}`);
  assert.equal(new Set(pathAt).size, 1, `paths in one column:\n${rows.join('\n')}`);
});
