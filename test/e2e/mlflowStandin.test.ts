/**
 * Checks the MLflow stand-in (test/helpers/mlflowStandin, NOT MLflow) against real traffic: every request
 * recorded between the MLflow 3.6 Python client and a real MLflow 3.6 server is replayed, in order, against
 * the stand-in, with the ids the server generated (runs, logged models, experiments) mapped from recorded to
 * actual as earlier answers reveal them. Status codes must be equal and JSON answers must have the recorded
 * shape (keys and value types); downloads must have the recorded content type and the uploaded length.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { startMlflowStandin, type MlflowStandin } from '../helpers/mlflowStandin/server';
import { expandSummary, loadTraffic, shapeDiff, shapeOf, type Exchange } from '../helpers/mlflowStandin/traffic';

const FILES = ['a_tracking.jsonl', 'b_autolog.jsonl', 'c_registry.jsonl', 'd_reads.jsonl', 'e_limits.jsonl'];
const ID_FIELDS = new Set(['run_id', 'run_uuid', 'model_id', 'source_run_id', 'experiment_id']);

class IdMap {
  private ids = new Map<string, string>();
  private experiments = new Map<string, string>();

  learn(recorded: unknown, actual: unknown, key?: string): void {
    if (typeof recorded === 'string' && typeof actual === 'string' && key && ID_FIELDS.has(key) && recorded !== actual) {
      if (key === 'experiment_id') this.experiments.set(recorded, actual);
      else this.ids.set(recorded, actual);
      return;
    }
    if (Array.isArray(recorded) && Array.isArray(actual)) recorded.forEach((r, i) => this.learn(r, actual[i], key));
    else if (recorded && actual && typeof recorded === 'object' && typeof actual === 'object')
      for (const k of Object.keys(recorded)) this.learn((recorded as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], k);
  }

  /** Run and model ids are long and unique: replaced wherever they appear. Experiment ids only where they are one. */
  str(s: string): string {
    let out = s;
    for (const [r, a] of this.ids) if (out.includes(r)) out = out.split(r).join(a);
    out = out.replace(/^(\/api\/2\.0\/mlflow-artifacts\/artifacts\/)(\d+)\//, (_m, p: string, e: string) => p + (this.experiments.get(e) ?? e) + '/');
    out = out.replace(/^(\d+)\//, (_m, e: string) => (this.experiments.get(e) ?? e) + '/');
    return out;
  }

  deep(v: unknown, key?: string): unknown {
    if (typeof v === 'string') return key === 'experiment_id' ? (this.experiments.get(v) ?? v) : this.str(v);
    if (Array.isArray(v)) return v.map((x) => this.deep(x, key === 'experiment_ids' ? 'experiment_id' : key));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.deep(x, k)]));
    return v;
  }
}

interface Outcome {
  seq: number;
  ok: boolean;
  why?: string;
}

async function replay(standin: MlflowStandin, file: string, ids: IdMap, uploaded: Map<string, number>): Promise<Outcome[]> {
  const out: Outcome[] = [];
  // In the order the recorded server most likely handled them, not the order they arrived: a request was handled
  // at max(arrival, completion − 45 ms), since that deployment sent each keep-alive answer ~40 ms late (Nagle +
  // delayed ACK, see the traffic README) and a slow read that overlapped a later write saw that write (b #6/#7).
  // A request that used an earlier answer arrived after it completed, so no id is sent before it is known.
  const handledAt = (x: Exchange) => Math.max(x.t_ms, x.t_ms + x.dur_ms - 45);
  const byCompletion = loadTraffic(file).sort((x, y) => handledAt(x) - handledAt(y) || x.seq - y.seq);
  for (const ex of byCompletion) out.push(await replayOne(standin, ex, ids, uploaded));
  return out;
}

async function replayOne(standin: MlflowStandin, ex: Exchange, ids: IdMap, uploaded: Map<string, number>): Promise<Outcome> {
  const url = new URL(standin.url + ids.str(ex.path));
  for (const [k, v] of Object.entries(ex.query ?? {}))
    for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, k === 'experiment_id' ? (ids.deep(one, 'experiment_id') as string) : ids.str(one));
  const rb = ex.req_body;
  let body: string | Buffer | undefined;
  if (rb.json !== undefined) body = JSON.stringify(ids.deep(rb.json));
  else if (rb.json_summary) body = JSON.stringify(ids.deep(expandSummary(rb.json_summary)));
  else if (rb.text !== undefined) body = rb.text;
  else if (rb.unparsable_json_text !== undefined) body = rb.unparsable_json_text;
  else if (rb.bytes > 0) body = Buffer.alloc(rb.bytes, 7);
  const headers: Record<string, string> = {};
  if (body !== undefined && ex.req_headers['content-type']) headers['content-type'] = ex.req_headers['content-type'];
  if (ex.method === 'PUT') uploaded.set(url.pathname, body === undefined ? 0 : Buffer.byteLength(body));
  const res = await fetch(url, { method: ex.method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : new Uint8Array(body) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const fail = (why: string): Outcome => ({ seq: ex.seq, ok: false, why: `${ex.method} ${ex.path} #${ex.seq}: ${why}` });
  if (res.status !== ex.status) return fail(`status ${res.status}, recorded ${ex.status}: ${bytes.toString().slice(0, 200)}`);
  const wantType = (ex.resp_headers['content-type'] ?? '').split(';')[0];
  const gotType = (res.headers.get('content-type') ?? '').split(';')[0];
  if (wantType !== gotType) return fail(`content-type ${gotType}, recorded ${wantType}`);
  const isDownload = ex.method === 'GET' && /\/mlflow-artifacts\/artifacts\/./.test(ex.path);
  if (isDownload) {
    const sent = uploaded.get(url.pathname);
    return sent === bytes.length ? { seq: ex.seq, ok: true } : fail(`downloaded ${bytes.length} bytes, ${sent} were uploaded`);
  }
  if (wantType === 'application/json') {
    let got: unknown;
    try {
      got = JSON.parse(bytes.toString('utf8'));
    } catch {
      return fail('answer is not JSON');
    }
    const want = ex.resp_body.json;
    ids.learn(want, got);
    const d = shapeDiff(shapeOf(want), shapeOf(got));
    return d ? fail(d) : { seq: ex.seq, ok: true };
  }
  // The HTML 404 page of an unknown endpoint: status and content type are what a client can rely on.
  return { seq: ex.seq, ok: true };
}

test('the MLflow stand-in answers every recorded real request with the recorded status and response shape', async () => {
  const standin = await startMlflowStandin();
  const ids = new IdMap();
  const uploaded = new Map<string, number>();
  const report: string[] = [];
  const failures: string[] = [];
  try {
    for (const file of FILES) {
      const outcomes = await replay(standin, file, ids, uploaded);
      const ok = outcomes.filter((o) => o.ok).length;
      report.push(`${file}: ${ok}/${outcomes.length} exchanges match`);
      failures.push(...outcomes.filter((o) => !o.ok).map((o) => `${file} ${o.why}`));
    }
  } finally {
    await standin.close();
  }
  console.log(report.join('\n'));
  assert.deepEqual(failures, [], failures.join('\n'));
});
