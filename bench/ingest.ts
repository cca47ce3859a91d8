/**
 * Ingest, size, save and listing benchmark for the metrics store.
 *
 *   node scripts/build.mjs && node dist-bench/ingest.js
 *
 * Environment (all optional):
 *   BENCH_RUNS          runs in the big workspace            (default 1000)
 *   BENCH_POINTS        metric points per run                (default 5000)
 *   BENCH_ANCHOR_RUNS   runs the one-row-per-point anchor reads (default 100; 0 = all)
 *   BENCH_LIST_RUNS     runs in the listing workspace        (default 10000)
 *   BENCH_REPS          repetitions of the full ingest and of the anchor; medians reported (default 3)
 *   BENCH_KEEP=1        keep the temp workspaces (their paths are printed)
 *   BENCH_CPU_PROFILE=f write a V8 CPU profile of the timed full ingest only to f (.cpuprofile; adds overhead)
 *
 * Everything is generated into fresh temp dirs, measured in this one process (so the anchors see the same
 * machine, page cache and Node), and removed at the end. The last line of output is one JSON object.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as inspector from 'node:inspector';
import { LineageWorkspace } from '../src/core/workspace';
import { forgetIndexes, readIndex, seriesRoot } from '../src/core/metrics/seriesFile';
import { loadSqlJs } from '../src/core/store/sqljs';
import { listRuns } from '../src/core/runs/queries';
import { readNewLines } from '../src/core/ingest/readNewLines';
import { parseEventLines } from '../src/core/events/parseEvents';
import { envInt, now, median, mulberry32 } from './lib/measure';

const RUNS = envInt('BENCH_RUNS', 1000);
const POINTS = envInt('BENCH_POINTS', 5000);
const ANCHOR_RUNS_RAW = envInt('BENCH_ANCHOR_RUNS', 100);
const ANCHOR_RUNS = ANCHOR_RUNS_RAW <= 0 ? RUNS : Math.min(ANCHOR_RUNS_RAW, RUNS);
const LIST_RUNS = envInt('BENCH_LIST_RUNS', 10000);
const KEEP = process.env.BENCH_KEEP === '1';
const REPS = Math.max(1, envInt('BENCH_REPS', 3));
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;

const TARGET = { pointsPerS: 1_000_000, ratio: 5, bytesPerPoint: 20, saveMs: 1000, list10kMs: 200 };

// ---------------------------------------------------------------- helpers

async function timeMedian(times: number, fn: () => unknown): Promise<{ median: number; all: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = now();
    await fn();
    all.push(now() - t0);
  }
  return { median: median(all), all };
}

function gaussian(rnd: () => number): number {
  const u = 1 - rnd();
  const v = rnd();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function runId(i: number, base: number): { id: string; start: Date } {
  const start = new Date(base + i * 61_000); // one run a minute and a bit: distinct, sorted, realistic
  const p = (n: number) => String(n).padStart(2, '0');
  const date = `${start.getUTCFullYear()}${p(start.getUTCMonth() + 1)}${p(start.getUTCDate())}`;
  const time = `${p(start.getUTCHours())}${p(start.getUTCMinutes())}${p(start.getUTCSeconds())}`;
  // The counter in the random part keeps ids unique even if two runs landed on the same second.
  return { id: `${date}-${time}-${(((i * 2654435761) % 0xffffff) >>> 0).toString(16).padStart(6, '0')}`, start };
}

function writeRunJson(dir: string, id: string, start: Date, end: Date, cwd: string, i: number): void {
  const record = {
    schema: 1,
    id,
    name: `bench-run-${i}`,
    experiment: `exp-${i % 10}`,
    status: 'finished',
    startedAt: start.toISOString(),
    endedAt: end.toISOString(),
    command: [],
    cwd,
    createdBy: 'bench',
  };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
}

function fmtBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtMs = (n: number) => `${n.toFixed(1)} ms`;

let peakRss = 0;
const sampleRss = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};
const rssTimer = setInterval(sampleRss, 100);
rssTimer.unref();

/** Profiles just `fn` (not generation or the anchors) when BENCH_CPU_PROFILE is set. */
async function maybeProfiled<T>(fn: () => Promise<T>): Promise<T> {
  if (!CPU_PROFILE) return fn();
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<{ profile?: object }>((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res as { profile?: object }))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await post('Profiler.stop');
    fs.writeFileSync(CPU_PROFILE, JSON.stringify(profile));
    session.disconnect();
    console.log(`CPU profile of the full ingest written to ${CPU_PROFILE} (profiling overhead included in the ingest figure)`);
  }
}

