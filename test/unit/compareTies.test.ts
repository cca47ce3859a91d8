import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { compareRuns } from '../../src/core/runs/compareRuns';
import type { RunDetail } from '../../src/core/runs/queries';

const run = (id: string, metrics: Record<string, number>) =>
  ({ id, name: id, params: {}, metrics: Object.entries(metrics).map(([key, last]) => ({ key, last })) }) as unknown as RunDetail;

test('item 23: compareRuns marks every run of an exact tie best, for lower- and higher-is-better metrics', () => {
  const cmp = compareRuns([
    run('a', { val_loss: 0.5, accuracy: 0.9 }),
    run('b', { val_loss: 0.25, accuracy: 0.9 }),
    run('c', { val_loss: 0.25, accuracy: 0.8 }),
  ]);
  const byKey = Object.fromEntries(cmp.metrics.map((m) => [m.key, m.best]));
  assert.deepEqual(byKey.val_loss, [1, 2]);
  assert.deepEqual(byKey.accuracy, [0, 1]);
});
