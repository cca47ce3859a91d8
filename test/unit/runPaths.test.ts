/**
 * Issue 11, items 1–3: paths read from a run folder or sent by a webview are confined to the run folder
 * (real files and real symbolic links in a temp folder), commits are hex ids, and webview messages are checked.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { allowedRunIds, inspectRunFile, isCommitId, isRunIdShape, relativeInside, runIdsOf, safeDiffPath } from '../../src/core/runs/runPaths';
import { changedFiles, patchProblem } from '../../src/core/runs/recordedDiff';
import { artifactTarget, compareSettingsOf, exportParamsOf, runActionOf, savedRunId, zoomParamsOf } from '../../src/extension/panels/panelMessages';
import { DEFAULT_SETTINGS } from '../../webview/compare/protocol';
import { tmpDir } from '../helpers/tmp';

const ID = '20240101-120000-abcdef';

/** A run folder with an artifact, a link inside it, links out of it (file and folder), and a secret outside. */
function runFolder(): { ws: string; dir: string; secret: string } {
  const ws = tmpDir('lineage-paths-');
  const dir = path.join(ws, '.lineage', 'runs', ID);
  fs.mkdirSync(path.join(dir, 'artifacts', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'artifacts', 'model.pkl'), 'model');
  fs.symlinkSync('model.pkl', path.join(dir, 'artifacts', 'alias.pkl'));
  const outside = path.join(ws, 'outside');
  fs.mkdirSync(outside);
  const secret = path.join(outside, 'secret.txt');
  fs.writeFileSync(secret, 'password=hunter2');
  fs.symlinkSync(secret, path.join(dir, 'artifacts', 'leak.txt'));
  fs.symlinkSync(outside, path.join(dir, 'artifacts', 'dirlink'));
  fs.symlinkSync('../../../../../outside/secret.txt', path.join(dir, 'artifacts', 'sub', 'rel-leak.txt'));
  fs.symlinkSync(path.join(ws, 'nowhere'), path.join(dir, 'artifacts', 'broken'));
  return { ws, dir, secret };
}

test('relativeInside: relative paths only, no `..` anywhere, no absolute or drive paths, no NUL', () => {
  assert.equal(relativeInside('artifacts/model.pkl'), 'artifacts/model.pkl');
  assert.equal(relativeInside('artifacts\\model.pkl'), 'artifacts/model.pkl');
  assert.equal(relativeInside('./git.diff'), 'git.diff');
  for (const bad of ['', '.', '..', '../x', 'a/../../x', 'a/..', '/etc/passwd', 'C:\\x', 'c:/x', '\\\\server\\x', 'a\0b', 42, null, undefined])
    assert.equal(relativeInside(bad), undefined, JSON.stringify(bad));
});

test('inspectRunFile: files inside are read, links out of the run folder are never followed', () => {
  const { dir, ws } = runFolder();
  const ok = inspectRunFile(dir, 'artifacts/model.pkl');
  assert.equal(ok.state, 'file');
  assert.equal(ok.state === 'file' && ok.size, 5);
  assert.equal(inspectRunFile(dir, 'artifacts/alias.pkl').state, 'file', 'a link to a file inside is followed');
  assert.equal(inspectRunFile(dir, 'artifacts').state, 'dir');
  assert.equal(inspectRunFile(dir, 'artifacts/none').state, 'missing');
  for (const link of ['artifacts/leak.txt', 'artifacts/dirlink/secret.txt', 'artifacts/dirlink', 'artifacts/sub/rel-leak.txt', 'artifacts/broken']) {
    const f = inspectRunFile(dir, link);
    assert.equal(f.state, 'link', link);
    assert.ok('note' in f && /link/.test(f.note), link);
  }
  for (const bad of ['../../../../etc/passwd', '/etc/passwd', '../runs', path.join(ws, 'outside', 'secret.txt')])
    assert.equal(inspectRunFile(dir, bad).state, 'refused', bad);
  // A run folder that is itself a link to somewhere else is refused as a whole.
  const linked = path.join(ws, '.lineage', 'runs', '20240101-120000-000000');
  fs.symlinkSync(path.join(ws, 'outside'), linked);
  assert.equal(inspectRunFile(linked, 'secret.txt').state, 'refused');
  // A FIFO is not read (reading it would block).
  const fifo = path.join(dir, 'artifacts', 'pipe');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  assert.equal(inspectRunFile(dir, 'artifacts/pipe').state, 'special');
});

test('isCommitId: only hex object ids (7 to 64 digits) are commits', () => {
  for (const ok of ['abcdef0', 'a'.repeat(40), 'A1B2C3D4E5', 'f'.repeat(64)]) assert.ok(isCommitId(ok), ok);
  for (const bad of ['--output=/tmp/x', 'HEAD', 'HEAD~1', 'abc', 'abcdef0:file', 'g123456', 'a'.repeat(65), '(no commits yet)', ' abcdef0', 7, null])
    assert.ok(!isCommitId(bad), String(bad));
});

test('run ids from a webview: the id pattern or a plain folder name, and only the panel’s own runs', () => {
  assert.ok(isRunIdShape(ID));
  assert.ok(isRunIdShape('imported_run-1'));
  for (const bad of ['', '..', '../x', 'a/b', 'a\\b', '-rf', '.hidden', 'a..b', 'x'.repeat(200), 1, null]) assert.ok(!isRunIdShape(bad), String(bad));
  assert.deepEqual(allowedRunIds([ID, 'other', '../x', ID, 3], [ID, 'mine']), [ID]);
  assert.deepEqual(allowedRunIds('not a list', [ID]), []);
  assert.deepEqual(runIdsOf([ID, '../../etc', ID, { id: ID }]), [ID]);
  assert.equal(savedRunId('../../x'), null);
  assert.equal(savedRunId(ID), ID);
});

