/**
 * A Compare panel opened on a sweep follows it: on each run change the host asks which of the sweep's
 * children it does not show yet (newChildRunIds) and adds them. Here on a real store indexed from run folders.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { newChildRunIds } from '../../src/core/runs/childRuns';
import { makeRunFolder, tmpDir } from '../helpers/tmp';

function run(ws: string, id: string, patch: Record<string, unknown>): void {
  const dir = makeRunFolder(ws, { id, events: ['{"type":"header","schema":1}'] });
  const file = path.join(dir, 'run.json');
  fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), ...patch }));
}

test('newChildRunIds: the children a sweep started since the panel opened, oldest first, not its other runs', async () => {
  const ws = tmpDir('lineage-follow-');
  const sweep = '20260101-000000-000000';
  run(ws, sweep, { name: 'sweep', startedAt: '2026-01-01T00:00:00Z' });
  run(ws, '20260101-000001-000001', { parentRunId: sweep, startedAt: '2026-01-01T00:00:01Z' });
  run(ws, '20260101-000002-000002', { parentRunId: sweep, startedAt: '2026-01-01T00:00:02Z' });
  run(ws, '20260101-000009-000009', { startedAt: '2026-01-01T00:00:09Z' });
  const lw = await LineageWorkspace.open(ws);
  try {
    const shown = ['20260101-000001-000001', '20260101-000002-000002'];
    assert.deepEqual(newChildRunIds(lw.store, sweep, shown), [], 'nothing new yet');
    // The sweep starts two more runs (written out of order) and an unrelated run appears.
    run(ws, '20260101-000004-000004', { parentRunId: sweep, startedAt: '2026-01-01T00:00:04Z' });
    run(ws, '20260101-000003-000003', { parentRunId: sweep, status: 'running', endedAt: null, startedAt: '2026-01-01T00:00:03Z' });
    run(ws, '20260101-000005-000005', { parentRunId: 'another-sweep', startedAt: '2026-01-01T00:00:05Z' });
    await lw.sync();
    assert.deepEqual(newChildRunIds(lw.store, sweep, shown), ['20260101-000003-000003', '20260101-000004-000004']);
    assert.deepEqual(newChildRunIds(lw.store, sweep, [...shown, '20260101-000003-000003', '20260101-000004-000004']), []);
  } finally {
    lw.close();
  }
});
