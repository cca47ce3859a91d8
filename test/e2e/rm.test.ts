import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from '../helpers/cli';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

/** A workspace with three recorded runs, and a private freedesktop trash so the test never fills the real one. */
function setup() {
  const ws = tmpDir('lineage-e2e-rm-');
  const ids = ['alpha', 'beta', 'gamma'].map((name) => path.basename(makeRunFolder(ws, { name, events: [metricLine('loss', 1, 0)] })));
  const dataHome = tmpDir('lineage-e2e-xdg-');
  const env = { XDG_DATA_HOME: dataHome, LINEAGE_WORKSPACE: '' };
  return { ws, ids, trash: path.join(dataHome, 'Trash'), env };
}

const listed = (ws: string, env: NodeJS.ProcessEnv) =>
  JSON.parse(cli(['ls', '--json'], ws, env).stdout)
    .map((r: { name: string }) => r.name)
    .sort();

test('lineage rm moves runs by name and id prefix to the trash; ls and a rebuild no longer list them', () => {
  const { ws, ids, trash, env } = setup();
  // Not a terminal (spawnSync pipes stdin): trash moves need no --yes, being recoverable.
  const r = cli(['rm', 'alpha', ids[1].slice(0, -1)], ws, env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`Moved run alpha \\(${ids[0]}\\) to the trash`));
  assert.match(r.stdout, new RegExp(`Moved run beta \\(${ids[1]}\\) to the trash`));
  for (const id of ids.slice(0, 2)) {
    assert.ok(!fs.existsSync(path.join(ws, '.lineage', 'runs', id)));
    assert.ok(fs.existsSync(path.join(trash, 'files', id, 'run.json')));
    assert.ok(fs.existsSync(path.join(trash, 'info', `${id}.trashinfo`)));
  }
  assert.deepEqual(listed(ws, env), ['gamma']);
  assert.equal(cli(['db', 'rebuild'], ws, env).status, 0);
  assert.deepEqual(listed(ws, env), ['gamma']);
});

test('lineage rm: an unknown run deletes nothing; --permanent from a script needs --yes', () => {
  const { ws, ids, env } = setup();
  const unknown = cli(['rm', 'alpha', 'nope'], ws, env);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /No run "nope"/);
  assert.ok(fs.existsSync(path.join(ws, '.lineage', 'runs', ids[0])), 'alpha is still there');

  const refused = cli(['rm', '--permanent', 'gamma'], ws, env);
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /--permanent without a terminal to confirm in needs --yes/);
  assert.ok(fs.existsSync(path.join(ws, '.lineage', 'runs', ids[2])));

  const gone = cli(['rm', '--permanent', '--yes', 'gamma'], ws, env);
  assert.equal(gone.status, 0, gone.stderr);
  assert.match(gone.stdout, /Deleted run gamma .* permanently/);
  assert.ok(!fs.existsSync(path.join(ws, '.lineage', 'runs', ids[2])));
  assert.deepEqual(listed(ws, env), ['alpha', 'beta']);
  const usage = cli(['rm'], ws, env);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /give the runs to delete/);
});
