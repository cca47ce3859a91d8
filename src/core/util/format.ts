/**
 * Number and time formatting shared by the CLI, the editor and the webviews, so all three say the same
 * thing. A missing value is an em dash everywhere unless the caller asks for another mark.
 */
export const MISSING = '—';

/** Numbers for people: grouped thousands, at most 5 significant digits for fractions, exponents for the tiny and huge. */
export function formatNumber(v: number | string | null | undefined, missing = MISSING): string {
  if (v === null || v === undefined) return missing;
  // The webview protocol carries NaN and ±Infinity as strings (JSON has no such numbers): already text.
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e9 || a < 1e-3)) return v.toExponential(3);
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return a >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 1 }) : String(Number(v.toPrecision(5)));
}

export function relativeTime(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return '';
  const s = Math.round((now - ms) / 1000);
  if (s < 45) return 'just now';
  if (s < 90) return '1 min ago';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 30) return `${d} d ago`;
  return new Date(ms).toISOString().slice(0, 10);
}

/** Milliseconds as a short duration: 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min (the zero padding keeps columns steady). */
export function formatDuration(ms: number | null | undefined): string {
  // A negative span is a clock that moved backwards, not a duration: shown as missing like an unfinished run.
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return MISSING;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${pad(Math.floor((ms % 60_000) / 1000))} s`;
  return `${Math.floor(ms / 3_600_000)} h ${pad(Math.floor((ms % 3_600_000) / 60_000))} min`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
