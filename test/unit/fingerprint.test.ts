import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fingerprint } from '../../src/core/datasets/fingerprint';
import { hashFileSync, FileChangedWhileHashingError } from '../../src/core/datasets/hashFile';
import { StatCache } from '../../src/core/datasets/statCache';
import { LineageWorkspace } from '../../src/core/workspace';
import { tmpDir } from '../helpers/tmp';

function fixture(): string {
  const dir = tmpDir('lineage-fp-');
  fs.mkdirSync(path.join(dir, 'data', 'nested'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'data', 'a.csv'), 'x,y\n1,2\n3,4\n');
  fs.writeFileSync(path.join(dir, 'data', 'nested', 'b.txt'), 'hello lineage\n');
  fs.writeFileSync(path.join(dir, 'data', 'empty.bin'), '');
  fs.mkdirSync(path.join(dir, 'data', '__pycache__'));
  fs.writeFileSync(path.join(dir, 'data', '__pycache__', 'x.pyc'), 'ignored');
  fs.mkdirSync(path.join(dir, 'data', '.git'));
  fs.writeFileSync(path.join(dir, 'data', '.git', 'HEAD'), 'ignored');
  return dir;
}

// Fixed values: the same bytes must give the same fingerprint on every machine and in every release.
// The folder value is sha256 of the lines "a.csv\t12\t<sha>", "empty.bin\t0\t<sha>", "nested/b.txt\t14\t<sha>".
const A_CSV = '2a2b86e74ffd5e6a9b75e52a105cf9d02920837179f8e8961aa15411d380f7a3';
const FOLDER = 'd6ac3d986c971e371f43665d7eabfa0525e85bf5b233fb15a0afd187a7ad5dcf';

test('fixed fingerprints: a file is exactly what sha256sum prints; a folder hashes its sorted manifest', async () => {
  const dir = fixture();
  const f = path.join(dir, 'data', 'a.csv');
  const fp = await fingerprint(f);
  assert.equal(fp.sha256, A_CSV);
  assert.equal(fp.sha256, execFileSync('sha256sum', [f], { encoding: 'utf8' }).slice(0, 64));
  assert.equal(fp.size, 12);
  const folder = await fingerprint(path.join(dir, 'data'));
  assert.equal(folder.kind, 'folder');
  assert.equal(folder.sha256, FOLDER, 'ignored .git and __pycache__, stable order');
  assert.equal(folder.fileCount, 3);
  assert.deepEqual(
    folder.files!.map((x) => x.rel),
    ['a.csv', 'empty.bin', 'nested/b.txt'],
  );
});

test('one changed byte anywhere in a large file, and a renamed or added file, change the fingerprint', async () => {
  const dir = tmpDir('lineage-fp-');
  const f = path.join(dir, 'big.bin');
  const size = 24 * 1024 * 1024 + 123;
  const buf = Buffer.alloc(size, 7);
  fs.writeFileSync(f, buf);
  const base = (await fingerprint(f)).sha256;
  for (const at of [0, 1024 * 1024 - 1, 1024 * 1024, 13 * 1024 * 1024 + 5, size - 1]) {
    buf[at] ^= 1;
    fs.writeFileSync(f, buf);
    assert.notEqual((await fingerprint(f)).sha256, base, `byte ${at}`);
    buf[at] ^= 1;
  }
  fs.writeFileSync(f, buf);
  assert.equal((await fingerprint(f)).sha256, base);

  const d = fixture();
  const before = (await fingerprint(path.join(d, 'data'))).sha256;
  fs.renameSync(path.join(d, 'data', 'a.csv'), path.join(d, 'data', 'a2.csv'));
  const renamed = (await fingerprint(path.join(d, 'data'))).sha256;
  assert.notEqual(renamed, before);
  fs.writeFileSync(path.join(d, 'data', 'new.txt'), '');
  assert.notEqual((await fingerprint(path.join(d, 'data'))).sha256, renamed);
});

