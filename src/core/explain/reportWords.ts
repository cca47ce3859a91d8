/**
 * The small pieces of wording and arithmetic the prediction report (report.ts) is written with: cleaning and
 * escaping text that came from users, rounding amounts so the figures in its sentences add up, and
 * chances, dates and feature names in plain words.
 */
import { formatNumber } from '../util/format';

/** Longest user-provided text shown as is; longer names are cut (the technical details keep the same cut). */
const MAX_TEXT = 160;

/**
 * User text on one line: newlines, tabs and control characters become spaces (a feature name must not start a
 * new Markdown block or table row), and bidirectional overrides become U+FFFD so they cannot reorder what a
 * reader sees around them.
 */
export function cleanText(s: string | number | boolean | null | undefined, max = MAX_TEXT): string {
  const text = String(s ?? '')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is being removed
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
    .replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, '\ufffd')
    .replace(/ {2,}/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Text for a Markdown inline: `<`, `>` and `&` as entities (so no raw tag ever appears, even in the source),
 * every character with an inline meaning backslash-escaped (CommonMark lets any ASCII punctuation be), and
 * `|` escaped so GitHub-flavoured tables keep their columns.
 */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/[\\`*_[\]~|$]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** The start of a paragraph or list item: also what would open a heading, list, quote or rule there. */
export function escapeMarkdownLead(s: string): string {
  return s.replace(/^(\d+)([.)])/, '$1\\$2').replace(/^([-+=#])/, '\\$1');
}

export { escapeHtml } from '../util/htmlPage';

/** `floor_area_m2` with unit `m²` reads "floor area"; without a unit "floor area m2". */
export function featureWords(name: string, unit: string | undefined): string {
  const words = cleanText(name)
    .replace(/[_]+/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim()
    .split(/\s+/);
  if (unit && words.length > 1 && simplify(words[words.length - 1]) === simplify(unit)) words.pop();
  const text = words.join(' ');
  return text || cleanText(name) || 'unnamed input';
}

function simplify(s: string): string {
  return s
    .toLowerCase()
    .replace(/²/g, '2')
    .replace(/³/g, '3')
    .replace(/[^a-z0-9]/g, '');
}

/** An input's value as a person reads it: a number with its unit, category text, or "unknown". */
export function valueWords(value: number | string | null, unit: string | undefined, categories?: string[]): string {
  if (value === null || value === undefined) return 'unknown (missing)';
  if (typeof value === 'string') return cleanText(value) || '(empty)';
  if (categories && Number.isInteger(value) && value >= 0 && value < categories.length) return cleanText(categories[value]);
  const n = formatNumber(value);
  return unit && Number.isFinite(value) ? `${n} ${cleanText(unit)}` : n;
}

/**
 * The rounding unit for amounts in sentences: four significant digits of the larger of the prediction and
 * the starting point (a price of 312,400 rounds to hundreds, a score of 4.1 to thousandths)...
 */
export function amountStep(scale: number[], parts: number[]): { step: number; decimals: number } {
  const largest = (vs: number[]) => Math.max(0, ...vs.filter((v) => Number.isFinite(v)).map(Math.abs));
  const s = largest(scale);
  if (s === 0) return { step: 1e-3, decimals: 3 };
  let exp = Math.floor(Math.log10(s)) - 3;
  // ...but the largest part keeps three digits, or a small change to a huge value would read "+0".
  const p = largest(parts);
  if (p > 0) exp = Math.min(exp, Math.floor(Math.log10(p)) - 2);
  return { step: 10 ** exp, decimals: Math.max(0, -exp) };
}

/** An amount already rounded to whole steps, with grouped thousands (like formatNumber) and fixed decimals. */
export function formatAmount(units: number, step: number, decimals: number): string {
  const v = units * step;
  if (!Number.isFinite(v)) return formatNumber(v);
  return Number(v.toFixed(Math.min(decimals, 20))).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: Math.min(decimals, 20) });
}

/**
 * Rounds `values` to whole numbers that add up to exactly `total` (largest-remainder apportionment): each
 * result is within one of its value, so the reader's sum of the rounded parts equals the rounded whole.
 * Non-finite input falls back to plain rounding (nothing can be made to add up then).
 */
export function apportion(values: number[], total: number): number[] {
  if (!Number.isFinite(total) || values.some((v) => !Number.isFinite(v))) return values.map((v) => Math.round(v));
  const floors = values.map((v) => Math.floor(v));
  let rest = total - floors.reduce((a, b) => a + b, 0);
  const order = values.map((v, i) => ({ i, frac: v - floors[i] }));
  const up = [...order].sort((a, b) => b.frac - a.frac || a.i - b.i);
  const down = [...order].sort((a, b) => a.frac - b.frac || a.i - b.i);
  // The parts are each within one of their value, so `rest` is between 0 and n unless the caller's total is
  // not the rounded sum; the loop still ends then (cycling through the parts), just less tidily.
  for (let k = 0; rest > 0 && values.length > 0; k++, rest--) floors[up[k % up.length].i] += 1;
  for (let k = 0; rest < 0 && values.length > 0; k++, rest++) floors[down[k % down.length].i] -= 1;
  return floors;
}

/**
 * Each size's fraction of their sum (NaN where it has none: a NaN or negative size, or sizes with no finite
 * positive largest). When the sum overflows (sizes near the largest double, 1.8e308) the sizes are divided by
 * the largest first; the callers multiply a fraction (at most 1) by 100, never a size.
 */
export function fractions(sizes: number[]): number[] {
  const ok = (v: number) => Number.isFinite(v) && v >= 0;
  const max = Math.max(0, ...sizes.filter(ok));
  if (!(max > 0) || sizes.some((v) => v === Infinity)) return sizes.map(() => NaN);
  const sum = sizes.reduce((a, v) => (ok(v) ? a + v : a), 0);
  if (Number.isFinite(sum)) return sizes.map((v) => (ok(v) ? v / sum : NaN));
  const scaled = sizes.map((v) => (ok(v) ? v / max : NaN));
  const total = scaled.reduce((a, v) => (Number.isNaN(v) ? a : a + v), 0);
  return scaled.map((v) => v / total);
}

/** A probability as a person reads it: "73.2%", never "0%" or "100%" for a model that is not certain. */
export function percentWords(p: number): string {
  if (!Number.isFinite(p)) return 'unknown';
  if (p <= 0) return '0%';
  if (p >= 1) return '100%';
  if (p < 0.001) return 'less than 0.1%';
  if (p > 0.999) return 'more than 99.9%';
  return `${(p * 100).toFixed(1)}%`;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * How strongly one contribution in log-odds moves a chance, in words. Near even odds, 0.25 moves 50% to 56%
 * and 1 moves it to 73%; the words describe that size, the share says how it compares with the others.
 */
export function strengthWord(logOdds: number): string {
  const a = Math.abs(logOdds);
  if (a >= 1) return 'strongly';
  if (a >= 0.25) return 'moderately';
  return 'slightly';
}

export function dateWords(ms: number | null | undefined): string | null {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return null;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Which row: "row 7" when every row was explained, else "explained row 5 (row 8 of the original data)", since
 * `--row` and the panel count the explained (sampled) rows while the person knows the row of their own data.
 */
export function rowWords(index: number, rowId: number): string {
  if (index === rowId) return `row ${formatNumber(rowId)}`;
  return `explained row ${formatNumber(index)} (row ${formatNumber(rowId)} of the original data)`;
}

export function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? 'an' : 'a';
}

/** "a, b and c" */
export function joinWords(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
