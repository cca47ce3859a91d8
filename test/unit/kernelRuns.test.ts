/**
 * Which runs the status bar shows as live notebook kernels' (issue 16 §1): on a real store indexed from run
 * folders, the runs in progress that the SDK made in a kernel, with the metric logged last (not the cell
 * counter); not a launched notebook run, not an ended one, not a plain script's start_run.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { clockDuration, liveKernelRuns } from '../../src/core/notebooks/kernelRuns';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

const KERNEL_TAG = '{"type":"tag","key":"kernel","value":"ipykernel"}';

function run(ws: string, id: string, patch: Record<string, unknown>, events: string[]): void {
  const dir = makeRunFolder(ws, { id, events: ['{"type":"header","schema":1}', ...events] });
  const file = path.join(dir, 'run.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), ...patch }));
}

test('liveKernelRuns: running SDK runs of a kernel, newest first, with their latest metric by time', async () => {
  const ws = tmpDir('lineage-kernel-runs-');
  // This process stands for the kernel: its pid is alive, so the index keeps the runs "running".
  const live = { status: 'running', endedAt: null, createdBy: 'python-sdk', pid: process.pid, host: os.hostname() };
  run(ws, '20260101-000001-000001', { ...live, name: 'explore', startedAt: '2026-01-01T00:00:01Z' }, [
    KERNEL_TAG,
    metricLine('loss', 0.5, 0, 100),
    metricLine('acc', 0.75, 7, 200), // logged last, at a lower step than the cell counter
    metricLine('cells_executed', 9, 8, 300),
  ]);
  run(ws, '20260101-000002-000002', { ...live, name: 'fresh', startedAt: '2026-01-01T00:00:02Z' }, [KERNEL_TAG, metricLine('cells_executed', 1, 0, 1)]);
  run(ws, '20260101-000003-000003', { ...live, name: 'script', startedAt: '2026-01-01T00:00:03Z' }, []);
  run(ws, '20260101-000004-000004', { ...live, createdBy: 'vscode', name: 'launched', startedAt: '2026-01-01T00:00:04Z' }, [KERNEL_TAG]);
  run(ws, '20260101-000005-000005', { ...live, status: 'finished', name: 'ended', startedAt: '2026-01-01T00:00:05Z' }, [KERNEL_TAG]);
  const lw = await LineageWorkspace.open(ws);
  try {
    const found = liveKernelRuns(lw.store);
    assert.deepEqual(
      found.map((r) => [r.name, r.pid, r.latest]),
      [
        ['fresh', process.pid, undefined],
        ['explore', process.pid, { key: 'acc', value: 0.75 }],
      ],
    );
    assert.equal(found[1].startedAt, Date.parse('2026-01-01T00:00:01Z'));
  } finally {
    lw.close();
  }
});

test('clockDuration: the elapsed time as a status bar clock', () => {
  assert.equal(clockDuration(0), '0:00');
  assert.equal(clockDuration(7_900), '0:07');
  assert.equal(clockDuration(12 * 60_000 + 5_000), '12:05');
  assert.equal(clockDuration(3_723_000), '1:02:03');
  assert.equal(clockDuration(-5), '0:00', 'a clock moved backwards shows no time, not a negative one');
});
