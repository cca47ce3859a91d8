/**
 * `lineage import`: a team member's MLflow runs brought into the local store as ordinary, read-only run
 * folders (run.json + events.jsonl in the events format, so `lineage db rebuild` keeps them and Compare
 * works across local and imported runs). Each is marked with the tag `lineage.imported_from` =
 * `<server>/<mlflow run id>` (also `importedFrom` in run.json): the editor offers no Rerun on such a run, and
 * sync never sends it back. The local id is derived from the MLflow run (start time + its id's first hex
 * digits), so importing twice finds the folder already there and adds nothing. Runs that are our own synced
 * runs (their `lineage.run_id` is a local run) are skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LineagePaths } from '../../util/lineagePaths';
import { RegistryError, type Credentials, type RegistryConfig } from '../types';
import { numberValue } from './batches';
import { MlflowHttp } from './http';
import { RUN_ID_TAG } from './lineageTags';
import { IMPORTED_TAG } from './sync';
import { getExperimentByName, getMetricHistory, searchRuns, type MlflowRun } from './tracking';

export interface ImportReport {
  server: string;
  experiment: string;
  imported: Array<{ runId: string; mlflowRunId: string; name: string; points: number }>;
  existing: Array<{ runId: string; mlflowRunId: string }>;
  skipped: Array<{ mlflowRunId: string; why: string }>;
}

const DBL_MAX = 1.7976931348623157e308;

/** `20261205-101500-` + the MLflow run id's first 6 hex digits: sorts by start time, the same on every import. */
export function importedRunId(run: MlflowRun): string {
  const d = new Date(run.info.start_time ?? 0);
  const p = (n: number) => String(n).padStart(2, '0');
  const hex = (run.info.run_id.replace(/[^0-9a-f]/gi, '').toLowerCase() + '000000').slice(0, 6);
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${hex}`;
}

/** MLflow params are strings; the ones that spell a number, a boolean or None become that, as Lineage logs them. */
function paramValue(s: string): unknown {
  if (s === 'True' || s === 'true') return true;
  if (s === 'False' || s === 'false') return false;
  if (s === 'None') return null;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s) && Number.isFinite(Number(s)) && Math.abs(Number(s)) < 2 ** 53) return Number(s);
  if (/^[[{]/.test(s)) {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      return s;
    }
  }
  return s;
}

function eventValue(v: unknown): number | string {
  let n = numberValue(v);
  // MLflow answers ±Infinity as ±DBL_MAX.
  if (n === DBL_MAX) n = Infinity;
  if (n === -DBL_MAX) n = -Infinity;
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  return n;
}

const STATUS: Record<string, string> = { FINISHED: 'finished', FAILED: 'failed', KILLED: 'killed', RUNNING: 'running', SCHEDULED: 'running' };

export async function importRuns(o: {
  paths: LineagePaths;
  registry: RegistryConfig;
  credentials?: Credentials;
  experiment: string;
  signal?: AbortSignal;
  onRun?: (done: number, total: number) => void;
}): Promise<ImportReport> {
  const http = new MlflowHttp(o.registry.url, o.credentials, o.signal, o.registry.caFile);
  const exp = await getExperimentByName(http, o.experiment);
  if (!exp)
    throw new RegistryError(
      'not-found',
      `MLflow at ${http.host} has no experiment "${o.experiment}".`,
      'Check the experiment name (it is case-sensitive) on the server.',
    );
  const runs = await searchRuns(http, [exp.experiment_id], '');
  const report: ImportReport = { server: http.base, experiment: o.experiment, imported: [], existing: [], skipped: [] };
  const source = (id: string) => `${http.base.replace(/^https?:\/\//, '')}/${id}`;
  let done = 0;
  for (const run of runs) {
    const tags = new Map((run.data?.tags ?? []).map((t) => [t.key, t.value]));
    const own = tags.get(RUN_ID_TAG);
    if (own && fs.existsSync(path.join(o.paths.runs, own, 'run.json'))) {
      report.skipped.push({ mlflowRunId: run.info.run_id, why: `it is the local run ${own}, synced` });
      continue;
    }
    const runId = importedRunId(run);
    const dir = path.join(o.paths.runs, runId);
    if (fs.existsSync(dir)) {
      const existing = readImportedFrom(dir);
      if (existing === source(run.info.run_id)) report.existing.push({ runId, mlflowRunId: run.info.run_id });
      else report.skipped.push({ mlflowRunId: run.info.run_id, why: `a local run ${runId} is in the way` });
      continue;
    }
    const points = await writeImportedRun(http, run, o.paths, runId, source(run.info.run_id), exp.name, tags);
    report.imported.push({ runId, mlflowRunId: run.info.run_id, name: run.info.run_name ?? runId, points });
    o.onRun?.(++done, runs.length);
  }
  return report;
}

function readImportedFrom(dir: string): string | undefined {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { importedFrom?: string }).importedFrom;
  } catch {
    return undefined;
  }
}

/** The run folder, written beside runs/ and renamed in whole, so no half-imported run is ever indexed. */
async function writeImportedRun(
  http: MlflowHttp,
  run: MlflowRun,
  paths: LineagePaths,
  runId: string,
  from: string,
  experiment: string,
  tags: Map<string, string>,
): Promise<number> {
  const info = run.info;
  const lines: string[] = [JSON.stringify({ type: 'header', schema: 1, writer: 'lineage-import/0.1' })];
  for (const p of run.data?.params ?? []) lines.push(JSON.stringify({ type: 'param', key: p.key, value: paramValue(p.value) }));
  let points = 0;
  for (const key of [...new Set((run.data?.metrics ?? []).map((m) => m.key))]) {
    const history = await getMetricHistory(http, info.run_id, key);
    history.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
    for (const m of history) lines.push(JSON.stringify({ type: 'metric', key, value: eventValue(m.value), step: m.step, ts: m.timestamp / 1000 }));
    points += history.length;
  }
  for (const [key, value] of tags) lines.push(JSON.stringify({ type: 'tag', key, value }));
  lines.push(JSON.stringify({ type: 'tag', key: IMPORTED_TAG, value: from }));
  const status = STATUS[info.status ?? ''] ?? 'finished';
  if (status !== 'running') lines.push(JSON.stringify({ type: 'status', status }));
  const record = {
    schema: 1,
    id: runId,
    name: info.run_name ?? tags.get('mlflow.runName') ?? runId,
    experiment,
    status,
    startedAt: new Date(info.start_time ?? 0).toISOString(),
    ...(info.end_time ? { endedAt: new Date(info.end_time).toISOString() } : {}),
    command: [],
    cwd: '',
    createdBy: `mlflow:${info.user_id || 'unknown'}`,
    host: new URL(http.base).host,
    importedFrom: from,
    ...(tags.get('mlflow.source.git.commit')
      ? { git: { commit: tags.get('mlflow.source.git.commit'), branch: tags.get('mlflow.source.git.branch') ?? '' } }
      : {}),
  };
  fs.mkdirSync(paths.runs, { recursive: true });
  const tmp = path.join(paths.root, `.import-${runId}-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  fs.writeFileSync(path.join(tmp, 'events.jsonl'), lines.join('\n') + '\n');
  fs.writeFileSync(path.join(tmp, 'run.json'), JSON.stringify(record, null, 2) + '\n');
  fs.renameSync(tmp, path.join(paths.runs, runId));
  return points;
}
