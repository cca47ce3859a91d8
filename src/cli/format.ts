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
const visible = (s: string) => s.replace(ANSI, '').length;

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c + ' '.repeat(widths[i] - visible(c)))
      .join('  ')
      .trimEnd();
  return [color.bold(line(header)), ...rows.map(line)].join('\n');
}

export function when(ms: number | null): string {
  if (ms === null) return MISSING;
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** Terminal-safe text: control characters from user strings must not move the cursor or recolour the screen. */
export function safe(s: string): string {
  // eslint-disable-next-line no-control-regex -- these control characters are what must not reach the terminal
  return s.replace(/[\x00-\x08\x0b-\x1f\x7f\x9b]/g, '?');
}
