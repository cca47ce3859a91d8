import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { fingerprintRunDatasets, type FingerprintRunOptions } from '../../src/core/datasets/runDatasets';
import { hasObject, keepRunData, objectPath, readKeptReport, restoreRunInputs } from '../../src/core/datasets/objects';
import { makeRunFolder, tmpDir } from '../helpers/tmp';

function dataset(p: string, role = 'train'): string {
  return JSON.stringify({ type: 'dataset', path: p, role });
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

function sha(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

test('an input edited in place after the run: the kept copy is unchanged and checkout gives the bytes back', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.mkdirSync(path.join(ws, 'data'));
  const csv = path.join(ws, 'data', 'houses.csv');
  fs.writeFileSync(csv, 'a,b\n1,2\n3,4\n');
  const original = fs.readFileSync(csv);
  const { lw, runId } = await recordRun(ws, [dataset('data/houses.csv')]);
  const report = readKeptReport(lw.paths, runId)!;
  assert.equal(report.entries.length, 1);
  assert.equal(report.entries[0].state, 'kept');
  const s = report.entries[0].sha256!;
  assert.ok(hasObject(lw.paths, s));
  assert.equal(fs.statSync(objectPath(lw.paths, s)).nlink, 1, 'never a hard link');
  // Edit in place (same inode): a hard link or shared extent would change the kept copy.
  const fd = fs.openSync(csv, 'r+');
  fs.writeSync(fd, Buffer.from('X'), 0, 1, 0);
  fs.closeSync(fd);
  assert.deepEqual(fs.readFileSync(objectPath(lw.paths, s)), original);
  const refused = await restoreRunInputs(lw.store, lw.paths, runId, {});
  assert.deepEqual(refused.restored, []);
  assert.equal(refused.wouldChange.length, 1);
  assert.match(refused.wouldChange[0].reason, /changed since the run/);
  assert.notDeepEqual(fs.readFileSync(csv), original, 'refused: nothing written');
  const done = await restoreRunInputs(lw.store, lw.paths, runId, { force: true });
  assert.deepEqual(done.restored, ['data/houses.csv']);
  assert.deepEqual(fs.readFileSync(csv), original);
  const again = await restoreRunInputs(lw.store, lw.paths, runId, {});
  assert.deepEqual(again.unchanged, ['data/houses.csv']);
  lw.close();
});

test('the same content in two places (and in a folder) is one object', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.mkdirSync(path.join(ws, 'data', 'folder'), { recursive: true });
  for (const f of ['data/a.csv', 'data/b.csv', 'data/folder/c.csv']) fs.writeFileSync(path.join(ws, f), 'x,y\n1,2\n');
  const { lw, runId } = await recordRun(ws, [dataset('data/a.csv'), dataset('data/b.csv'), dataset('data/folder')]);
  const report = readKeptReport(lw.paths, runId)!;
  assert.deepEqual(
    report.entries.map((e) => [e.path, e.state]),
    [
      ['data/a.csv', 'kept'],
      ['data/b.csv', 'kept'],
      ['data/folder/c.csv', 'kept'],
    ],
  );
  const shards = fs.readdirSync(lw.paths.objects).filter((n) => /^[0-9a-f]{2}$/.test(n));
  const objects = shards.flatMap((d) => fs.readdirSync(path.join(lw.paths.objects, d)));
  assert.deepEqual(objects, [sha(path.join(ws, 'data/a.csv'))]);
  assert.equal(report.copiedBytes, 8);
  lw.close();
});

test('over the cap: a file larger than the per-run cap is skipped with the reason and leaves no object', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data', 'small.csv'), 'a\n1\n');
  fs.writeFileSync(path.join(ws, 'data', 'big.bin'), Buffer.alloc(5000, 7));
  const { lw, runId } = await recordRun(ws, [dataset('data/big.bin'), dataset('data/small.csv')], { keepMaxBytes: 1000 });
  const report = readKeptReport(lw.paths, runId)!;
  const big = report.entries.find((e) => e.path === 'data/big.bin')!;
  assert.equal(big.state, 'skipped');
  assert.match(big.reason!, /^over the cap: 4\.9 KiB/);
  assert.ok(!hasObject(lw.paths, big.sha256!));
  assert.equal(report.entries.find((e) => e.path === 'data/small.csv')!.state, 'kept', 'what fits is still kept');
  const r = await restoreRunInputs(lw.store, lw.paths, runId, { to: tmpDir('lineage-to-') });
  assert.deepEqual(r.restored, ['data/small.csv']);
  assert.equal(r.missing.length, 1);
  assert.match(r.missing[0].reason, /not kept: over the cap/);
  lw.close();
});

