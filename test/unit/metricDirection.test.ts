import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { metricDirection } from '../../src/core/runs/metricDirection';
import { compareRuns } from '../../src/core/runs/compareRuns';
import type { RunDetail } from '../../src/core/runs/queries';

test('metricDirection: losses and errors are minimised, including the names only the CLI knew', () => {
  for (const k of ['loss', 'val_loss', 'train_error', 'err', 'val_rmse', 'mse', 'MAE', 'val_mape', 'perplexity', 'eval/Perplexity'])
    assert.equal(metricDirection(k), 'min', k);
});

test('metricDirection: scores are maximised', () => {
  for (const k of ['acc', 'val_accuracy', 'r2', 'val_r2', 'auc', 'roc_auc', 'f1', 'macro_f1', 'precision', 'recall', 'score'])
    assert.equal(metricDirection(k), 'max', k);
});

test('metricDirection: a name that says neither has no direction, and an error wins over a score', () => {
  for (const k of ['lr', 'epoch', 'learning_rate', 'n_trees', 'throughput']) assert.equal(metricDirection(k), null, k);
  assert.equal(metricDirection('error_score'), 'min');
});

const run = (id: string, params: RunDetail['params'], metrics: Record<string, number | null>): RunDetail =>
  ({
    id,
    name: id,
    params,
    metrics: Object.entries(metrics).map(([key, last]) => ({ key, last, first: last, min: last, max: last, count: 1, lastStep: 0, nanCount: 0 })),
  }) as unknown as RunDetail;

test('compareRuns marks the best value per metric direction and the rows that differ', () => {
  const cmp = compareRuns([
    run('a', { lr: 0.1, depth: 3 }, { val_mape: 0.2, val_r2: 0.8, lr: 1, perplexity: NaN }),
    run('b', { lr: 0.05, depth: 3 }, { val_mape: 0.1, val_r2: 0.9, lr: 2, perplexity: 12 }),
  ]);
  assert.deepEqual(
    cmp.params.map((p) => [p.key, p.differs]),
    [
      ['depth', false],
      ['lr', true],
    ],
  );
  const byKey = Object.fromEntries(cmp.metrics.map((m) => [m.key, m]));
  assert.deepEqual([byKey.val_mape.direction, byKey.val_mape.best], ['min', [1]]);
  assert.deepEqual([byKey.val_r2.direction, byKey.val_r2.best], ['max', [1]]);
  assert.deepEqual([byKey.lr.direction, byKey.lr.best], [null, []]);
  // NaN is never the best: the finite value wins even though NaN < 12 is false both ways.
  assert.deepEqual(byKey.perplexity.best, [1]);
});