// ---------------------------------------------------------------- generation

/** `.lineage/runs/<id>/` × runs, each with 5,000 points of a decaying, noisy loss curve. */
function generateBig(ws: string): { runDirs: string[]; eventBytes: number } {
  const runsDir = path.join(ws, '.lineage', 'runs');
  fs.mkdirSync(runsDir, { recursive: true });
  const base = Date.UTC(2026, 0, 5, 8, 0, 0);
  const rnd = mulberry32(12345);
  const runDirs: string[] = [];
  let eventBytes = 0;
  for (let r = 0; r < RUNS; r++) {
    const { id, start } = runId(r, base);
    const dir = path.join(runsDir, id);
    fs.mkdirSync(dir);
    const lr = [0.1, 0.03, 0.01, 0.003, 0.001][r % 5];
    const lines: string[] = [
      JSON.stringify({ type: 'header', schema: 1, writer: 'lineage-python/0.1' }),
      JSON.stringify({ type: 'param', key: 'lr', value: lr }),
      JSON.stringify({ type: 'param', key: 'batch_size', value: [32, 64, 128][r % 3] }),
      JSON.stringify({ type: 'param', key: 'optimizer', value: r % 2 ? 'adam' : 'sgd' }),
      JSON.stringify({ type: 'param', key: 'seed', value: r }),
    ];
    const t0 = start.getTime() / 1000 + 2.5;
    const tau = 800 + 400 * rnd();
    const floor = 0.05 + 0.1 * rnd();
    let t = t0;
    for (let i = 0; i < POINTS; i++) {
      const clean = 2.3 * Math.exp(-i / tau) + floor;
      const value = clean * (1 + 0.04 * gaussian(rnd)) + 0.002 * gaussian(rnd);
      t += 0.08 + 0.04 * rnd();
      const ts = Math.round(t * 1000) / 1000;
      // Same bytes JSON.stringify({type,key,value,step,ts}) gives: full-precision doubles.
      lines.push(`{"type":"metric","key":"loss","value":${value},"step":${i},"ts":${ts}}`);
    }
    const text = lines.join('\n') + '\n';
    fs.writeFileSync(path.join(dir, 'events.jsonl'), text);
    eventBytes += Buffer.byteLength(text);
    writeRunJson(dir, id, start, new Date(t * 1000), ws, r);
    runDirs.push(dir);
    if (r % 100 === 0) sampleRss();
  }
  return { runDirs, eventBytes };
}

/** Many small runs: 3 metrics of a few points and 2 params each. */
function generateMany(ws: string): number {
  const runsDir = path.join(ws, '.lineage', 'runs');
  fs.mkdirSync(runsDir, { recursive: true });
  const base = Date.UTC(2025, 6, 1, 0, 0, 0);
  const rnd = mulberry32(999);
  let points = 0;
  for (let r = 0; r < LIST_RUNS; r++) {
    const { id, start } = runId(r, base);
    const dir = path.join(runsDir, id);
    fs.mkdirSync(dir);
    const lines: string[] = [
      JSON.stringify({ type: 'header', schema: 1, writer: 'lineage-python/0.1' }),
      JSON.stringify({ type: 'param', key: 'lr', value: [0.1, 0.01, 0.001][r % 3] }),
      JSON.stringify({ type: 'param', key: 'model', value: ['resnet18', 'resnet50', 'vit-b'][r % 3] }),
    ];
    let t = start.getTime() / 1000 + 1;
    const n = 3 + (r % 4);
    for (let i = 0; i < n; i++) {
      t += 1 + rnd();
      const ts = Math.round(t * 1000) / 1000;
      lines.push(JSON.stringify({ type: 'metric', key: 'loss', value: 2 * Math.exp(-i / 3) + 0.1 * rnd(), step: i, ts }));
      lines.push(JSON.stringify({ type: 'metric', key: 'val_loss', value: 2.2 * Math.exp(-i / 3) + 0.1 * rnd(), step: i, ts }));
      lines.push(JSON.stringify({ type: 'metric', key: 'accuracy', value: 1 - Math.exp(-i / 2) * (0.5 + 0.1 * rnd()), step: i, ts }));
      points += 3;
    }
    fs.writeFileSync(path.join(dir, 'events.jsonl'), lines.join('\n') + '\n');
    writeRunJson(dir, id, start, new Date(t * 1000), ws, r);
  }
  return points;
}

