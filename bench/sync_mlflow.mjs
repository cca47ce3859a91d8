/**
 * MLflow push and sync (issue 15): `lineage sync` of RUNS runs × POINTS metric points each to the MLflow
 * stand-in (test/helpers/mlflowStandin: NOT MLflow, a test double checked against recorded real MLflow 3.6
 * traffic, run here as its own process), against the anchor measured in the same run: the same kind of
 * points sent one `runs/log-metric` request each (what `mlflow.log_metric` per point does), over one
 * keep-alive connection, sequentially.
 *
 *   flock /tmp/lineage-build.lock node scripts/build.mjs      (dist/cli.js and dist-bench/lib/mlflowStandinServer.js)
 *   node bench/sync_mlflow.mjs
 *   BENCH_RUNS=10 BENCH_POINTS=1000 node bench/sync_mlflow.mjs     a quick look (no JSON file written)
 *
 * Environment (all optional):
 *   BENCH_RUNS           runs (default 100)     BENCH_POINTS   points per run (default 10000)
 *   BENCH_ANCHOR_POINTS  points the anchor really sends one request each (default 50000); when that is fewer
 *                        than RUNS × POINTS its time is extrapolated linearly, and the output says so
 *   BENCH_OUT            JSON output (default bench/results/sync_mlflow.json at the default size, else none)
 *
 * Measured: (1) the first sync (every run created, every point sent), (2) a second sync with nothing new,
 * (3) a third after 100 new points per run. Requests are counted by the server (its /__standin/counts) and
 * by the client (the report). Wall time of the whole `lineage sync` process. Last line: one JSON object.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const RUNS = Number(process.env.BENCH_RUNS || 100);
const POINTS = Number(process.env.BENCH_POINTS || 10000);
const ANCHOR_POINTS = Math.min(RUNS * POINTS, Number(process.env.BENCH_ANCHOR_POINTS || 50000));
const DEFAULT_SIZE = RUNS === 100 && POINTS === 10000;
const OUT = process.env.BENCH_OUT ?? (DEFAULT_SIZE ? path.join(ROOT, 'bench/results/sync_mlflow.json') : '');
const BUILT_CLI = path.join(ROOT, 'dist/cli.js');
const BUILT_SERVER = path.join(ROOT, 'dist-bench/lib/mlflowStandinServer.js');
for (const f of [BUILT_CLI, BUILT_SERVER]) if (!fs.existsSync(f)) throw new Error(`${f} is missing: run node scripts/build.mjs first`);
// A snapshot of the build, so another build of the shared checkout during the run cannot pull it away.
const SNAP = path.join(os.tmpdir(), 'lineage-sync-bench-build');
fs.rmSync(SNAP, { recursive: true, force: true });
fs.cpSync(path.join(ROOT, 'dist'), path.join(SNAP, 'dist'), { recursive: true });
fs.mkdirSync(path.join(SNAP, 'dist-bench/lib'), { recursive: true });
fs.copyFileSync(BUILT_SERVER, path.join(SNAP, 'dist-bench/lib/mlflowStandinServer.js'));
const CLI = path.join(SNAP, 'dist/cli.js');
const SERVER = path.join(SNAP, 'dist-bench/lib/mlflowStandinServer.js');

function runId(i) {
  return `20261205-${String(100000 + Math.floor(i / 60) * 100 + (i % 60)).slice(-6)}-${i.toString(16).padStart(6, '0')}`;
}

/** RUNS run folders as the SDK writes them: 3 params, POINTS points of `loss` (with steps and times). */
function makeWorkspace(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  const t0 = 1796000000;
  for (let r = 0; r < RUNS; r++) {
    const id = runId(r);
    const d = path.join(dir, '.lineage', 'runs', id);
    fs.mkdirSync(d, { recursive: true });
    const now = new Date((t0 + r * 60) * 1000).toISOString();
    fs.writeFileSync(
      path.join(d, 'run.json'),
      JSON.stringify({
        schema: 1,
        id,
        name: `run-${r}`,
        experiment: 'bench',
        status: 'finished',
        startedAt: now,
        endedAt: now,
        command: ['python', 'train.py'],
        cwd: dir,
        createdBy: 'bench',
      }),
    );
    const lines = [
      JSON.stringify({ type: 'header', schema: 1 }),
      ...['lr', 'depth', 'seed'].map((k, j) => JSON.stringify({ type: 'param', key: k, value: j + r / 100 })),
    ];
    for (let i = 0; i < POINTS; i++)
      lines.push(JSON.stringify({ type: 'metric', key: 'loss', value: 1 / (i + 1) + r / 1e4, step: i, ts: t0 + r * 60 + i / 1000 }));
    fs.writeFileSync(path.join(d, 'events.jsonl'), lines.join('\n') + '\n');
  }
}

function appendPoints(dir, n) {
  for (let r = 0; r < RUNS; r++) {
    const lines = [];
    for (let i = POINTS; i < POINTS + n; i++)
      lines.push(JSON.stringify({ type: 'metric', key: 'loss', value: 1 / (i + 1), step: i, ts: 1796000000 + r * 60 + i / 1000 }));
    fs.appendFileSync(path.join(dir, '.lineage', 'runs', runId(r), 'events.jsonl'), lines.join('\n') + '\n');
  }
}

