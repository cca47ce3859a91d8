import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseEventLines, safeRunPath } from '../../src/core/events/parseEvents';

test('a clean batch parses in one go with line numbers', () => {
  const text =
    ['{"type":"header","schema":1}', '{"type":"param","key":"lr","value":0.1}', '{"type":"metric","key":"loss","value":"NaN","step":3,"ts":1.5}'].join('\n') +
    '\n';
  const b = parseEventLines(text, 10);
  assert.equal(b.warnings.length, 0);
  assert.equal(b.events.length, 3);
  assert.deepEqual([...b.lines], [10, 11, 12]);
  const m = b.events[2];
  assert.equal(m.type, 'metric');
  assert.ok(m.type === 'metric' && Number.isNaN(m.value) && m.step === 3 && m.ts === 1.5);
});

test('garbage lines are skipped with a readable, numbered warning and the rest kept', () => {
  const lines = [
    '{"type":"metric","key":"a","value":1}',
    'not json at all',
    '',
    '{"type":"metric","key":"a","value":"high"}',
    '{"type":"metric","key":"a","value":2,"step":"x"}',
    `{"type":"param","key":"big","value":"${'x'.repeat(6001)}"}`,
    '{"type":"artifact","path":"../../etc/passwd"}',
    '{"type":"artifact","path":"/etc/passwd"}',
    '{"type":"model","path":"artifacts/../../x.pkl","flavor":"sklearn"}',
    '{"type":"wat"}',
    '[1,2]',
    '1,2',
    '{"type":"tag","key":"k","value":3}',
    '{"type":"metric","key":"a","value":3}',
  ];
  const b = parseEventLines(lines.join('\n') + '\n', 1);
  assert.equal(b.events.length, 2);
  assert.deepEqual([...b.lines], [1, 14]);
  const byLine = Object.fromEntries(b.warnings.map((w) => [w.line, w.message]));
  assert.match(byLine[2], /not JSON/);
  assert.match(byLine[3], /empty line/);
  assert.match(byLine[4], /value must be a number/);
  assert.match(byLine[5], /step must be a finite number/);
  assert.match(byLine[6], /over the 6000 limit/);
  assert.match(byLine[7], /escapes the run folder/);
  assert.match(byLine[8], /absolute/);
  assert.match(byLine[9], /escapes the run folder/);
  assert.match(byLine[10], /unknown event type/);
  assert.match(byLine[11], /not a JSON object/);
  assert.match(byLine[12], /not JSON/);
  assert.match(byLine[13], /tag "k": value must be a string/);
  assert.equal(b.warnings.length, 12);
});

test('CRLF line endings are accepted', () => {
  const b = parseEventLines('{"type":"metric","key":"a","value":1}\r\n{"type":"metric","key":"a","value":2}\r\n', 1);
  assert.equal(b.events.length, 2);
  assert.equal(b.warnings.length, 0);
});

test('a newer schema header is reported, not silently misread', () => {
  const b = parseEventLines('{"type":"header","schema":7}\n', 1);
  assert.match(b.warnings[0].message, /schema 7 is newer/);
});

test('run paths are normalised and kept inside the run folder', () => {
  assert.equal(safeRunPath('artifacts/./model.pkl'), 'artifacts/model.pkl');
  assert.equal(safeRunPath('artifacts\\model.pkl'), 'artifacts/model.pkl');
  assert.ok(safeRunPath('..').startsWith('!'));
  assert.ok(safeRunPath('a/../../b').startsWith('!'));
  assert.ok(safeRunPath('C:\\x').startsWith('!'));
  assert.ok(safeRunPath('a\0b').startsWith('!'));
});
