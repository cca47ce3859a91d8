/**
 * STAND-IN, NOT MLFLOW: MLflow 3 logged models and the Model Registry (registered models, versions with
 * `models:/m-…` / `runs:/…` / `mlflow-artifacts:/…` sources, aliases), answering as c_registry.jsonl shows.
 */
import { text } from './state';
import { exists, invalid, missing, notFound } from './errors';
import { getRun, type Body, type Ctx } from './tracking';
import { loggedModelJson, modelVersionJson, newId, registeredModelJson, type LoggedModel, type RegisteredModel } from './state';

const kvs = (v: unknown) => (Array.isArray(v) ? (v as Body[]).map((t) => ({ key: text(t.key), value: text(t.value) })) : []);

function model(c: Ctx, id: string): LoggedModel {
  const m = c.state.models.get(id);
  if (!m) throw notFound(`Logged model with ID '${id}' not found.`);
  return m;
}

function registered(c: Ctx, name: string | null | undefined): RegisteredModel {
  if (!name) throw missing('name');
  const m = c.state.registered.get(name);
  if (!m) throw notFound(`Registered Model with name=${name} not found`);
  return m;
}

function aliasesOf(m: RegisteredModel, version: string): string[] {
  return [...m.aliases].filter(([, v]) => v === version).map(([a]) => a);
}

/** Routes whose path holds an id: `logged-models/<id>` and `logged-models/<id>/tags`. */
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

export const registryRoutes: Record<string, (c: Ctx) => unknown> = {
  'POST logged-models': (c) => {
    const expId = text(c.body.experiment_id);
    if (!c.state.experiments.has(expId)) throw notFound(`No Experiment with id=${expId} exists`);
    const runId = c.body.source_run_id === undefined ? undefined : text(c.body.source_run_id);
    if (runId) getRun(c, runId);
    const id = `m-${newId()}`;
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
  },
  'POST logged-models/search': (c) => {
    const ids = ((c.body.experiment_ids as string[] | undefined) ?? []).map(String);
    const nameFilter = /^\s*name\s*=\s*'([^']*)'\s*$/.exec(text(c.body.filter));
    if (c.body.filter && !nameFilter) throw invalid(`Invalid filter '${text(c.body.filter)}'`);
    const found = [...c.state.models.values()].filter((m) => ids.includes(m.experiment_id) && (!nameFilter || m.name === nameFilter[1]));
    return found.length ? { models: found.map(loggedModelJson) } : {};
  },
  'POST registered-models/create': (c) => {
    const name = c.body.name === undefined ? undefined : text(c.body.name);
    if (!name) throw missing('name');
    if (c.state.registered.has(name)) throw exists(`Registered Model (name=${name}) already exists.`);
    const now = Date.now();
    const m: RegisteredModel = {
      name,
      creation_timestamp: now,
      last_updated_timestamp: now,
      description: c.body.description === undefined ? undefined : text(c.body.description),
      tags: new Map(kvs(c.body.tags).map((t) => [t.key, t.value])),
      versions: [],
      aliases: new Map(),
    };
    c.state.registered.set(name, m);
    return { registered_model: registeredModelJson(m, false) };
  },
  'GET registered-models/get': (c) => ({ registered_model: registeredModelJson(registered(c, c.query.get('name')), true) }),
  'POST model-versions/create': (c) => {
    const m = registered(c, c.body.name === undefined ? undefined : text(c.body.name));
    const source = text(c.body.source);
    let runId = c.body.run_id === undefined ? undefined : text(c.body.run_id);
    const fromModel = /^models:\/(m-[0-9a-f]+)$/.exec(source);
    if (fromModel) runId ??= model(c, fromModel[1]).source_run_id;
    else if (!/^(runs:\/|mlflow-artifacts:\/)/.test(source) || source.split('/').includes('..'))
      throw invalid(
        `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request parameter has to be specified.`,
      );
    const now = Date.now();
    const v = {
      name: m.name,
      version: String(m.versions.length + 1),
      creation_timestamp: now,
      last_updated_timestamp: now,
      current_stage: 'None',
      description: c.body.description === undefined ? '' : text(c.body.description),
      source,
      run_id: runId,
      status: 'READY',
      tags: new Map(kvs(c.body.tags).map((t) => [t.key, t.value])),
      run_link: '',
    };
    m.versions.push(v);
    m.last_updated_timestamp = now;
    return { model_version: modelVersionJson(v) };
  },
  'GET model-versions/get': (c) => {
    const m = registered(c, c.query.get('name'));
    const v = m.versions.find((x) => x.version === c.query.get('version'));
    if (!v) throw notFound(`Model Version (name=${m.name}, version=${c.query.get('version')}) not found`);
    return { model_version: modelVersionJson(v, aliasesOf(m, v.version)) };
  },
  'GET model-versions/search': (c) => {
    const f = /^\s*name\s*=\s*'([^']*)'\s*$/.exec(c.query.get('filter') ?? '');
    if (!f) throw invalid(`Invalid filter '${c.query.get('filter') ?? ''}'`);
    const m = c.state.registered.get(f[1]);
    const versions = m ? [...m.versions].reverse() : [];
    return versions.length ? { model_versions: versions.map((v) => modelVersionJson(v)) } : {};
  },
  'GET model-versions/get-download-uri': (c) => {
    const m = registered(c, c.query.get('name'));
    const v = m.versions.find((x) => x.version === c.query.get('version'));
    if (!v) throw notFound(`Model Version (name=${m.name}, version=${c.query.get('version')}) not found`);
    const fromModel = /^models:\/(m-[0-9a-f]+)$/.exec(v.source);
    if (fromModel) return { artifact_uri: model(c, fromModel[1]).artifact_uri };
    const fromRun = /^runs:\/([0-9a-f]+)\/(.*)$/.exec(v.source);
    if (fromRun) return { artifact_uri: `${getRun(c, fromRun[1]).artifact_uri}/${fromRun[2]}` };
    return { artifact_uri: v.source };
  },
  'POST registered-models/alias': (c) => {
    const m = registered(c, c.body.name === undefined ? undefined : text(c.body.name));
    const alias = text(c.body.alias);
    const version = text(c.body.version);
    if (!alias) throw missing('alias');
    if (!m.versions.some((v) => v.version === version)) throw invalid(`Model version ${version} of ${m.name} does not exist.`);
    m.aliases.set(alias, version);
    return {};
  },
  'GET registered-models/alias': (c) => {
    const m = registered(c, c.query.get('name'));
    const alias = c.query.get('alias') ?? '';
    const version = m.aliases.get(alias);
    if (!version) throw invalid(`Registered model alias ${alias} not found.`);
    const v = m.versions.find((x) => x.version === version);
    if (!v) throw invalid(`Registered model alias ${alias} not found.`);
    return { model_version: modelVersionJson(v, aliasesOf(m, version)) };
  },
  'DELETE registered-models/alias': (c) => {
    const m = registered(c, c.query.get('name') ?? (c.body.name as string | undefined));
    m.aliases.delete(c.query.get('alias') ?? text(c.body.alias));
    return {};
  },
};
