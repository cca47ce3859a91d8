import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_ID_PATTERN } from '../util/ids';
import { isProcessAlive, writeFileAtomicSync } from '../util/fsx';
import type { ParamSpec } from './space';
import type { Point } from './sample';

export type Strategy = 'grid' | 'random' | 'optuna';
export type Direction = 'min' | 'max';

/**
 * A trial's place in the queue. 'interrupted': it was running when the sweep's process died and its run
 * ended without a result (its process gone too); the same params are queued again as a new trial.
 * 'cancelled': pending when the sweep was stopped.
 */
export type TrialStatus = 'pending' | 'running' | 'finished' | 'failed' | 'killed' | 'interrupted' | 'cancelled';

export interface SweepTrial {
  n: number;
  params: Point;
  status: TrialStatus;
  runId?: string;
  /** The objective's final value; null when the run logged none, or NaN/infinite (never best). */
  value?: number | null;
}

export type SweepStatus = 'running' | 'finished' | 'failed' | 'stopped';

/**
 * `.lineage/sweeps/<sweep-id>.json`: everything needed to go on after the process running the sweep died
 * (a window reload, a killed CLI). The sweep id is the id of its own run (the parent of the trials' runs).
 */
export interface SweepState {
  schema: 1;
  id: string;
  name: string;
  /** The script and the arguments every trial gets before the swept ones, relative to cwd. */
  script: string;
  scriptArgs: string[];
  cwd: string;
  python?: string;
  experiment?: string;
  strategy: Strategy;
  space: ParamSpec[];
  /** Random draws per grid point (random), or the number of trials (optuna). */
  samples: number;
  seed: number;
  parallel: number;
  objective: { metric: string; direction: Direction };
  status: SweepStatus;
  trials: SweepTrial[];
  best?: { runId: string; value: number; n: number };
  /** Who runs it now: another live process on this host means "already running", not "to resume". */
  owner?: { pid: number; host: string };
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** A trial with a result (a failed one included): what "n of N ended" counts. */
export const ENDED: ReadonlySet<string> = new Set(['finished', 'failed', 'killed']);

export function sweepsDir(workspace: string): string {
  return path.join(workspace, '.lineage', 'sweeps');
}

export function sweepFile(workspace: string, id: string): string {
  if (!RUN_ID_PATTERN.test(id)) throw new Error(`"${id}" is not a sweep id (it looks like 20261205-141500-4fa9c1); \`lineage sweep --list\` shows them.`);
  return path.join(sweepsDir(workspace), `${id}.json`);
}

export function saveSweep(workspace: string, s: SweepState): void {
  s.updatedAt = new Date().toISOString();
  fs.mkdirSync(sweepsDir(workspace), { recursive: true });
  writeFileAtomicSync(sweepFile(workspace, s.id), JSON.stringify(s, null, 2));
}

export function loadSweep(workspace: string, id: string): SweepState {
  const file = sweepFile(workspace, id);
  let s: SweepState;
  try {
    s = JSON.parse(fs.readFileSync(file, 'utf8')) as SweepState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`No sweep ${id} in ${sweepsDir(workspace)}; \`lineage sweep --list\` shows the sweeps there.`, { cause: err });
    throw new Error(`The sweep file ${file} could not be read (${(err as Error).message}).`, { cause: err });
  }
  if (s?.schema !== 1 || s.id !== id || !Array.isArray(s.trials) || !Array.isArray(s.space))
    throw new Error(`The sweep file ${file} is not a Lineage sweep (schema 1).`);
  return s;
}

export function listSweeps(workspace: string): SweepState[] {
  let names: string[];
  try {
    names = fs.readdirSync(sweepsDir(workspace));
  } catch {
    return [];
  }
  const out: SweepState[] = [];
  for (const n of names.sort()) {
    const id = n.replace(/\.json$/, '');
    if (!n.endsWith('.json') || !RUN_ID_PATTERN.test(id)) continue;
    try {
      out.push(loadSweep(workspace, id));
    } catch {
      /* a broken file is reported when it is resumed by id */
    }
  }
  return out;
}

/** Whether another live process is running this sweep now (this host only: a pid means nothing elsewhere). */
export function runByOther(s: SweepState, host: string): boolean {
  return s.status === 'running' && !!s.owner && s.owner.pid !== process.pid && s.owner.host === host && isProcessAlive(s.owner.pid);
}

/** Sweeps left running by a process that is gone: what a reloaded window offers to resume. */
export function unfinishedSweeps(workspace: string, host: string): SweepState[] {
  return listSweeps(workspace).filter((s) => s.status === 'running' && !runByOther(s, host));
}

/** The best finished trial by the objective; a trial without a finite value never wins. Ties: the earliest. */
export function bestTrial(trials: SweepTrial[], direction: Direction): SweepTrial | undefined {
  let best: SweepTrial | undefined;
  for (const t of trials) {
    if (t.status !== 'finished' || typeof t.value !== 'number' || !Number.isFinite(t.value) || !t.runId) continue;
    if (!best || (direction === 'min' ? t.value < best.value! : t.value > best.value!)) best = t;
  }
  return best;
}

export function parseObjective(text: string): { metric: string; direction: Direction } {
  const m = /^([^:\s]{1,250}):(min|max)$/.exec(text.trim());
  if (!m) throw new Error(`the objective "${text}" is not metric:min or metric:max, e.g. val_rmse:min`);
  return { metric: m[1], direction: m[2] as Direction };
}
