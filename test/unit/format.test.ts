import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatBytes, formatDuration, formatNumber, relativeTime } from '../../src/core/util/format';

test('formatNumber: grouped thousands, 5 significant digits, exponents for the tiny and huge', () => {
  assert.equal(formatNumber(1234567), '1,234,567');
  assert.equal(formatNumber(0.123456789), '0.12346');
  assert.equal(formatNumber(1234.56), '1,234.6');
  assert.equal(formatNumber(0.000012345), '1.234e-5');
  assert.equal(formatNumber(12345678901), '1.235e+10');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(-2.5), '-2.5');
});

test('formatNumber: missing values are an em dash unless the caller names another mark', () => {
  assert.equal(formatNumber(null), '—');
  assert.equal(formatNumber(undefined), '—');
  assert.equal(formatNumber(null, ''), '');
});

test('formatNumber: NaN and ±Infinity, as numbers or as the protocol’s strings, read the same', () => {
  assert.equal(formatNumber(NaN), 'NaN');
  assert.equal(formatNumber(Infinity), 'Infinity');
  assert.equal(formatNumber(-Infinity), '-Infinity');
  for (const s of ['NaN', 'Infinity', '-Infinity']) assert.equal(formatNumber(s), s);
});

test('formatDuration: one style for every surface, with zero-padded minutes and seconds', () => {
  assert.equal(formatDuration(850), '850 ms');
  assert.equal(formatDuration(12_345), '12.3 s');
  assert.equal(formatDuration(245_000), '4 min 05 s');
  assert.equal(formatDuration(2 * 3_600_000 + 3 * 60_000 + 59_000), '2 h 03 min');
  assert.equal(formatDuration(null), '—');
  assert.equal(formatDuration(undefined), '—');
  assert.equal(formatDuration(-5), '—');
  assert.equal(formatDuration(NaN), '—');
});

test('relativeTime and formatBytes', () => {
  const now = Date.UTC(2024, 0, 31);
  assert.equal(relativeTime(now - 10_000, now), 'just now');
  assert.equal(relativeTime(now - 5 * 60_000, now), '5 min ago');
  assert.equal(relativeTime(now - 3 * 3_600_000, now), '3 h ago');
  assert.equal(relativeTime(null, now), '');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatBytes(5 * 1024 ** 3), '5.00 GiB');
});