test('a real 2 GiB (sparse) input is over the default 1 GiB cap: skipped with the message, no object, nothing half-written', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.mkdirSync(path.join(ws, 'data'));
  const big = path.join(ws, 'data', 'huge.bin');
  fs.writeFileSync(big, '');
  fs.truncateSync(big, 2 * 1024 ** 3);
  const { lw, runId } = await recordRun(ws, [dataset('data/huge.bin')]);
  const e = readKeptReport(lw.paths, runId)!.entries[0];
  assert.equal(e.size, 2 * 1024 ** 3);
  assert.equal(e.state, 'skipped');
  assert.match(e.reason!, /^over the cap: 2\.00 GiB \(this run may add 1\.00 GiB; raise lineage\.data\.keepMaxBytes\)/);
  assert.ok(!hasObject(lw.paths, e.sha256!));
  const temps = path.join(lw.paths.objects, '.tmp');
  assert.deepEqual(fs.existsSync(temps) ? fs.readdirSync(temps) : [], []);
  lw.close();
});

test('a symlinked input: the target bytes are kept, the link is recorded, and checkout restores through the link', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.mkdirSync(path.join(ws, 'data', 'raw'), { recursive: true });
  const target = path.join(ws, 'data', 'raw', 'v1.csv');
  fs.writeFileSync(target, 'a,b\n1,1\n');
  fs.symlinkSync('raw/v1.csv', path.join(ws, 'data', 'current.csv'));
  const { lw, runId } = await recordRun(ws, [dataset('data/current.csv')]);
  const e = readKeptReport(lw.paths, runId)!.entries[0];
  assert.equal(e.state, 'kept');
  assert.equal(e.link, 'raw/v1.csv');
  assert.deepEqual(fs.readFileSync(objectPath(lw.paths, e.sha256!), 'utf8'), 'a,b\n1,1\n');
  fs.writeFileSync(target, 'a,b\n2,2\n');
  const r = await restoreRunInputs(lw.store, lw.paths, runId, { force: true });
  assert.deepEqual(r.restored, ['data/current.csv']);
  assert.ok(fs.lstatSync(path.join(ws, 'data', 'current.csv')).isSymbolicLink(), 'the link stays a link');
  assert.equal(fs.readFileSync(target, 'utf8'), 'a,b\n1,1\n');
  // The link itself deleted: it is made again, pointing where it did.
  fs.rmSync(path.join(ws, 'data', 'current.csv'));
  const again = await restoreRunInputs(lw.store, lw.paths, runId, {});
  assert.deepEqual(again.restored, ['data/current.csv']);
  assert.equal(fs.readlinkSync(path.join(ws, 'data', 'current.csv')), 'raw/v1.csv');
  lw.close();
});

test('a file deleted after the run is restored by checkout, verified, without --force; --dry-run only says so', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.mkdirSync(path.join(ws, 'data', 'set'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'data', 'set', 'a.txt'), 'alpha');
  fs.writeFileSync(path.join(ws, 'data', 'set', 'b.txt'), 'beta');
  const { lw, runId } = await recordRun(ws, [dataset('data/set')]);
  fs.rmSync(path.join(ws, 'data', 'set'), { recursive: true });
  const dry = await restoreRunInputs(lw.store, lw.paths, runId, { dryRun: true });
  assert.deepEqual(
    dry.wouldChange.map((w) => w.path),
    ['data/set/a.txt', 'data/set/b.txt'],
  );
  assert.ok(!fs.existsSync(path.join(ws, 'data', 'set')));
  const r = await restoreRunInputs(lw.store, lw.paths, runId, {});
  assert.deepEqual(r.restored, ['data/set/a.txt', 'data/set/b.txt']);
  assert.equal(fs.readFileSync(path.join(ws, 'data', 'set', 'b.txt'), 'utf8'), 'beta');
  lw.close();
});

