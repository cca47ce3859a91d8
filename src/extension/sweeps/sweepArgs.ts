import * as path from 'node:path';
import type { NewSweep } from '../../core/sweep/runner';
import { checkSpace, parseGrid, parseRandom, type ParamSpec } from '../../core/sweep/space';
import { parseObjective, type Strategy } from '../../core/sweep/state';

/**
 * Run Sweep's argument object: what the pickers produce, and what a test, a task or a keybinding can pass
 * to skip them. Values use the CLI's syntax (docs/sweeps.md): grid `"0.01,0.1"`, random `"50..400"`,
 * `"1e-4..1e-1:log"` or `"a,b,c"`.
 */
export interface SweepArgs {
  /** The script, absolute or relative to the workspace folder. */
  script: string;
  grid?: Record<string, string>;
  random?: Record<string, string>;
  /** Random draws per grid point. */
  samples?: number;
  optuna?: boolean;
  trials?: number;
  parallel?: number;
  seed?: number;
  /** `metric:min` or `metric:max`. */
  objective: string;
  /** Arguments every run gets before the swept ones. */
  args?: string[];
  name?: string;
}

export function isSweepArgs(a: unknown): a is SweepArgs {
  const o = a as SweepArgs | undefined;
  return !!o && typeof o === 'object' && typeof o.script === 'string' && typeof o.objective === 'string';
}

/** The argument object as the core's NewSweep; a mistake throws with the CLI's message. */
export function toNewSweep(a: SweepArgs, folder: string): Omit<NewSweep, 'workspace' | 'createdBy' | 'python'> {
  const script = path.resolve(folder, a.script);
  const space: ParamSpec[] = [
    ...Object.entries(a.grid ?? {}).map(([k, v]) => parseGrid(`${k}=${v}`)),
    ...Object.entries(a.random ?? {}).map(([k, v]) => parseRandom(`${k}=${v}`)),
  ];
  checkSpace(space);
  const strategy: Strategy = a.optuna ? 'optuna' : Object.keys(a.random ?? {}).length ? 'random' : 'grid';
  const samples = a.optuna ? (a.trials ?? 20) : (a.samples ?? 10);
  if (!Number.isInteger(samples) || samples < 1) throw new Error(`${a.optuna ? 'trials' : 'samples'} must be a whole number of at least 1`);
  return {
    script,
    scriptArgs: a.args ?? [],
    cwd: path.dirname(script),
    strategy,
    space,
    samples,
    seed: a.seed,
    parallel: a.parallel,
    name: a.name,
    objective: parseObjective(a.objective),
    command: ['lineage', 'sweep', path.relative(folder, script), ...space.flatMap((p) => [p.kind === 'grid' ? '--grid' : '--random', specText(p)])],
  };
}

function specText(p: ParamSpec): string {
  if (p.kind === 'grid' || p.kind === 'choice') return `${p.name}=${p.values.join(',')}`;
  return `${p.name}=${p.low}..${p.high}${p.log ? ':log' : ''}`;
}
