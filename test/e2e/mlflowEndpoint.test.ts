/**
 * The MLflow endpoint that `lineage run` serves (src/core/mlflowEndpoint): the real MLflow 3.6 client's recorded
 * requests (test/fixtures/mlflow-traffic/a_tracking.jsonl) replayed against it get the recorded status codes and
 * response shapes, and what they logged is in the Lineage run (`lineage show --json`); and a real Python script
 * under `lineage run` that speaks MLflow's REST API to $MLFLOW_TRACKING_URI loses none of 10,000 points and reads them back.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, PYTHON, queryDbFile } from '../helpers/cli';
import { makeRunFolder, tmpDir } from '../helpers/tmp';
import { startMlflowEndpoint } from '../../src/core/mlflowEndpoint/server';
import { openSession, replayInto } from './mlflowEndpointReplay';

interface Shown {
  params: Record<string, unknown>;
  metrics: Record<string, { count: number; lastStep: number; last: unknown }>;
  tags: Record<string, string>;
  name: string;
  status: string;
}

function show(ws: string, id: string): Shown {
  const r = cli(['show', id, '--json'], ws);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Shown;
}

function childrenOf(ws: string, parent: string): string[] {
  const runs = path.join(ws, '.lineage', 'runs');
  return fs
    .readdirSync(runs)
    .filter((n) => {
      try {
        return (JSON.parse(fs.readFileSync(path.join(runs, n, 'run.json'), 'utf8')) as { parentRunId?: string }).parentRunId === parent;
      } catch {
        return false;
      }
    })
    .sort();
}

async function replayFile(file: string): Promise<{ ws: string; dir: string; id: string }> {
  const s = await openSession();
  let failures: string[];
  try {
    failures = await replayInto(s, file);
  } finally {
    await s.ep.close();
  }
  assert.deepEqual(failures, [], failures.join('\n'));
  return s;
}

test("the MLflow endpoint answers the real client's recorded tracking requests as MLflow did, and the data lands in the Lineage run", async () => {
  const { ws, dir, id } = await replayFile('a_tracking.jsonl');
  const run = show(ws, id);
  assert.deepEqual(
    Object.fromEntries(['alpha', 'l1_ratio', 'solver', 'async_param'].map((k) => [k, run.params[k]])),
    { alpha: '0.5', l1_ratio: '0.1', solver: 'auto', async_param: 'yes' },
    'params as logged; the refused re-log of alpha (400) changed nothing',
  );
  assert.equal(run.metrics.loss.count, 3);
  assert.equal(run.metrics.loss.lastStep, 2);
  assert.equal(run.metrics.loss_ts.lastStep, 7);
  assert.equal(run.metrics.async_metric.count, 5);
  assert.equal(run.metrics.nan_metric.count, 1);
  assert.equal(run.tags.team, 'fixtures');
  assert.equal(run.tags.stage, 'dev');
  assert.equal(run.tags['mlflow.runName'], 'parent-run');
  assert.ok(fs.statSync(path.join(dir, 'artifacts', 'notes.txt')).isFile(), 'log_artifact landed in the run');
  const lines = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);
  assert.ok(lines.some((l) => l === '{"type":"artifact","path":"artifacts/notes.txt"}'));
  assert.ok(lines.some((l) => l.includes('"key":"inf_metric","value":"Infinity"')));

  const kids = childrenOf(ws, id);
  assert.equal(kids.length, 2, 'the nested run and the later failed top-level run are child runs');
  const shownKids = kids.map((k) => show(ws, k));
  const child = shownKids.find((k) => k.name === 'child-run');
  assert.ok(child, JSON.stringify(shownKids.map((k) => k.name)));
  const indexed = await queryDbFile(path.join(ws, '.lineage', 'lineage.db'), 'SELECT id FROM runs WHERE parent_run_id = ? ORDER BY id', [id]);
  assert.deepEqual(
    indexed.map((r) => r.id),
    kids,
    'the index knows them as children of the launched run',
  );
  assert.equal(child.status, 'finished');
  assert.equal(child.params.child_param, '1');
  assert.equal(child.metrics.child_metric.count, 1);
  assert.equal(shownKids.find((k) => k.name === 'failed-run')?.status, 'failed');
});

test('the endpoint refuses artifact paths that leave the run, and bad batches, with 400 INVALID_PARAMETER_VALUE; a long param is cut', async () => {
  const ws = tmpDir('lineage-mlflow-ep-');
  const dir = makeRunFolder(ws);
  const id = path.basename(dir);
  const ep = await startMlflowEndpoint(dir, id);
  try {
    const run = (await (
      await fetch(`${ep.url}/api/2.0/mlflow/runs/create`, { method: 'POST', body: JSON.stringify({ experiment_id: '0', start_time: Date.now() }) })
    ).json()) as { run: { info: { run_id: string } } };
    assert.equal(run.run.info.run_id, id, 'the first top-level MLflow run is the launched run');
    for (const p of [`0/${id}/artifacts/..%2F..%2Fescape.txt`, `%2Fetc%2Fpasswd`]) {
      const res = await fetch(`${ep.url}/api/2.0/mlflow-artifacts/artifacts/${p}`, { method: 'PUT', body: 'x' });
      assert.equal(res.status, 400, p);
      assert.equal(((await res.json()) as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');
    }
    const many = Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: 1, step: i }));
    const big = await fetch(`${ep.url}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', body: JSON.stringify({ run_id: id, metrics: many }) });
    assert.equal(big.status, 400);
    const long = await fetch(`${ep.url}/api/2.0/mlflow/runs/log-parameter`, {
      method: 'POST',
      body: JSON.stringify({ run_id: id, key: 'p', value: 'x'.repeat(6001) }),
    });
    assert.equal(long.status, 200, 'MLflow 3.6 keeps a longer param value cut to 6,000 characters (e_limits #10, #22)');
  } finally {
    await ep.close();
  }
  assert.ok(!fs.existsSync(path.join(ws, '.lineage', 'runs', 'escape.txt')));
  const events = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
  assert.ok(!events.includes('"key":"m"'), 'the refused batch logged nothing');
  assert.ok(events.includes(`{"type":"param","key":"p","value":"${'x'.repeat(6000)}"}`), 'the long param is in the run, cut to 6,000 characters');
});

const SCRIPT = String.raw`
import json, os, time, urllib.parse, urllib.request
base = os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/"
def call(ep, body):
    req = urllib.request.Request(base + ep, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"{}")
run = call("runs/create", {"experiment_id": "0", "run_name": "via-mlflow", "start_time": int(time.time() * 1000), "tags": [{"key": "mlflow.user", "value": "me"}]})
rid = run["run"]["info"]["run_id"]
now = int(time.time() * 1000)
for b in range(10):
    call("runs/log-batch", {"run_id": rid, "metrics": [{"key": "loss", "value": 1.0 / (1 + b * 1000 + i), "timestamp": now, "step": b * 1000 + i} for i in range(1000)]})
call("runs/log-parameter", {"run_id": rid, "key": "lr", "value": "0.01"})
call("runs/update", {"run_id": rid, "status": "FINISHED", "end_time": int(time.time() * 1000)})
print("logged into", rid)
# Reads, as mlflow.get_metric_history / search_runs page through them.
hist, tok = [], None
while True:
    q = "metrics/get-history?run_id=%s&metric_key=loss&max_results=2500" % rid + ("&page_token=" + urllib.parse.quote(tok) if tok else "")
    with urllib.request.urlopen(base + q) as r:
        page = json.loads(r.read())
    hist += page.get("metrics", [])
    tok = page.get("next_page_token")
    if not tok:
        break
found = call("runs/search", {"experiment_ids": ["0"], "filter": "params.lr = '0.01' and metrics.loss < 0.001"})
print("history", len(hist), "last step", hist[-1]["step"], "found", ",".join(r["info"]["run_id"] for r in found["runs"]))
`;

test('lineage run: a Python script that speaks the MLflow REST API to $MLFLOW_TRACKING_URI keeps all 10,000 points in the run and reads them back', () => {
  const ws = tmpDir('lineage-mlflow-run-');
  fs.writeFileSync(path.join(ws, 'train.py'), SCRIPT);
  const r = cli(['run', 'train.py'], ws, { LINEAGE_PYTHON: PYTHON, MLFLOW_TRACKING_URI: '' });
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const id = /logged into (\S+)/.exec(r.stdout)?.[1];
  assert.ok(id, r.stdout);
  const run = show(ws, id);
  assert.equal(run.metrics.loss.count, 10_000);
  assert.equal(run.metrics.loss.lastStep, 9_999);
  assert.equal(run.params.lr, '0.01');
  assert.equal(run.status, 'finished');
  assert.match(r.stdout, new RegExp(`history 10000 last step 9999 found ${id}\n`), 'the script read back, page by page, what it logged');

  // A user's own tracking URI is left alone, and LINEAGE_MLFLOW_ENDPOINT=0 turns the endpoint off.
  fs.writeFileSync(path.join(ws, 'env.py'), 'import os\nprint("uri=" + os.environ.get("MLFLOW_TRACKING_URI", "-"))\n');
  const own = cli(['run', 'env.py'], ws, { LINEAGE_PYTHON: PYTHON, MLFLOW_TRACKING_URI: 'http://example.invalid:5000' });
  assert.match(own.stdout, /uri=http:\/\/example\.invalid:5000/);
  const off = cli(['run', 'env.py'], ws, { LINEAGE_PYTHON: PYTHON, MLFLOW_TRACKING_URI: '', LINEAGE_MLFLOW_ENDPOINT: '0' });
  assert.match(off.stdout, /uri=\n|uri=-/);
});

test("the endpoint answers the real client's recorded sklearn autolog (grid search, logged models) as MLflow did, with child runs and model files in Lineage", async () => {
  const { ws, dir, id } = await replayFile('b_autolog.jsonl');
  const run = show(ws, id);
  assert.equal(run.params.solver, 'auto', "the first top-level run's autologged params are the launched run's");
  assert.ok(run.metrics.training_r2_score?.count >= 1, JSON.stringify(Object.keys(run.metrics)));
  const kids = childrenOf(ws, id);
  const search = kids.find((k) => show(ws, k).name === 'gridsearch-autolog');
  assert.ok(search, 'the grid search (a later top-level run) is a child of the launched run');
  const candidates = childrenOf(ws, search);
  assert.ok(candidates.length >= 2, `the search's candidates are its children: ${candidates.length}`);
  for (const c of candidates) assert.ok(Object.keys(show(ws, c).params).length > 0, 'each candidate has its params');
  const indexed = await queryDbFile(path.join(ws, '.lineage', 'lineage.db'), 'SELECT id FROM runs WHERE parent_run_id = ? ORDER BY id', [search]);
  assert.deepEqual(
    indexed.map((r) => r.id),
    candidates,
  );
  const modelFiles = fs.readdirSync(path.join(dir, 'artifacts', 'mlflow-models'), { recursive: true });
  assert.ok(
    modelFiles.some((f) => String(f).endsWith('MLmodel')),
    'the logged model files are kept with the run that logged them',
  );
});
