import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fingerprint } from '../../src/core/datasets/fingerprint';
import { describeReadError } from '../../src/core/datasets/hashFile';
import { HashPool } from '../../src/core/datasets/hashPool';
import { StatCache } from '../../src/core/datasets/statCache';
import { hasObject, objectPath } from '../../src/core/datasets/objects';
import { probeClone } from '../../src/core/datasets/objects/objectStore';
import { makeHashAndKeep, RACY_MS, type KeepTarget } from '../../src/core/datasets/objects/hashAndKeep';
import { KeepPlan } from '../../src/core/datasets/objects/keepPlan';
import { lineagePaths } from '../../src/core/util/lineagePaths';
import { tmpDir } from '../helpers/tmp';

/** No racy margin, and the kernel copies even where the file system does not clone (ext4 here). */
const KERNEL = { racyMs: 0, clones: true };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every object's bytes hash to its name: nothing is ever stored under a digest that is not its own. */
function objectsSound(objects: string): string[] {
  const names: string[] = [];
  for (const shard of fs.existsSync(objects) ? fs.readdirSync(objects).filter((n) => /^[0-9a-f]{2}$/.test(n)) : [])
    for (const name of fs.readdirSync(path.join(objects, shard))) {
      assert.equal(sha(fs.readFileSync(path.join(objects, shard, name))), name, `object ${name} holds other bytes`);
      names.push(name);
    }
  return names;
}

