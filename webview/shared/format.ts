/** Numbers for people: grouped thousands, at most 5 significant digits for fractions, exponents for the tiny and huge. */
export function fmt(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e9 || a < 1e-3)) return v.toExponential(3);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return a >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 1 }) : String(Number(v.toPrecision(5)));
}

/** The protocol sends NaN and ±Infinity as strings; turn a summary value back into a number (null stays null). */
export function num(v: number | string | null | undefined): number | null {
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
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const a = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(1)} s`;
  if (a < 3_600_000) return `${sign}${Math.floor(a / 60_000)} min ${String(Math.floor((a % 60_000) / 1000)).padStart(2, '0')} s`;
  return `${sign}${Math.floor(a / 3_600_000)} h ${String(Math.floor((a % 3_600_000) / 60_000)).padStart(2, '0')} min`;
}
