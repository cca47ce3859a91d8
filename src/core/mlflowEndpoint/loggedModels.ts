/**
 * MLflow 3's logged models, as far as `mlflow.<flavor>.log_model` and autolog need them while a script runs:
 * create, get, finalize (PATCH status), tags, and `runs/outputs`. The model's files come through the artifact
 * proxy at `<exp>/models/<model id>/artifacts/…` and land in its source run's artifacts/mlflow-models/<model id>/.
 */
import { randomBytes } from 'node:crypto';
import { notFound } from './errors';
import type { Ctx } from './tracking';
import { kvs, text, type Body } from './values';

export interface LoggedModel {
  model_id: string;
  experiment_id: string;
  name: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  artifact_uri: string;
  status: string;
  model_type: string;
  source_run_id?: string;
  tags: Map<string, string>;
  params: Array<{ key: string; value: string }>;
}

export function loggedModelJson(m: LoggedModel): Body {
  const info: Body = {
    model_id: m.model_id,
    experiment_id: m.experiment_id,
    name: m.name,
    creation_timestamp_ms: m.creation_timestamp_ms,
    last_updated_timestamp_ms: m.last_updated_timestamp_ms,
    artifact_uri: m.artifact_uri,
    status: m.status,
    model_type: m.model_type,
  };
  if (m.source_run_id) info.source_run_id = m.source_run_id;
  if (m.tags.size) info.tags = [...m.tags].map(([key, value]) => ({ key, value })).sort((a, b) => a.key.localeCompare(b.key));
  const data: Body = {};
  if (m.params.length) data.params = [...m.params].sort((a, b) => a.key.localeCompare(b.key));
  return { info, data };
}

function model(c: Ctx, id: string): LoggedModel {
  const m = c.state.models.get(id);
  if (!m) throw notFound(`Logged model with ID '${id}' not found.`);
  return m;
}

export function createLoggedModel(c: Ctx): Body {
  const expId = text(c.body.experiment_id);
  if (!c.state.experiments.has(expId)) throw notFound(`No Experiment with id=${expId} exists`);
  const runId = c.body.source_run_id === undefined ? undefined : text(c.body.source_run_id);
  if (runId && !c.state.runs.has(runId)) throw notFound(`Run with id=${runId} not found`);
  const id = `m-${randomBytes(16).toString('hex')}`;
  const now = Date.now();
  const lm: LoggedModel = {
    model_id: id,
    experiment_id: expId,
    name: text(c.body.name) || 'model',
    creation_timestamp_ms: now,
    last_updated_timestamp_ms: now,
    artifact_uri: `mlflow-artifacts:/${expId}/models/${id}/artifacts`,
    status: 'LOGGED_MODEL_PENDING',
    model_type: text(c.body.model_type),
    source_run_id: runId,
    tags: new Map(kvs(c.body.tags).map((t) => [t.key, t.value])),
    params: kvs(c.body.params),
  };
  c.state.models.set(id, lm);
  return { model: loggedModelJson(lm) };
}

export function loggedModelRoute(method: string, rest: string): ((c: Ctx) => unknown) | undefined {
  const m = /^logged-models\/(m-[0-9a-f]+)(\/tags)?$/.exec(rest);
  if (!m) return undefined;
  const id = m[1];
  if (method === 'GET' && !m[2]) return (c) => ({ model: loggedModelJson(model(c, id)) });
  if (method === 'PATCH' && !m[2])
    return (c) => {
      const lm = model(c, id);
      if (c.body.status !== undefined) lm.status = text(c.body.status);
      lm.last_updated_timestamp_ms = Date.now();
      return { model: loggedModelJson(lm) };
    };
  if (method === 'PATCH' && m[2])
    return (c) => {
      const lm = model(c, id);
      for (const t of kvs(c.body.tags)) lm.tags.set(t.key, t.value);
      return {};
    };
  return undefined;
}
