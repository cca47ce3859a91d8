/**
 * STAND-IN, NOT MLFLOW: the tracking endpoints (experiments, runs, params, metrics, tags, inputs, outputs,
 * search, metric history) with the validation and limits the recorded MLflow 3.6 server showed (e_limits).
 */
import { text } from './state';
import { ApiError, exists, invalid, missing, notFound } from './errors';
import { parseFilter, matches, sortRuns } from './searchFilter';
import { metricJson, newId, runInfoJson, runJson, type KV, type Metric, type Run, type StandinState } from './state';

export type Body = Record<string, unknown>;
export interface Ctx {
  state: StandinState;
  query: URLSearchParams;
  body: Body;
}

const NAME = /^[A-Za-z0-9_\-. :/]+$/;

function str(b: Body, k: string): string | undefined {
  const v = b[k];
  return v === undefined || v === null ? undefined : text(v);
}

function runIdOf(c: Ctx): string {
  const id = str(c.body, 'run_id') ?? str(c.body, 'run_uuid') ?? c.query.get('run_id') ?? c.query.get('run_uuid') ?? undefined;
  if (!id) throw missing('run_id');
  return id;
}

export function getRun(c: Ctx, id = runIdOf(c)): Run {
  const r = c.state.runs.get(id);
  if (!r) throw notFound(`Run with id=${id} not found`);
  return r;
}

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
  throw invalid(
    `Invalid value ${JSON.stringify(v)} for parameter 'value' supplied:  Hint: Value was of type '${typeof v === 'string' ? 'str' : typeof v}'. See the API docs for more information about request parameters.`,
  );
}

function toMetric(m: Body): Metric {
  if (m.value === undefined) throw missing('value');
  const value = metricValue(m.value);
  if (m.timestamp === undefined || m.timestamp === null) throw missing('timestamp');
  const key = text(m.key);
  checkName(key);
  return { key, value, timestamp: Number(m.timestamp), step: Number(m.step ?? 0) };
}

function addParam(r: Run, key: string, value: string): void {
  checkName(key);
  // MLflow 3.6 took a 6,001-character value (e_limits #10); its limit is 8,000 now.
  if (value.length > 8000) throw invalid(`Param value '${value.slice(0, 20)}...' had length ${value.length}, which exceeded length limit of 8000`);
  const old = r.params.get(key);
  if (old !== undefined && old !== value)
    throw invalid(
      `Changing param values is not allowed. Param with key='${key}' was already logged with value='${old}' for run ID='${r.run_id}'. Attempted logging new value '${value}'.`,
    );
  r.params.set(key, value);
}

const pointKeys = new WeakMap<Metric[], Set<string>>();

function addMetric(r: Run, m: Metric): void {
  let list = r.history.get(m.key);
  if (!list) r.history.set(m.key, (list = []));
  // The SQL store ignores a point identical to one it holds (its key is run, key, step, timestamp, value).
  let seen = pointKeys.get(list);
  if (!seen) pointKeys.set(list, (seen = new Set()));
  const id = `${m.step}|${m.timestamp}|${m.value}`;
  if (seen.has(id)) return;
  seen.add(id);
  list.push(m);
}