test('a damaged object is never used: the restore says so and writes nothing', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.writeFileSync(path.join(ws, 'in.txt'), 'the run read this');
  const { lw, runId } = await recordRun(ws, [dataset('in.txt')]);
  const e = readKeptReport(lw.paths, runId)!.entries[0];
  const obj = objectPath(lw.paths, e.sha256!);
  fs.chmodSync(obj, 0o644);
  fs.writeFileSync(obj, 'the run read thiZ');
  fs.rmSync(path.join(ws, 'in.txt'));
  const r = await restoreRunInputs(lw.store, lw.paths, runId, {});
  assert.deepEqual(r.restored, []);
  assert.match(r.missing[0].reason, /the kept copy is damaged/);
  assert.ok(!fs.existsSync(path.join(ws, 'in.txt')));
  assert.deepEqual(
    fs.readdirSync(ws).filter((n) => n.includes('lineage-restore')),
    [],
  );
  lw.close();
});

test('excluded by glob, keeping off, DVC-tracked: recorded with their reasons, nothing copied', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.mkdirSync(path.join(ws, 'data'));
  fs.writeFileSync(path.join(ws, 'data', 'a.parquet'), 'PAR1');
  fs.writeFileSync(path.join(ws, 'data', 'b.csv'), 'b\n');
  fs.writeFileSync(path.join(ws, 'data', 'c.csv'), 'c\n');
  fs.writeFileSync(path.join(ws, 'data', 'c.csv.dvc'), 'outs:\n- md5: 0\n  path: c.csv\n');
  fs.writeFileSync(path.join(ws, 'data', 'd.csv'), 'd\n');
  fs.writeFileSync(path.join(ws, 'dvc.lock'), 'schema: "2.0"\nstages:\n  prep:\n    cmd: x\n    outs:\n    - path: data/d.csv\n      md5: 1\n');
  fs.mkdirSync(path.join(ws, '.lineage'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.lineage', 'config.json'), JSON.stringify({ data: { keepExclude: ['*.parquet'] } }));
  const events = ['data/a.parquet', 'data/b.csv', 'data/c.csv', 'data/d.csv'].map((p) => dataset(p));
  const { lw, runId } = await recordRun(ws, events);
  const byPath = Object.fromEntries(readKeptReport(lw.paths, runId)!.entries.map((e) => [e.path, e]));
  assert.equal(byPath['data/a.parquet'].reason, 'excluded by glob "*.parquet"');
  assert.equal(byPath['data/b.csv'].state, 'kept');
  assert.deepEqual([byPath['data/c.csv'].state, byPath['data/c.csv'].reason], ['reference', 'tracked by DVC (data/c.csv.dvc)']);
  assert.deepEqual([byPath['data/d.csv'].state, byPath['data/d.csv'].reason], ['reference', 'tracked by DVC (dvc.lock)']);
  fs.rmSync(path.join(ws, 'data', 'c.csv'));
  const r = await restoreRunInputs(lw.store, lw.paths, runId, {});
  assert.deepEqual(
    r.missing.map((m) => m.reason),
    ['tracked by DVC: run `dvc checkout data/c.csv.dvc`'],
  );
  lw.close();

  const off = await recordRun(ws, events, { keep: false });
  const report = readKeptReport(off.lw.paths, off.runId)!;
  assert.equal(report.enabled, false);
  assert.ok(report.entries.every((e) => e.state === 'skipped' && e.reason === 'data keeping is off (lineage.data.keep)'));
  off.lw.close();
});

test('a file edited between fingerprinting and keeping is not kept (its bytes are not the run’s), and the run says why', async () => {
  const ws = tmpDir('lineage-keep-');
  fs.writeFileSync(path.join(ws, 'in.csv'), 'a\n1\n');
  const { lw, runId } = await recordRun(ws, [dataset('in.csv')], false);
  fs.writeFileSync(path.join(ws, 'in.csv'), 'a\n2\n');
  const report = await keepRunData(lw.store, lw.paths, runId);
  const e = report.entries[0];
  assert.equal(e.state, 'skipped');
  assert.match(e.reason!, /^changed since the run was fingerprinted \(sha256 now [0-9a-f]{12}…\)/);
  assert.ok(!hasObject(lw.paths, e.sha256!));
  assert.deepEqual(fs.readdirSync(path.join(lw.paths.objects, '.tmp')), [], 'the mismatched copy is gone');
  lw.close();
});
