/** Plain-text rendering for the terminal: colours, aligned tables, timestamps. Numbers and durations come from core/util/format. */
import { MISSING } from '../core/util/format';

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;

export const color = {
  bold: (s: string) => (useColor ? `\x1b[1m${s}\x1b[22m` : s),
  dim: (s: string) => (useColor ? `\x1b[2m${s}\x1b[22m` : s),
  yellow: (s: string) => (useColor ? `\x1b[33m${s}\x1b[39m` : s),
  red: (s: string) => (useColor ? `\x1b[31m${s}\x1b[39m` : s),
  green: (s: string) => (useColor ? `\x1b[32m${s}\x1b[39m` : s),
};

// eslint-disable-next-line no-control-regex -- matching the terminal's escape sequences is the point
const ANSI = /\x1b\[[0-9;]*m/g;

/** Zero columns: combining marks, zero-width spaces and joiners, variation selectors, other invisible format characters. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;
/** East Asian Wide (W) and Fullwidth (F) ranges of Unicode's EastAsianWidth.txt, merged where adjacent. */
const WIDE: Array<[number, number]> = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function charWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp < 0x300) return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ? 0 : 1;
  if (ZERO_WIDTH.test(ch)) return 0;
  for (const [lo, hi] of WIDE) if (cp >= lo && cp <= hi) return 2;
  return EMOJI.test(ch) ? 2 : 1;
}

/**
 * Columns a string takes on a terminal: East Asian Wide and Fullwidth characters (CJK, Hangul, fullwidth
 * forms) and emoji take two, combining marks and zero-width characters none; colour codes are not counted.
 * A few dozen lines instead of the string-width package, whose tables and ESM-only releases are more than a table needs.
 */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s.replace(ANSI, '')) w += charWidth(ch);
  return w;
}

/** At most `max` columns: longer text ends in "…". Colour codes are dropped from text that has to be cut. */
export function clip(s: string, max: number): string {
  if (!Number.isFinite(max) || displayWidth(s) <= max) return s;
  let out = '';
  let w = 0;
  for (const ch of s.replace(ANSI, '')) {
    const cw = charWidth(ch);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return out + '…';
}

/** The widest a table cell gets before it is cut with "…" (a sha256 still fits). */
export const MAX_CELL = 64;

export function table(header: string[], rows: string[][], opts: { maxCell?: number } = {}): string {
  const max = opts.maxCell ?? MAX_CELL;
  const cut = rows.map((r) => r.map((c) => clip(c ?? '', max)));
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...cut.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c + ' '.repeat(Math.max(0, widths[i] - displayWidth(c))))
      .join('  ')
      .trimEnd();
  return [color.bold(line(header)), ...cut.map(line)].join('\n');
}

export function when(ms: number | null): string {
  if (ms === null) return MISSING;
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\x1b': '\\e' };

/**
 * Terminal-safe text: control characters from user strings (names, keys, paths, values) must not move the
 * cursor, recolour the screen, or start a fake row; they are shown escaped (\n, \e, \x07, \u202e). Also the
 * C1 controls, line/paragraph separators and bidirectional overrides, which reorder what is read.
 */
export function safe(s: string): string {
  // eslint-disable-next-line no-control-regex -- these control characters are what must not reach the terminal
  return s.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    if (NAMED[c]) return NAMED[c];
    const cp = c.charCodeAt(0);
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}
