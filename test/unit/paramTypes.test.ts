/**
 * Issue 11 item 20: param values keep the JSON types the events carry (booleans, arrays, objects), and an
 * integer past 2^53 keeps every digit as a decimal string, through the parser, the index, getRun and the filter.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventLines, parseForIngest } from '../../src/core/events/parseEvents';
import { FastMetricScanner } from '../../src/core/events/fastMetrics';
import { exactMember, paramText } from '../../src/core/events/paramValue';
import { LineageWorkspace } from '../../src/core/workspace';
import { getRun } from '../../src/core/runs/queries';
import { compareRuns } from '../../src/core/runs/compareRuns';
import { filterRuns } from '../../src/core/runs/filter';
import { SCHEMA_VERSION } from '../../src/core/store/schema';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

const BIG = '1180591620717411303424'; // 2**70

const LINES = [
  '{"type":"param","key":"layers","value":[256,128,64]}',
  '{"type":"param","key":"flag","value":true}',
  `{"type":"param","key":"big","value":${BIG}}`,
  '{"type":"param","key":"neg","value":-9007199254740993}',
  '{"type":"param","key":"safe","value":9007199254740991}',
  '{"type":"param","key":"float","value":1e+22}',
  '{"type":"param","key":"digits","value":"12345678901234567890"}',
  `{"type":"param","key":"nested","value":{"a":[1,{"b":${BIG}}],"s":"x\\"y","n":null,"__proto__":{"p":1}}}`,
  '{"type":"param","key":"none","value":null}',
];
const EXPECTED: Record<string, unknown> = {
  layers: [256, 128, 64],
  flag: true,
  big: BIG,
  neg: '-9007199254740993',
  safe: 9007199254740991,
  float: 1e22,
  digits: '12345678901234567890',
  nested: JSON.parse(`{"a":[1,{"b":"${BIG}"}],"s":"x\\"y","n":null,"__proto__":{"p":1}}`),
  none: null,
};

function params(events: Array<{ type: string; key?: string; value?: unknown }>): Record<string, unknown> {
  return Object.fromEntries(events.filter((e) => e.type === 'param').map((e) => [e.key, e.value]));
}

test('the parser keeps arrays, objects and booleans, and integers past 2^53 as their decimal text (every path)', () => {
  const text = LINES.join('\n') + '\n';
  // The one-JSON.parse batch path, the line-by-line path (a CRLF forces it), and the ingest parser.
  const batch = parseEventLines(text, 1);
  const perLine = parseEventLines(LINES.join('\r\n') + '\r\n', 1);
  const ingest = parseForIngest(text, 1, new FastMetricScanner());
  for (const [name, got] of [
    ['parseEventLines', batch],
    ['parseEventLines (per line)', perLine],
    ['parseForIngest', ingest],
  ] as const) {
    assert.deepEqual(got.warnings, [], name);
    const p = params(got.events);
    assert.deepEqual(p, EXPECTED, name);
    assert.ok(Object.hasOwn(p.nested as object, '__proto__'), `${name}: a "__proto__" key stays a key`);
  }
});

test('an array or object param is held to 6,000 characters of its text as written, and 100 levels', () => {
  const long = JSON.stringify(Array.from({ length: 2000 }, (_, i) => i)); // 8,891 characters
  // Python writes 1e-05 where JSON.stringify writes 0.00001: the limit counts the line's own text.
  const asWritten = '[' + Array.from({ length: 999 }, () => '1e-05').join(',') + ']';
  assert.equal(asWritten.length, 5995);
  assert.ok(JSON.stringify(JSON.parse(asWritten)).length > 6000);
  const deep = '['.repeat(101) + ']'.repeat(101);
  const ok100 = '['.repeat(100) + ']'.repeat(100);
  const b = parseEventLines([long, asWritten, deep, ok100].map((v, i) => `{"type":"param","key":"k${i}","value":${v}}`).join('\n') + '\n', 1);
  const byLine = Object.fromEntries(b.warnings.map((w) => [w.line, w.message]));
  assert.match(byLine[1], /param "k0": value is 8891 characters, over the 6000 limit/);
  assert.equal(byLine[2], undefined, 'the limit counts the text as the SDK wrote it, not as JavaScript would');
  assert.match(byLine[3], /nests deeper than 100 levels/);
  assert.equal(byLine[4], undefined);
  assert.equal(b.events.length, 2);
});

test('exactMember reads one member exactly, and says when it cannot', () => {
  assert.deepEqual(exactMember(`{"type":"param","value":[${BIG}, 1.5e300, -0, "a\\\\"],"key":"k"}`, 'value'), {
    value: [BIG, 1.5e300, -0, 'a\\'],
    chars: `[${BIG}, 1.5e300, -0, "a\\\\"]`.length,
  });
  assert.equal(exactMember('{"type":"param"}', 'value'), undefined);
  assert.equal(exactMember('[1]', 'value'), undefined);
  assert.equal(exactMember('{"value":[1,}', 'value'), undefined);
  assert.equal(paramText([256, 128, 64]), '[256,128,64]');
  assert.equal(paramText(true), 'true');
  assert.equal(paramText(null), 'null');
  assert.equal(paramText('a b'), 'a b');
});

test('the index keeps the types: getRun and compare give them back, the filter still compares their text', async () => {
  const ws = tmpDir('lineage-paramtypes-');
  const a = path.basename(makeRunFolder(ws, { name: 'a', events: [...LINES, metricLine('loss', 1, 0)] }));
  const b = path.basename(
    makeRunFolder(ws, {
      name: 'b',
      events: ['{"type":"param","key":"layers","value":[256,128,64]}', '{"type":"param","key":"flag","value":false}', `{"type":"param","key":"big","value":2}`],
    }),
  );
  const lw = await LineageWorkspace.open(ws);
  try {
    const run = getRun(lw.store, a);
    assert.deepEqual({ ...run.params }, EXPECTED);
    const cmp = compareRuns([run, getRun(lw.store, b)]);
    const row = (k: string) => cmp.params.find((p) => p.key === k)!;
    assert.deepEqual(row('layers'), {
      key: 'layers',
      values: [
        [256, 128, 64],
        [256, 128, 64],
      ],
      differs: false,
    });
    assert.deepEqual(row('flag'), { key: 'flag', values: [true, false], differs: true });
    assert.deepEqual(row('big').values, [BIG, 2]);
    // The filter language works on `value` as before: booleans as "true"/"false", arrays as their JSON text, big integers as numbers.
    assert.deepEqual(filterRuns(lw.store, 'params.flag = true'), [a]);
    assert.deepEqual(filterRuns(lw.store, 'params.layers ~ "128,64"').sort(), [a, b].sort());
    assert.deepEqual(filterRuns(lw.store, 'params.big > 1e21'), [a]);
    assert.deepEqual(filterRuns(lw.store, 'params.nested ~ "\\"b\\""'), [a]);
  } finally {
    lw.close();
  }
});

test('migration 5: runs an older index flattened or skipped are read again from their folders', async () => {
  const ws = tmpDir('lineage-paramtypes-migrate-');
  const typed = path.basename(makeRunFolder(ws, { name: 'typed', events: [...LINES, metricLine('loss', 1, 0), metricLine('loss', 2, 1)] }));
  const plain = path.basename(makeRunFolder(ws, { name: 'plain', events: ['{"type":"param","key":"lr","value":0.1}', metricLine('loss', 3, 0)] }));
  let lw = await LineageWorkspace.open(ws);
  assert.equal(lw.store.get<{ v: number }>('SELECT user_version AS v FROM pragma_user_version')?.v, SCHEMA_VERSION);
  // The index as schema 4 left it: no json column, the boolean as text, 2**70 rounded, the array and object
  // skipped with the old reader's warning.
  lw.store.db.exec(`
    ALTER TABLE params DROP COLUMN json;
    UPDATE params SET value = 'true' WHERE key = 'flag';
    UPDATE params SET value = 1.1805916207174113e21 WHERE key = 'big';
    UPDATE params SET value = -9007199254740992.0 WHERE key = 'neg';
    DELETE FROM params WHERE key IN ('layers', 'nested');
    PRAGMA user_version = 4;
  `);
  lw.store.run('INSERT INTO run_warnings (run_id, line, message) VALUES (?, 1, ?)', [
    typed,
    'param "layers": value must be a string, number, boolean or null, got an array',
  ]);
  lw.store.run('UPDATE runs SET warnings_count = 1 WHERE id = ?', [typed]);
  const plainRow = lw.store.get<Record<string, unknown>>('SELECT * FROM runs WHERE id = ?', [plain]);
  await lw.save();
  lw.close();

  lw = await LineageWorkspace.open(ws);
  try {
    assert.equal(lw.store.get<{ v: number }>('SELECT user_version AS v FROM pragma_user_version')?.v, SCHEMA_VERSION);
    const run = getRun(lw.store, typed);
    assert.deepEqual({ ...run.params }, EXPECTED);
    assert.equal(run.warnings.count, 0, 'the old reader’s warning went with the rows it explained');
    assert.equal(run.metrics.find((m) => m.key === 'loss')?.count, 2, 'metrics read once, not twice');
    assert.deepEqual(lw.store.get('SELECT * FROM runs WHERE id = ?', [plain]), plainRow, 'a run without such params is not touched');
    assert.deepEqual(getRun(lw.store, plain).params, { lr: 0.1 });
  } finally {
    lw.close();
  }
  assert.ok(fs.existsSync(path.join(ws, '.lineage', 'runs', typed)));
});
