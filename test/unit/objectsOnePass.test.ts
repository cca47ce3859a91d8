import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { fingerprint } from '../../src/core/datasets/fingerprint';
import { HashPool } from '../../src/core/datasets/hashPool';
import { StatCache } from '../../src/core/datasets/statCache';
import { fingerprintRunDatasets, type FingerprintRunOptions } from '../../src/core/datasets/runDatasets';
import { hasObject, objectPath, readKeptReport, summarizeKept } from '../../src/core/datasets/objects';
import { KeepPlan } from '../../src/core/datasets/objects/keepPlan';
import { RACY_MS } from '../../src/core/datasets/objects/hashAndKeep';
import { lineagePaths } from '../../src/core/util/lineagePaths';
import { makeRunFolder, tmpDir } from '../helpers/tmp';

function dataset(p: string, role = 'train'): string {
  return JSON.stringify({ type: 'dataset', path: p, role });
}

function sha(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Not sparse and not one repeated block: `mb` MiB with different bytes in every 4 KiB. */
function writeData(file: string, mb: number, seed = 0): void {
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mb; i++) {
    for (let j = 0; j < block.length; j += 4096) block.writeUInt32LE((seed * 1e6 + i * 256 + j / 4096) >>> 0, j);
    fs.writeSync(fd, block);
  }
  fs.closeSync(fd);
}

function temps(objects: string): string[] {
  const dir = path.join(objects, '.tmp');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

/** Every object's bytes hash to its name: nothing is ever stored under a digest that is not its own. */
function assertObjectsSound(objects: string): string[] {
  const names: string[] = [];
  for (const shard of fs.existsSync(objects) ? fs.readdirSync(objects).filter((n) => /^[0-9a-f]{2}$/.test(n)) : [])
    for (const name of fs.readdirSync(path.join(objects, shard))) {
      assert.equal(sha(fs.readFileSync(path.join(objects, shard, name))), name, `object ${name} holds other bytes`);
      names.push(name);
    }
  return names;
}

async function recordRun(ws: string, events: string[], keep?: FingerprintRunOptions['keep']) {
  const dir = makeRunFolder(ws, { events });
  const lw = await LineageWorkspace.open(ws);
  await lw.sync();
  const runId = path.basename(dir);
  await fingerprintRunDatasets(lw.store, lw.paths, runId, {
    keep,
    onKept: (r) => {
      if (r instanceof Error) throw r;
    },
  });
  return { lw, runId };
}

test('one read: a new file is in the store as soon as it is fingerprinted, byte for byte, with no temporary left', async () => {
  const ws = tmpDir('lineage-onepass-');
  const file = path.join(ws, 'data.bin');
  writeData(file, 24);
  const paths = lineagePaths(ws);
  const plan = new KeepPlan(paths);
  const pool = new HashPool();
  try {
    const fp = await fingerprint(file, { cache: new StatCache(undefined), pool, keepWhileHashing: plan.forDataset('data.bin', 'input', file) });
    // Before keepRunData has run at all: the hash worker wrote and renamed it.
    assert.ok(fp.sha256 && hasObject(paths, fp.sha256), 'the object exists right after fingerprinting');
    assert.deepEqual([...plan.stored], [[fp.sha256, 24 * 1024 * 1024]]);
    assert.ok(fs.readFileSync(objectPath(paths, fp.sha256)).equals(fs.readFileSync(file)), 'equal bytes');
    assert.equal(fs.statSync(objectPath(paths, fp.sha256)).mode & 0o777, 0o444);
    assert.deepEqual(temps(paths.objects), []);

    // The same content again (another name): found in the store, the new copy dropped, nothing counted twice.
    const twin = path.join(ws, 'twin.bin');
    fs.copyFileSync(file, twin);
    const plan2 = new KeepPlan(paths);
    const fp2 = await fingerprint(twin, { cache: new StatCache(undefined), pool, keepWhileHashing: plan2.forDataset('twin.bin', 'input', twin) });
    assert.equal(fp2.sha256, fp.sha256);
    assert.equal(plan2.stored.size, 0, 'present already: not stored again');
    assert.deepEqual(temps(paths.objects), []);
    assert.deepEqual(assertObjectsSound(paths.objects), [fp.sha256]);
  } finally {
    await pool.close();
  }
});

test('through a run: kept.json says copied (counted against the cap once), a folder is kept file by file, a second run copies nothing', async () => {
  const ws = tmpDir('lineage-onepass-');
  fs.mkdirSync(path.join(ws, 'data', 'parts'), { recursive: true });
  writeData(path.join(ws, 'data', 'big.bin'), 8);
  for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(ws, 'data', 'parts', `p${i}.csv`), `x\n${i % 3}\n`);
  const { lw, runId } = await recordRun(ws, [dataset('data/big.bin'), dataset('data/parts')]);
  const report = readKeptReport(lw.paths, runId)!;
  assert.ok(
    report.entries.every((e) => e.state === 'kept' && e.how === 'copied'),
    JSON.stringify(report.entries),
  );
  const distinct = new Map(report.entries.map((e) => [e.sha256, e.size]));
  assert.equal(distinct.size, 4, 'p0/p3 and p1/p4 share content');
  const total = [...distinct.values()].reduce((a, b) => a + b, 0);
  assert.equal(report.copiedBytes, total);
  assert.equal(report.keptBytes, total);
  assert.equal(assertObjectsSound(lw.paths.objects).length, 4);
  assert.deepEqual(temps(lw.paths.objects), []);
  lw.close();

  const again = await recordRun(ws, [dataset('data/big.bin'), dataset('data/parts')]);
  const second = readKeptReport(again.lw.paths, again.runId)!;
  assert.equal(second.copiedBytes, 0);
  assert.ok(second.entries.every((e) => e.how === 'already kept'));
  again.lw.close();
});

