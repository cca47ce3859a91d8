/**
 * The MLflow tracking endpoints the client uses while a script logs (experiments get-by-name/get/create, runs
 * create/update, log-batch, log-metric, log-parameter, set-tag, log-inputs), answered with MLflow 3.6's
 * JSON shapes, status codes and limits, and written into the Lineage run: the first top-level MLflow run is
 * the launched run itself, a nested one a child run under its MLflow parent, a later top-level one a child run
 * under the launched run.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, invalid, missing, notFound } from './errors';
import { endChild, RunSink, startChild } from './runSink';
import type { RunRecord, RunStatus } from '../runs/runRecord';
import { createLoggedModel, type LoggedModel } from './loggedModels';
import { kvs, text, type Body, type KV } from './values';

export type { Body };
interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  last_update_time: number;
  creation_time: number;
}
interface Latest {
  value: number;
  timestamp: number;
  step: number;
}
export interface EndpointRun {
  run_id: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time?: number;
  lifecycle_stage: string;
  params: Map<string, string>;
  tags: Map<string, string>;
  latest: Map<string, Latest>;
  inputs: Array<{ tags: KV[]; dataset: Record<string, string> }>;
  outputs: Array<{ model_id: string; step: number }>;
  dir: string;
  sink: RunSink;
  /** Set for child runs: run.json is ours to end. */
  record?: RunRecord;
}

const NAME = /^[A-Za-z0-9_\-. :/]+$/;
/**
 * MLflow 3.6 keeps a longer param value cut to 6,000 characters and answers 200 (e_limits #10, #22); a string of
 * that length is also within Lineage's param limit (docs/events-format.md), so both sides hold the same text.
 */
const PARAM_MAX = 6000;

export function jsonDouble(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 1.7976931348623157e308;
  if (v === -Infinity) return -1.7976931348623157e308;
  return v;
}
/** How events.jsonl writes a non-finite value. */
const eventValue = (v: number): number | string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);

function checkName(key: string): void {
  if (!NAME.test(key) || key.split('/').includes('..'))
    throw invalid(
      `Invalid value "${key}" for parameter 'name' supplied: Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
}

function metricValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw invalid(`Invalid value ${JSON.stringify(v)} for parameter 'value' supplied: give a number, or "NaN", "Infinity", "-Infinity".`);
}

export class TrackingState {
  experiments = new Map<string, Experiment>();
  runs = new Map<string, EndpointRun>();
  models = new Map<string, LoggedModel>();
  private nextExperiment = 1;
  private rootTaken = false;

  constructor(
    readonly runDir: string,
    readonly runId: string,
  ) {
    this.addExperiment('0', 'Default');
  }

  private addExperiment(id: string, name: string): Experiment {
    const now = Date.now();
    const e = { experiment_id: id, name, artifact_location: `mlflow-artifacts:/${id}`, lifecycle_stage: 'active', last_update_time: now, creation_time: now };
    this.experiments.set(id, e);
    return e;
  }

  createExperiment(name: string): Experiment {
    return this.addExperiment(String(this.nextExperiment++), name);
  }

  experimentByName(name: string): Experiment | undefined {
    return [...this.experiments.values()].find((e) => e.name === name);
  }

  /** The launched run for the first top-level MLflow run, a child run folder for every other. */
  place(name: string, startMs: number, parentId: string | undefined): { id: string; dir: string; record?: RunRecord } {
    if (parentId === undefined && !this.rootTaken) {
      this.rootTaken = true;
      return { id: this.runId, dir: this.runDir };
    }
    // A nested run goes under its MLflow parent (a grid search's candidates under the search), else under the launched run.
    return startChild((parentId && this.runs.get(parentId)?.dir) || this.runDir, name, startMs);
  }

  /** Child runs the script left running end as killed, as the script that owned them did. */
  close(): void {
    for (const r of this.runs.values()) {
      if (r.record && r.record.status === 'running') endRun(r, 'killed', Date.now());
      r.sink.close();
    }
  }
}

function endRun(r: EndpointRun, status: RunStatus, endMs: number): void {
  if (!r.record) return;
  r.sink.append([{ type: 'status', status }]);
  endChild(r.dir, r.record, status, endMs);
}

const LINEAGE_STATUS: Record<string, RunStatus> = { FINISHED: 'finished', FAILED: 'failed', KILLED: 'killed' };

export interface Ctx {
  state: TrackingState;
  query: URLSearchParams;
  body: Body;
}

function str(b: Body, k: string): string | undefined {
  const v = b[k];
  return v === undefined || v === null ? undefined : text(v);
}

function getRun(c: Ctx): EndpointRun {
  const id = str(c.body, 'run_id') ?? str(c.body, 'run_uuid') ?? c.query.get('run_id') ?? c.query.get('run_uuid') ?? undefined;
  if (!id) throw missing('run_id');
  const r = c.state.runs.get(id);
  if (!r) throw notFound(`Run with id=${id} not found`);
  return r;
}

export const artifactUri = (r: EndpointRun): string => `mlflow-artifacts:/${r.experiment_id}/${r.run_id}/artifacts`;

function runInfoJson(r: EndpointRun): Body {
  const info: Body = {
    run_uuid: r.run_id,
    experiment_id: r.experiment_id,
    run_name: r.run_name,
    user_id: r.user_id,
    status: r.status,
    start_time: r.start_time,
  };
  if (r.end_time !== undefined) info.end_time = r.end_time;
  return Object.assign(info, { artifact_uri: artifactUri(r), lifecycle_stage: r.lifecycle_stage, run_id: r.run_id });
}

export function runJson(r: EndpointRun, withOutputs = true): Body {
  const data: Body = {};
  if (r.latest.size) data.metrics = [...r.latest].map(([key, m]) => ({ key, value: jsonDouble(m.value), timestamp: m.timestamp, step: m.step }));
  if (r.params.size) data.params = [...r.params].map(([key, value]) => ({ key, value }));
  if (r.tags.size) data.tags = [...r.tags].map(([key, value]) => ({ key, value }));
  const inputs: Body = {};
  if (r.inputs.length) inputs.dataset_inputs = r.inputs.map((i) => ({ tags: [...i.tags].sort((a, b) => a.key.localeCompare(b.key)), dataset: i.dataset }));
  const out: Body = { info: runInfoJson(r), data, inputs };
  if (withOutputs) out.outputs = r.outputs.length ? { model_outputs: r.outputs } : {};
  return out;
}

function paramEvents(r: EndpointRun, given: KV[]): Body[] {
  const out: Body[] = [];
  const params = given.map(({ key, value }) => ({ key, value: value.length > PARAM_MAX ? value.slice(0, PARAM_MAX) : value }));
  for (const { key, value } of params) {
    checkName(key);
    const old = r.params.get(key);
    if (old !== undefined && old !== value)
      throw invalid(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${r.run_id}'. Attempted logging new value '${value}'.`,
      );
  }
  for (const { key, value } of params) {
    if (r.params.has(key)) continue;
    r.params.set(key, value);
    out.push({ type: 'param', key, value });
  }
  return out;
}

