import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { splitBatches, wireValue, numberValue, safeKey, paramValue, MAX_ENTITIES } from '../../src/core/registry/mlflow/batches';
import { trackingBase } from '../../src/core/registry/mlflow/http';
import { redact } from '../../src/core/registry/mlflow/errors';
import { parseSince } from '../../src/cli/commands/sync';

const pts = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'm', value: i, timestamp: 1000 + i, step: i }));
const kv = (p: string, n: number) => Array.from({ length: n }, (_, i) => ({ key: `${p}${i}`, value: String(i) }));

test('log-batch bodies stay within the server limits and lose nothing, in order', () => {
  for (const [m, p, t] of [
    [0, 0, 0],
    [1, 0, 0],
    [1000, 0, 0],
    [1001, 0, 0],
    [2500, 150, 5],
    [895, 100, 5],
    [0, 250, 250],
    [10000, 3, 0],
  ]) {
    const batches = splitBatches('r', pts(m), kv('p', p), kv('t', t));
    let metrics = 0;
    let params = 0;
    let tags = 0;
    for (const b of batches) {
      const bm = b.metrics?.length ?? 0;
      const bp = b.params?.length ?? 0;
      const bt = b.tags?.length ?? 0;
      assert.ok(bm <= 1000 && bp + bt <= 100 && bm + bp + bt <= MAX_ENTITIES, `${m}/${p}/${t}: ${bm} ${bp} ${bt}`);
      assert.ok(bm + bp + bt > 0, 'no empty request');
      assert.equal(b.run_id, 'r');
      assert.deepEqual(
        b.metrics?.map((x) => x.step),
        b.metrics?.map((_, i) => metrics + i),
      );
      metrics += bm;
      params += bp;
      tags += bt;
    }
    assert.deepEqual([metrics, params, tags], [m, p, t]);
  }
  assert.equal(splitBatches('r', pts(10000), kv('p', 3), []).length, 11);
});

test('non-finite values travel as the Python client sends them, and come back', () => {
  assert.deepEqual([NaN, Infinity, -Infinity, 0.5].map(wireValue), ['NaN', 'Infinity', '-Infinity', 0.5]);
  assert.ok(Number.isNaN(numberValue('NaN')));
  assert.equal(numberValue('Infinity'), Infinity);
  assert.equal(numberValue(2), 2);
  assert.equal(safeKey('val loss (%)'), 'val loss ___');
  assert.equal(safeKey(''), '_');
  assert.equal(paramValue([64, 32]), '[64,32]');
  assert.equal(paramValue(null), 'None');
  assert.equal(paramValue('x'.repeat(7000)).length, 6000);
});

test('tracking URIs, redaction and --since', () => {
  assert.equal(trackingBase('mlflow://h:5000'), 'http://h:5000');
  assert.equal(trackingBase('mlflow+https://h/'), 'https://h');
  assert.equal(trackingBase('https://h/mlflow/'), 'https://h/mlflow');
  assert.throws(() => trackingBase('ftp://h'), /not supported/);
  assert.equal(redact('at http://u:pw@h failed, token abc123', { token: 'abc123' }), 'at http://h failed, token ***');
  const now = Date.UTC(2026, 11, 5, 12);
  assert.equal(parseSince('12h', now), now - 12 * 3600e3);
  assert.equal(parseSince('7d', now), now - 7 * 86400e3);
  assert.equal(parseSince('2026-12-01', now), Date.UTC(2026, 11, 1));
  assert.throws(() => parseSince('soon', now), /--since takes/);
});
