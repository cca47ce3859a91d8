/**
 * The recorded MLflow 3.6 traffic (../shared/fixtures/mlflow-traffic, see its README): loading the
 * exchanges, rebuilding bodies the recorder summarised, and the JSON "shape" (key structure and value types,
 * not values) that the stand-in's answers and Lineage's requests are compared by.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TRAFFIC_DIR = process.env.LINEAGE_MLFLOW_TRAFFIC ?? path.resolve(__dirname, '../../../shared/fixtures/mlflow-traffic');

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