function metricEvents(r: EndpointRun, metrics: Body[]): Body[] {
  const parsed = metrics.map((m) => {
    if (m.value === undefined) throw missing('value');
    if (m.timestamp === undefined || m.timestamp === null) throw missing('timestamp');
    const key = text(m.key);
    checkName(key);
    return { key, value: metricValue(m.value), timestamp: Number(m.timestamp), step: Number(m.step ?? 0) };
  });
  return parsed.map((m) => {
    const l = r.latest.get(m.key);
    if (!l || m.step > l.step || (m.step === l.step && m.timestamp >= l.timestamp)) r.latest.set(m.key, m);
    return { type: 'metric', key: m.key, value: eventValue(m.value), step: m.step, ts: m.timestamp / 1000 };
  });
}

function tagEvents(r: EndpointRun, tags: KV[]): Body[] {
  for (const t of tags) checkName(t.key);
  return tags.map((t) => {
    r.tags.set(t.key, t.value);
    return { type: 'tag', key: t.key, value: t.value };
  });
}

function limit(n: number, max: number, what: string): void {
  if (n > max)
    throw invalid(
      `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
    );
}

export const trackingRoutes: Record<string, (c: Ctx) => unknown> = {
  'GET experiments/get-by-name': (c) => {
    const name = c.query.get('experiment_name');
    if (!name) throw missing('experiment_name');
    const e = c.state.experimentByName(name);
    if (!e) throw notFound(`Could not find experiment with name '${name}'`);
    return { experiment: e };
  },
  'GET experiments/get': (c) => {
    const id = c.query.get('experiment_id');
    if (!id) throw missing('experiment_id');
    const e = c.state.experiments.get(id);
    if (!e) throw notFound(`No Experiment with id=${id} exists`);
    return { experiment: e };
  },
  'POST experiments/create': (c) => {
    const name = str(c.body, 'name');
    if (!name) throw missing('name');
    if (c.state.experimentByName(name)) throw new ApiError(400, 'RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
    return { experiment_id: c.state.createExperiment(name).experiment_id };
  },
  'POST runs/create': (c) => {
    const expId = str(c.body, 'experiment_id') ?? '0';
    if (!c.state.experiments.has(expId)) throw new ApiError(400, 'BAD_REQUEST', `FOREIGN KEY constraint failed: no experiment with id '${expId}'`);
    const tags = kvs(c.body.tags);
    const runName = str(c.body, 'run_name') ?? tags.find((t) => t.key === 'mlflow.runName')?.value ?? `run-${randomBytes(3).toString('hex')}`;
    const start = Number(c.body.start_time ?? Date.now());
    const parent = tags.find((t) => t.key === 'mlflow.parentRunId')?.value;
    const placed = c.state.place(runName, start, parent);
    const run: EndpointRun = {
      run_id: placed.id,
      experiment_id: expId,
      run_name: runName,
      user_id: str(c.body, 'user_id') ?? '',
      status: 'RUNNING',
      start_time: start,
      lifecycle_stage: 'active',
      params: new Map(),
      tags: new Map(),
      latest: new Map(),
      inputs: [],
      outputs: [],
      dir: placed.dir,
      sink: new RunSink(placed.dir),
      record: placed.record,
    };
    if (!tags.some((t) => t.key === 'mlflow.runName')) tags.push({ key: 'mlflow.runName', value: runName });
    run.sink.append(tagEvents(run, tags));
    c.state.runs.set(run.run_id, run);
    return { run: runJson(run, false) };
  },
  'POST runs/update': (c) => {
    const r = getRun(c);
    if (c.body.end_time !== undefined) r.end_time = Number(c.body.end_time);
    if (c.body.run_name !== undefined) r.run_name = text(c.body.run_name);
    if (c.body.status !== undefined) {
      r.status = text(c.body.status);
      const ended = LINEAGE_STATUS[r.status];
      // The launched run's outcome is the script's, which the launcher records.
      if (ended && r.record?.status === 'running') endRun(r, ended, r.end_time ?? Date.now());
    }
    return { run_info: runInfoJson(r) };
  },
  'POST runs/log-parameter': (c) => {
    const r = getRun(c);
    r.sink.append(paramEvents(r, [{ key: text(c.body.key), value: text(c.body.value) }]));
    return {};
  },
  'POST runs/log-metric': (c) => {
    const r = getRun(c);
    r.sink.append(metricEvents(r, [c.body]));
    return {};
  },
  'POST runs/set-tag': (c) => {
    const r = getRun(c);
    r.sink.append(tagEvents(r, [{ key: text(c.body.key), value: text(c.body.value) }]));
    return {};
  },
  'POST runs/log-batch': (c) => {
    const metrics = Array.isArray(c.body.metrics) ? (c.body.metrics as Body[]) : [];
    const params = kvs(c.body.params);
    const tags = kvs(c.body.tags);
    limit(metrics.length, 1000, 'metrics');
    limit(params.length, 100, 'params');
    limit(tags.length, 100, 'tags');
    limit(metrics.length + params.length + tags.length, 1000, 'entities');
    const r = getRun(c);
    for (const t of tags) checkName(t.key);
    const m = metricEvents(r, metrics);
    const p = paramEvents(r, params);
    r.sink.append([...p, ...m, ...tagEvents(r, tags)]);
    return {};
  },
  'POST logged-models': createLoggedModel,
  'POST runs/outputs': (c) => {
    const r = getRun(c);
    for (const m of (c.body.models as Body[] | undefined) ?? []) {
      const id = text(m.model_id);
      if (!c.state.models.has(id)) throw notFound(`Logged model with ID '${id}' not found.`);
      r.outputs.push({ model_id: id, step: Number(m.step ?? 0) });
    }
    return {};
  },
  'POST runs/log-inputs': (c) => {
    const r = getRun(c);
    const datasets = (c.body.datasets as Body[] | undefined) ?? [];
    for (const d of datasets) r.inputs.push({ tags: kvs(d.tags), dataset: (d.dataset ?? {}) as Record<string, string> });
    // A dataset's source is often a path or URL: kept as an input the run read, as log_dataset would.
    const events: Body[] = [];
    for (const d of datasets) {
      const ds = (d.dataset ?? {}) as Record<string, unknown>;
      const src = parseSource(ds.source);
      if (src) events.push({ type: 'dataset', path: src, role: kvs(d.tags).find((t) => t.key === 'mlflow.data.context')?.value || 'input' });
    }
    r.sink.append(events);
    return {};
  },
};

function parseSource(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const o = JSON.parse(v) as Record<string, unknown>;
    const p = o.uri ?? o.url ?? o.path;
    return typeof p === 'string' && p ? p : undefined;
  } catch {
    return undefined;
  }
}
