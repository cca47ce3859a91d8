import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { FastMetricScanner, parseJsonNumber } from '../../src/core/events/fastMetrics';
import { parseEventLines, parseForIngest } from '../../src/core/events/parseEvents';

test('the fast path reads exactly what JSON.parse reads, for every number spelling', () => {
  const numbers = [
    '0',
    '-0',
    '1',
    '-17',
    '0.5',
    '3.141592653589793',
    '0.1',
    '0.30000000000000004',
    '123456789012345',
    '1234567890123456789',
    '1e5',
    '1E-7',
    '-2.5e+3',
    '1e400',
    '-1e400',
    '5e-324',
    '0.000001',
    '999999999999999.9',
    '1.7976931348623157e308',
    '28410.123456',
  ];
  for (const n of numbers) assert.equal(Object.is(parseJsonNumber(n, 0, n.length), JSON.parse(n)), true, n);
  for (const bad of ['01', '1.', '.5', '-', '1e', '+1', '1x', '0x10', 'NaN', '']) assert.ok(Number.isNaN(parseJsonNumber(bad, 0, bad.length)), bad);
});

test('fast and general parsing give the same points, steps, times and warnings, in file order', () => {
  const lines = [
    '{"type":"metric","key":"loss","value":0.5,"step":0,"ts":1795756323.512}',
    '{"type":"metric","key":"loss","value":"NaN","step":1,"ts":1795756323.6}',
    '{"type":"metric", "key":"loss","value":0.25,"step":2,"ts":1795756324}',
    '{"type":"metric","key":"lo\\"ss","value":1,"step":0,"ts":1795756324.001}',
    '{"type":"metric","key":"loss","value":"-Infinity","step":3,"ts":1795756324.0015}',
    '{"type":"metric","key":"acc","value":1e-3,"step":-4,"ts":1}',
    '{"type":"metric","key":"acc","value":01,"step":5,"ts":1}',
    '{"type":"metric","key":"acc","value":2}',
    '{"type":"param","key":"lr","value":0.1}',
    '{"type":"metric","key":"loss","value":"high","step":4,"ts":1}',
    '{"type":"metric","key":"loss","value":7,"step":5,"ts":1795756325.25}\r',
  ];
  const text = lines.join('\n') + '\n';
  const scanner = new FastMetricScanner();
  const fast = parseForIngest(text, 1, scanner);
  const general = parseEventLines(text, 1);
  assert.deepEqual(fast.warnings, general.warnings);
  assert.deepEqual(
    fast.events,
    general.events.filter((e) => e.type !== 'metric'),
  );
  const expected = new Map<string, { steps: number[]; ts: number[]; values: number[]; lines: number[] }>();
  general.events.forEach((e, i) => {
    if (e.type !== 'metric') return;
    const c = expected.get(e.key) ?? { steps: [], ts: [], values: [], lines: [] };
    c.steps.push(e.step ?? NaN);
    c.ts.push(e.ts === undefined ? NaN : Math.round(e.ts * 1000));
    c.values.push(e.value);
    c.lines.push(general.lines[i]);
    expected.set(e.key, c);
  });
  assert.deepEqual([...scanner.metrics.keys()].sort(), [...expected.keys()].sort());
  for (const [k, c] of expected) assert.deepEqual(scanner.metrics.get(k), c, k);
});
