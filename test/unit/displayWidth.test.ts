import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { clip, displayWidth, safe, table } from '../../src/cli/format';

test('item 22: displayWidth counts East Asian Wide and Fullwidth as two columns, combining marks and zero-width as none', () => {
  assert.equal(displayWidth('abc'), 3);
  assert.equal(displayWidth('学習'), 4);
  assert.equal(displayWidth('한국어'), 6);
  assert.equal(displayWidth('ＡＢ'), 4, 'fullwidth forms');
  assert.equal(displayWidth('e\u0301'), 1, 'e + combining acute');
  assert.equal(displayWidth('a\u200bb'), 2, 'zero-width space');
  assert.equal(displayWidth('🚀'), 2);
  assert.equal(displayWidth('\x1b[1mbold\x1b[22m'), 4, 'colour codes take no room');
});

test('item 22: table pads by display width, so CJK cells line up, and cuts long cells with … within the width', () => {
  const out = table(
    ['NAME', 'X'],
    [
      ['学習', '1'],
      ['ab', '2'],
    ],
  ).split('\n');
  assert.deepEqual(out, ['NAME  X', '学習  1', 'ab    2']);
  const cut = clip('学'.repeat(100), 9);
  assert.ok(cut.endsWith('…'));
  assert.ok(displayWidth(cut) <= 9, cut);
  assert.equal(clip('short', 9), 'short');
});

test('item 22: safe escapes every control character, newlines and bidi overrides included', () => {
  assert.equal(safe('a\nb\tc\x1b[2Jd\x07\u202e'), 'a\\nb\\tc\\e[2Jd\\x07\\u202e');
  assert.equal(safe('plain 学習'), 'plain 学習');
});
