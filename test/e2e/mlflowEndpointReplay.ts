/**
 * Replays the real MLflow 3.6 client's recorded requests (test/fixtures/mlflow-traffic) against Lineage's MLflow
 * endpoint, in the order the recorded server most likely handled them, with the ids it generated (runs, logged
 * models, experiments, page tokens) mapped from recorded to actual as earlier answers reveal them. Each answer
 * must have the recorded status and content type, a JSON answer the recorded shape (keys and value types), and
 * a download the bytes that were uploaded. An `expect` hook can name a documented different answer (the Model
 * Registry's 501); every exchange is replayed and checked either way, none is skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeRunFolder, tmpDir } from '../helpers/tmp';
import { expandSummary, loadTraffic, shapeDiff, shapeOf, type Exchange } from '../helpers/mlflowStandin/traffic';
import { startMlflowEndpoint, type MlflowEndpoint } from '../../src/core/mlflowEndpoint/server';

const ID_FIELDS = new Set(['run_id', 'run_uuid', 'model_id', 'source_run_id', 'experiment_id', 'next_page_token']);

/** Recorded ids → the ids the endpoint gave, learned from answers as the replay goes. */
export class IdMap {
  ids = new Map<string, string>();
  experiments = new Map<string, string>();
  /** The first answer that reveals an id decides it; lists are paired by position only when they are as long. */
  learn(recorded: unknown, actual: unknown, key?: string): void {
    if (typeof recorded === 'string' && typeof actual === 'string' && key && ID_FIELDS.has(key)) {
      const map = key === 'experiment_id' ? this.experiments : this.ids;
      if (!map.has(recorded)) map.set(recorded, actual);
      return;
    }
    if (Array.isArray(recorded) && Array.isArray(actual)) {
      if (recorded.length === actual.length) recorded.forEach((r, i) => this.learn(r, actual[i], key));
    } else if (recorded && actual && typeof recorded === 'object' && typeof actual === 'object')
      for (const k of Object.keys(recorded)) this.learn((recorded as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], k);
  }
  str(s: string): string {
    let out = s;
    for (const [r, a] of this.ids) if (r !== a) out = out.split(r).join(a);
    out = out.replace(/^(\/api\/2\.0\/mlflow-artifacts\/artifacts\/)(\d+)\//, (_m, p: string, e: string) => p + (this.experiments.get(e) ?? e) + '/');
    return out.replace(/^(\d+)\//, (_m, e: string) => (this.experiments.get(e) ?? e) + '/');
  }
  deep(v: unknown, key?: string): unknown {
    if (typeof v === 'string') return key === 'experiment_id' ? (this.experiments.get(v) ?? v) : this.str(v);
    if (Array.isArray(v)) return v.map((x) => this.deep(x, key === 'experiment_ids' ? 'experiment_id' : key));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.deep(x, k)]));
    return v;
  }
}

/** What an exchange must be answered with when it is not the recorded answer (documented in docs/mlflow-endpoint.md). */
export interface Expected {
  status: number;
  errorCode: string;
}

export interface Answer {
  file: string;
  ex: Exchange;
  status: number;
  json?: unknown;
  bytes: Buffer;
  /** Set when the answer is not the one required. */
  why?: string;
  /** Set when `expect` named the answer. */
  expected?: Expected;
}

export interface Session {
  ep: MlflowEndpoint;
  ws: string;
  dir: string;
  id: string;
  ids: IdMap;
  uploaded: Map<string, Buffer>;
  answers: Answer[];
}

export async function openSession(): Promise<Session> {
  const ws = tmpDir('lineage-mlflow-ep-');
  const dir = makeRunFolder(ws, { name: 'launched' });
  const id = path.basename(dir);
  const ep = await startMlflowEndpoint(dir, id);
  return { ep, ws, dir, id, ids: new IdMap(), uploaded: new Map(), answers: [] };
}

