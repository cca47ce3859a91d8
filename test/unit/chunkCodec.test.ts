import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { decodeChunk, encodeChunk } from '../../src/core/metrics/chunkCodec';

function roundTrip(steps: number[], ts: number[], values: number[]) {
  const p = { steps: Float64Array.from(steps), ts: Float64Array.from(ts), values: Float64Array.from(values) };
  const bytes = encodeChunk(p);
  const back = decodeChunk(bytes);
  assert.deepEqual([...back.steps], steps);
  assert.deepEqual(
    [...back.ts].map((t) => (Number.isNaN(t) ? 'nan' : t)),
    ts.map((t) => (Number.isNaN(t) ? 'nan' : t)),
  );
  assert.deepEqual([...back.values].map(String), values.map(String));
  return bytes;
}

test('regular steps cost 16 bytes in all, times 4 bytes a point, values 8', () => {
  const n = 1000;
  const steps = Array.from({ length: n }, (_, i) => i);
  const ts = Array.from({ length: n }, (_, i) => 1795756323512 + i * 37);
  const values = Array.from({ length: n }, (_, i) => Math.exp(-i / 100) + Math.sin(i) * 1e-3);
  const bytes = roundTrip(steps, ts, values);
  assert.equal(bytes.length, 8 + 16 + 8 + 4 * n + 8 * n);
});

test('keeps NaN, ±Infinity, -0 and huge values exactly', () => {
  roundTrip([0, 1, 2, 3, 4], [1, 2, 3, 4, 5], [NaN, Infinity, -Infinity, -0, 1.7976931348623157e308]);
});

test('irregular, negative, fractional and huge steps', () => {
  roundTrip([0, 5, 3, -2], [NaN, NaN, NaN, NaN], [1, 2, 3, 4]);
  roundTrip([0.5, 1.5, 10], [10, 20, 30], [1, 2, 3]);
  roundTrip([0, 2 ** 40, 2 ** 41], [0, 0, 0], [1, 2, 3]);
});

test('missing timestamps among present ones, and timestamps too far apart for int32 offsets', () => {
  roundTrip([0, 1, 2], [1000, NaN, 3000], [1, 2, 3]);
  roundTrip([0, 1], [0, 1e13], [1, 2]);
  roundTrip([0, 1], [1000.25, 2000.5], [1, 2]);
});

test('a single point and an empty chunk', () => {
  roundTrip([7], [123], [0.25]);
  roundTrip([], [], []);
});

test('a sub-range encodes only that range', () => {
  const p = { steps: Float64Array.from([0, 1, 2, 3]), ts: Float64Array.from([1, 2, 3, 4]), values: Float64Array.from([9, 8, 7, 6]) };
  const back = decodeChunk(encodeChunk(p, 1, 3));
  assert.deepEqual([...back.values], [8, 7]);
  assert.deepEqual([...back.steps], [1, 2]);
});
