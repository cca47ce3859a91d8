/**
 * Issue 11 item 25: what `lineage run` does to start sooner and end sooner must not change what is recorded.
 * The keeper starts without NODE_OPTIONS and NODE_EXTRA_CA_CERTS (Node reads the certificates at every start)
 * and the script gets them back; the index is opened while the script runs, so a save made by someone else in
 * that time must still be merged, not overwritten. (Speed itself is measured in bench/launcher_overhead.mjs.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI, cli, queryDbFile } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

test(
  'item 25: the keeper starts without NODE_OPTIONS and NODE_EXTRA_CA_CERTS, and the script gets both back unchanged',
  { skip: !fs.existsSync('/proc/self/environ') },
  () => {
    const ws = tmpDir('lineage-overhead-');
    const certs = path.join(ws, 'extra-ca.pem');
    fs.writeFileSync(certs, ''); // an empty bundle: Node accepts it without a warning
    // The script's parent is the keeper: its environment is in /proc/$PPID/environ.
    const script = [
      'echo "script: NODE_OPTIONS=$NODE_OPTIONS NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS"',
      'echo "keeper: $(tr "\\0" "\\n" < /proc/$PPID/environ | grep -c "^NODE_OPTIONS=\\|^NODE_EXTRA_CA_CERTS=")"',
    ].join('; ');
    const r = cli(['run', '--', 'sh', '-c', script], ws, { NODE_OPTIONS: '--max-old-space-size=300', NODE_EXTRA_CA_CERTS: certs });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`script: NODE_OPTIONS=--max-old-space-size=300 NODE_EXTRA_CA_CERTS=${certs.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\n`));
    assert.match(r.stdout, /keeper: 0\n/, 'the keeper itself has neither');
  },
);

test('item 25: a save of the index by another process while the script runs is merged: no run is lost from the index', async () => {
  const ws = tmpDir('lineage-overhead-');
  fs.mkdirSync(path.join(ws, '.lineage'), { recursive: true });
  const first = cli(['run', '--name', 'before', '--', 'true'], ws);
  assert.equal(first.status, 0, first.stderr);
  // The script waits until the outer `lineage run` has surely opened the index, then records (and saves) a
  // run of its own through a second `lineage run`, in the same workspace.
  const inner = `sleep 1.5; "${process.execPath}" "${CLI}" run --name inner --quiet -- true`;
  const outer = cli(['run', '--name', 'outer', '--', 'sh', '-c', inner], ws);
  assert.equal(outer.status, 0, outer.stderr);
  const rows = await queryDbFile(path.join(ws, '.lineage', 'lineage.db'), 'SELECT name, status FROM runs ORDER BY name');
  assert.deepEqual(
    rows.map((r) => `${String(r.name)}:${String(r.status)}`),
    ['before:finished', 'inner:finished', 'outer:finished'],
  );
});
