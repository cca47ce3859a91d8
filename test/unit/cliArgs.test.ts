import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseArgs, UsageError } from '../../src/cli/args';

const spec = { json: 'bool', name: 'string', limit: 'string', help: 'bool' } as const;

test('item 12: parseArgs refuses unknown single-dash options, values given to switches and control characters in values', () => {
  assert.throws(
    () => parseArgs(['-x'], spec),
    (e: Error) => e instanceof UsageError && /unknown option -x/.test(e.message),
  );
  assert.throws(() => parseArgs(['--json=no'], spec), /--json takes no value/);
  assert.throws(() => parseArgs(['--name', 'a\nb'], spec), /--name contains a control character/);
  assert.throws(() => parseArgs(['--name=a\x1bb'], spec), /control character/);
});

test('item 12: parseArgs still takes what is valid: negative numbers as values, a lone dash, -h, and anything after --', () => {
  assert.deepEqual(parseArgs(['--limit', '-1', '-', '-h'], spec).flags, { limit: '-1', help: true });
  assert.deepEqual(parseArgs(['--limit', '-1', '-'], spec).positional, ['-']);
  assert.deepEqual(parseArgs(['--json', '--', '-x', '--y'], spec).rest, ['-x', '--y']);
  assert.deepEqual(parseArgs(['train.py', '-x'], spec, true).rest, ['train.py', '-x']);
});
