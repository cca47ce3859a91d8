/**
 * STAND-IN, NOT MLFLOW: the in-memory state of the test double of an MLflow 3.6 tracking server + Model
 * Registry (see README.md here). Its JSON answers mimic MLflow's protobuf-JSON: empty fields are left out,
 * int64 values are numbers, model versions are strings, +Infinity comes back as 1.797e308 and NaN as "NaN".
 * test/e2e/mlflowStandin.test.ts checks these shapes against recorded real traffic.
 */
import { randomBytes } from 'node:crypto';

export interface KV {
  key: string;
  value: string;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  last_update_time: number;
  creation_time: number;
}

export interface Run {
  run_id: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
  params: Map<string, string>;
  tags: Map<string, string>;
  /** Every point of every metric, in the order logged. */
  history: Map<string, Metric[]>;
  inputs: Array<{ tags: KV[]; dataset: Record<string, string> }>;
  outputs: Array<{ model_id: string; step: number }>;
}

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
  params: KV[];
}

export interface ModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  current_stage: string;
  description: string;
  source: string;
  run_id?: string;
  status: string;
  tags: Map<string, string>;
  run_link: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description?: string;
  tags: Map<string, string>;
  versions: ModelVersion[];
  aliases: Map<string, string>;
}

/** A JSON value as the string MLflow's protobuf parser would make of it. */
export function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

export const newId = (): string => randomBytes(16).toString('hex');

export class StandinState {
  experiments = new Map<string, Experiment>();
  runs = new Map<string, Run>();
  models = new Map<string, LoggedModel>();
  registered = new Map<string, RegisteredModel>();
  private nextExperiment = 1;

  constructor() {
    const now = Date.now();
    this.experiments.set('0', {
      experiment_id: '0',
      name: 'Default',
      artifact_location: 'mlflow-artifacts:/0',
      lifecycle_stage: 'active',
      last_update_time: now,
      creation_time: now,
    });
  }

  createExperiment(name: string): Experiment {
    const id = String(this.nextExperiment++);
    const now = Date.now();
    const e = { experiment_id: id, name, artifact_location: `mlflow-artifacts:/${id}`, lifecycle_stage: 'active', last_update_time: now, creation_time: now };
    this.experiments.set(id, e);
    return e;
  }

  experimentByName(name: string): Experiment | undefined {
    return [...this.experiments.values()].find((e) => e.name === name);
  }
}

const kvList = (m: Map<string, string>): KV[] => [...m].map(([key, value]) => ({ key, value }));
const sortedKv = (m: Map<string, string>): KV[] => kvList(m).sort((a, b) => a.key.localeCompare(b.key));

/** How MLflow's JSON writes a double: NaN as a string, ±Infinity as ±DBL_MAX. */
export function jsonDouble(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 1.7976931348623157e308;
  if (v === -Infinity) return -1.7976931348623157e308;
  return v;
}

export function metricJson(m: Metric): Record<string, unknown> {
  return { key: m.key, value: jsonDouble(m.value), timestamp: m.timestamp, step: m.step };
}

/** MLflow's "latest" value of a metric: the highest step, then the latest timestamp, then the largest value. */
function latest(points: Metric[]): Metric {
  return points.reduce((a, b) =>
    b.step > a.step || (b.step === a.step && (b.timestamp > a.timestamp || (b.timestamp === a.timestamp && b.value > a.value))) ? b : a,
  );
}

export function runInfoJson(r: Run): Record<string, unknown> {
  const info: Record<string, unknown> = {
    run_uuid: r.run_id,
    experiment_id: r.experiment_id,
    run_name: r.run_name,
    user_id: r.user_id,
    status: r.status,
    start_time: r.start_time,
  };
  if (r.end_time !== undefined) info.end_time = r.end_time;
  Object.assign(info, { artifact_uri: r.artifact_uri, lifecycle_stage: r.lifecycle_stage, run_id: r.run_id });
  return info;
}

export function runJson(r: Run, withOutputs = true): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  if (r.history.size) data.metrics = [...r.history.values()].map((pts) => metricJson(latest(pts)));
  if (r.params.size) data.params = kvList(r.params);
  if (r.tags.size) data.tags = kvList(r.tags);
  const inputs: Record<string, unknown> = {};
  if (r.inputs.length) inputs.dataset_inputs = r.inputs.map((i) => ({ tags: [...i.tags].sort((a, b) => a.key.localeCompare(b.key)), dataset: i.dataset }));
  const out: Record<string, unknown> = { info: runInfoJson(r), data, inputs };
  if (withOutputs) out.outputs = r.outputs.length ? { model_outputs: r.outputs } : {};
  return out;
}

export function loggedModelJson(m: LoggedModel): Record<string, unknown> {
  const info: Record<string, unknown> = {
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
  if (m.tags.size) info.tags = sortedKv(m.tags);
  const data: Record<string, unknown> = {};
  if (m.params.length) data.params = [...m.params].sort((a, b) => a.key.localeCompare(b.key));
  return { info, data };
}

export function modelVersionJson(v: ModelVersion, aliases?: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: v.name,
    version: v.version,
    creation_timestamp: v.creation_timestamp,
    last_updated_timestamp: v.last_updated_timestamp,
    current_stage: v.current_stage,
    description: v.description,
    source: v.source,
  };
  if (v.run_id) out.run_id = v.run_id;
  out.status = v.status;
  if (v.tags.size) out.tags = kvList(v.tags);
  out.run_link = v.run_link;
  if (aliases?.length) out.aliases = aliases;
  return out;
}

export function registeredModelJson(m: RegisteredModel, withVersions: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { name: m.name, creation_timestamp: m.creation_timestamp, last_updated_timestamp: m.last_updated_timestamp };
  if (m.description) out.description = m.description;
  if (withVersions && m.versions.length) out.latest_versions = [modelVersionJson(m.versions[m.versions.length - 1])];
  if (m.tags.size) out.tags = kvList(m.tags);
  if (withVersions && m.aliases.size) out.aliases = [...m.aliases].map(([alias, version]) => ({ alias, version }));
  return out;
}
