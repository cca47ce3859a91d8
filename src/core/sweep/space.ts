/**
 * A sweep's search space, as written on the command line or picked in the editor:
 *   grid   `lr=0.01,0.1`         every value is tried (the grid is the cartesian product of its options)
 *   random `n=50..400`           integers, drawn uniformly (both ends included)
 *          `lr=1e-4..1e-1:log`   floats (a `.`, `e` or `:log` makes it a float range), log-uniform with `:log`
 *          `opt=adam,sgd`        a choice, drawn uniformly
 * Values stay text: they are handed to the script as command-line arguments exactly as written or drawn.
 */
export type ParamSpec =
  | { name: string; kind: 'grid'; values: string[] }
  | { name: string; kind: 'choice'; values: string[] }
  | { name: string; kind: 'int'; low: number; high: number; log: boolean }
  | { name: string; kind: 'float'; low: number; high: number; log: boolean };

export class SpaceError extends Error {}

const NAME = /^[A-Za-z_][\w.-]{0,99}$/;

function splitSpec(spec: string): [string, string] {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new SpaceError(`"${spec}" is not name=values; e.g. lr=0.01,0.1 or n_estimators=50..400`);
  const name = spec.slice(0, eq).trim().replace(/^--/, '');
  if (!NAME.test(name)) throw new SpaceError(`"${name}" is not an option name (letters, digits, _ . -)`);
  return [name, spec.slice(eq + 1).trim()];
}

function list(name: string, text: string): string[] {
  const values = text.split(',').map((v) => v.trim());
  if (values.length === 0 || values.some((v) => v === '')) throw new SpaceError(`${name}: give values separated by commas, e.g. ${name}=0.01,0.1`);
  return [...new Set(values)];
}

/** `--grid name=v1,v2,…`: every value is tried. */
export function parseGrid(spec: string): ParamSpec {
  const [name, text] = splitSpec(spec);
  return { name, kind: 'grid', values: list(name, text) };
}

/** `--random name=low..high[:log]` or `name=a,b,c`: drawn at random (or suggested by Optuna). */
export function parseRandom(spec: string): ParamSpec {
  const [name, text] = splitSpec(spec);
  const m = /^(.+?)\.\.(.+?)(:log)?$/.exec(text);
  if (!m) return { name, kind: 'choice', values: list(name, text) };
  const [, lo, hi, logSuffix] = m;
  const low = Number(lo);
  const high = Number(hi);
  if (!Number.isFinite(low) || !Number.isFinite(high))
    throw new SpaceError(`${name}: "${text}" is not a range of numbers, e.g. ${name}=50..400 or ${name}=1e-4..1e-1:log`);
  if (!(low < high)) throw new SpaceError(`${name}: the range's low end (${lo}) must be below its high end (${hi})`);
  const log = Boolean(logSuffix);
  if (log && low <= 0) throw new SpaceError(`${name}: a :log range needs a low end above 0 (got ${lo})`);
  const isFloat = /[.eE]/.test(lo + hi);
  return isFloat ? { name, kind: 'float', low, high, log } : { name, kind: 'int', low, high, log };
}

/** The space as one line per option, for the sweep run's params and the progress header. */
export function describeSpec(p: ParamSpec): string {
  switch (p.kind) {
    case 'grid':
      return `grid ${p.values.join(',')}`;
    case 'choice':
      return `choice ${p.values.join(',')}`;
    default:
      return `${p.kind} ${p.low}..${p.high}${p.log ? ':log' : ''}`;
  }
}

/** Refuses an option given twice: its values would silently replace each other. */
export function checkSpace(space: ParamSpec[]): void {
  const seen = new Set<string>();
  for (const p of space) {
    if (seen.has(p.name)) throw new SpaceError(`${p.name} is given twice; give all its values in one --grid or --random`);
    seen.add(p.name);
  }
  if (space.length === 0) throw new SpaceError('nothing to sweep: give at least one --grid name=v1,v2 or --random name=low..high');
}
