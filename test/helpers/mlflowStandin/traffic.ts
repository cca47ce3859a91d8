/**
 * The recorded MLflow 3.6 traffic (test/fixtures/mlflow-traffic, a copy of the team's shared recordings kept in
 * the repository so a clean clone tests against it; see its README): loading the
 * exchanges, rebuilding bodies the recorder summarised, and the JSON "shape" (key structure and value types,
 * not values) that the stand-in's answers and Lineage's requests are compared by.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The bundled test runs from dist-test/<folder>/, the source from test/helpers/mlflowStandin/: look upward. */
function fixturesDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'test', 'fixtures', 'mlflow-traffic');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return candidate;
  }
}

export const TRAFFIC_DIR = process.env.LINEAGE_MLFLOW_TRAFFIC ?? fixturesDir();

export interface Body {
  bytes: number;
  json?: unknown;
  json_summary?: Record<string, unknown>;
  text?: string;
  unparsable_json_text?: string;
}

export interface Exchange {
  seq: number;
  t_ms: number;
  dur_ms: number;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  req_headers: Record<string, string>;
  req_body: Body;
  status: number;
  resp_headers: Record<string, string>;
  resp_body: Body;
}

export function loadTraffic(file: string): Exchange[] {
  const text = fs.readFileSync(path.join(TRAFFIC_DIR, file), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Exchange)
    .sort((a, b) => a.seq - b.seq);
}

/** One element of a summarised array, interpolated between its first and last (p0…p99, step 0…894). */
function between(first: unknown, last: unknown, i: number, n: number): unknown {
  if (first === last || n < 2) return first;
  if (typeof first === 'number' && typeof last === 'number') return first + ((last - first) * i) / (n - 1);
  if (typeof first === 'string' && typeof last === 'string') {
    const a = /^(.*?)(\d+)$/.exec(first);
    const b = /^(.*?)(\d+)$/.exec(last);
    if (a && b && a[1] === b[1]) return a[1] + String(Number(a[2]) + i);
  }
  if (first && last && typeof first === 'object' && typeof last === 'object' && !Array.isArray(first)) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(first)) o[k] = between((first as Record<string, unknown>)[k], (last as Record<string, unknown>)[k], i, n);
    return o;
  }
  return first;
}

/** A body over 64 KiB was recorded as {array_count, first, last} per array: rebuild an array of that length. */
export function expandSummary(summary: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(summary)) {
    const s = v as { array_count?: number; first?: unknown; last?: unknown };
    if (s && typeof s === 'object' && typeof s.array_count === 'number') {
      out[k] = Array.from({ length: s.array_count }, (_, i) => between(s.first, s.last, i, s.array_count as number));
    } else out[k] = v;
  }
  return out;
}

export type Shape = string | { [k: string]: Shape } | Shape[];

/** Key structure and value types: objects by sorted keys, arrays as the set of their elements' shapes. */
export function shapeOf(v: unknown): Shape {
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    const seen = new Map<string, Shape>();
    for (const x of v) {
      const s = shapeOf(x);
      seen.set(JSON.stringify(s), s);
    }
    return [...seen.keys()].sort().map((k) => seen.get(k) as Shape);
  }
  if (typeof v === 'object') {
    const o: Record<string, Shape> = {};
    for (const k of Object.keys(v).sort()) o[k] = shapeOf((v as Record<string, unknown>)[k]);
    return o;
  }
  return typeof v;
}

export function sameShape(a: unknown, b: unknown): boolean {
  return JSON.stringify(shapeOf(a)) === JSON.stringify(shapeOf(b));
}

/** The first difference between two shapes, for a failure message. */
export function shapeDiff(want: Shape, got: Shape, at = '$'): string | undefined {
  if (typeof want === 'string' || typeof got === 'string')
    return JSON.stringify(want) === JSON.stringify(got) ? undefined : `${at}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
  if (Array.isArray(want) !== Array.isArray(got)) return `${at}: want ${Array.isArray(want) ? 'an array' : 'an object'}`;
  if (Array.isArray(want) && Array.isArray(got))
    return JSON.stringify(want) === JSON.stringify(got) ? undefined : `${at}[]: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
  const w = want as Record<string, Shape>;
  const g = got as Record<string, Shape>;
  for (const k of new Set([...Object.keys(w), ...Object.keys(g)])) {
    if (!(k in g)) return `${at}.${k}: missing`;
    if (!(k in w)) return `${at}.${k}: not in the recording`;
    const d = shapeDiff(w[k], g[k], `${at}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** "METHOD endpoint" with generated ids taken out: `PATCH logged-models/{id}`, `PUT artifact`. */
export function endpointOf(method: string, urlPath: string): string {
  if (urlPath.startsWith('/api/2.0/mlflow-artifacts/artifacts/')) return `${method} artifact`;
  if (urlPath === '/api/2.0/mlflow-artifacts/artifacts') return `${method} artifact-list`;
  return `${method} ${urlPath.replace('/api/2.0/mlflow/', '').replace(/m-[0-9a-f]{32}/, '{id}')}`;
}

/** The JSON body a recorded request sent (a summarised one rebuilt), or undefined. */
export function recordedJson(ex: Exchange): unknown {
  if (ex.req_body.json !== undefined) return ex.req_body.json;
  if (ex.req_body.json_summary) return expandSummary(ex.req_body.json_summary);
  return undefined;
}

const NON_FINITE = new Set(['NaN', 'Infinity', '-Infinity']);

/**
 * Whether `ours` has a shape the real client's `samples` (same endpoint) have: every key it sends is one some
 * real request sent, with the same value type; every key all real requests sent is there; array elements
 * fit the real elements. A metric `value` may be "NaN"/"Infinity"/"-Infinity" where the samples hold numbers:
 * that is how the real client sends non-finite values (a_tracking #12, #13). Answers the first misfit.
 */
export function misfit(ours: unknown, samples: unknown[], at = '$', key = ''): string | undefined {
  if (!samples.length) return `${at}: the real client never sent this`;
  if (Array.isArray(ours)) {
    const arrays = samples.filter(Array.isArray) as unknown[][];
    if (!arrays.length) return `${at}: an array where the real client sent ${typeof samples[0]}`;
    const elements = arrays.flat();
    for (const el of ours) {
      const d = misfit(el, elements, `${at}[]`, key);
      if (d) return d;
    }
    return undefined;
  }
  if (ours && typeof ours === 'object') {
    const objects = samples.filter((s) => s && typeof s === 'object' && !Array.isArray(s)) as Array<Record<string, unknown>>;
    if (!objects.length) return `${at}: an object where the real client sent ${typeof samples[0]}`;
    const o = ours as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      const withKey = objects.filter((s) => k in s).map((s) => s[k]);
      if (!withKey.length) return `${at}.${k}: the real client never sends this key`;
      const d = misfit(o[k], withKey, `${at}.${k}`, k);
      if (d) return d;
    }
    for (const k of Object.keys(objects[0])) if (objects.every((s) => k in s) && !(k in o)) return `${at}.${k}: every real request has it`;
    return undefined;
  }
  const types = new Set(samples.map((s) => (s === null ? 'null' : typeof s)));
  const t = ours === null ? 'null' : typeof ours;
  if (types.has(t)) return undefined;
  if (key === 'value' && typeof ours === 'string' && NON_FINITE.has(ours) && types.has('number')) return undefined;
  return `${at}: ${t} where the real client sent ${[...types].join('/')}`;
}
