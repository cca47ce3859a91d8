/** How commands read the runs they are given, in a window of one folder or several. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { argsAfterScript, byFolder, rerunCommand, runIdsFrom, runRefsFrom } from '../../src/extension/commands/runArgs';
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

test('Rerun with params… on a notebook run starts from its -p params and reruns the notebook with the edited ones (issue 16 §1)', () => {
  // As the launcher records `lineage run analysis.ipynb -p lr=0.1 -p name='big run'`.
  const recorded = ['/usr/bin/python3', '-m', 'lineage.notebook', '/ws/analysis.ipynb', '-p', 'lr=0.1', '-p', 'name=big run'];
  const { prefix, args } = argsAfterScript(recorded);
  assert.equal(args, "-p lr=0.1 -p 'name=big run'");
  assert.deepEqual(prefix, ['/usr/bin/python3', '-m', 'lineage.notebook', '/ws/analysis.ipynb']);
  // The box's text, edited: the notebook is launched again (the runner comes from today's interpreter).
  assert.deepEqual(rerunCommand(prefix, "-p lr=0.2 -p 'name=big run'"), ['/ws/analysis.ipynb', '-p', 'lr=0.2', '-p', 'name=big run']);
  // A notebook run without params has an empty box, and a script run is read as before.
  assert.deepEqual(argsAfterScript(['/usr/bin/python3', '-m', 'lineage.notebook', '/ws/a.ipynb']).args, '');
  const script = argsAfterScript(['/usr/bin/python3', '/ws/train.py', '--lr', '0.1', '--data', 'x.ipynb']);
  assert.equal(script.args, '--lr 0.1 --data x.ipynb');
  assert.deepEqual(rerunCommand(script.prefix, script.args), ['/ws/train.py', '--lr', '0.1', '--data', 'x.ipynb']);
  assert.deepEqual(rerunCommand(['make', 'train'], 'FAST=1'), ['make', 'train', 'FAST=1'], 'a command with no script is rerun as it was');
});