function temps(objects: string): string[] {
  const dir = path.join(objects, '.tmp');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

function target(ws: string, racyMs: number): KeepTarget {
  const paths = lineagePaths(ws);
  fs.mkdirSync(path.join(paths.objects, '.tmp'), { recursive: true });
  return { tmpDir: path.join(paths.objects, '.tmp'), objectsDir: paths.objects, racyMs, clones: true };
}

/** hashAndKeep on this thread over the real file system, with `over` in place of some `fs` calls. */
function hashAndKeepWith(over: Partial<typeof fs>) {
  return makeHashAndKeep({ fs: { ...fs, ...over }, path, createHash, randomBytes, describe: describeReadError });
}

test('a file not written to lately is copied by the kernel after its hash and trusted by its identity: whole, read-only, no temporary', async () => {
  const ws = tmpDir('lineage-kcopy-');
  fs.mkdirSync(path.join(ws, 'data'));
  // Six files: a folder's files go to the hash workers, which run the same function from its source text.
  const bytes = [0, 1, 2, 3, 4, 5].map((i) => randomBytes(200_000 + i * 70_000));
  bytes.forEach((b, i) => fs.writeFileSync(path.join(ws, 'data', `f${i}.bin`), b));
  fs.writeFileSync(path.join(ws, 'single.bin'), bytes[0]);
  await sleep(30);
  const paths = lineagePaths(ws);
  const plan = new KeepPlan(paths, undefined, KERNEL);
  const pool = new HashPool();
  try {
    const dir = path.join(ws, 'data');
    const fp = await fingerprint(dir, { cache: new StatCache(undefined), pool, keepWhileHashing: plan.forDataset('data', 'input', dir) });
    assert.equal(fp.fileCount, 6);
    assert.equal(plan.stored.size, 6);
    assert.deepEqual(plan.verifiedBy, { identity: 6, hash: 0 }, 'all six by the kernel copy');
    for (const b of bytes) {
      assert.ok(fs.readFileSync(objectPath(paths, sha(b))).equals(b));
      assert.equal(fs.statSync(objectPath(paths, sha(b))).mode & 0o777, 0o444);
    }
    // The same content under another name, on this thread: found in the store before any copy is made.
    const single = path.join(ws, 'single.bin');
    const plan2 = new KeepPlan(paths, undefined, KERNEL);
    const fp2 = await fingerprint(single, { cache: new StatCache(undefined), pool, keepWhileHashing: plan2.forDataset('single.bin', 'input', single) });
    assert.equal(fp2.sha256, sha(bytes[0]));
    assert.equal(plan2.stored.size, 0);
    // The stat cache's numbers come from bigint stats here: they must equal what a plain stat (the walk) says.
    const cache = new StatCache(undefined);
    await fingerprint(single, { cache, pool, keepWhileHashing: new KeepPlan(paths, undefined, KERNEL).forDataset('single.bin', 'input', single) });
    const st = fs.statSync(single);
    assert.equal(cache.lookup(single, st.size, st.mtimeMs, st.ino), sha(bytes[0]), 'the next fingerprint is answered by the stat cache');
    assert.deepEqual(temps(paths.objects), []);
    assert.equal(objectsSound(paths.objects).length, 6);
  } finally {
    await pool.close();
  }
});

test('a file edited between its hash and its copy (same size, mtime put back) is never kept under the old hash', async () => {
  const ws = tmpDir('lineage-kcopy-');
  const file = path.join(ws, 'in.bin');
  const old = randomBytes(300_000);
  fs.writeFileSync(file, old);
  // Whole seconds, so that putting the mtime back gives the very same nanoseconds.
  const T = 1_700_000_000;
  fs.utimesSync(file, T, T);
  await sleep(30);
  const t = target(ws, 0);
  // The edit lands after the hash, just before the kernel copies: what a writer racing the keep does.
  const edited = Buffer.from(old);
  edited.write('EDITED', 1000);
  let edits = 0;
  const hashAndKeep = hashAndKeepWith({
    copyFileSync: (src: fs.PathLike, dst: fs.PathLike, mode?: number) => {
      if (edits++ === 0) {
        fs.writeFileSync(file, edited);
        fs.utimesSync(file, T, T);
      }
      fs.copyFileSync(src, dst, mode);
    },
  });
  const r = hashAndKeep(file, t);
  assert.ok(!('error' in r), JSON.stringify(r));
  assert.deepEqual(
    [fs.statSync(file).size, fs.statSync(file, { bigint: true }).mtimeNs],
    [old.length, BigInt(T) * 1_000_000_000n],
    'the edit left size and mtime as they were',
  );
  assert.ok(!hasObject(lineagePaths(ws), sha(old)), 'nothing under the hash of the bytes that were replaced');
  assert.equal(r.retries, 1, 'the changed identity started it over');
  assert.equal(r.sha256, sha(edited), 'the fingerprint is of the bytes now there');
  assert.deepEqual(objectsSound(t.objectsDir), [sha(edited)]);
  assert.deepEqual(temps(t.objectsDir), []);

  // Replaced by rename with a file of the same size and mtime: another inode, so the copy is not trusted either.
  const other = randomBytes(old.length);
  const twin = path.join(ws, 'twin.bin');
  fs.writeFileSync(file, old);
  fs.writeFileSync(twin, other);
  fs.utimesSync(file, T, T);
  fs.utimesSync(twin, T, T);
  await sleep(30);
  let swaps = 0;
  const swapping = hashAndKeepWith({
    copyFileSync: (src: fs.PathLike, dst: fs.PathLike, mode?: number) => {
      if (swaps++ === 0) fs.renameSync(twin, file);
      fs.copyFileSync(src, dst, mode);
    },
  });
  const r2 = swapping(file, t);
  assert.ok(!('error' in r2), JSON.stringify(r2));
  assert.ok(!hasObject(lineagePaths(ws), sha(old)));
  assert.equal(r2.sha256, sha(other));
  objectsSound(t.objectsDir);
});

/**
 * A write in the same clock tick as the file's last one leaves its times as they were. Simulated: after the
 * hash has read the file, its bytes change while every bigint stat of it keeps answering as before.
 */
function sameTickWriter(file: string, replacement: Buffer) {
  let frozen: fs.BigIntStats | undefined;
  let written = false;
  const freeze = (st: fs.BigIntStats) => (frozen ??= st);
  return hashAndKeepWith({
    fstatSync: ((fd: number, opts?: fs.StatOptions) => (opts?.bigint ? freeze(fs.fstatSync(fd, { bigint: true })) : fs.fstatSync(fd))) as typeof fs.fstatSync,
    statSync: ((p: fs.PathLike, opts?: fs.StatSyncOptions) => {
      if (p !== file || !opts?.bigint) return fs.statSync(p, opts);
      if (!written) {
        written = true;
        fs.writeFileSync(file, replacement);
      }
      return frozen;
    }) as typeof fs.statSync,
  });
}

test('a racy file (changed within the margin before its hash) is copied from the blocks the hash read, not trusted by its identity', () => {
  const ws = tmpDir('lineage-kcopy-');
  const file = path.join(ws, 'fresh.bin');
  const first = randomBytes(400_000);
  const second = randomBytes(first.length);
  fs.writeFileSync(file, first);
  const t = target(ws, RACY_MS);
  const r = sameTickWriter(file, second)(file, t);
  assert.ok(!('error' in r), JSON.stringify(r));
  assert.deepEqual([r.sha256, r.kept, r.verifiedBy], [sha(first), 'stored', 'hash']);
  assert.deepEqual(objectsSound(t.objectsDir), [sha(first)], 'the object is the bytes hashed, under their own digest');
  assert.deepEqual(temps(t.objectsDir), []);

  // Why the margin: the same write trusted by identity alone (no margin) is kept under a digest not its own.
  const ws2 = tmpDir('lineage-kcopy-');
  const file2 = path.join(ws2, 'fresh.bin');
  fs.writeFileSync(file2, first);
  const t2 = target(ws2, 0);
  const fooled = sameTickWriter(file2, second)(file2, { ...t2, racyMs: -60_000 });
  assert.ok(!('error' in fooled) && fooled.verifiedBy === 'identity');
  assert.ok(fs.readFileSync(objectPath(lineagePaths(ws2), sha(first))).equals(second), 'the simulation does fool a copy trusted by identity');
});

test('failing to copy (no room for the temporary) keeps the hash, makes no object and says why', () => {
  const ws = tmpDir('lineage-kcopy-');
  const file = path.join(ws, 'in.bin');
  fs.writeFileSync(file, randomBytes(100_000));
  const t = target(ws, -60_000);
  const full = hashAndKeepWith({
    copyFileSync: () => {
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    },
  });
  const r = full(file, t);
  assert.ok(!('error' in r));
  assert.equal(r.sha256, sha(fs.readFileSync(file)));
  assert.equal(r.keepError, 'ENOSPC');
  assert.equal(r.kept, undefined);
  assert.deepEqual(objectsSound(t.objectsDir), []);
  assert.deepEqual(temps(t.objectsDir), []);
});

test('where the file system does not clone, a settled file is copied in the read too; unset, the file system of the store decides', async () => {
  const ws = tmpDir('lineage-kcopy-');
  const file = path.join(ws, 'in.bin');
  const bytes = randomBytes(500_000);
  fs.writeFileSync(file, bytes);
  await sleep(30);
  const paths = lineagePaths(ws);
  const noClones = new KeepPlan(paths, undefined, { racyMs: 0, clones: false });
  await fingerprint(file, { cache: new StatCache(undefined), keepWhileHashing: noClones.forDataset('in.bin', 'input', file) });
  assert.deepEqual(noClones.verifiedBy, { identity: 0, hash: 1 });
  assert.ok(fs.readFileSync(objectPath(paths, sha(bytes))).equals(bytes));
  // Unset: this machine's file system decides.
  fs.rmSync(paths.objects, { recursive: true });
  const probed = new KeepPlan(paths, undefined, { racyMs: 0 });
  await fingerprint(file, { cache: new StatCache(undefined), keepWhileHashing: probed.forDataset('in.bin', 'input', file) });
  const clones = probeClone(path.join(paths.objects, '.tmp'));
  assert.deepEqual(probed.verifiedBy, clones ? { identity: 1, hash: 0 } : { identity: 0, hash: 1 });
  objectsSound(paths.objects);
  assert.deepEqual(temps(paths.objects), []);
});