test('diff paths: `..`, absolute, option-like, .git and quoted names are refused; symlink modes too', () => {
  assert.equal(safeDiffPath('src/train.py'), 'src/train.py');
  for (const bad of ['../../../x', 'a/../../x', '/etc/passwd', '-x', '.git/config', '.git']) assert.equal(safeDiffPath(bad), undefined, bad);
  const good = 'diff --git a/train.py b/train.py\nindex 1234567..89abcde 100644\n--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-a\n+b\n';
  assert.equal(patchProblem(good), undefined);
  // A removed line that happens to read like a header, inside a hunk, is content, not a header.
  assert.equal(patchProblem(good.replace('-a\n', '--- a/../../x\n')), undefined);
  const bad = [
    'diff --git a/x b/../../../x\nnew file mode 100644\n--- /dev/null\n+++ b/../../../x\n@@ -0,0 +1 @@\n+pwned\n',
    'diff --git a/x b/x\n--- a/x\n+++ b/../../x\n@@ -1 +1 @@\n-a\n+b\n',
    'diff --git a/x b/x\n--- /tmp/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n',
    'diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to ../../y\n',
    'diff --git a/link b/link\nnew file mode 120000\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+/etc/passwd\n',
    'diff --git a/x b/x\nold mode 100644\nnew mode 120000\n',
    'diff --git "a/x\\ty" "b/x\\ty"\n',
  ];
  for (const p of bad) assert.ok(patchProblem(p), p);
  assert.deepEqual(changedFiles(good + bad[0] + bad[3]), ['train.py', 'y'], 'b/../../../x is not offered');
});

test('run panel messages: known actions only, and artifacts only among the run’s own, never through a link out', () => {
  const { dir } = runFolder();
  assert.deepEqual(runActionOf({ action: 'openArtifact', path: 'artifacts/model.pkl' }), { action: 'openArtifact', path: 'artifacts/model.pkl' });
  assert.equal(runActionOf({ action: 'runShell', path: 'x' }), undefined);
  assert.equal(runActionOf({ action: 'openArtifact', path: { toString: 1 } }), undefined);
  assert.equal(runActionOf(null), undefined);
  const recorded = ['artifacts/model.pkl', 'artifacts/leak.txt', '../../../../etc/passwd'];
  assert.deepEqual(artifactTarget(dir, 'artifacts/model.pkl', recorded), { abs: path.join(dir, 'artifacts', 'model.pkl') });
  for (const [p, why] of [
    ['artifacts/leak.txt', /link to outside the run folder/],
    ['../../../../etc/passwd', /outside the run folder/],
    ['run.json', /only the artifacts this run recorded/],
    [path.join(dir, 'artifacts', 'model.pkl'), /only the artifacts this run recorded/],
  ] as const) {
    const r = artifactTarget(dir, p, recorded);
    assert.ok('refused' in r && why.test(r.refused), `${p}: ${JSON.stringify(r)}`);
  }
});

test('compare panel messages: settings coerced to known values, zoom only over the panel’s runs, export names without folders', () => {
  assert.deepEqual(compareSettingsOf({ xAxis: 'rm -rf', tab: '<img>', metrics: ['loss', 5, 'acc'], smoothing: 99, hiddenRuns: ['../x', ID] }), {
    ...DEFAULT_SETTINGS,
    metrics: ['loss', 'acc'],
    hiddenRuns: [ID],
  });
  assert.deepEqual(compareSettingsOf('junk'), DEFAULT_SETTINGS);
  const z = zoomParamsOf({ metric: 'loss', xAxis: 'step', x0: 0, x1: 10, runIds: [ID, 'other', '../../x'], maxPoints: 1e12 }, [ID]);
  assert.deepEqual(z, { metric: 'loss', xAxis: 'step', x0: 0, x1: 10, runIds: [ID], maxPoints: 1_000_000 });
  assert.equal(zoomParamsOf({ metric: 'loss', xAxis: 'bogus', x0: 0, x1: 1, runIds: [], maxPoints: 10 }, [ID]), undefined);
  assert.equal(zoomParamsOf({ metric: 'loss', xAxis: 'step', x0: '0', x1: 1, runIds: [], maxPoints: 10 }, [ID]), undefined);
  assert.deepEqual(exportParamsOf({ format: 'csv', data: 'a,b', suggestedName: '../../.bashrc' }), { format: 'csv', data: 'a,b', suggestedName: 'bashrc' });
  assert.deepEqual(exportParamsOf({ format: 'png', data: 'x', suggestedName: '/' }), { format: 'png', data: 'x', suggestedName: 'lineage-export.png' });
  assert.equal(exportParamsOf({ format: 'exe', data: 'x', suggestedName: 'a' }), undefined);
  assert.equal(exportParamsOf({ format: 'csv', data: 5, suggestedName: 'a' }), undefined);
});

test('package.json: an untrusted workspace cannot set the interpreter Lineage runs (lineage.pythonPath is restricted)', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as {
    capabilities: { untrustedWorkspaces: { supported: string; restrictedConfigurations?: string[] } };
    contributes: { configuration: { properties: Record<string, unknown> } | Array<{ properties: Record<string, unknown> }> };
  };
  assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations?.includes('lineage.pythonPath'));
  const conf = pkg.contributes.configuration;
  const props = Array.isArray(conf) ? Object.assign({}, ...conf.map((c) => c.properties)) : conf.properties;
  for (const key of pkg.capabilities.untrustedWorkspaces.restrictedConfigurations ?? []) assert.ok(key in props, `${key} is a contributed setting`);
});
