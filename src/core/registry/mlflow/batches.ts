/**
 * What runs/log-batch accepts, as the real server enforces it (recorded in e_limits): at most 1,000 metrics,
 * 100 params, 100 tags and 1,000 entities in one request. We keep params+tags together at ≤ 100 per request,
 * which every MLflow version accepts. Values travel as the Python client sends them: finite numbers as JSON
 * numbers, NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity" (JSON has no literal for them).
 */

export interface MetricPoint {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface KeyValue {
  key: string;
  value: string;
}

export interface WireMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

export interface LogBatchBody {
  run_id: string;
  metrics?: WireMetric[];
  params?: KeyValue[];
  tags?: KeyValue[];
}

export const MAX_METRICS = 1000;
export const MAX_PARAMS_TAGS = 100;
export const MAX_ENTITIES = 1000;
/** The server's limit on a param value (MLflow ≥ 2.x: 6,000 characters). */
export const MAX_PARAM_VALUE = 6000;
/** The server's limit on a run tag value. */
export const MAX_TAG_VALUE = 8000;

export function wireValue(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

/** The inverse, for what the server sends back (it answers +Infinity as 1.797e308, NaN as "NaN"). */
export function numberValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return Number(v);
}

/** MLflow names allow alphanumerics, `_ - . space : /` only; anything else becomes `_` so the batch is not refused. */
export function safeKey(key: string): string {
  const k = key.replace(/[^A-Za-z0-9_\-. :/]/g, '_').slice(0, 250);
  return k || '_';
}

/** Splits params, tags and metric points into log-batch bodies that stay within every server limit. */
export function splitBatches(runId: string, metrics: MetricPoint[], params: KeyValue[], tags: KeyValue[]): LogBatchBody[] {
  const out: LogBatchBody[] = [];
  let pi = 0;
  let ti = 0;
  let mi = 0;
  while (pi < params.length || ti < tags.length || mi < metrics.length) {
    const body: LogBatchBody = { run_id: runId };
    let room = MAX_PARAMS_TAGS;
    const p = params.slice(pi, pi + room);
    pi += p.length;
    room -= p.length;
    const t = tags.slice(ti, ti + room);
    ti += t.length;
    const m = metrics.slice(mi, mi + Math.min(MAX_METRICS, MAX_ENTITIES - p.length - t.length));
    mi += m.length;
    if (m.length) body.metrics = m.map((x) => ({ key: x.key, value: wireValue(x.value), timestamp: Math.round(x.timestamp), step: Math.round(x.step) }));
    if (p.length) body.params = p;
    if (t.length) body.tags = t;
    out.push(body);
  }
  return out;
}

export function paramValue(v: unknown): string {
  const s = typeof v === 'string' ? v : v === null || v === undefined ? 'None' : JSON.stringify(v);
  return s.length > MAX_PARAM_VALUE ? s.slice(0, MAX_PARAM_VALUE) : s;
}

export function tagValue(s: string): string {
  return s.length > MAX_TAG_VALUE ? s.slice(0, MAX_TAG_VALUE - 1) + '…' : s;
}
