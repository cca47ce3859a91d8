import { formatDuration, formatNumber } from '../../src/core/util/format';

/** Numbers for people, the same as the CLI and the editor write them (src/core/util/format.ts). */
export function fmt(v: number | string | null | undefined): string {
  return formatNumber(v);
}

/** The protocol sends NaN and ±Infinity as strings; turn a summary value back into a number (null stays null). */
export function parseNumber(v: number | string | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity' || v === '+Infinity' || v === 'inf') return Infinity;
  if (v === '-Infinity' || v === '-inf') return -Infinity;
  const n = Number(v);
  return v.trim() !== '' && !Number.isNaN(n) ? n : null;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A param value as a number when it is one (argparse values can arrive as numeric strings). */
export function numericParam(v: string | number | null | undefined): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && NUMERIC.test(v.trim())) return Number(v);
  return null;
}

/** Milliseconds as a short duration: 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min. */
export function duration(ms: number | null | undefined): string {
  return formatDuration(ms);
}
