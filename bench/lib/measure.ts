/** What every benchmark needs: its settings from the environment, a clock, medians, seeded data. */

export function envInt(name: string, dflt: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`${name} must be an integer, got ${v}`);
  return n;
}

export const now = () => performance.now();

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** mulberry32, seeded, so every run (of a benchmark or a test) works on the same numbers: the one sweeps use. */
export { rng as mulberry32 } from '../../src/core/sweep/sample';
