/**
 * MLflow's read endpoints over what this launch logged: `runs/search`, `experiments/search`,
 * `logged-models/search` and `metrics/get-history` (the one `runs/get` is in ./tracking.ts). The runs searched
 * are those MLflow calls made while the script ran (the launched run and the child runs the endpoint created);
 * a metric's history is read from the run folder's events.jsonl, so points the script logged with Lineage's
 * own SDK into the same run are in it too.
 */
import { readableRun, readableRuns, readRunEvents } from './folderRuns';
import { invalid, missing, notFound } from './errors';
import { loggedModelJson, type LoggedModel } from './loggedModels';
import { maxResults, matches, page, parseFilter, parseOrderBy, sortBy, type Entity, type OrderKey, type Value } from './search';
import { artifactUri, jsonDouble, runJson, type Ctx, type EndpointRun } from './tracking';
import { text, type Body } from './values';

function runValue(r: EndpointRun, entity: Entity, key: string): Value {
  if (entity === 'metric') return r.latest.get(key)?.value;
  if (entity === 'param') return r.params.get(key);
  if (entity === 'tag') return r.tags.get(key);
  const attrs: Record<string, Value> = {
    run_id: r.run_id,
    run_uuid: r.run_id,
    run_name: r.run_name,
    status: r.status,
    start_time: r.start_time,
    end_time: r.end_time,
    user_id: r.user_id,
    artifact_uri: artifactUri(r),
    lifecycle_stage: r.lifecycle_stage,
    experiment_id: r.experiment_id,
  };
  return attrs[key];
}

/** ACTIVE_ONLY (the default) and ALL see every run here: nothing is deleted through this endpoint. */
function viewType(v: unknown): boolean {
  const t = v === undefined || v === null ? 'ACTIVE_ONLY' : text(v);
  if (!['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'].includes(t)) throw invalid(`Invalid view type '${t}': use ACTIVE_ONLY, DELETED_ONLY or ALL.`);
  return t !== 'DELETED_ONLY';
}

const ids = (v: unknown): string[] => (Array.isArray(v) ? v.map(text) : v === undefined || v === null ? [] : [text(v)]);

function withToken(key: string, items: Body[], next: string | undefined): Body {
  const out: Body = items.length ? { [key]: items } : {};
  if (next) out.next_page_token = next;
  return out;
}

function searchRuns(c: Ctx): Body {
  const experiments = new Set(ids(c.body.experiment_ids));
  const clauses = parseFilter(c.body.filter === undefined ? undefined : text(c.body.filter));
  const order = parseOrderBy(c.body.order_by);
  const max = maxResults(c.body.max_results, 1000);
  const visible = viewType(c.body.run_view_type);
  const found = readableRuns(c.state).filter((r) => visible && experiments.has(r.experiment_id) && matches(clauses, (e, k) => runValue(r, e, k)));
  // MLflow's default order: newest start first, then run id.
  const sorted = sortBy(found, order, runValue, (x, y) => y.start_time - x.start_time || x.run_id.localeCompare(y.run_id));
  const p = page(sorted, max, c.body.page_token);
  return withToken(
    'runs',
    p.items.map((r) => runJson(r)),
    p.next,
  );
}

function searchExperiments(c: Ctx): Body {
  const clauses = parseFilter(c.body.filter === undefined ? undefined : text(c.body.filter));
  const order = parseOrderBy(c.body.order_by);
  const max = maxResults(c.body.max_results, 1000);
  const visible = viewType(c.body.view_type);
  const value = (e: Record<string, unknown>, entity: Entity, key: string): Value => (entity === 'attribute' ? (e[key] as Value) : undefined);
  const found = [...c.state.experiments.values()].filter((e) => visible && matches(clauses, (en, k) => value(e as unknown as Record<string, unknown>, en, k)));
  const sorted = sortBy(
    found,
    order,
    (e, en, k) => value(e as unknown as Record<string, unknown>, en, k),
    (x, y) => y.creation_time - x.creation_time || Number(y.experiment_id) - Number(x.experiment_id),
  );
  const p = page(sorted, max, c.body.page_token);
  return withToken('experiments', p.items as unknown as Body[], p.next);
}

function modelValue(m: LoggedModel, entity: Entity, key: string): Value {
  if (entity === 'param') return m.params.find((p) => p.key === key)?.value;
  if (entity === 'tag') return m.tags.get(key);
  if (entity === 'metric') return undefined;
  const attrs: Record<string, Value> = {
    model_id: m.model_id,
    name: m.name,
    status: m.status,
    model_type: m.model_type,
    source_run_id: m.source_run_id,
    experiment_id: m.experiment_id,
    creation_timestamp: m.creation_timestamp_ms,
    creation_time: m.creation_timestamp_ms,
    last_updated_timestamp: m.last_updated_timestamp_ms,
  };
  return attrs[key];
}

/** logged-models/search takes order_by as objects: `{field_name, ascending}`. */
function modelOrder(v: unknown): OrderKey[] {
  if (!Array.isArray(v)) return [];
  return v.map((o: Body) => {
    const [key] = parseOrderBy([text(o.field_name)]);
    return { ...key, desc: o.ascending === false };
  });
}

function searchLoggedModels(c: Ctx): Body {
  const experiments = new Set(ids(c.body.experiment_ids));
  const clauses = parseFilter(c.body.filter === undefined ? undefined : text(c.body.filter));
  const max = maxResults(c.body.max_results, 100);
  const found = [...c.state.models.values()].filter((m) => experiments.has(m.experiment_id) && matches(clauses, (e, k) => modelValue(m, e, k)));
  const sorted = sortBy(found, modelOrder(c.body.order_by), modelValue, (x, y) => y.creation_timestamp_ms - x.creation_timestamp_ms);
  const p = page(sorted, max, c.body.page_token);
  return withToken('models', p.items.map(loggedModelJson), p.next);
}

function metricHistory(c: Ctx): Body {
  const id = c.query.get('run_id') || c.query.get('run_uuid');
  if (!id) throw missing('run_id');
  const key = c.query.get('metric_key');
  if (!key) throw missing('metric_key');
  const r = readableRun(c.state, id);
  if (!r) throw notFound(`Run with id=${id} not found`);
  // In step order, then time, then as written (the sort is stable).
  const all = readRunEvents(r.dir)
    .points.filter((p) => p.key === key)
    .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp)
    .map((p) => ({ ...p, value: jsonDouble(p.value) }));
  const q = c.query.get('max_results');
  const p = page(all, q === null ? Math.max(all.length, 1) : maxResults(q, 25_000), c.query.get('page_token') ?? undefined);
  return withToken('metrics', p.items, p.next);
}

function getRun(c: Ctx): Body {
  const id = text(c.query.get('run_id') || c.query.get('run_uuid') || '');
  if (!id) throw missing('run_id');
  const r = readableRun(c.state, id);
  if (!r) throw notFound(`Run with id=${id} not found`);
  return { run: runJson(r) };
}

export const readRoutes: Record<string, (c: Ctx) => unknown> = {
  'GET runs/get': getRun,
  'POST runs/search': searchRuns,
  'POST experiments/search': searchExperiments,
  'POST logged-models/search': searchLoggedModels,
  'GET metrics/get-history': metricHistory,
};
