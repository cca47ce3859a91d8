import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { fingerprintRunDatasets } from '../../src/core/datasets/runDatasets';
import { hasObject, objectPath, readKeptReport, restoreRunInputs } from '../../src/core/datasets/objects';
import { putObject } from '../../src/core/datasets/objects/objectStore';
import { KeepPlan } from '../../src/core/datasets/objects/keepPlan';
import { fingerprint } from '../../src/core/datasets/fingerprint';
import { StatCache } from '../../src/core/datasets/statCache';
import { lineagePaths } from '../../src/core/util/lineagePaths';
import { makeRunFolder, tmpDir } from '../helpers/tmp';

const CHILD = process.env.LINEAGE_KEEP_CRASH_CHILD;
const SIZE = 512 * 1024 * 1024;

/** Not sparse: every block is real, so the copy takes long enough to be caught in the middle. */
function writeBig(file: string): void {
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(8 * 1024 * 1024);
  for (let i = 0; i < SIZE / block.length; i++) {
    block.fill(i % 251);
    fs.writeSync(fd, block);
  }
  fs.closeSync(fd);
}

/** Polls objects/.tmp until a temporary file holds some bytes but not all, then kills the child. */
async function killMidCopy(child: ReturnType<typeof spawn>, tmp: string): Promise<number> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let partial = 0;
  for (let i = 0; i < 4000 && !partial; i++) {
    await new Promise((r) => setTimeout(r, 2));
    for (const n of fs.existsSync(tmp) ? fs.readdirSync(tmp) : []) {
      const size = fs.statSync(path.join(tmp, n), { throwIfNoEntry: false })?.size ?? 0;
      if (size > 1024 * 1024 && size < SIZE) partial = size;
    }
  }
  child.kill('SIGKILL');
  await exited;
  return partial;
}

if (CHILD) {
  // The child: keep one big file, to be killed with SIGKILL somewhere in the middle of the copy.
  const { ws, file, sha, mode } = JSON.parse(CHILD) as { ws: string; file: string; sha: string; mode?: 'fingerprint' };
  if (mode === 'fingerprint') {
    // Kept right after its hash by the kernel's copy (not racy with no margin; the kernel copies even without clones).
    const plan = new KeepPlan(lineagePaths(ws), undefined, { racyMs: 0, clones: true });
    void fingerprint(file, { cache: new StatCache(undefined), keepWhileHashing: plan.forDataset('big.bin', 'input', file) }).then(() => process.exit(0));
  } else void putObject(lineagePaths(ws), file, sha, SIZE).then(() => process.exit(0));
} else {
  test('killed mid-copy (SIGKILL): no half object is ever under its name, and the next keep removes the debris and keeps it whole', async () => {
    const ws = tmpDir('lineage-keep-crash-');
    const file = path.join(ws, 'big.bin');
    writeBig(file);
    const dir = makeRunFolder(ws, { events: [JSON.stringify({ type: 'dataset', path: 'big.bin', role: 'input' })] });
    const runId = path.basename(dir);
    const lw = await LineageWorkspace.open(ws);
    const fps = await fingerprintRunDatasets(lw.store, lw.paths, runId, { keep: false });
    const sha = fps[0].fp.sha256!;
    const tmp = path.join(lw.paths.objects, '.tmp');

    const child = spawn(process.execPath, [__filename], {
      env: { ...process.env, LINEAGE_KEEP_CRASH_CHILD: JSON.stringify({ ws, file, sha }) },
      stdio: 'ignore',
    });
    const partial = await killMidCopy(child, tmp);
    assert.ok(partial > 0, 'the child was caught in the middle of its copy');
    assert.equal(hasObject(lw.paths, sha), false, 'the half copy never got the object name');
    assert.equal(fs.readdirSync(tmp).length, 1, 'the debris of the killed copy is there');

    // The next keep (the run's normal one) clears the dead copy and keeps the file whole.
    await fingerprintRunDatasets(lw.store, lw.paths, runId, {
      onKept: (r) => {
        if (r instanceof Error) throw r;
      },
    });
    assert.deepEqual(fs.readdirSync(tmp), []);
    const e = readKeptReport(lw.paths, runId)!.entries[0];
    assert.equal(e.state, 'kept', e.reason);
    assert.equal(fs.statSync(objectPath(lw.paths, sha)).size, SIZE);
    fs.rmSync(file);
    const r = await restoreRunInputs(lw.store, lw.paths, runId, {});
    assert.deepEqual(r.restored, ['big.bin'], JSON.stringify(r));
    lw.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  test('killed mid kernel copy while fingerprinting (SIGKILL): no object under its name, and the next run keeps it whole', async () => {
    const ws = tmpDir('lineage-keep-crash-');
    const file = path.join(ws, 'big.bin');
    writeBig(file);
    const paths = lineagePaths(ws);
    const tmp = path.join(paths.objects, '.tmp');
    const child = spawn(process.execPath, [__filename], {
      env: { ...process.env, LINEAGE_KEEP_CRASH_CHILD: JSON.stringify({ ws, file, sha: '', mode: 'fingerprint' }) },
      stdio: 'ignore',
    });
    const partial = await killMidCopy(child, tmp);
    assert.ok(partial > 0, 'the child was caught in the middle of its copy');
    const names = fs.readdirSync(paths.objects).filter((n) => /^[0-9a-f]{2}$/.test(n));
    assert.deepEqual(names, [], 'the half copy never got an object name');
    assert.equal(fs.readdirSync(tmp).length, 1, 'the debris of the killed copy is there');

    const dir = makeRunFolder(ws, { events: [JSON.stringify({ type: 'dataset', path: 'big.bin', role: 'input' })] });
    const runId = path.basename(dir);
    const lw = await LineageWorkspace.open(ws);
    await fingerprintRunDatasets(lw.store, lw.paths, runId, {
      onKept: (r) => {
        if (r instanceof Error) throw r;
      },
    });
    assert.deepEqual(fs.readdirSync(tmp), [], 'the dead copy was cleared');
    const e = readKeptReport(lw.paths, runId)!.entries[0];
    assert.equal(e.state, 'kept', e.reason);
    assert.ok(hasObject(lw.paths, e.sha256!));
    assert.equal(fs.statSync(objectPath(lw.paths, e.sha256!)).size, SIZE);
    lw.close();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  test('an object replaced by a truncated file (a power cut after rename) is replaced by the next keep', async () => {
    const ws = tmpDir('lineage-keep-crash-');
    fs.writeFileSync(path.join(ws, 'a.txt'), 'hello world\n');
    const dir = makeRunFolder(ws, { events: [JSON.stringify({ type: 'dataset', path: 'a.txt', role: 'input' })] });
    const lw = await LineageWorkspace.open(ws);
    await fingerprintRunDatasets(lw.store, lw.paths, path.basename(dir));
    const sha = readKeptReport(lw.paths, path.basename(dir))!.entries[0].sha256!;
    const obj = objectPath(lw.paths, sha);
    fs.chmodSync(obj, 0o644);
    fs.truncateSync(obj, 0);
    const again = makeRunFolder(ws, { events: [JSON.stringify({ type: 'dataset', path: 'a.txt', role: 'input' })] });
    await lw.sync();
    await fingerprintRunDatasets(lw.store, lw.paths, path.basename(again));
    assert.equal(readKeptReport(lw.paths, path.basename(again))!.entries[0].how, 'copied');
    assert.equal(fs.readFileSync(obj, 'utf8'), 'hello world\n');
    lw.close();
  });
}
