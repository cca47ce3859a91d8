import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, gitInit, PYTHON } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

// A training script that globs its folder: any file added to it later changes what it reads.
const SCRIPT = `import glob, lineage
files = sorted(glob.glob("data/imgs/**/*.txt", recursive=True))
lineage.log_dataset("data/imgs")
lineage.log_metric("files", len(files))
lineage.log_metric("chars", sum(len(open(f).read()) for f in files))
`;

const ORIGINAL: Record<string, string> = { 'a.txt': 'alpha\n', 'b.txt': 'beta\n', 'sub/c.txt': 'gamma\n' };

/**
 * Every file below `dir` (symlinks as links), relative with "/", with its sha256; folders too, ending in
 * "/". Lineage's own folder and git's are left out: checkout may save its index there.
 */
function tree(dir: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    if (!rel && (d.name === '.lineage' || d.name === '.git')) continue;
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) Object.assign(out, { [`${r}/`]: 'folder' }, tree(dir, r));
    else if (d.isSymbolicLink()) out[r] = `link to ${fs.readlinkSync(path.join(dir, r))}`;
    else
      out[r] = createHash('sha256')
        .update(fs.readFileSync(path.join(dir, r)))
        .digest('hex');
  }
  return out;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const EXPECTED = { 'a.txt': sha('alpha\n'), 'b.txt': sha('beta\n'), 'sub/': 'folder', 'sub/c.txt': sha('gamma\n') };

/** A git workspace whose script read data/imgs (committed), recorded as run "first". */
function recorded(): { ws: string; imgs: string } {
  const ws = tmpDir('lineage-checkout-folder-');
  const imgs = path.join(ws, 'data', 'imgs');
  for (const [rel, body] of Object.entries(ORIGINAL)) {
    fs.mkdirSync(path.dirname(path.join(imgs, rel)), { recursive: true });
    fs.writeFileSync(path.join(imgs, rel), body);
  }
  fs.writeFileSync(path.join(ws, 'train.py'), SCRIPT);
  gitInit(ws);
  const r = cli(['run', '--name', 'first', PYTHON, 'train.py'], ws);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.deepEqual(tree(imgs), EXPECTED);
  return { ws, imgs };
}

/** What was added since the run: a file, a folder with a file, an empty folder, a symlink to a file outside. */
function addSince(ws: string, imgs: string): void {
  fs.writeFileSync(path.join(imgs, 'extra.txt'), 'added after the run\n');
  fs.mkdirSync(path.join(imgs, 'newdir'));
  fs.writeFileSync(path.join(imgs, 'newdir', 'd.txt'), 'also added\n');
  fs.mkdirSync(path.join(imgs, 'sub', 'empty'));
  fs.writeFileSync(path.join(ws, 'outside.txt'), 'not in the folder\n');
  fs.symlinkSync('../../outside.txt', path.join(imgs, 'link.txt'));
  // Names the fingerprint never reads (as .git or __pycache__) are no part of any version: left alone.
  fs.mkdirSync(path.join(imgs, '__pycache__'));
  fs.writeFileSync(path.join(imgs, '__pycache__', 'x.pyc'), 'cache');
}

