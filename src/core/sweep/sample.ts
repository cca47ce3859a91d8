import type { ParamSpec } from './space';

/** One point of the space: option name → the value given to the script, as text. */
export type Point = Record<string, string>;

/** mulberry32: small, fast and the same on every platform, so a recorded seed gives the same sweep again. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The cartesian product of the grid options, in the order given (the last option varies fastest). */
export function gridPoints(space: ParamSpec[]): Point[] {
  let points: Point[] = [{}];
  for (const p of space) {
    if (p.kind !== 'grid') continue;
    points = points.flatMap((pt) => p.values.map((v) => ({ ...pt, [p.name]: v })));
  }
  return points;
}

/** A float as short text that still says the drawn value to 6 significant digits (what the script parses). */
function floatText(x: number): string {
  return String(Number(x.toPrecision(6)));
}

export function draw(p: ParamSpec, next: () => number): string {
  switch (p.kind) {
    case 'grid':
    case 'choice':
      return p.values[Math.min(p.values.length - 1, Math.floor(next() * p.values.length))];
    case 'int': {
      if (p.log) {
        const v = Math.exp(Math.log(p.low) + next() * (Math.log(p.high + 1) - Math.log(p.low)));
        return String(Math.min(p.high, Math.max(p.low, Math.floor(v))));
      }
      return String(p.low + Math.floor(next() * (p.high - p.low + 1)));
    }
    case 'float':
      return floatText(p.log ? Math.exp(Math.log(p.low) + next() * (Math.log(p.high) - Math.log(p.low))) : p.low + next() * (p.high - p.low));
  }
}

/**
 * The trials of a grid and/or random sweep: every grid point, and with random options `samples` draws of
 * them at each grid point (so `--grid lr=a,b --random n=1..9 --samples 3` is 6 runs). Same seed, same list.
 */
export function plannedPoints(space: ParamSpec[], samples: number, seed: number): Point[] {
  const random = space.filter((p) => p.kind !== 'grid');
  const grid = gridPoints(space);
  if (random.length === 0) return grid;
  const next = rng(seed);
  const out: Point[] = [];
  for (let i = 0; i < samples; i++) for (const g of grid) out.push({ ...g, ...Object.fromEntries(random.map((p) => [p.name, draw(p, next)])) });
  return out;
}

/** The command-line arguments for one point: `--name value` for each option, in the space's order. */
export function pointArgs(space: ParamSpec[], point: Point): string[] {
  return space.flatMap((p) => (p.name in point ? [`--${p.name}`, point[p.name]] : []));
}