// ---------------------------------------------------------------- anchors

/** One SQLite row per point, the way a naive tracker stores metrics: the baseline the chunk design beats. */
async function anchorRowPerPoint(runDirs: string[], keepStatement = true): Promise<{ ms: number; points: number; dbBytes: number }> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  db.exec('CREATE TABLE metrics(run_id TEXT, key TEXT, step INTEGER, ts REAL, value REAL)');
  let points = 0;
  const t0 = now();
  const insert = db.prepare('INSERT INTO metrics (run_id, key, step, ts, value) VALUES (?, ?, ?, ?, ?)');
  for (const dir of runDirs) {
    const id = path.basename(dir);
    const text = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8');
    db.exec('BEGIN');
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; start = nl + 1, nl = text.indexOf('\n', start)) {
      const e = JSON.parse(text.slice(start, nl));
      if (e.type !== 'metric') continue;
      if (keepStatement) insert.run([id, e.key, e.step, e.ts, e.value]);
      else db.run('INSERT INTO metrics (run_id, key, step, ts, value) VALUES (?, ?, ?, ?, ?)', [id, e.key, e.step, e.ts, e.value]);
      points++;
    }
    db.exec('COMMIT');
  }
  insert.free();
  const ms = now() - t0;
  sampleRss();
  const dbBytes = db.export().byteLength;
  db.close();
  return { ms, points, dbBytes };
}

/** Reading + parsing only (no database): the floor any design pays before storing anything. */
function parseFloor(runDirs: string[]): { ms: number; events: number } {
  const t0 = now();
  let events = 0;
  for (const dir of runDirs) {
    const file = path.join(dir, 'events.jsonl');
    const size = fs.statSync(file).size;
    for (const slice of readNewLines(file, 0, size)) events += parseEventLines(slice.text, 1).events.length;
  }
  return { ms: now() - t0, events };
}

function rawWriteFsync(dir: string, bytes: number): number {
  const buf = Buffer.alloc(bytes, 0x5a);
  const file = path.join(dir, `.bench-anchor-${process.pid}.tmp`);
  const t0 = now();
  const fd = fs.openSync(file, 'w', 0o644);
  fs.writeSync(fd, buf);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const ms = now() - t0;
  fs.rmSync(file, { force: true });
  return ms;
}

// ---------------------------------------------------------------- main

const lineagePathsDb = (ws: string) => path.join(ws, '.lineage', 'lineage.db');

/** Bytes and chunk records of every metric cache file under a `.lineage` folder. */
function cacheFiles(root: string): { bytes: number; chunks: number } {
  let bytes = 0;
  let chunks = 0;
  const top = seriesRoot(root);
  for (const run of fs.existsSync(top) ? fs.readdirSync(top) : []) {
    const dir = path.join(top, run);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const f of fs.readdirSync(dir)) {
      const idx = readIndex(path.join(dir, f));
      if (!idx) continue;
      bytes += idx.size;
      chunks += idx.chunks.length;
    }
  }
  return { bytes, chunks };
}