test('the stat cache reads only what changed', async () => {
  const ws = tmpDir('lineage-fp-');
  const data = path.join(ws, 'data');
  fs.mkdirSync(data);
  for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(data, `f${i}.txt`), `file ${i}\n`);
  const lw = await LineageWorkspace.open(ws);
  const first = await fingerprint(data, { cache: new StatCache(lw.store) });
  assert.equal(first.stats.hashed, 300);
  const second = await fingerprint(data, { cache: new StatCache(lw.store) });
  assert.equal(second.stats.hashed, 0);
  assert.equal(second.stats.cached, 300);
  assert.equal(second.sha256, first.sha256);
  fs.writeFileSync(path.join(data, 'f42.txt'), 'changed\n');
  const third = await fingerprint(data, { cache: new StatCache(lw.store) });
  assert.equal(third.stats.hashed, 1, 'only the changed file is read');
  assert.notEqual(third.sha256, first.sha256);
  // The cache survives a save and reopen.
  await lw.save();
  lw.close();
  const again = await LineageWorkspace.open(ws);
  assert.equal((await fingerprint(data, { cache: new StatCache(again.store) })).stats.hashed, 0);
  again.close();
});

test('a file modified while it is hashed is read again, or reported, never hashed half-old', async () => {
  const dir = tmpDir('lineage-fp-');
  const f = path.join(dir, 'growing.bin');
  // Big enough that each read takes a good fraction of a second: on a loaded machine (CI with other tests on
  // both cores) a 48 MiB read once fitted between two of the writer's time slices and was seen as stable.
  fs.writeFileSync(f, Buffer.alloc(192 * 1024 * 1024, 1));
  // A writer that never stops: every attempt sees the file change, so hashing must give up with a message.
  const forever = spawn('bash', ['-c', `while true; do printf x >> ${f}; done`], { stdio: 'ignore' });
  try {
    const start = fs.statSync(f).size;
    while (fs.statSync(f).size === start) await new Promise((r) => setTimeout(r, 5));
    assert.throws(() => hashFileSync(f, 2), FileChangedWhileHashingError);
  } finally {
    forever.kill('SIGKILL');
  }
  await new Promise((r) => setTimeout(r, 100));
  // A writer that stops: the hash is retried and matches the final content.
  const brief = spawn('bash', ['-c', `for i in $(seq 1 200); do printf y >> ${f}; done`], { stdio: 'ignore' });
  const r = hashFileSync(f, 50);
  await new Promise<void>((res) => brief.on('close', () => res()));
  const final = hashFileSync(f);
  if (r.retries > 0) assert.equal(r.size <= final.size, true);
  assert.equal(final.sha256, execFileSync('sha256sum', [f], { encoding: 'utf8' }).slice(0, 64));
});

test('unreadable files, broken symlinks and symlink loops give clear messages and are left out', async () => {
  const dir = tmpDir('lineage-fp-');
  const data = path.join(dir, 'data');
  fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(data, 'ok.txt'), 'ok\n');
  fs.symlinkSync('..', path.join(data, 'sub', 'up')); // loops back to data/
  fs.symlinkSync('b', path.join(data, 'a'));
  fs.symlinkSync('a', path.join(data, 'b')); // a ↔ b: ELOOP
  fs.symlinkSync('missing.txt', path.join(data, 'dangling'));
  // Reading /proc/self/mem at offset 0 fails even for root: a real unreadable file.
  fs.symlinkSync('/proc/self/mem', path.join(data, 'mem.bin'));
  const fp = await fingerprint(data);
  const text = fp.warnings.join('\n');
  assert.match(text, /sub\/up links back to a folder already included \(symlink loop\); skipped/);
  assert.match(text, /\ba is a symlink loop; skipped/);
  assert.match(text, /dangling is a broken symlink; skipped/);
  assert.match(text, /mem\.bin.*(cannot be read|Input\/output error|EIO)/);
  assert.deepEqual(
    fp.files!.filter((f) => f.sha256).map((f) => f.rel),
    ['ok.txt'],
  );
  assert.equal(fp.files!.find((f) => f.rel === 'mem.bin')?.sha256, null, 'an unreadable file is part of the manifest, marked');
  await assert.rejects(fingerprint(path.join(data, 'a')), /symlink loop/);
  assert.equal((await fingerprint(path.join(dir, 'nope'))).kind, 'missing');
});