async function replayOne(s: Session, file: string, ex: Exchange, expected: Expected | undefined): Promise<Answer> {
  const { ids } = s;
  const url = new URL(s.ep.url + ids.str(ex.path));
  for (const [k, v] of Object.entries(ex.query ?? {}))
    for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, k === 'experiment_id' ? (ids.deep(one, 'experiment_id') as string) : ids.str(one));
  const rb = ex.req_body;
  let body: Buffer | undefined;
  if (rb.json !== undefined) body = Buffer.from(JSON.stringify(ids.deep(rb.json)));
  else if (rb.json_summary) body = Buffer.from(JSON.stringify(ids.deep(expandSummary(rb.json_summary))));
  else if (rb.text !== undefined) body = Buffer.from(rb.text);
  else if (rb.unparsable_json_text !== undefined) body = Buffer.from(rb.unparsable_json_text);
  else if (rb.bytes > 0) body = Buffer.alloc(rb.bytes, 7);
  const headers: Record<string, string> = {};
  if (body !== undefined && ex.req_headers['content-type']) headers['content-type'] = ex.req_headers['content-type'];
  if (ex.method === 'PUT') s.uploaded.set(url.pathname, body ?? Buffer.alloc(0));
  const res = await fetch(url, { method: ex.method, headers, body: body === undefined ? undefined : new Uint8Array(body) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const answer: Answer = { file, ex, status: res.status, bytes, expected };
  const at = `${file} ${ex.method} ${ex.path} #${ex.seq}`;
  const type = (res.headers.get('content-type') ?? '').split(';')[0];
  if (type === 'application/json') {
    try {
      answer.json = JSON.parse(bytes.toString('utf8'));
    } catch {
      return { ...answer, why: `${at}: the answer is not JSON` };
    }
  }
  if (expected) {
    const err = answer.json as { error_code?: unknown; message?: unknown } | undefined;
    if (res.status !== expected.status || err?.error_code !== expected.errorCode || typeof err.message !== 'string' || Object.keys(err).length !== 2)
      return {
        ...answer,
        why: `${at}: want ${expected.status} ${expected.errorCode} {error_code, message}, got ${res.status} ${bytes.toString().slice(0, 200)}`,
      };
    return answer;
  }
  if (res.status !== ex.status) return { ...answer, why: `${at}: status ${res.status}, recorded ${ex.status}: ${bytes.toString().slice(0, 200)}` };
  const want = (ex.resp_headers['content-type'] ?? '').split(';')[0];
  if (want !== type) return { ...answer, why: `${at}: content-type ${type}, recorded ${want}` };
  if (ex.method === 'GET' && /\/mlflow-artifacts\/artifacts\/./.test(ex.path)) {
    const sent = s.uploaded.get(url.pathname);
    return sent?.equals(bytes) ? answer : { ...answer, why: `${at}: downloaded ${bytes.length} bytes, not the ${sent?.length} uploaded` };
  }
  if (want !== 'application/json') return answer;
  ids.learn(ex.resp_body.json, answer.json);
  const d = shapeDiff(shapeOf(ex.resp_body.json), shapeOf(answer.json));
  return d ? { ...answer, why: `${at}: ${d}` } : answer;
}

/** Replays a recorded file into the session; answers are kept in `s.answers`, failures returned. */
export async function replayInto(s: Session, file: string, expect?: (ex: Exchange) => Expected | undefined): Promise<string[]> {
  // A request was handled at max(arrival, completion − 45 ms): that deployment sent each keep-alive answer ~40 ms
  // late (see the traffic README and test/e2e/mlflowStandin.test.ts).
  const handledAt = (x: Exchange) => Math.max(x.t_ms, x.t_ms + x.dur_ms - 45);
  const failures: string[] = [];
  for (const ex of loadTraffic(file).sort((x, y) => handledAt(x) - handledAt(y) || x.seq - y.seq)) {
    const a = await replayOne(s, file, ex, expect?.(ex));
    s.answers.push(a);
    if (a.why) failures.push(a.why);
  }
  return failures;
}

/** The answer a session gave to a recorded exchange. */
export function answerTo(s: Session, file: string, seq: number): Answer {
  const a = s.answers.find((x) => x.file === file && x.ex.seq === seq);
  if (!a) throw new Error(`${file} #${seq} was not replayed`);
  return a;
}

export function eventLines(dir: string): Array<Record<string, unknown>> {
  return fs
    .readFileSync(path.join(dir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
