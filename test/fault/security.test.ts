/**
 * Issue 11, items 1 and 2: a crafted run folder (copied in from someone else, or shipped in a repository's
 * `.lineage/`) must not make Lineage write or read anything outside it. Real files, a real git repository,
 * the real CLI; the diff viewer's core (diffSide) and the run panel's folder reads (runFolderFiles).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, gitInit } from '../helpers/cli';
import { makeRunFolder, tmpDir } from '../helpers/tmp';
import { diffSide } from '../../src/core/runs/recordedDiff';
import { runFolderFiles } from '../../src/extension/panels/runDetailData';

/** A repository with one committed file, and a private temp folder the diff viewer's scratch folders go into. */
function repo(): { base: string; ws: string; commit: string } {
  const base = tmpDir('lineage-sec-');
  const ws = path.join(base, 'ws');
  fs.mkdirSync(ws);
  fs.writeFileSync(path.join(ws, 'train.py'), 'lr = 0.1\n');
  return { base, ws, commit: gitInit(ws) };
}

/** Runs `fn` with os.tmpdir() pointing into `base`, so a scratch folder's `..` is a folder the test watches. */
async function withTmp<T>(base: string, fn: () => Promise<T>): Promise<T> {
  const scratchParent = path.join(base, 'tmp');
  fs.mkdirSync(scratchParent, { recursive: true });
  const old = process.env.TMPDIR;
  process.env.TMPDIR = scratchParent;
  try {
    return await fn();
  } finally {
    if (old === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = old;
  }
}

test('diff viewer: a header `b/../x` neither truncates nor creates a file outside the scratch folder', async () => {
  const { base, ws, commit } = repo();
  // The scratch folder is <base>/tmp/lineage-diff-XXXX: `../victim.txt` is <base>/tmp/victim.txt.
  const victim = path.join(base, 'tmp', 'victim.txt');
  await withTmp(base, async () => {
    fs.writeFileSync(victim, 'precious\n');
    const modify = 'diff --git a/../victim.txt b/../victim.txt\n--- a/../victim.txt\n+++ b/../victim.txt\n@@ -1 +1 @@\n-precious\n+pwned\n';
    const out1 = await diffSide({ repo: ws, commit, diff: modify, file: '../victim.txt', side: 'after' });
    assert.equal(fs.readFileSync(victim, 'utf8'), 'precious\n', 'the file outside is untouched');
    assert.match(out1, /leads outside/);
    const create = 'diff --git a/../../created.txt b/../../created.txt\nnew file mode 100644\n--- /dev/null\n+++ b/../../created.txt\n@@ -0,0 +1 @@\n+pwned\n';
    await diffSide({ repo: ws, commit, diff: create, file: '../../created.txt', side: 'after' });
    assert.ok(!fs.existsSync(path.join(base, 'created.txt')), 'no file created outside');
    // A safe name in the header with a `..` in the +++ line is refused too.
    const sneaky = 'diff --git a/ok.txt b/ok.txt\nnew file mode 100644\n--- /dev/null\n+++ b/../../sneaky.txt\n@@ -0,0 +1 @@\n+pwned\n';
    assert.match(await diffSide({ repo: ws, commit, diff: sneaky, file: 'ok.txt', side: 'after' }), /did not apply/);
    assert.ok(!fs.existsSync(path.join(base, 'sneaky.txt')));
    // A recorded symlink is not followed to show a file outside.
    fs.writeFileSync(path.join(base, 'secret.txt'), 'password=hunter2\n');
    const link = `diff --git a/link b/link\nnew file mode 120000\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+${path.join(base, 'secret.txt')}\n\\ No newline at end of file\n`;
    assert.doesNotMatch(await diffSide({ repo: ws, commit, diff: link, file: 'link', side: 'after' }), /hunter2/);
    assert.deepEqual(fs.readdirSync(path.join(base, 'tmp')), ['victim.txt'], 'every scratch folder was removed');
  });
});

test('diff viewer: a git.commit of `--output=<file>` is not passed to git, so git writes nothing', async () => {
  const { base, ws } = repo();
  const out = path.join(base, 'written-by-git');
  for (const side of ['before', 'after'] as const) {
    const text = await diffSide({ repo: ws, commit: `--output=${out}`, diff: '', file: 'train.py', side });
    assert.deepEqual(
      fs.readdirSync(base).filter((n) => n.startsWith('written-by-git')),
      [],
      'git show wrote no file',
    );
    assert.match(text, /not a git commit id/);
  }
});

test('diff viewer: a genuine recorded diff still shows both sides', async () => {
  const { base, ws, commit } = repo();
  fs.writeFileSync(path.join(ws, 'train.py'), 'lr = 0.2\n');
  const diff = spawnSync('git', ['diff', 'HEAD', '--binary'], { cwd: ws, encoding: 'utf8' }).stdout;
  await withTmp(base, async () => {
    assert.equal(await diffSide({ repo: ws, commit, diff, file: 'train.py', side: 'before' }), 'lr = 0.1\n');
    assert.equal(await diffSide({ repo: ws, commit, diff, file: 'train.py', side: 'after' }), 'lr = 0.2\n');
  });
});

/** A run whose run.json names a diff outside its folder, with a console log and artifacts that are links out. */
function craftedRun(): { ws: string; id: string; dir: string; stolen: string } {
  const ws = tmpDir('lineage-sec-run-');
  const stolen = path.join(path.dirname(ws), `${path.basename(ws)}-stolen.txt`);
  fs.writeFileSync(stolen, 'diff --git a/stolen b/stolen\npassword=hunter2\n');
  const dir = makeRunFolder(ws, {
    name: 'crafted',
    events: ['{"type":"artifact","path":"artifacts/leak.txt"}', '{"type":"artifact","path":"artifacts/model.txt"}'],
  });
  const id = path.basename(dir);
  const record = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
  // From the run folder up to / and down again: the same file, however deep the temp folder is.
  const up = '../'.repeat(path.join(dir).split(path.sep).length);
  record.git = { commit: 'a'.repeat(40), branch: 'main', dirty: true, diffFile: `${up}${stolen.slice(1)}` };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(record));
  fs.writeFileSync(path.join(dir, 'artifacts', 'model.txt'), 'weights');
  fs.symlinkSync(stolen, path.join(dir, 'artifacts', 'leak.txt'));
  fs.symlinkSync(stolen, path.join(dir, 'console.log'));
  return { ws, id, dir, stolen };
}

