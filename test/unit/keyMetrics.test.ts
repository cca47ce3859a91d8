import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { chartMetrics, keyMetrics } from '../../src/core/runs/keyMetrics';
import type { MetricSummary } from '../../src/core/runs/queries';

const m = (key: string, count = 100): MetricSummary => ({ key, count, last: 1, first: 1, min: 1, max: 1, lastStep: count - 1, nanCount: 0 });

test('keyMetrics: validation metrics first, headline names before the rest, then by name', () => {
  const got = keyMetrics([m('zeta'), m('train_rmse'), m('val_r2'), m('val_rmse'), m('lr')], 5).map((x) => x.key);
  assert.deepEqual(got, ['val_rmse', 'val_r2', 'train_rmse', 'lr', 'zeta']);
});

test('chartMetrics: each key once however many runs logged it; one-point metrics are not curves', () => {
  // 50 runs that all log the same curves (what a sweep looks like), some with a one-off metric.
  const runs = Array.from({ length: 50 }, (_, i) => ({
    metrics: [m('val_rmse'), m('train_rmse'), m('val_mae'), m('lr'), m('val_r2', 1), ...(i % 7 === 0 ? [m('grad_norm')] : [])],
  }));
  assert.deepEqual(chartMetrics(runs, 4), ['val_rmse', 'val_mae', 'train_rmse', 'grad_norm']);
  assert.deepEqual(chartMetrics([{ metrics: [m('val_r2', 1)] }]), [], 'only single values: no curves');
});
