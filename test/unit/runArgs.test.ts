/** How commands read the runs they are given, in a window of one folder or several. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { byFolder, runIdsFrom, runRefsFrom } from '../../src/extension/commands/runArgs';
import { argsFromLastRun, declaredArgs } from '../../src/extension/lenses/scriptArgs';

const node = (id: string, folder: string) => ({ kind: 'run', folder, run: { id } });

test('a tree node carries its folder; an id alone does not; a selection of several wins over the clicked node', () => {
  assert.deepEqual(runRefsFrom(node('r1', '/a')), [{ id: 'r1', folder: '/a' }]);
  assert.deepEqual(runRefsFrom('r2'), [{ id: 'r2' }]);
  assert.deepEqual(runRefsFrom(['r1', 'r2']), [{ id: 'r1' }, { id: 'r2' }], 'ids from code (code lenses, panels)');
  assert.deepEqual(runRefsFrom(node('r1', '/a'), [node('r1', '/a'), node('r3', '/b')]), [
    { id: 'r1', folder: '/a' },
    { id: 'r3', folder: '/b' },
  ]);
  assert.deepEqual(runRefsFrom(node('r1', '/a'), [node('r1', '/a')]), [{ id: 'r1', folder: '/a' }], 'a selection of one is the clicked node');
  assert.deepEqual(runRefsFrom({ kind: 'experiment', folder: '/a', name: 'e' }), [], 'not a run');
  assert.deepEqual(runRefsFrom(undefined), []);
  assert.deepEqual(runIdsFrom(node('r1', '/a'), [node('r1', '/a'), node('r3', '/b')]), ['r1', 'r3']);
});

test('runs are grouped by the folder that recorded them; an id without one is looked up; unknown ids are left out', () => {
  const where: Record<string, string> = { r2: '/b', r4: '/a' };
  const groups = byFolder(
    [{ id: 'r1', folder: '/a' }, { id: 'r2' }, { id: 'r3', folder: '/b' }, { id: 'r4' }, { id: 'ghost' }, { id: 'r1', folder: '/a' }],
    (id) => where[id],
  );
  assert.deepEqual(
    [...groups],
    [
      ['/a', ['r1', 'r4']],
      ['/b', ['r2', 'r3']],
    ],
  );
});

test('Run with params… never offers a masked secret from the last run as a value (issue 11 item 4)', () => {
  const declared = declaredArgs(`
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--api-key", default=None)
p.add_argument("--hf_token", dest="hf_token")
p.add_argument("--depth", type=int, default=3)`);
  const command = ['/usr/bin/python3', 'train.py', '--lr', '0.05', '--api-key', '••••', '--hf_token=••••'];
  const params = { lr: 0.05, api_key: '••••', hf_token: '••••', depth: 4 };
  assert.deepEqual(argsFromLastRun(declared, command, params), ['--lr', '0.05', '--depth', '4']);
  // Values that are not the mask are offered as they were.
  assert.deepEqual(argsFromLastRun(declared, ['python', 'train.py', '--api-key', 'k1'], { depth: 2 }), ['--api-key', 'k1', '--depth', '2']);
});

test('Run with params… offers an nargs list param as one word per item, as argparse reads it', () => {
  const declared = declaredArgs(`p.add_argument("--layers", type=int, nargs="+", default=[64])\np.add_argument("--name", default="a")`);
  assert.deepEqual(argsFromLastRun(declared, ['python', 'train.py'], { layers: [256, 128, 64], name: 'b c' }), [
    '--layers',
    '256',
    '128',
    '64',
    '--name',
    'b c',
  ]);
});
