/** How commands read the runs they are given, in a window of one folder or several. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { byFolder, runIdsFrom, runRefsFrom } from '../../src/extension/commands/runArgs';

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