test('one read copies only what would be kept: over the cap, excluded, DVC-tracked, git-tracked and keeping off are not written', async () => {
  const ws = tmpDir('lineage-onepass-');
  fs.mkdirSync(path.join(ws, 'data'));
  writeData(path.join(ws, 'data', 'big.bin'), 2);
  fs.writeFileSync(path.join(ws, 'data', 'skip.parquet'), 'PAR1 excluded');
  fs.writeFileSync(path.join(ws, 'data', 'd.csv'), 'dvc\n');
  fs.writeFileSync(path.join(ws, 'data', 'd.csv.dvc'), 'outs:\n- path: d.csv\n');
  fs.writeFileSync(path.join(ws, 'data', 'g.csv'), 'in git\n');
  fs.writeFileSync(path.join(ws, 'data', 'ok.csv'), 'kept\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws, stdio: 'pipe' });
  git('init', '-q');
  git('add', 'data/g.csv');
  git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'g');
  const paths = lineagePaths(ws);
  const plan = new KeepPlan(paths, { keepMaxBytes: 1024 * 1024, keepExclude: ['*.parquet'] });
  assert.equal(plan.shouldKeep('data/big.bin', 2 * 1024 * 1024), false, 'over the cap');
  assert.equal(plan.shouldKeep('data/skip.parquet', 10), false, 'excluded');
  assert.equal(plan.shouldKeep('data/d.csv', 4), false, 'DVC');
  assert.equal(plan.shouldKeep('data/ok.csv', 5), true);
  assert.equal(plan.shouldKeep('data/ok.csv', 5, 'output'), false, 'outputs only with keepOutputs');
  assert.equal(plan.shouldKeep('memory:sha256:' + '0'.repeat(64), 0), false);
  assert.equal(new KeepPlan(paths, { keep: false }).shouldKeep('data/ok.csv', 5), false, 'keeping off');

  const pool = new HashPool();
  const shas = new Map<string, string>();
  try {
    for (const name of ['big.bin', 'skip.parquet', 'd.csv', 'g.csv', 'ok.csv']) {
      const abs = path.join(ws, 'data', name);
      const fp = await fingerprint(abs, { cache: new StatCache(undefined), pool, keepWhileHashing: plan.forDataset(`data/${name}`, 'input', abs) });
      shas.set(name, fp.sha256!);
    }
  } finally {
    await pool.close();
  }
  for (const name of ['big.bin', 'skip.parquet', 'd.csv', 'g.csv']) assert.ok(!hasObject(paths, shas.get(name)!), `${name} was not written`);
  assert.ok(hasObject(paths, shas.get('ok.csv')!));
  assert.deepEqual(temps(paths.objects), []);

  // And through a run, keepRunData still decides and says why for each.
  fs.mkdirSync(path.join(ws, '.lineage'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.lineage', 'config.json'), JSON.stringify({ data: { keepMaxBytes: 1024 * 1024, keepExclude: ['*.parquet'] } }));
  const { lw, runId } = await recordRun(
    ws,
    ['big.bin', 'skip.parquet', 'd.csv', 'g.csv', 'ok.csv'].map((n) => dataset(`data/${n}`)),
  );
  const by = Object.fromEntries(readKeptReport(lw.paths, runId)!.entries.map((e) => [e.path, e]));
  assert.match(by['data/big.bin'].reason!, /^over the cap/);
  assert.equal(by['data/skip.parquet'].reason, 'excluded by glob "*.parquet"');
  assert.equal(by['data/d.csv'].state, 'reference');
  assert.deepEqual([by['data/g.csv'].state, by['data/g.csv'].reason], ['reference', 'git blob matches HEAD']);
  assert.equal(by['data/ok.csv'].state, 'kept');
  assert.ok(!hasObject(lw.paths, by['data/big.bin'].sha256!));
  assert.ok(!hasObject(lw.paths, by['data/g.csv'].sha256!));
  lw.close();
});

/** A writer in another process (the one-pass copy of a single file runs on this thread, blocking it). */
function writer(script: string, args: string[]): { ready: Promise<void>; done: Promise<string>; child: ChildProcess } {
  const child = spawn(process.execPath, ['-e', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let onReady: () => void;
  const ready = new Promise<void>((r) => (onReady = r));
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (out.includes('ready')) onReady();
  });
  const done = new Promise<string>((r) => child.on('exit', () => r(out)));
  const failed = done.then((o) => {
    if (!o.includes('ready')) throw new Error(`the writer process failed before it started: ${o}`);
  });
  return { ready: Promise.race([ready, failed]), done, child };
}

// Both ways of keeping while fingerprinting: copied in the read that hashes it (a racy file, or no clones)
// and, with no racy margin and the kernel copy forced, copied after its hash and trusted by its identity.
for (const [way, how] of [
  ['copied in the read', { racyMs: RACY_MS }],
  ['copied by the kernel', { racyMs: 0, clones: true }],
] as const) {
  test(`${way}: a file that grows once during the copy is read and copied again: the object is the final bytes, under their digest`, async () => {
    const ws = tmpDir('lineage-onepass-');
    const file = path.join(ws, 'growing.bin');
    writeData(file, 128);
    await new Promise((r) => setTimeout(r, 30));
    const paths = lineagePaths(ws);
    const plan = new KeepPlan(paths, undefined, how);
    // Appends once, as soon as the copy has begun (its temporary file has bytes).
    const w = writer(
      `const fs = require('fs'), path = require('path'); const [file, tmp] = process.argv.slice(1); console.log('ready');
     const t0 = Date.now();
     const tick = () => {
       const names = fs.existsSync(tmp) ? fs.readdirSync(tmp) : [];
       if (names.some((n) => (fs.statSync(path.join(tmp, n), { throwIfNoEntry: false })?.size ?? 0) > 0)) { fs.appendFileSync(file, 'appended during the read.'); console.log('appended'); return; }
       if (Date.now() - t0 < 60000) setImmediate(tick);
     };
     tick();`,
      [file, path.join(paths.objects, '.tmp')],
    );
    await w.ready;
    const fp = await fingerprint(file, { cache: new StatCache(undefined), keepWhileHashing: plan.forDataset('growing.bin', 'input', file) });
    assert.match(await w.done, /appended/, 'the copy was seen under way');
    const final = fs.readFileSync(file);
    assert.equal(fp.stats.retried, 1, 'read again once');
    assert.ok(fp.warnings.some((m) => /changed while it was being read; it was read again/.test(m)));
    assert.equal(fp.sha256, sha(final), 'the fingerprint is of the final bytes');
    assert.equal(fp.size, final.length);
    assert.ok(fs.readFileSync(objectPath(paths, fp.sha256)).equals(final), 'the object is the final bytes');
    assert.deepEqual(assertObjectsSound(paths.objects), [fp.sha256]);
    assert.deepEqual(temps(paths.objects), [], 'the first, abandoned copy is gone');
  });

  test(`${way}: a file that keeps growing during every read gets no fingerprint and no object, and leaves no temporary`, async () => {
    const ws = tmpDir('lineage-onepass-');
    const file = path.join(ws, 'log.bin');
    writeData(file, 32);
    const paths = lineagePaths(ws);
    const plan = new KeepPlan(paths, undefined, how);
    const w = writer(
      `const fs = require('fs'); const block = Buffer.alloc(4096, 1); fs.appendFileSync(process.argv[1], block); console.log('ready');
     setInterval(() => fs.appendFileSync(process.argv[1], block), 1);`,
      [file],
    );
    try {
      await w.ready;
      const fp = await fingerprint(file, { cache: new StatCache(undefined), keepWhileHashing: plan.forDataset('log.bin', 'input', file) });
      assert.equal(fp.sha256, null);
      assert.ok(
        fp.warnings.some((m) => /kept changing while it was being read/.test(m)),
        fp.warnings.join('\n'),
      );
      assert.equal(plan.stored.size, 0);
      assert.deepEqual(assertObjectsSound(paths.objects), []);
      assert.deepEqual(temps(paths.objects), []);
    } finally {
      w.child.kill();
      await w.done;
    }
  });
}

test('autolog in-memory datasets (memory:sha256:…) are skipped quietly: nothing on disk to keep', async () => {
  const ws = tmpDir('lineage-onepass-');
  fs.writeFileSync(path.join(ws, 'real.csv'), 'a\n1\n');
  const mem = 'memory:sha256:' + sha(Buffer.from('arrays'));
  const { lw, runId } = await recordRun(ws, [dataset(mem), dataset('real.csv')]);
  const by = Object.fromEntries(readKeptReport(lw.paths, runId)!.entries.map((e) => [e.path, e]));
  assert.deepEqual([by[mem].state, by[mem].reason], ['skipped', 'in memory: nothing on disk to keep']);
  assert.equal(by['real.csv'].state, 'kept');
  assert.doesNotMatch(summarizeKept(readKeptReport(lw.paths, runId)), /memory|not kept|deleted/, 'quietly: the summary does not list it');
  lw.close();
});
