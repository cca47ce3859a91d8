/**
 * The Lineage run folders MLflow reads see besides the runs MLflow calls made: the launched run before a
 * `runs/create` claims it, and the child runs of the launched run (and of the endpoint's runs) that something
 * else made, such as Lineage's own autolog. They are read from run.json and events.jsonl on each read, shown in
 * the Default experiment ("0"), and read-only: MLflow writes go to the runs MLflow created.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseEventLines } from '../events/parseEvents';
import type { RunRecord } from '../runs/runRecord';
import { readRecord, RunSink } from './runSink';
import type { EndpointRun, TrackingState } from './tracking';

export interface Point {
  key: string;
  value: number;
  /** ms since the epoch, as MLflow keeps it. */
  timestamp: number;
  step: number;
}

/** A run folder's params, tags and metric points as MLflow holds them (param values as text). */
export function readRunEvents(dir: string): { params: Map<string, string>; tags: Map<string, string>; points: Point[] } {
  const params = new Map<string, string>();
  const tags = new Map<string, string>();
  const points: Point[] = [];
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
  } catch {
    return { params, tags, points };
  }
  // Whole lines only: the script may be writing the last one right now.
  const whole = text.slice(0, text.lastIndexOf('\n') + 1);
  const lastStep = new Map<string, number>();
  for (const e of parseEventLines(whole, 1).events) {
    if (e.type === 'param') params.set(e.key, typeof e.value === 'string' ? e.value : JSON.stringify(e.value));
    else if (e.type === 'tag') tags.set(e.key, e.value);
    else if (e.type === 'metric') {
      // A point without a step follows the key's previous one (docs/events-format.md).
      const step = e.step ?? (lastStep.get(e.key) ?? -1) + 1;
      lastStep.set(e.key, step);
      points.push({ key: e.key, value: e.value, timestamp: e.ts === undefined ? 0 : Math.round(e.ts * 1000), step });
    }
  }
  return { params, tags, points };
}

const STATUS: Record<string, string> = { running: 'RUNNING', finished: 'FINISHED', failed: 'FAILED', killed: 'KILLED' };

function asMlflowRun(id: string, dir: string, rec: Partial<RunRecord>): EndpointRun {
  const { params, tags, points } = readRunEvents(dir);
  const latest = new Map<string, { value: number; timestamp: number; step: number }>();
  for (const p of points) {
    const l = latest.get(p.key);
    if (!l || p.step > l.step || (p.step === l.step && p.timestamp >= l.timestamp)) latest.set(p.key, p);
  }
  const name = rec.name ?? id;
  if (!tags.has('mlflow.runName')) tags.set('mlflow.runName', name);
  if (rec.parentRunId && !tags.has('mlflow.parentRunId')) tags.set('mlflow.parentRunId', rec.parentRunId);
  const ended = rec.endedAt ? Date.parse(rec.endedAt) : NaN;
  return {
    run_id: id,
    experiment_id: '0',
    run_name: name,
    user_id: '',
    status: STATUS[rec.status ?? ''] ?? 'RUNNING',
    start_time: Date.parse(rec.startedAt ?? '') || 0,
    end_time: Number.isNaN(ended) ? undefined : ended,
    lifecycle_stage: 'active',
    params,
    tags,
    latest,
    inputs: [],
    outputs: [],
    dir,
    sink: new RunSink(dir),
  };
}

/** Run ids start with their start time (YYYYMMDD-HHMMSS): a child cannot have started before the launched run. */
const TIME_PREFIX = /^\d{8}-\d{6}/;

/** The folder runs, as of now. */
export function folderRuns(state: TrackingState): EndpointRun[] {
  const out: EndpointRun[] = [];
  if (!state.runs.has(state.runId)) out.push(asMlflowRun(state.runId, state.runDir, readRecord(state.runDir) ?? {}));
  const runsDir = path.dirname(state.runDir);
  const since = TIME_PREFIX.exec(state.runId)?.[0];
  let names: string[];
  try {
    names = fs.readdirSync(runsDir);
  } catch {
    return out;
  }
  const candidates: Array<{ id: string; dir: string; rec: Partial<RunRecord>; parent: string }> = [];
  for (const n of names) {
    if (n === state.runId || state.runs.has(n) || (since && n.slice(0, since.length) < since)) continue;
    const rec = readRecord(path.join(runsDir, n));
    if (rec?.parentRunId) candidates.push({ id: n, dir: path.join(runsDir, n), rec, parent: rec.parentRunId });
  }
  const parents = new Set([state.runId, ...state.runs.keys()]);
  // Grandchildren too: a child's children are found once the child is.
  for (let grew = true; grew;) {
    grew = false;
    for (const c of candidates)
      if (!parents.has(c.id) && parents.has(c.parent)) {
        parents.add(c.id);
        out.push(asMlflowRun(c.id, c.dir, c.rec));
        grew = true;
      }
  }
  return out;
}

/** Every run MLflow reads see: the endpoint's, then the folder runs. */
export function readableRuns(state: TrackingState): EndpointRun[] {
  return [...state.runs.values(), ...folderRuns(state)];
}

export function readableRun(state: TrackingState, id: string): EndpointRun | undefined {
  return state.runs.get(id) ?? folderRuns(state).find((r) => r.run_id === id);
}