const kvs = (v: unknown): KV[] => (Array.isArray(v) ? (v as Body[]).map((t) => ({ key: text(t.key), value: text(t.value) })) : []);

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
    if (c.state.experimentByName(name)) throw exists(`Experiment(name=${name}) already exists.`);
    return { experiment_id: c.state.createExperiment(name).experiment_id };
  },
  'POST experiments/search': (c) => {
    const list = [...c.state.experiments.values()].sort((a, b) => b.creation_time - a.creation_time || Number(b.experiment_id) - Number(a.experiment_id));
    const max = Number(c.body.max_results ?? 1000);
    return list.length ? { experiments: list.slice(0, max) } : {};
  },
  'POST runs/create': (c) => {
    const expId = str(c.body, 'experiment_id');
    if (!expId || !c.state.experiments.has(expId))
      throw new ApiError(400, 'BAD_REQUEST', `FOREIGN KEY constraint failed: no experiment with id '${expId ?? ''}'`);
    const tags = kvs(c.body.tags);
    const runName = str(c.body, 'run_name') ?? tags.find((t) => t.key === 'mlflow.runName')?.value ?? `run-${newId().slice(0, 6)}`;
    const id = newId();
    const run: Run = {
      run_id: id,
      experiment_id: expId,
      run_name: runName,
      user_id: str(c.body, 'user_id') ?? '',
      status: 'RUNNING',
      start_time: Number(c.body.start_time ?? Date.now()),
      artifact_uri: `mlflow-artifacts:/${expId}/${id}/artifacts`,
      lifecycle_stage: 'active',
      params: new Map(),
      tags: new Map(tags.map((t) => [t.key, t.value])),
      history: new Map(),
      inputs: [],
      outputs: [],
    };
    if (!run.tags.has('mlflow.runName')) run.tags.set('mlflow.runName', runName);
    c.state.runs.set(id, run);
    return { run: runJson(run, false) };
  },
  'GET runs/get': (c) => ({ run: runJson(getRun(c)) }),
  'POST runs/update': (c) => {
    const r = getRun(c);
    if (c.body.status !== undefined) r.status = text(c.body.status);
    if (c.body.end_time !== undefined) r.end_time = Number(c.body.end_time);
    if (c.body.run_name !== undefined) r.run_name = text(c.body.run_name);
    return { run_info: runInfoJson(r) };
  },
  'POST runs/log-parameter': (c) => {
    const r = getRun(c);
    addParam(r, text(c.body.key), text(c.body.value));
    return {};
  },
  'POST runs/log-metric': (c) => {
    const r = getRun(c);
    addMetric(r, toMetric(c.body));
    return {};
  },
  'POST runs/set-tag': (c) => {
    const r = getRun(c);
    const key = text(c.body.key);
    checkName(key);
    r.tags.set(key, text(c.body.value));
    return {};
  },
  'POST runs/log-batch': (c) => {
    const metrics = Array.isArray(c.body.metrics) ? (c.body.metrics as Body[]) : [];
    const params = kvs(c.body.params);
    const tags = kvs(c.body.tags);
    const limit = (n: number, max: number, what: string) => {
      if (n > max)
        throw invalid(
          `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
        );
    };
    limit(metrics.length, 1000, 'metrics');
    limit(params.length, 100, 'params');
    limit(tags.length, 100, 'tags');
    limit(metrics.length + params.length + tags.length, 1000, 'entities');
    const r = getRun(c);
    const parsed = metrics.map(toMetric);
    for (const p of params) addParam(r, p.key, p.value);
    for (const m of parsed) addMetric(r, m);
    for (const t of tags) {
      checkName(t.key);
      r.tags.set(t.key, t.value);
    }
    return {};
  },
  'POST runs/log-inputs': (c) => {
    const r = getRun(c);
    for (const d of (c.body.datasets as Body[] | undefined) ?? []) r.inputs.push({ tags: kvs(d.tags), dataset: (d.dataset ?? {}) as Record<string, string> });
    return {};
  },
  'POST runs/outputs': (c) => {
    const r = getRun(c);
    for (const m of (c.body.models as Body[] | undefined) ?? []) {
      const id = text(m.model_id);
      if (!c.state.models.has(id)) throw notFound(`Logged model with ID '${id}' not found.`);
      r.outputs.push({ model_id: id, step: Number(m.step ?? 0) });
    }
    return {};
  },
  'POST runs/search': (c) => {
    const ids = ((c.body.experiment_ids as string[] | undefined) ?? []).map(String);
    const clauses = parseFilter(str(c.body, 'filter'));
    const found = sortRuns(
      [...c.state.runs.values()].filter((r) => ids.includes(r.experiment_id) && r.lifecycle_stage === 'active' && matches(r, clauses)),
      c.body.order_by as string[] | undefined,
    );
    return page(found, c.body.max_results, str(c.body, 'page_token'), 'runs', (r) => runJson(r));
  },
  'GET metrics/get-history': (c) => {
    const r = getRun(c);
    const key = c.query.get('metric_key');
    if (!key) throw missing('metric_key');
    return page(r.history.get(key) ?? [], c.query.get('max_results'), c.query.get('page_token') ?? undefined, 'metrics', metricJson);
  },
};

/** MLflow's offset page token: base64 of {"offset": N}, given only when more results remain. */
function page<T>(all: T[], maxRaw: unknown, token: string | undefined, field: string, json: (x: T) => unknown): Body {
  const max = maxRaw === undefined || maxRaw === null ? 1000 : Number(maxRaw);
  let offset = 0;
  if (token) {
    try {
      offset = Number((JSON.parse(Buffer.from(token, 'base64').toString()) as { offset: number }).offset) || 0;
    } catch {
      throw invalid('Invalid page token, could not base64-decode');
    }
  }
  const slice = all.slice(offset, offset + max);
  const out: Body = {};
  if (slice.length) out[field] = slice.map(json);
  if (offset + max < all.length) out.next_page_token = Buffer.from(`{"offset": ${offset + max}}`).toString('base64');
  return out;
}
