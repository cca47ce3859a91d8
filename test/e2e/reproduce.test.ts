import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, cliAsync, copyExample, gitInit, PYTHON, REPO, waitFor } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

/**
 * `lineage reproduce` on the bundled example, end to end: a real git repository in a temporary folder, the
 * real interpreter with scikit-learn, the real object store. The prepared data is git-ignored here (as data
 * usually is), so the reproduction can only have it from the kept copy in .lineage/objects.
 */

const GIT_ENV = { GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
const git = (ws: string, ...args: string[]) => {
  const r = spawnSync('git', args, { cwd: ws, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

interface Report {
  verdict: string;
  original: { id: string };
  reproduction: { id: string; status: string } | null;
  code: { commit: string | null; diffSha256: string | null; diffFiles: string[]; identical: boolean };
  data: Array<{ path: string; original: string | null; reproduction: string | null; equal: boolean; source: string; note?: string }>;
  params: Array<{ key: string; equal: boolean; original: unknown; reproduction: unknown }>;
  metrics: Array<{ key: string; relativeDifference: number | null; withinTolerance: boolean }>;
  models: Array<{ path: string; original: string | null; reproduction: string | null; equal: boolean }>;
  problems: string[];
}

/** The example in a git repository of its own, with its prepared data left out of git; TMPDIR private to it. */
function workspace(): { ws: string; tmp: string; env: NodeJS.ProcessEnv } {
  const ws = tmpDir('lineage-repro-');
  copyExample(ws);
  fs.appendFileSync(path.join(ws, '.gitignore'), 'data/prepared.csv\n');
  gitInit(ws);
  const tmp = tmpDir('lineage-repro-tmp-');
  return { ws, tmp, env: { TMPDIR: tmp } };
}

function train(ws: string, env: NodeJS.ProcessEnv, ...args: string[]): string {
  const r = cli(['run', '--quiet', 'train.py', '--n-estimators', '30', '--no-explain', ...args], ws, env);
  assert.equal(r.status, 0, r.stderr);
  return /recording run (\S+)/.exec(r.stderr)![1];
}

function reproduce(ws: string, env: NodeJS.ProcessEnv, run: string, ...args: string[]): { status: number | null; report: Report; stderr: string } {
  const r = cli(['reproduce', run, '--json', ...args], ws, env);
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    assert.fail(`no JSON report on stdout (exit ${r.status}): ${r.stdout}\n${r.stderr}`);
  }
  return { status: r.status, report, stderr: r.stderr };
}

/** No worktree left: git knows only the main one, and no checkout folder is left in the private TMPDIR. */
function assertWorktreeRemoved(ws: string, tmp: string): void {
  assert.equal(git(ws, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1, git(ws, 'worktree', 'list'));
  assert.deepEqual(
    fs.readdirSync(tmp).filter((n) => n.startsWith('lineage-reproduce-')),
    [],
  );
}

test('prepare.py regenerates the committed data/prepared.csv byte for byte (same rows and columns as data/houses.csv)', () => {
  const out = path.join(tmpDir('lineage-prepare-'), 'prepared.csv');
  const example = path.join(REPO, 'examples', 'house-prices');
  const r = spawnSync(PYTHON, [path.join(example, 'prepare.py'), '--out', out], { encoding: 'utf8', env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /prepared 3000 of 3000 rows/);
  assert.equal(sha256(out), sha256(path.join(example, 'data', 'prepared.csv')));
  // Dirty raw data: a missing price and an impossible area are dropped, types and spelling fixed.
  const raw = path.join(path.dirname(out), 'raw.csv');
  fs.writeFileSync(raw, 'bedrooms,floor_area_m2,location,age_years,price\n3.0,95,City Centre,12,310000\n2,-5,suburb,1,100\n2,50,suburb,1,\n');
  const dirty = spawnSync(PYTHON, [path.join(example, 'prepare.py'), '--raw', raw, '--out', out], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  assert.equal(dirty.status, 0, dirty.stderr);
  assert.equal(fs.readFileSync(out, 'utf8'), 'bedrooms,floor_area_m2,location,age_years,price\n3,95.0,city_centre,12,310000\n');
});

test('reproduce the example: identical model sha256 (exit 0); data edited after the run: the kept copy is used; the object deleted: "data not kept"', () => {
  const { ws, tmp, env } = workspace();
  const id = train(ws, env);
  const first = reproduce(ws, env, id);
  assert.equal(first.status, 0, first.stderr);
  const r = first.report;
  assert.equal(r.verdict, 'identical', JSON.stringify(r, null, 2));
  assert.equal(r.reproduction?.status, 'finished');
  assert.equal(r.models.length, 1);
  assert.equal(r.models[0].original, sha256(path.join(ws, '.lineage', 'runs', id, r.models[0].path)));
  assert.equal(r.models[0].reproduction, r.models[0].original, 'the same model file, bit for bit');
  const data = r.data.find((d) => d.path === 'data/prepared.csv')!;
  assert.equal(data.original, sha256(path.join(ws, 'data', 'prepared.csv')));
  assert.equal(data.reproduction, data.original);
  assert.equal(data.source, 'kept copy', 'git-ignored data can only come from .lineage/objects');
  assert.ok(r.params.length > 5 && r.params.every((p) => p.equal), JSON.stringify(r.params));
  assert.ok(r.metrics.some((m) => m.key === 'val_rmse') && r.metrics.every((m) => m.relativeDifference === 0));
  assert.equal(r.code.commit, git(ws, 'rev-parse', 'HEAD'));
  assert.equal(r.code.identical, true);
  // The report is kept in the new run's folder, and the new run links back to the original.
  const saved = JSON.parse(fs.readFileSync(path.join(ws, '.lineage', 'runs', r.reproduction.id, 'reproduction.json'), 'utf8')) as Report;
  assert.equal(saved.verdict, 'identical');
  const show = cli(['show', r.reproduction.id], ws, env);
  assert.match(show.stdout, new RegExp(`reproduces\\s+${id} \\(identical; reproduction\\.json\\)`));
  assertWorktreeRemoved(ws, tmp);

  // One byte of the data changes after the run: the reproduction still reads the run's bytes, and says so.
  const csv = path.join(ws, 'data', 'prepared.csv');
  const bytes = fs.readFileSync(csv);
  bytes[bytes.length - 2] = bytes[bytes.length - 2] === 0x30 ? 0x31 : 0x30;
  fs.writeFileSync(csv, bytes);
  const edited = reproduce(ws, env, id);
  assert.equal(edited.status, 0, edited.stderr);
  assert.equal(edited.report.verdict, 'identical');
  const d2 = edited.report.data.find((d) => d.path === 'data/prepared.csv')!;
  assert.equal(d2.reproduction, data.original, 'the original bytes were used');
  assert.equal(d2.source, 'kept copy');
  assert.match(d2.note ?? '', /changed in the workspace since the run \(sha256 now [0-9a-f]{12}…\); the reproduction used the run's original bytes/);
  assert.notEqual(sha256(csv), data.original, 'the workspace file itself was left as the user edited it');
  const text = cli(['reproduce', id], ws, env);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /\*\*Verdict: identical\.\*\*/);
  assert.match(text.stdout, /data\/prepared\.csv: changed in the workspace since the run/);
  assertWorktreeRemoved(ws, tmp);

  // The kept copy deleted: nothing can give the run's data back, and reproduce says which file.
  fs.rmSync(path.join(ws, '.lineage', 'objects', data.original.slice(0, 2), data.original));
  const gone = reproduce(ws, env, id);
  assert.equal(gone.status, 1, gone.stderr);
  assert.equal(gone.report.verdict, 'could not run');
  assert.equal(gone.report.reproduction, null);
  assert.match(gone.report.problems[0], /^data not kept: data\/prepared\.csv \(/);
  assertWorktreeRemoved(ws, tmp);
});

test('reproduce a run with uncommitted changes: the recorded diff (and an untracked file it carries) is applied in the checkout', () => {
  const { ws, tmp, env } = workspace();
  const script = path.join(ws, 'train.py');
  const committed = fs.readFileSync(script, 'utf8');
  // An uncommitted edit that imports an untracked module: both are in the run's git.diff.
  fs.writeFileSync(path.join(ws, 'variant.py'), 'NAME = "uncommitted-variant"\n');
  fs.writeFileSync(
    script,
    committed.replace('    lineage.log_params(params)\n', '    import variant\n    params["variant"] = variant.NAME\n    lineage.log_params(params)\n'),
  );
  const id = train(ws, env);
  const diff = path.join(ws, '.lineage', 'runs', id, 'git.diff');
  assert.ok(fs.existsSync(diff), 'the run recorded its diff');
  // Back to the committed code: only the recorded diff can bring the variant back.
  fs.writeFileSync(script, committed);
  fs.rmSync(path.join(ws, 'variant.py'));
  const { status, report, stderr } = reproduce(ws, env, id);
  assert.equal(status, 0, stderr);
  assert.equal(report.verdict, 'identical', JSON.stringify(report, null, 2));
  assert.equal(report.code.diffSha256, sha256(diff));
  assert.deepEqual([...report.code.diffFiles].sort(), ['train.py', 'variant.py']);
  const variant = report.params.find((p) => p.key === 'variant')!;
  assert.deepEqual([variant.original, variant.reproduction, variant.equal], ['uncommitted-variant', 'uncommitted-variant', true]);
  assertWorktreeRemoved(ws, tmp);
});

test('reproduce says precisely when the commit is gone, and exits 3 when a run does not reproduce', () => {
  const { ws, tmp, env } = workspace();
  const base = git(ws, 'rev-parse', 'HEAD');
  // A script whose result is not the same twice: the reproduction must say it differs (exit 3).
  fs.writeFileSync(path.join(ws, 'noisy.py'), 'import os, lineage\nlineage.log_metric("noise", int.from_bytes(os.urandom(4), "big") + 1)\n');
  git(ws, 'add', 'noisy.py');
  git(ws, 'commit', '-qm', 'noisy');
  const commit = git(ws, 'rev-parse', 'HEAD');
  const r = cli(['run', '--quiet', 'noisy.py'], ws, env);
  assert.equal(r.status, 0, r.stderr);
  const id = /recording run (\S+)/.exec(r.stderr)![1];
  const noisy = reproduce(ws, env, id);
  assert.equal(noisy.status, 3, noisy.stderr);
  assert.equal(noisy.report.verdict, 'differs');
  const m = noisy.report.metrics.find((x) => x.key === 'noise')!;
  assert.equal(m.withinTolerance, false);
  assert.ok(m.relativeDifference! > 0);
  const loose = reproduce(ws, env, id, '--tolerance', '1');
  assert.equal(loose.status, 0, 'a relative difference of at most 1 is within --tolerance 1');
  assert.equal(loose.report.verdict, 'within tolerance');
  assertWorktreeRemoved(ws, tmp);

  // The commit is dropped from the repository altogether (reset, reflog expired, pruned).
  git(ws, 'reset', '-q', '--hard', base);
  git(ws, 'reflog', 'expire', '--expire=now', '--all');
  git(ws, 'gc', '-q', '--prune=now');
  const gone = reproduce(ws, env, id);
  assert.equal(gone.status, 1, gone.stderr);
  assert.equal(gone.report.verdict, 'could not run');
  assert.match(gone.report.problems[0], new RegExp(`^commit ${commit} is no longer in the repository `));
  const text = cli(['reproduce', id], ws, env);
  assert.equal(text.status, 1);
  assert.match(text.stderr, new RegExp(`could not be reproduced: commit ${commit} is no longer in the repository`));
  assertWorktreeRemoved(ws, tmp);

  const usage = cli(['reproduce', id, '--tolerance', 'tight'], ws, env);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--tolerance takes a relative difference/);
});

test('the recorded environment: allowlisted variables are set again (PYTHONHASHSEED makes str hashes repeat), secrets are never recorded', () => {
  const { ws, tmp, env } = workspace();
  fs.writeFileSync(path.join(ws, 'hashes.py'), 'import lineage\nlineage.log_metric("str_hash", hash("house-prices") % 1000003)\n');
  git(ws, 'add', 'hashes.py');
  git(ws, 'commit', '-qm', 'hashes');
  const secret = 'tok-' + createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 20);
  const r = cli(['run', '--quiet', 'hashes.py'], ws, { ...env, PYTHONHASHSEED: '7', OMP_NUM_THREADS: '1', HF_TOKEN: secret, MY_API_KEY: secret });
  assert.equal(r.status, 0, r.stderr);
  const id = /recording run (\S+)/.exec(r.stderr)![1];
  const runJson = fs.readFileSync(path.join(ws, '.lineage', 'runs', id, 'run.json'), 'utf8');
  assert.deepEqual((JSON.parse(runJson) as { env: unknown }).env, { PYTHONHASHSEED: '7', OMP_NUM_THREADS: '1' });
  assert.ok(!runJson.includes(secret), 'no secret value in run.json');
  // Reproduced from a shell without PYTHONHASHSEED: only the recorded value can make the hash the same.
  const again = reproduce(ws, { ...env, PYTHONHASHSEED: 'random' }, id);
  assert.equal(again.status, 0, again.stderr + JSON.stringify(again.report.metrics));
  assert.equal(again.report.verdict, 'identical');
  assert.deepEqual((again.report as unknown as { environment: { variables: unknown } }).environment.variables, { PYTHONHASHSEED: '7', OMP_NUM_THREADS: '1' });
  assertWorktreeRemoved(ws, tmp);
});

test('a run.json naming variables outside the allowlist (a run folder from someone else): only allowlisted ones are set again', () => {
  const { ws, tmp, env } = workspace();
  fs.writeFileSync(path.join(ws, 'envs.py'), 'import os, lineage\nlineage.log_metric("injected", 1 if os.environ.get("LINEAGE_PROBE_INJECTED") else 0)\n');
  git(ws, 'add', 'envs.py');
  git(ws, 'commit', '-qm', 'envs');
  const r = cli(['run', '--quiet', 'envs.py'], ws, { ...env, PYTHONHASHSEED: '3' });
  assert.equal(r.status, 0, r.stderr);
  const id = /recording run (\S+)/.exec(r.stderr)![1];
  const file = path.join(ws, '.lineage', 'runs', id, 'run.json');
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as { env: Record<string, string> };
  j.env = { ...j.env, LINEAGE_PROBE_INJECTED: '1', LD_PRELOAD: '/nonexistent/lineage-probe.so' };
  fs.writeFileSync(file, JSON.stringify(j));
  const again = reproduce(ws, env, id);
  assert.equal(again.status, 0, again.stderr + JSON.stringify(again.report.metrics));
  assert.doesNotMatch(again.stderr, /lineage-probe\.so/);
  assert.deepEqual((again.report as unknown as { environment: { variables: unknown } }).environment.variables, { PYTHONHASHSEED: '3' });
  assertWorktreeRemoved(ws, tmp);
});

test("a run that trained on in-memory arrays (autolog's memory:sha256: dataset) reproduces: nothing to restore, the arrays compared by sha256, fit_time not compared", () => {
  const { ws, tmp, env } = workspace();
  fs.writeFileSync(
    path.join(ws, 'arrays.py'),
    [
      'import lineage',
      'lineage.autolog()',
      'import numpy as np',
      'from sklearn.linear_model import LinearRegression',
      'X = np.arange(40, dtype=float).reshape(20, 2)',
      'LinearRegression().fit(X, X[:, 0] * 2 + 1)',
      '',
    ].join('\n'),
  );
  git(ws, 'add', 'arrays.py');
  git(ws, 'commit', '-qm', 'arrays');
  const r = cli(['run', '--quiet', 'arrays.py'], ws, env);
  assert.equal(r.status, 0, r.stderr);
  const id = /recording run (\S+)/.exec(r.stderr)![1];
  const again = reproduce(ws, env, id);
  assert.equal(again.status, 0, again.stderr + JSON.stringify(again.report.problems));
  const mem = again.report.data.filter((d) => d.path.startsWith('memory:sha256:'));
  assert.equal(mem.length, 1, JSON.stringify(again.report.data));
  assert.equal(mem[0].equal, true);
  assert.equal(mem[0].source, 'in memory');
  // autolog's fit_time is a wall-clock duration: shown, never what makes a run "differ".
  const fit = again.report.metrics.find((m) => m.key === 'fit_time') as { timing?: boolean } | undefined;
  assert.equal(fit?.timing, true, JSON.stringify(again.report.metrics));
  assert.equal(again.report.verdict, 'identical');
  assertWorktreeRemoved(ws, tmp);
});

test('a folder dataset edited after the run: its files come back from the kept copies, and the folder says so', () => {
  const { ws, tmp, env } = workspace();
  fs.appendFileSync(path.join(ws, '.gitignore'), 'shards/\n');
  fs.writeFileSync(
    path.join(ws, 'folder.py'),
    'import os, lineage\nlineage.log_dataset("shards", role="train")\nlineage.log_metric("bytes", sum(len(open(os.path.join("shards", f)).read()) for f in sorted(os.listdir("shards"))))\n',
  );
  git(ws, 'add', 'folder.py', '.gitignore');
  git(ws, 'commit', '-qm', 'folder');
  fs.mkdirSync(path.join(ws, 'shards'));
  fs.writeFileSync(path.join(ws, 'shards', 'a.txt'), 'abc\n');
  fs.writeFileSync(path.join(ws, 'shards', 'b.txt'), 'defg\n');
  const r = cli(['run', '--quiet', 'folder.py'], ws, env);
  assert.equal(r.status, 0, r.stderr);
  const id = /recording run (\S+)/.exec(r.stderr)![1];
  fs.writeFileSync(path.join(ws, 'shards', 'a.txt'), 'changed\n');
  const again = reproduce(ws, env, id);
  assert.equal(again.status, 0, again.stderr + JSON.stringify(again.report.data));
  const folder = again.report.data.find((d) => d.path === 'shards');
  assert.ok(folder, JSON.stringify(again.report.data));
  assert.equal(folder.equal, true);
  assert.equal(folder.source, 'kept copy');
  assert.doesNotMatch(folder.note ?? '', /from the not restored/);
  assertWorktreeRemoved(ws, tmp);
});

test("a command naming a file outside the repository (../ from the run's folder, or absolute): the same file is read, and the report says it was not kept", () => {
  const { ws, tmp, env } = workspace();
  const shared = path.join(tmpDir('lineage-repro-shared-'), 'ext.csv');
  fs.writeFileSync(shared, 'a\n1\n2\n');
  fs.writeFileSync(path.join(ws, 'ext.py'), 'import sys, lineage\nlineage.log_metric("chars", len(open(sys.argv[1]).read()))\n');
  git(ws, 'add', 'ext.py');
  git(ws, 'commit', '-qm', 'ext');
  for (const arg of [path.relative(ws, shared), shared]) {
    const r = cli(['run', '--quiet', 'ext.py', arg], ws, env);
    assert.equal(r.status, 0, r.stderr);
    const id = /recording run (\S+)/.exec(r.stderr)![1];
    const again = reproduce(ws, env, id);
    assert.equal(again.status, 0, again.stderr + JSON.stringify(again.report.problems));
    assert.ok(
      again.report.problems.some((p) => p.includes(arg) && /outside the repository/.test(p)),
      JSON.stringify(again.report.problems),
    );
  }
  assertWorktreeRemoved(ws, tmp);
});

test('reproducing a reproduction (its worktree is gone) reproduces its original run', () => {
  const { ws, tmp, env } = workspace();
  fs.writeFileSync(path.join(ws, 'tiny.py'), 'import lineage\nlineage.log_metric("answer", 42)\n');
  git(ws, 'add', 'tiny.py');
  git(ws, 'commit', '-qm', 'tiny');
  const r = cli(['run', '--quiet', 'tiny.py'], ws, env);
  assert.equal(r.status, 0, r.stderr);
  const id = /recording run (\S+)/.exec(r.stderr)![1];
  const first = reproduce(ws, env, id);
  assert.equal(first.status, 0, first.stderr);
  const again = reproduce(ws, env, first.report.reproduction!.id);
  assert.equal(again.status, 0, again.stderr + JSON.stringify(again.report.problems));
  assert.equal(again.report.original.id, id);
  assert.match(again.stderr, /is a reproduction of .*: reproducing that run/);
  assertWorktreeRemoved(ws, tmp);
});

test('Ctrl-C during a reproduction stops the script, removes the worktree and exits 1 (not "differs")', async () => {
  const { ws, tmp, env } = workspace();
  const id = train(ws, env, '--n-estimators', '10', '--sleep-per-stage', '0.3');
  const child = cliAsync(['reproduce', id, '--json'], ws, env);
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await waitFor(() => /recording the reproduction as run (\S+)/.test(stderr) && /stage/.test(stderr), 60_000, 'the reproduction to start training');
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 1, stderr);
  const report = JSON.parse(stdout) as Report;
  assert.equal(report.verdict, 'could not run');
  assert.match(report.problems[0], /stopped \(Ctrl-C or Cancel\) before it finished/);
  assert.equal(report.reproduction?.status, 'killed');
  assertWorktreeRemoved(ws, tmp);
});

test('a workspace in a subfolder of the repository, named by a relative --workspace from the repository top', () => {
  const repo = tmpDir('lineage-repro-nested-');
  const ws = path.join(repo, 'examples', 'hp');
  fs.mkdirSync(ws, { recursive: true });
  copyExample(ws);
  fs.writeFileSync(path.join(repo, '.gitignore'), 'outputs/\n');
  gitInit(repo);
  const tmp = tmpDir('lineage-repro-tmp-');
  const env = { TMPDIR: tmp };
  // Its own .lineage, as scripts/demo.sh makes for the example inside this repository.
  fs.mkdirSync(path.join(ws, '.lineage'));
  const id = train(ws, env);
  const r = reproduce(repo, env, id, '--workspace', 'examples/hp');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.report.verdict, 'identical', JSON.stringify(r.report, null, 2));
  assert.equal(r.report.data.find((d) => d.path === 'data/prepared.csv')?.source, 'checkout', 'committed data is already in the checkout');
  const reproDir = path.join(ws, '.lineage', 'runs', r.report.reproduction!.id);
  assert.ok(fs.existsSync(path.join(reproDir, 'reproduction.md')), 'the reproduction is recorded in the original workspace');
  assertWorktreeRemoved(repo, tmp);
});