test('data checkout of a folder input: files added since the run are listed as "would remove" and refused without --force, removed with it', () => {
  const { ws, imgs } = recorded();
  addSince(ws, imgs);
  fs.writeFileSync(path.join(imgs, 'a.txt'), 'edited\n');
  const before = tree(imgs);

  const refused = cli(['data', 'checkout', 'first'], ws);
  assert.equal(refused.status, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /would remove data\/imgs\/extra\.txt: not in the run's version of data\/imgs; --force removes it/);
  assert.match(refused.stdout, /would remove data\/imgs\/newdir\/: a folder not in the run's version \(1 file\)/);
  assert.match(refused.stdout, /would remove data\/imgs\/sub\/empty\/: an empty folder not in the run's version/);
  assert.match(refused.stdout, /would remove data\/imgs\/link\.txt: a symlink not in the run's version/);
  assert.match(refused.stdout, /refused\s+data\/imgs\/a\.txt: changed since the run/);
  assert.doesNotMatch(refused.stdout, /newdir\/d\.txt|__pycache__/, 'a folder is listed once; ignored names are not listed');
  assert.match(refused.stderr, /4 file\(s\) or folder\(s\) not in the run's version were left in place.*add --force to remove them/);
  assert.deepEqual(tree(imgs), before, 'a refused checkout removes and writes nothing');

  const dry = cli(['data', 'checkout', 'first', '--dry-run', '--force', '--json'], ws);
  assert.equal(dry.status, 0, dry.stderr);
  assert.deepEqual(
    JSON.parse(dry.stdout).wouldRemove.map((w: { path: string }) => w.path),
    ['data/imgs/extra.txt', 'data/imgs/link.txt', 'data/imgs/newdir/', 'data/imgs/sub/empty/'],
  );
  assert.deepEqual(tree(imgs), before, 'a dry run removes nothing');

  const forced = cli(['data', 'checkout', 'first', '--force'], ws);
  assert.equal(forced.status, 0, forced.stdout + forced.stderr);
  assert.match(forced.stdout, /removed\s+data\/imgs\/extra\.txt/);
  assert.match(forced.stdout, /removed\s+data\/imgs\/newdir\//);
  assert.match(forced.stdout, /restored\s+data\/imgs\/a\.txt/);
  assert.match(forced.stdout, /removed 4/);
  // Every file holds the run's bytes, nothing else is there but what the fingerprint ignores.
  assert.deepEqual(tree(imgs), { ...EXPECTED, '__pycache__/': 'folder', '__pycache__/x.pyc': sha('cache') });
  assert.equal(fs.readFileSync(path.join(ws, 'outside.txt'), 'utf8'), 'not in the folder\n', 'only the link went, not its target');

  const status = cli(['data', 'status', 'first', '--check'], ws);
  assert.equal(status.status, 0, status.stdout);
  const again = cli(['data', 'checkout', 'first'], ws);
  assert.equal(again.status, 0, again.stdout + again.stderr);
  assert.doesNotMatch(again.stdout, /would remove|removed\s+data|restored\s+data/);
  assert.match(again.stdout, /restored 0, unchanged 3\./);
});

test('data checkout --to DIR makes DIR/<folder> the run version and touches nothing outside DIR', () => {
  const { ws, imgs } = recorded();
  addSince(ws, imgs);
  const workspaceBefore = tree(ws);
  const out = tmpDir('lineage-checkout-folder-to-');
  fs.mkdirSync(path.join(out, 'data', 'imgs', 'stale'), { recursive: true });
  fs.writeFileSync(path.join(out, 'data', 'imgs', 'stale', 'old.txt'), 'left from before\n');
  fs.writeFileSync(path.join(out, 'beside.txt'), 'not part of the dataset\n');

  const refused = cli(['data', 'checkout', 'first', '--to', out], ws);
  assert.equal(refused.status, 1, refused.stdout + refused.stderr);
  assert.match(refused.stdout, /would remove data\/imgs\/stale\/: a folder not in the run's version \(1 file\)/);
  assert.doesNotMatch(refused.stdout, /extra\.txt/, "the workspace's added files are not DIR's business");

  const forced = cli(['data', 'checkout', 'first', '--to', out, '--force'], ws);
  assert.equal(forced.status, 0, forced.stdout + forced.stderr);
  assert.deepEqual(tree(path.join(out, 'data', 'imgs')), EXPECTED);
  assert.equal(fs.readFileSync(path.join(out, 'beside.txt'), 'utf8'), 'not part of the dataset\n');
  assert.deepEqual(tree(ws), workspaceBefore, '--to leaves the workspace alone');
});