async function startServer() {
  const p = spawn(process.execPath, [SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
      const m = /\{"port":(\d+)\}/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    p.on('exit', (c) => reject(new Error(`stand-in exited ${c}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    counts: async () => {
      const c = await (await fetch(`http://127.0.0.1:${port}/__standin/counts`)).json();
      return Object.values(c).reduce((a, b) => a + b, 0);
    },
    stop: () => new Promise((r) => (p.on('exit', r), p.stdin.end())),
  };
}

async function timedSync(ws, server) {
  const before = await server.counts();
  const t = process.hrtime.bigint();
  const p = spawn(process.execPath, [CLI, 'sync', '--to', server.url.replace('http://', 'mlflow://'), '--json'], {
    cwd: ws,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d) => (out += d));
  p.stderr.on('data', (d) => (err += d));
  const code = await new Promise((r) => p.on('close', r));
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (code !== 0) throw new Error(`lineage sync failed (${code}): ${err}`);
  const report = JSON.parse(out);
  return {
    ms,
    serverRequests: (await server.counts()) - before,
    clientRequests: report.requests,
    pointsSent: report.pointsSent,
    created: report.runs.filter((r) => r.created).length,
  };
}

/** The anchor: one log-metric request per point, sequentially, one keep-alive connection (fetch's pool). */
async function anchor(server, points) {
  const call = async (endpoint, body) => {
    const res = await fetch(`${server.url}/api/2.0/mlflow/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const j = await res.json();
    if (!res.ok) throw new Error(`${endpoint}: ${JSON.stringify(j)}`);
    return j;
  };
  const { experiment_id } = await call('experiments/create', { name: 'anchor' });
  const t = process.hrtime.bigint();
  let sent = 0;
  let runsMade = 0;
  while (sent < points) {
    const { run } = await call('runs/create', { experiment_id, user_id: 'bench', run_name: `anchor-${runsMade++}`, start_time: Date.now(), tags: [] });
    const id = run.info.run_id;
    for (let i = 0; i < POINTS && sent < points; i++, sent++)
      await call('runs/log-metric', { run_uuid: id, key: 'loss', value: 1 / (i + 1), timestamp: 1796000000000 + i, step: i, run_id: id });
    await call('runs/update', { run_uuid: id, status: 'FINISHED', end_time: Date.now(), run_id: id });
  }
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  return { ms, points: sent, requests: sent + 2 * runsMade, perPointMs: ms / sent };
}

const load = () => os.loadavg()[0].toFixed(2);
const ws = path.join(os.tmpdir(), 'lineage-sync-bench');
console.error(`preparing ${RUNS} runs × ${POINTS} points …`);
makeWorkspace(ws);
const idx = spawnSync(process.execPath, [CLI, 'ls', '--json'], { cwd: ws, encoding: 'utf8', maxBuffer: 1 << 28 });
if (idx.status !== 0) throw new Error(`indexing failed: ${idx.stderr}`);

const server = await startServer();
try {
  const loadFirst = load();
  const first = await timedSync(ws, server);
  console.error(`first sync: ${first.ms.toFixed(0)} ms, ${first.serverRequests} requests, ${first.pointsSent} points`);
  const second = await timedSync(ws, server);
  appendPoints(ws, 100);
  spawnSync(process.execPath, [CLI, 'ls', '--json'], { cwd: ws, encoding: 'utf8', maxBuffer: 1 << 28 });
  const third = await timedSync(ws, server);
  const loadAnchor = load();
  console.error(`anchor: ${ANCHOR_POINTS} points one request each …`);
  const a = await anchor(server, ANCHOR_POINTS);
  const total = RUNS * POINTS;
  const anchorMs = a.perPointMs * total;
  const extrapolated = a.points < total;
  const rows = [
    ['points', total.toLocaleString('en-US'), total.toLocaleString('en-US'), ''],
    [
      'requests',
      first.serverRequests.toLocaleString('en-US'),
      (total + 2 * RUNS).toLocaleString('en-US'),
      `${((total + 2 * RUNS) / first.serverRequests).toFixed(0)}× fewer`,
    ],
    [
      'time',
      `${(first.ms / 1000).toFixed(1)} s`,
      `${(anchorMs / 1000).toFixed(1)} s${extrapolated ? ` (measured on ${a.points.toLocaleString('en-US')} points, × ${(total / a.points).toFixed(0)})` : ''}`,
      `${(anchorMs / first.ms).toFixed(1)}× faster`,
    ],
  ];
  console.log(`\nlineage sync of ${RUNS} runs × ${POINTS} points to the MLflow stand-in vs one log-metric request per point`);
  console.log('| measure | lineage sync | anchor: one request per point | ratio |\n|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(`second sync, nothing new: ${second.ms.toFixed(0)} ms, ${second.serverRequests} requests, ${second.pointsSent} points`);
  console.log(`third sync, 100 new points per run: ${third.ms.toFixed(0)} ms, ${third.serverRequests} requests, ${third.pointsSent} points`);
  const result = {
    date: new Date().toISOString(),
    machine: `${os.cpus().length} vCPU ${os.cpus()[0]?.model ?? ''}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`,
    runs: RUNS,
    pointsPerRun: POINTS,
    first,
    second,
    third,
    anchor: { ...a, extrapolatedMs: anchorMs, extrapolated },
    ratios: { requests: (total + 2 * RUNS) / first.serverRequests, time: anchorMs / first.ms },
    loadAvg: { first: loadFirst, anchor: loadAnchor },
  };
  if (OUT) {
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
  }
  console.log(JSON.stringify(result));
} finally {
  await server.stop();
  fs.rmSync(ws, { recursive: true, force: true });
}
