/**
 * MLflow endpoint throughput (issue 16 §4): metric points per second that a script under `lineage run` gets
 * through the MLflow REST endpoint the launcher serves (src/core/mlflowEndpoint) — log-batch with 1,000 points
 * a request (what MLflow's client sends for log_metrics/autolog batches) and one log-metric request a point
 * (what `mlflow.log_metric` sends) — next to the Python SDK's `lineage.log_metric`, in the same run of the same
 * script. Every point must be in the run afterwards (`lineage show --json`); a lost point fails the bench.
 *
 *   flock /tmp/lineage-build.lock node scripts/build.mjs
 *   node bench/mlflow_endpoint.mjs
 *
 * Environment: BENCH_POINTS (batched and SDK points, default 100000), BENCH_SINGLE (one-request-a-point
 * points, default 3000), BENCH_REPS (default 3). Last line: one JSON.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const PYTHON = '/usr/bin/python3';
const POINTS = Number(process.env.BENCH_POINTS || 100_000);
const SINGLE = Number(process.env.BENCH_SINGLE || 3000);
const REPS = Math.max(1, Number(process.env.BENCH_REPS || 3));

const SCRIPT = String.raw`
import json, os, sys, time, urllib.request
import lineage
POINTS, SINGLE = int(sys.argv[1]), int(sys.argv[2])
base = os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/"
def call(ep, body):
    req = urllib.request.Request(base + ep, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req) as r:
        return r.read()
rid = json.loads(call("runs/create", {"experiment_id": "0", "start_time": int(time.time() * 1000)}))["run"]["info"]["run_id"]
now = int(time.time() * 1000)
t = time.perf_counter()
for b in range(0, POINTS, 1000):
    call("runs/log-batch", {"run_id": rid, "metrics": [{"key": "ep_batch", "value": i * 0.5, "timestamp": now, "step": i} for i in range(b, min(POINTS, b + 1000))]})
batch = time.perf_counter() - t
t = time.perf_counter()
for i in range(SINGLE):
    call("runs/log-metric", {"run_id": rid, "key": "ep_single", "value": i * 0.5, "timestamp": now, "step": i})
single = time.perf_counter() - t
t = time.perf_counter()
for i in range(POINTS):
    lineage.log_metric("sdk", i * 0.5, step=i)
sdk = time.perf_counter() - t
print(json.dumps({"batch_s": batch, "single_s": single, "sdk_s": sdk}))
`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!fs.existsSync(CLI)) throw new Error('dist/cli.js is missing: run `node scripts/build.mjs` first.');
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-bench-mlflow-'));
fs.writeFileSync(path.join(ws, 'bench.py'), SCRIPT);
const reps = [];
try {
  for (let r = 0; r < REPS; r++) {
    const run = spawnSync(process.execPath, [CLI, 'run', 'bench.py', String(POINTS), String(SINGLE)], {
      cwd: ws,
      encoding: 'utf8',
      env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1', MLFLOW_TRACKING_URI: '' },
      maxBuffer: 1 << 26,
    });
    if (run.status !== 0) throw new Error(`lineage run failed: ${run.stderr}`);
    const times = JSON.parse(
      run.stdout
        .trim()
        .split('\n')
        .find((l) => l.startsWith('{"batch_s"')),
    );
    const ls = spawnSync(process.execPath, [CLI, 'ls', '--json'], { cwd: ws, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const id = JSON.parse(ls.stdout).find((x) => !x.parentRunId)?.id ?? JSON.parse(ls.stdout)[0].id;
    const show = JSON.parse(spawnSync(process.execPath, [CLI, 'show', id, '--json'], { cwd: ws, encoding: 'utf8' }).stdout);
    const counts = { ep_batch: show.metrics.ep_batch?.count, ep_single: show.metrics.ep_single?.count, sdk: show.metrics.sdk?.count };
    if (counts.ep_batch !== POINTS || counts.ep_single !== SINGLE || counts.sdk !== POINTS) throw new Error(`points lost: ${JSON.stringify(counts)}`);
    const rep = { batchPps: POINTS / times.batch_s, singlePps: SINGLE / times.single_s, sdkPps: POINTS / times.sdk_s };
    reps.push(rep);
    console.log(
      `rep ${r + 1}: endpoint log-batch ${Math.round(rep.batchPps)} pts/s, endpoint log-metric ${Math.round(rep.singlePps)} pts/s, SDK log_metric ${Math.round(rep.sdkPps)} pts/s (all ${2 * POINTS + SINGLE} points in the run)`,
    );
    fs.rmSync(path.join(ws, '.lineage'), { recursive: true, force: true });
  }
} finally {
  fs.rmSync(ws, { recursive: true, force: true });
}
const m = { batchPps: median(reps.map((x) => x.batchPps)), singlePps: median(reps.map((x) => x.singlePps)), sdkPps: median(reps.map((x) => x.sdkPps)) };
console.log(
  `median: log-batch ${Math.round(m.batchPps)} pts/s = ${(m.batchPps / m.sdkPps).toFixed(2)}× the SDK; log-metric ${Math.round(m.singlePps)} pts/s = ${(m.singlePps / m.sdkPps).toFixed(4)}× the SDK (${Math.round(m.sdkPps)} pts/s)`,
);
console.log(JSON.stringify({ points: POINTS, single: SINGLE, reps: REPS, ...m, batchVsSdk: m.batchPps / m.sdkPps, singleVsSdk: m.singlePps / m.sdkPps }));
