import { randomBytes } from 'node:crypto';

/** `YYYYMMDD-HHMMSS-xxxxxx` in UTC: sorts by start time, readable, and unique across processes. */
export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}`;
  const time = `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${date}-${time}-${randomBytes(3).toString('hex')}`;
}

export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{6}$/;

const ADJECTIVES = [
  'amber',
  'brisk',
  'calm',
  'deft',
  'eager',
  'fair',
  'grand',
  'hazy',
  'keen',
  'lucid',
  'mellow',
  'nimble',
  'proud',
  'quiet',
  'rapid',
  'sharp',
  'sunny',
  'tidy',
  'vivid',
  'witty',
];
const NOUNS = [
  'birch',
  'cedar',
  'delta',
  'ember',
  'fjord',
  'grove',
  'harbor',
  'island',
  'lagoon',
  'meadow',
  'orchid',
  'pebble',
  'quartz',
  'river',
  'summit',
  'tundra',
  'valley',
  'willow',
  'yarrow',
  'zephyr',
];

/**
 * A memorable default name, like W&B's, so people can say "the brisk-harbor run". The number is the run's
 * place in the workspace (`seq`, counted from the run folders), so names practically never repeat: with
 * random numbers (1 in 38,800) two of 200 runs shared a name four times in ten, and tables show names.
 */
export function friendlyName(id: string, seq?: number): string {
  const hex = id.slice(-6);
  const n = parseInt(hex, 16) || 0;
  return `${ADJECTIVES[n % ADJECTIVES.length]}-${NOUNS[Math.floor(n / 20) % NOUNS.length]}-${seq ?? (n % 97) + 1}`;
}
