/**
 * The tracking calls Lineage makes, with the request bodies shaped as the MLflow 3.6 Python client shapes
 * them (checked against the recordings in test/e2e/mlflowClientShapes.test.ts): experiments, runs, batches
 * of params/metrics/tags, run updates, searches and metric history.
 */
import { MlflowHttp, MlflowHttpError } from './http';
import { splitBatches, type KeyValue, type MetricPoint } from './batches';

export interface MlflowRunInfo {
  run_id: string;
  run_uuid?: string;
  experiment_id: string;
  run_name?: string;
  user_id?: string;
  status?: string;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage?: string;
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data?: {
    metrics?: Array<{ key: string; value: number | string; timestamp: number; step: number }>;
    params?: KeyValue[];
    tags?: KeyValue[];
  };
}

export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
}

/** The experiment's id, creating it when absent (a concurrent creator's 400 RESOURCE_ALREADY_EXISTS is fine). */
export async function ensureExperiment(http: MlflowHttp, name: string): Promise<string> {
  const found = await getExperimentByName(http, name);
  if (found) return found.experiment_id;
  try {
    const r = await http.call<{ experiment_id: string }>('POST', 'experiments/create', { body: { name }, what: `create the experiment "${name}"` });
    return r.experiment_id;
  } catch (err) {
    if (err instanceof MlflowHttpError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
      const again = await getExperimentByName(http, name);
      if (again) return again.experiment_id;
    }
    throw err;
  }
}

export async function getExperimentByName(http: MlflowHttp, name: string): Promise<MlflowExperiment | undefined> {
  try {
    const r = await http.call<{ experiment: MlflowExperiment }>('GET', 'experiments/get-by-name', {
      query: { experiment_name: name },
      what: `find the experiment "${name}"`,
    });
    return r.experiment;
  } catch (err) {
    if (err instanceof MlflowHttpError && err.status === 404) return undefined;
    throw err;
  }
}

export async function createRun(
  http: MlflowHttp,
  req: { experimentId: string; userId: string; runName: string; startTime: number; tags: KeyValue[] },
): Promise<MlflowRunInfo> {
  const r = await http.call<{ run: MlflowRun }>('POST', 'runs/create', {
    body: { experiment_id: req.experimentId, user_id: req.userId, run_name: req.runName, start_time: Math.round(req.startTime), tags: req.tags },
    what: `create the run "${req.runName}"`,
  });
  return r.run.info;
}

/** Sends params, tags and points in as few log-batch requests as the limits allow; answers the request count. */
export async function logBatches(http: MlflowHttp, runId: string, metrics: MetricPoint[], params: KeyValue[], tags: KeyValue[]): Promise<number> {
  const batches = splitBatches(runId, metrics, params, tags);
  for (const body of batches) await http.call('POST', 'runs/log-batch', { body, what: 'log params and metrics', retry: true });
  return batches.length;
}

export async function updateRun(http: MlflowHttp, runId: string, status: 'FINISHED' | 'FAILED' | 'KILLED' | 'RUNNING', endTime?: number): Promise<void> {
  // The real client sends run_uuid, status, end_time, run_id, in this order.
  const body = endTime !== undefined ? { run_uuid: runId, status, end_time: Math.round(endTime), run_id: runId } : { run_uuid: runId, status, run_id: runId };
  await http.call('POST', 'runs/update', { body, what: 'mark the run finished', retry: true });
}

export async function getRun(http: MlflowHttp, runId: string): Promise<MlflowRun> {
  const r = await http.call<{ run: MlflowRun }>('GET', 'runs/get', { query: { run_uuid: runId, run_id: runId }, what: `read the run ${runId}` });
  return r.run;
}

/** Every run of the experiments matching `filter`, following next_page_token. */
export async function searchRuns(http: MlflowHttp, experimentIds: string[], filter: string, maxResults = 1000): Promise<MlflowRun[]> {
  const runs: MlflowRun[] = [];
  let pageToken: string | undefined;
  do {
    const body: Record<string, unknown> = { experiment_ids: experimentIds, run_view_type: 'ACTIVE_ONLY', filter, max_results: maxResults };
    if (pageToken) body.page_token = pageToken;
    const r = await http.call<{ runs?: MlflowRun[]; next_page_token?: string }>('POST', 'runs/search', { body, what: 'search runs', retry: true });
    runs.push(...(r.runs ?? []));
    pageToken = r.next_page_token || undefined;
  } while (pageToken);
  return runs;
}

export async function getMetricHistory(
  http: MlflowHttp,
  runId: string,
  key: string,
): Promise<Array<{ key: string; value: number | string; timestamp: number; step: number }>> {
  const out: Array<{ key: string; value: number | string; timestamp: number; step: number }> = [];
  let pageToken: string | undefined;
  do {
    const r = await http.call<{ metrics?: typeof out; next_page_token?: string }>('GET', 'metrics/get-history', {
      query: { run_uuid: runId, metric_key: key, run_id: runId, max_results: 25000, page_token: pageToken },
      what: `read the history of metric "${key}"`,
    });
    out.push(...(r.metrics ?? []));
    pageToken = r.next_page_token || undefined;
  } while (pageToken);
  return out;
}

/** A filter string literal: MLflow's filter grammar quotes with single quotes and has no escape for them. */
export function filterString(s: string): string {
  return `'${s.replace(/'/g, '')}'`;
}
