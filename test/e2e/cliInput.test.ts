import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from '../helpers/cli';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

/** Issue 11 item 12: the command line refuses what it does not understand, and reading never creates anything. */

const env = { LINEAGE_WORKSPACE: '' };

function workspace(): { ws: string; ids: string[] } {
  const ws = tmpDir('lineage-e2e-input-');
  const ids = ['alpha', 'beta'].map((name) => path.basename(makeRunFolder(ws, { name, events: [metricLine('loss', 1, 0)] })));
  return { ws, ids };
}

test('item 12: unknown options, extra arguments and values given to switches are refused, naming the argument and showing the usage', () => {
  const { ws } = workspace();
  const cases: Array<[string[], RegExp, RegExp]> = [
    [['ls', '-x'], /lineage ls: unknown option -x/, /^lineage ls \[--experiment E\]/m],
    [['ls', 'a', 'b'], /lineage ls: unexpected argument "a"/, /^lineage ls \[/m],
    [['db', 'rebuild', 'extra'], /lineage db: unexpected argument "extra"/, /^lineage db rebuild$/m],
    [['ls', '--json=no'], /lineage ls: --json takes no value \(got "--json=no"\)/, /^lineage ls \[/m],
    [['show', 'alpha', 'beta'], /lineage show: unexpected argument "beta"/, /^lineage show <run>/m],
    [['data', 'of', 'alpha', 'beta'], /lineage data: unexpected argument "beta" \(lineage data of <run>\)/, /^lineage data <subcommand>/m],
    [['data', 'runs', 'x', '--check'], /--check is an option of lineage data status only/, /^lineage data <subcommand>/m],
  ];
  for (const [args, message, usage] of cases) {
    const r = cli(args, ws, env);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.match(r.stderr, usage, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
});

test('item 12: ls --limit 0 is an error, not "No runs yet"', () => {
  const { ws } = workspace();
  const r = cli(['ls', '--limit', '0'], ws, env);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--limit needs a whole number of runs, 1 or more \(got "0"\)/);
  assert.doesNotMatch(r.stdout + r.stderr, /No runs yet/);
  assert.equal(cli(['ls', '--limit', '1'], ws, env).status, 0);
});

test('item 12: --workspace /does/not/exist is an error and creates nothing; reading commands never create .lineage', () => {
  const base = tmpDir('lineage-e2e-nows-');
  const missing = path.join(base, 'does', 'not', 'exist');
  for (const args of [['ls'], ['run', '--', 'true'], ['db', 'rebuild']]) {
    const r = cli([args[0], '--workspace', missing, ...args.slice(1)], base, env);
    assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /--workspace .*does\/not\/exist is not an existing folder/);
    assert.deepEqual(fs.readdirSync(base), [], `${args[0]} created nothing`);
  }
  const empty = tmpDir('lineage-e2e-empty-');
  const ls = cli(['ls'], empty, env);
  assert.equal(ls.status, 0);
  assert.match(ls.stdout, /^No Lineage runs here: .* has no \.lineage folder; record a run with `lineage run train\.py`/);
  assert.equal(cli(['ls', '--json'], empty, env).stdout, '[]\n');
  for (const args of [
    ['show', 'x'],
    ['compare', 'x', 'y'],
    ['data', 'status'],
    ['data', 'diff', 'x', 'y'],
    ['data', 'runs', 'd.csv'],
    ['data', 'of', 'x'],
    ['rm', 'x'],
  ]) {
    const r = cli(args, empty, env);
    assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /No Lineage runs here/, args.join(' '));
  }
  assert.deepEqual(fs.readdirSync(empty), [], 'no .lineage was created');
});

test('item 12: a control character in --name is refused; a long name is cut with … in the table', () => {
  const { ws } = workspace();
  const r = cli(['run', '--name', 'good\nfake-row  finished', '--', 'true'], ws, env);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--name contains a control character \("\\n"\); use plain text/);
  assert.equal(fs.readdirSync(path.join(ws, '.lineage', 'runs')).length, 2, 'no run was recorded');

  makeRunFolder(ws, { name: 'n'.repeat(120_000), events: [metricLine('loss', 1, 0)] });
  const ls = cli(['ls'], ws, env);
  assert.equal(ls.status, 0, ls.stderr);
  const widest = Math.max(...ls.stdout.split('\n').map((l) => l.length));
  assert.ok(widest < 300, `the table stays narrow (widest line ${widest})`);
  assert.match(ls.stdout, /n{10,}…/);
});

test('item 12: compare counts each run once, however often (and by whatever reference) it is named', () => {
  const { ws, ids } = workspace();
  const refs = [...Array(5000).fill('alpha'), ids[0], ids[0].slice(0, -1), 'beta', 'beta'];
  const r = cli(['compare', '--json', ...refs], ws, env);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    (JSON.parse(r.stdout) as { runs: Array<{ name: string }> }).runs.map((x) => x.name),
    ['alpha', 'beta'],
  );
  const same = cli(['compare', 'alpha', ids[0]], ws, env);
  assert.equal(same.status, 2);
  assert.match(same.stderr, /every argument names the same run .*; give at least two different runs/);
});
