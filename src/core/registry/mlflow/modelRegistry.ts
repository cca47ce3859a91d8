/**
 * MLflow 3 models: the logged model (created PENDING, files uploaded, then READY, linked to its run) and the
 * Model Registry (registered model, model version with source `models:/m-…`, aliases), with bodies shaped as
 * the Python client's in c_registry.jsonl.
 */
import type { KeyValue } from './batches';
import { MlflowHttp, MlflowHttpError } from './http';

export interface LoggedModelInfo {
  model_id: string;
  experiment_id: string;
  artifact_uri: string;
  status?: string;
}

export interface ModelVersion {
  name: string;
  version: string;
  source?: string;
  run_id?: string;
  status?: string;
  tags?: KeyValue[];
  aliases?: string[];
}

export async function createLoggedModel(
  http: MlflowHttp,
  req: { experimentId: string; name: string; runId: string; params: KeyValue[]; tags: KeyValue[] },
): Promise<LoggedModelInfo> {
  const r = await http.call<{ model: { info: LoggedModelInfo } }>('POST', 'logged-models', {
    body: { experiment_id: req.experimentId, name: req.name, source_run_id: req.runId, params: req.params, tags: req.tags },
    what: 'create the logged model',
  });
  return r.model.info;
}

/** A logged model by id, or undefined when the server has none by that id (deleted, or another server). */
export async function getLoggedModel(http: MlflowHttp, modelId: string): Promise<LoggedModelInfo | undefined> {
  try {
    const r = await http.call<{ model: { info: LoggedModelInfo } }>('GET', `logged-models/${encodeURIComponent(modelId)}`, {
      what: 'read the logged model',
      retry: true,
    });
    return r.model.info;
  } catch (err) {
    if (err instanceof MlflowHttpError && err.status === 404) return undefined;
    throw err;
  }
}

export async function linkModelToRun(http: MlflowHttp, runId: string, modelId: string): Promise<void> {
  await http.call('POST', 'runs/outputs', {
    body: { run_id: runId, models: [{ model_id: modelId, step: 0 }] },
    what: 'link the model to its run',
    retry: true,
  });
}

export async function finalizeLoggedModel(http: MlflowHttp, modelId: string): Promise<void> {
  await http.call('PATCH', `logged-models/${encodeURIComponent(modelId)}`, {
    body: { model_id: modelId, status: 'LOGGED_MODEL_READY' },
    what: 'mark the model ready',
    retry: true,
  });
}

export async function setLoggedModelTags(http: MlflowHttp, modelId: string, tags: KeyValue[]): Promise<void> {
  await http.call('PATCH', `logged-models/${encodeURIComponent(modelId)}/tags`, { body: { tags }, what: 'tag the logged model', retry: true });
}

/** Creates the registered model; one that exists already (400 RESOURCE_ALREADY_EXISTS) is fine. */
export async function ensureRegisteredModel(http: MlflowHttp, name: string, description: string, tags: KeyValue[]): Promise<void> {
  try {
    await http.call('POST', 'registered-models/create', { body: { name, tags, description }, what: `create the registered model "${name}"` });
  } catch (err) {
    if (err instanceof MlflowHttpError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') return;
    throw err;
  }
}

export async function createModelVersion(
  http: MlflowHttp,
  req: { name: string; source: string; modelId?: string; runId: string; tags: KeyValue[]; description: string },
): Promise<ModelVersion> {
  const body: Record<string, unknown> = { name: req.name, source: req.source, run_id: req.runId, tags: req.tags, description: req.description };
  if (req.modelId) body.model_id = req.modelId;
  const r = await http.call<{ model_version: ModelVersion }>('POST', 'model-versions/create', {
    body,
    what: `register a version of "${req.name}"`,
  });
  return r.model_version;
}

export async function setAlias(http: MlflowHttp, name: string, alias: string, version: string): Promise<void> {
  await http.call('POST', 'registered-models/alias', {
    body: { name, alias, version },
    what: `point the alias "${alias}" of "${name}" at version ${version}`,
    retry: true,
  });
}

/** The version `alias` points at, or undefined when the alias (or the model) does not exist. */
export async function getAliasVersion(http: MlflowHttp, name: string, alias: string): Promise<ModelVersion | undefined> {
  try {
    const r = await http.call<{ model_version: ModelVersion }>('GET', 'registered-models/alias', {
      query: { name, alias },
      what: `read the alias "${alias}" of "${name}"`,
    });
    return r.model_version;
  } catch (err) {
    // An unknown alias is a 400 INVALID_PARAMETER_VALUE on MLflow 3.6 (c_registry #35), an unknown model a 404.
    if (err instanceof MlflowHttpError && (err.status === 404 || (err.status === 400 && err.errorCode === 'INVALID_PARAMETER_VALUE'))) return undefined;
    throw err;
  }
}

export async function getDownloadUri(http: MlflowHttp, name: string, version: string): Promise<string> {
  const r = await http.call<{ artifact_uri: string }>('GET', 'model-versions/get-download-uri', {
    query: { name, version },
    what: `find the files of "${name}" version ${version}`,
  });
  return r.artifact_uri;
}

/** The newest version of a registered model (highest number), for a pull that names neither version nor alias. */
export async function latestVersion(http: MlflowHttp, name: string): Promise<string | undefined> {
  const r = await http.call<{ model_versions?: ModelVersion[] }>('GET', 'model-versions/search', {
    query: { filter: `name='${name.replace(/'/g, '')}'`, max_results: 10000 },
    what: `list the versions of "${name}"`,
  });
  const versions = (r.model_versions ?? []).map((v) => Number(v.version)).filter(Number.isFinite);
  return versions.length ? String(Math.max(...versions)) : undefined;
}