async function main(): Promise<void> {
  const tmpDirs: string[] = [];
  const cleanup = () => {
    if (KEEP) return;
    for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const cpus = os.cpus();
    const machine = { cpus: cpus.length, model: cpus[0]?.model ?? 'unknown', node: process.version };
    const totalPoints = RUNS * POINTS;
    console.log(`Lineage ingest benchmark — ${machine.cpus} × ${machine.model}, Node ${machine.node}`);

    // -------- 1. generate (untimed)
    const big = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-bench-ingest-'));
    tmpDirs.push(big);
    let t = now();
    const { runDirs, eventBytes } = generateBig(big);
    console.log(
      `generated ${fmtInt(RUNS)} runs × ${fmtInt(POINTS)} points = ${fmtInt(totalPoints)} points, ` +
        `events.jsonl total ${fmtBytes(eventBytes)} (${(eventBytes / totalPoints).toFixed(1)} B/line) in ${((now() - t) / 1000).toFixed(1)} s  [${big}]`,
    );

    // The wasm compile is a one-off per process and paid by both sides equally; take it out of both.
    t = now();
    await loadSqlJs();
    const wasmMs = now() - t;

    // -------- 2. full ingest (timed), median of REPS: each rep indexes the same folders into a fresh index
    // (nothing is saved between reps, so every open finds no lineage.db and syncs every folder).
    const ingestAll: number[] = [];
    let ws: LineageWorkspace | undefined;
    for (let rep = 0; rep < REPS; rep++) {
      ws?.close();
      ws = undefined;
      global.gc?.();
      if (fs.existsSync(lineagePathsDb(big))) throw new Error('lineage.db exists before an ingest rep');
      // The metric cache files of the last rep go too: a rep that found them would skip writing the points.
      fs.rmSync(path.join(big, '.lineage', 'cache'), { recursive: true, force: true });
      forgetIndexes();
      t = now();
      ws = await (rep === 0 ? maybeProfiled(() => LineageWorkspace.open(big)) : LineageWorkspace.open(big));
      ingestAll.push(now() - t);
      sampleRss();
    }
    if (!ws) throw new Error('no workspace');
    const ingestMs = median(ingestAll);
    const pointsPerS = totalPoints / (ingestMs / 1000);
    const stored = ws.store.get<{ n: number; c: number }>('SELECT sum(count) AS n, count(*) AS c FROM metric_summaries')!;
    const cache = cacheFiles(path.join(big, '.lineage'));
    const chunks = cache.chunks;
    if (stored.n !== totalPoints) throw new Error(`ingest stored ${stored.n} points, expected ${totalPoints}`);
    const runsStored = ws.store.get<{ c: number }>('SELECT count(*) AS c FROM runs')!.c;
    if (runsStored !== RUNS) throw new Error(`ingest stored ${runsStored} runs, expected ${RUNS}`);

    // -------- 4. database size: first save
    t = now();
    await ws.save();
    const firstSaveMs = now() - t;
    const dbFile = ws.paths.db;
    // What the points cost on disk: the index plus the metric cache files (they hold the points now).
    const dbBytes = fs.statSync(dbFile).size + cache.bytes;
    const bytesPerPoint = dbBytes / totalPoints;

    // -------- 5. save time: export + atomic write + fsync, median of 3; anchor = raw write + fsync of same bytes
    const save = await timeMedian(3, async () => {
      ws.store.markDirty();
      await ws.save();
    });
    const exportOnly = await timeMedian(3, () => ws.store.db.export());
    const saveAnchor = await timeMedian(3, () => rawWriteFsync(path.dirname(dbFile), dbBytes));
    sampleRss();
    ws.close();

    // -------- 3. anchor: one row per point, on a subset
    const anchorDirs = runDirs.slice(0, ANCHOR_RUNS);
    const anchorAll: number[] = [];
    let anchor = { ms: 0, points: 0, dbBytes: 0 };
    for (let rep = 0; rep < REPS; rep++) {
      global.gc?.();
      anchor = await anchorRowPerPoint(anchorDirs);
      anchorAll.push(anchor.ms);
    }
    anchor.ms = median(anchorAll);
    const anchorPointsPerS = anchor.points / (anchor.ms / 1000);
    // Secondary, for context only: the same without a kept statement (db.run prepares every insert).
    const naiveDirs = runDirs.slice(0, Math.max(1, Math.min(ANCHOR_RUNS, 20)));
    const naive = await anchorRowPerPoint(naiveDirs, false);
    const naivePointsPerS = naive.points / (naive.ms / 1000);
    const ratio = pointsPerS / anchorPointsPerS;
    const floor = parseFloor(runDirs);

    // free the big workspace's disk before the next one
    if (!KEEP) {
      fs.rmSync(big, { recursive: true, force: true });
      tmpDirs.splice(tmpDirs.indexOf(big), 1);
    }

    // -------- 6. listing: 10,000 small runs
    const many = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-bench-list-'));
    tmpDirs.push(many);
    t = now();
    const manyPoints = generateMany(many);
    const genManyMs = now() - t;
    t = now();
    const ws2 = await LineageWorkspace.open(many);
    const ingestManyMs = now() - t;
    const nRuns = ws2.store.get<{ c: number }>('SELECT count(*) AS c FROM runs')!.c;
    if (nRuns !== LIST_RUNS) throw new Error(`listing workspace has ${nRuns} runs, expected ${LIST_RUNS}`);
    const check = listRuns(ws2.store, {});
    if (check.length !== LIST_RUNS || check.some((r) => r.metrics.length !== 3)) throw new Error('listRuns returned the wrong shape');
    const list10k = await timeMedian(5, () => listRuns(ws2.store, {}));
    const listPage = await timeMedian(5, () => listRuns(ws2.store, { limit: 100 }));
    const listAnchor = await timeMedian(5, () => ws2.store.db.exec('SELECT * FROM runs'));
    const listRawBoth = await timeMedian(5, () =>
      ws2.store.db.exec(
        `SELECT r.id, r.name, e.name AS experiment, r.status, r.started_at, r.ended_at, r.exit_code
           FROM runs r JOIN experiments e ON e.id = r.experiment_id ORDER BY r.started_at DESC, r.id DESC;
         SELECT run_id, key, count, last, last_nonfinite, first, min, max, last_step, nan_count FROM metric_summaries ORDER BY run_id, key`,
      ),
    );
    await ws2.save();
    const manyDbBytes = fs.statSync(ws2.paths.db).size;
    ws2.close();
    sampleRss();

    // -------- report
    const ok = (pass: boolean) => (pass ? 'ok' : 'MISSED');
    const rows: Array<[string, string, string, string]> = [
      ['full ingest (LineageWorkspace.open)', `${fmtInt(pointsPerS)} points/s`, `≥ ${fmtInt(TARGET.pointsPerS)}`, ok(pointsPerS >= TARGET.pointsPerS)],
      [`  wall time, median of ${REPS}`, fmtMs(ingestMs), '', ''],
      ['  first rep only (cold process: JIT, wasm heap growth)', `${fmtInt(totalPoints / (ingestAll[0] / 1000))} points/s`, '', ''],
      [`anchor: row per point (${ANCHOR_RUNS} runs, ${fmtInt(anchor.points)} pts), median of ${REPS}`, `${fmtInt(anchorPointsPerS)} points/s`, '', ''],
      ['  ratio ours / anchor', `${ratio.toFixed(2)} ×`, `≥ ${TARGET.ratio} ×`, ok(ratio >= TARGET.ratio)],
      [`  (context) row per point with db.run, no kept statement (${naiveDirs.length} runs)`, `${fmtInt(naivePointsPerS)} points/s`, '', ''],
      ['  (context) ratio ours / that', `${(pointsPerS / naivePointsPerS).toFixed(2)} ×`, '', ''],
      ['  read+parse only, no DB (floor)', `${fmtInt(floor.events / (floor.ms / 1000))} events/s`, '', ''],
      ['database size', `${fmtBytes(dbBytes)}`, '', ''],
      ['  bytes per point', bytesPerPoint.toFixed(2), `≤ ${TARGET.bytesPerPoint}`, ok(bytesPerPoint <= TARGET.bytesPerPoint)],
      ['  anchor DB bytes per point', (anchor.dbBytes / anchor.points).toFixed(2), '', ''],
      ['save (markDirty + save), median of 3', fmtMs(save.median), `≤ ${TARGET.saveMs} ms`, ok(save.median <= TARGET.saveMs)],
      ['  of which db.export(), median of 3', fmtMs(exportOnly.median), '', ''],
      ['  first save after ingest', fmtMs(firstSaveMs), '', ''],
      ['  anchor: raw write + fsync same bytes', fmtMs(saveAnchor.median), '', ''],
      [`listRuns all ${fmtInt(LIST_RUNS)} runs, median of 5`, fmtMs(list10k.median), `≤ ${TARGET.list10kMs} ms`, ok(list10k.median <= TARGET.list10kMs)],
      ['listRuns first page (limit 100)', fmtMs(listPage.median), '', ''],
      ["  anchor: db.exec('SELECT * FROM runs')", fmtMs(listAnchor.median), '', ''],
      ["  raw db.exec of listRuns' two queries", fmtMs(listRawBoth.median), '', ''],
    ];
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    const w2 = Math.max(...rows.map((r) => r[2].length));
    console.log('');
    console.log(`${'measure'.padEnd(w0)}  ${'result'.padStart(w1)}  ${'target'.padEnd(w2)}  verdict`);
    console.log('-'.repeat(w0 + w1 + w2 + 13));
    for (const [a, b, c, d] of rows) console.log(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c.padEnd(w2)}  ${d}`);
    console.log('');
    console.log(
      `notes: events files are warm in the page cache (just written) for both ours and the anchor; sql.js wasm load ` +
        `(${fmtMs(wasmMs)}) excluded from both. ${fmtInt(stored.c)} series in ${fmtInt(chunks)} chunks. Anchor measured on the ` +
        `first ${ANCHOR_RUNS} of ${RUNS} runs (BENCH_ANCHOR_RUNS=0 for all). Listing workspace: ${fmtInt(LIST_RUNS)} runs, ` +
        `${fmtInt(manyPoints)} points, generated in ${(genManyMs / 1000).toFixed(1)} s, ingested (untimed figure) in ` +
        `${(ingestManyMs / 1000).toFixed(1)} s, DB ${fmtBytes(manyDbBytes)}. Peak RSS ${fmtBytes(peakRss)}.`,
    );
    console.log(
      `samples (ms): ingest ${ingestAll.map((x) => x.toFixed(0)).join('/')}, anchor ${anchorAll.map((x) => x.toFixed(0)).join('/')}, save ${save.all.map((x) => x.toFixed(0)).join('/')}, list10k ${list10k.all.map((x) => x.toFixed(0)).join('/')}, ` +
        `page ${listPage.all.map((x) => x.toFixed(1)).join('/')}`,
    );
    const r2 = (x: number) => Math.round(x * 100) / 100;
    console.log(
      JSON.stringify({
        points_per_s: Math.round(pointsPerS),
        anchor_points_per_s: Math.round(anchorPointsPerS),
        ratio: r2(ratio),
        bytes_per_point: r2(bytesPerPoint),
        save_ms: r2(save.median),
        save_anchor_ms: r2(saveAnchor.median),
        list_10k_ms: r2(list10k.median),
        list_first_page_ms: r2(listPage.median),
        list_anchor_ms: r2(listAnchor.median),
        ingest_ms: r2(ingestMs),
        points_per_s_first_rep: Math.round(totalPoints / (ingestAll[0] / 1000)),
        ingest_samples_ms: ingestAll.map(r2),
        anchor_samples_ms: anchorAll.map(r2),
        total_points: totalPoints,
        anchor_points: anchor.points,
        anchor_runs: ANCHOR_RUNS,
        anchor_unprepared_points_per_s: Math.round(naivePointsPerS),
        db_bytes: dbBytes,
        export_ms: r2(exportOnly.median),
        list_runs: LIST_RUNS,
        peak_rss_bytes: peakRss,
        machine,
      }),
    );
  } finally {
    cleanup();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