test('show: a git.diffFile outside the run folder and an artifact linking out are listed without their size', () => {
  const { ws, id, stolen } = craftedRun();
  const size = String(fs.statSync(stolen).size);
  const r = cli(['show', id], ws);
  assert.equal(r.status, 0, r.stderr);
  const artifactLines = r.stdout.split('\n').filter((l) => /leak\.txt|stolen|model\.txt/.test(l));
  assert.equal(artifactLines.length, 3, r.stdout);
  for (const l of artifactLines.filter((l) => !l.includes('model.txt'))) {
    assert.ok(!l.includes(` ${size} B`) && !l.includes(`${size} B`), `no size of the file outside: ${l}`);
    assert.match(l, /outside the run folder/);
  }
  assert.match(
    artifactLines.find((l) => l.includes('model.txt'))!,
    /7 B/,
  );
  const j = cli(['show', id, '--json'], ws);
  const shown = JSON.parse(j.stdout) as { git: { diffFile: string | null }; artifacts: Array<{ path: string; size: number | null; note?: string }> };
  assert.equal(shown.git.diffFile, null, 'the diff outside is not the run’s diff');
  const leak = shown.artifacts.find((a) => a.path === 'artifacts/leak.txt')!;
  assert.equal(leak.size, null);
  assert.match(leak.note ?? '', /link to outside the run folder, not followed/);
  assert.equal(shown.artifacts.find((a) => a.path === 'artifacts/model.txt')!.size, 7);
});

test('run panel data: reads neither a diff outside the run folder nor a console log that links out', () => {
  const { dir, stolen } = craftedRun();
  const record = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { git: { diffFile: string } };
  const files = runFolderFiles(dir, record.git.diffFile);
  assert.deepEqual(files.changedFiles, [], 'the file outside was not read as the diff');
  assert.equal(files.consoleTail, '');
  assert.equal(files.consoleBytes, 0);
  // The same reads work on a genuine run folder.
  fs.rmSync(path.join(dir, 'console.log'));
  fs.writeFileSync(path.join(dir, 'console.log'), 'epoch 1\n');
  fs.copyFileSync(stolen, path.join(dir, 'git.diff'));
  assert.deepEqual(runFolderFiles(dir, 'git.diff'), { consoleTail: 'epoch 1\n', consoleBytes: 8, changedFiles: ['stolen'] });
});
