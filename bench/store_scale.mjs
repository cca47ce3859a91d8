/**
 * The store at a heavy user's scale (issue 10): today's design (everything in the sql.js index, baseline
 * commit 269da0f) and the working tree's, measured side by side in the same run on the same run folders.
 *
 *   node bench/store_scale.mjs                                  both designs, full sizes (tens of minutes)
 *   BENCH_SIZES=smoke node bench/store_scale.mjs                0.2–0.4 M points, a minute or two
 *   BENCH_DESIGNS=baseline node bench/store_scale.mjs           one design only
 *   BENCH_BASELINE_FROM=bench/results/store_scale-baseline.json BENCH_DESIGNS=current node bench/store_scale.mjs
 *                                                               the baseline column from an earlier run
 *
 * Environment (all optional):
 *   BENCH_SIZES        full (default) | smoke | "mid=160x50000,live=400x50000,big=1000x100000" (runs x points;
 *                      any subset of the three workspaces: mid = rebuild, ls and run; live = saves and the live
 *                      run; big = ls, run, saves and peak RSS at 100 M)
 *   BENCH_DESIGNS      baseline,current (default) or one of them
 *   BENCH_BASELINE     the baseline commit (default 269da0f), built in a git worktree under BENCH_SCALE_DIR
 *   BENCH_SCALE_DIR    where events, worktree, builds and workspaces live (default /tmp/lineage-scale); the
 *                      generated events (events-<runs>x<points>/) are kept and reused by later runs
 *   BENCH_REPS         repetitions of ls, run and each append (default 5; medians)
 *   BENCH_LIVE_S       length of the simulated live run (default 20)
 *   BENCH_REBUILD_TIMEOUT_S  (default 900)   BENCH_CMD_TIMEOUT_S (default 600, each ls/run/store_ops)
 *   BENCH_NO_BUILD=1   measure the working tree's dist/ as it is (it is still copied aside first)
 *   BENCH_OUT          where the JSON goes (default bench/results/store_scale-<designs>.json at full sizes,
 *                      nowhere in a smoke run)
 *   BENCH_KEEP=1       keep the per-design workspaces (their paths are printed)
 *   BENCH_MAX_LOAD=L   before each workspace's measurements, wait (up to BENCH_WAIT_S, default 900) until the
 *                      1-minute load average is below L (the machine is shared; the load is in the JSON)
 *
 * How: the run folders (bench/ingest.ts's format) are generated once per size, then hard-linked into one
 * workspace per design. Each design is a snapshot of its own dist/ (so a concurrent rebuild of the working
 * tree cannot change it mid-run) plus bench/lib/store_ops.ts bundled against its own src/core. Each design
 * indexes its workspace with its own `lineage db rebuild` (the rebuild figure), then `lineage ls`,
 * `lineage run -- /usr/bin/python3 -c pass` (against the same command run directly) and store_ops are
 * measured, the designs taking turns rep by rep. Commands that run out of memory or time are reported as
 * what happened (exit, signal, error text, RSS reached) instead of a number, and what needs their index is
 * skipped. NODE_EXTRA_CA_CERTS is unset for every process measured. One run at a time: a second one waits
 * for the first (flock on BENCH_SCALE_DIR/.lock). The last line is one JSON object.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureEvents, fmtBytes, linkWorkspace, storeBytes, treeBytes } from './lib/scale_workspace.mjs';
import { failure, killAll, mb, measure, median } from './lib/scale_proc.mjs';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const SCALE = path.resolve(process.env.BENCH_SCALE_DIR || '/tmp/lineage-scale');
const BASELINE = process.env.BENCH_BASELINE || '269da0f';
const DESIGNS = (process.env.BENCH_DESIGNS || 'baseline,current').split(',').filter(Boolean);
const REPS = Math.max(1, Number(process.env.BENCH_REPS || 5));
const LIVE_S = Number(process.env.BENCH_LIVE_S || 20);
const REBUILD_TIMEOUT_MS = Number(process.env.BENCH_REBUILD_TIMEOUT_S || 900) * 1000;
const CMD_TIMEOUT_MS = Number(process.env.BENCH_CMD_TIMEOUT_S || 600) * 1000;
const KEEP = process.env.BENCH_KEEP === '1';
const PYTHON = '/usr/bin/python3';
const LIVE_FROM = process.env.BENCH_BASELINE_FROM;
const MAX_LOAD = Number(process.env.BENCH_MAX_LOAD || 0);
const WAIT_MS = Number(process.env.BENCH_WAIT_S || 900) * 1000;

for (const d of DESIGNS) if (d !== 'baseline' && d !== 'current') throw new Error(`BENCH_DESIGNS: unknown design ${d} (baseline, current)`);

const PRESETS = {
  full: 'mid=160x50000,live=400x50000,big=1000x100000',
  smoke: 'mid=20x10000,live=40x5000,big=40x10000',
};
const SIZES_TEXT = PRESETS[process.env.BENCH_SIZES || 'full'] ?? process.env.BENCH_SIZES;
const SIZES = {};
for (const part of SIZES_TEXT.split(',')) {
  const m = /^(mid|live|big)=(\d+)x(\d+)$/.exec(part.trim());
  if (!m) throw new Error(`BENCH_SIZES: "${part}" is not mid|live|big=<runs>x<points>`);
  SIZES[m[1]] = { runs: Number(m[2]), points: Number(m[3]), total: Number(m[2]) * Number(m[3]) };
}
const FULL = SIZES_TEXT === PRESETS.full;
const OUT = process.env.BENCH_OUT || (FULL ? path.join(ROOT, 'bench', 'results', `store_scale-${DESIGNS.join('+')}.json`) : undefined);

const log = (s = '') => console.log(s);
const mpts = (n) => (n >= 1e6 ? `${+(n / 1e6).toFixed(1)} M` : `${+(n / 1e3).toFixed(1)} k`);
const r2 = (x) => Math.round(x * 100) / 100;
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts }).trim();

// ---------------------------------------------------------------- the designs

/** Builds (or reuses) a design and snapshots what is measured into SCALE/build/<name>/. */
async function prepareDesign(name) {
  const snap = path.join(SCALE, 'build', name);
  let tree;
  let commit;
  if (name === 'baseline') {
    tree = path.join(SCALE, 'baseline-tree');
    const full = sh('git', ['-C', ROOT, 'rev-parse', `${BASELINE}^{commit}`]);
    let have;
    try {
      have = sh('git', ['-C', tree, 'rev-parse', 'HEAD']);
    } catch {}
    if (have !== full) {
      if (fs.existsSync(tree)) {
        try {
          sh('git', ['-C', ROOT, 'worktree', 'remove', '--force', tree]);
        } catch {}
        fs.rmSync(tree, { recursive: true, force: true });
        sh('git', ['-C', ROOT, 'worktree', 'prune']);
      }
      log(`baseline: git worktree add --detach ${tree} ${BASELINE}`);
      sh('git', ['-C', ROOT, 'worktree', 'add', '--detach', tree, full]);
    }
    if (!fs.existsSync(path.join(tree, 'node_modules'))) fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
    const stamp = path.join(tree, 'dist', '.store-scale-built');
    if (!fs.existsSync(stamp)) {
      log(`baseline: node scripts/build.mjs in ${tree}`);
      sh(process.execPath, ['scripts/build.mjs'], { cwd: tree });
      fs.writeFileSync(stamp, full + '\n');
    }
    fs.rmSync(snap, { recursive: true, force: true });
    fs.cpSync(path.join(tree, 'dist'), snap, { recursive: true, filter: (src) => !src.includes(`${path.sep}webview`) && !src.endsWith('.map') });
    commit = full;
  } else {
    tree = ROOT;
    commit = sh('git', ['-C', ROOT, 'rev-parse', 'HEAD']);
    const dirty = sh('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']).split('\n').filter(Boolean).length;
    commit += dirty ? ` + ${dirty} uncommitted file(s) under src/` : '';
    fs.rmSync(snap, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(snap), { recursive: true });
    // Built and copied under the build lock, so nobody else's build runs in between.
    const copy = `rm -rf '${snap}' && cp -r dist '${snap}' && rm -rf '${snap}/webview' && find '${snap}' -name '*.map' -delete`;
    const script = process.env.BENCH_NO_BUILD === '1' ? copy : `node scripts/build.mjs && ${copy}`;
    log(`current: ${process.env.BENCH_NO_BUILD === '1' ? 'copying' : 'building and copying'} ${path.join(ROOT, 'dist')} (flock /tmp/lineage-build.lock)`);
    sh('flock', ['/tmp/lineage-build.lock', 'sh', '-c', script], { cwd: ROOT });
  }
  // The in-process measurements, bundled against this design's own src/core.
  const src = path.join(tree, 'bench', 'lib', 'store_ops.ts');
  if (tree !== ROOT) fs.copyFileSync(path.join(ROOT, 'bench', 'lib', 'store_ops.ts'), src);
  const { build } = await import('esbuild');
  await build({
    entryPoints: [src],
    outfile: path.join(snap, 'store_ops.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['vscode'],
    logLevel: 'warning',
  });
  const env = { ...process.env, LINEAGE_PYTHON: PYTHON, LINEAGE_SDK_DIR: path.join(tree, 'sdk', 'python'), NO_COLOR: '1' };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.LINEAGE_WORKSPACE;
  delete env.NODE_OPTIONS;
  return { name, tree, commit, snap, cli: path.join(snap, 'cli.js'), storeOps: path.join(snap, 'store_ops.js'), env };
}

// ---------------------------------------------------------------- figures

/** figures[key][design] = { value, unit } | { error } ; rows are printed in this order. */
const figures = {};
const ROWS = [];
function row(key, label, unit, better) {
  ROWS.push({ key, label, unit, better });
  figures[key] ??= {};
}
function put(key, design, value, extra = {}) {
  figures[key][design] = { value: typeof value === 'number' ? r2(value) : value, ...extra };
}
function fail(key, design, error) {
  figures[key][design] = { error };
}
/** Designs whose index for a workspace could not be built; their later figures there are skipped. */
const broken = {};

async function rebuild(set, d, ws) {
  const key = `rebuild_${set}`;
  log(`  ${d.name}: lineage db rebuild (${mpts(SIZES[set].total)} points)`);
  const r = await measure(process.execPath, [d.cli, 'db', 'rebuild', '--workspace', ws], {
    cwd: ws,
    env: d.env,
    timeoutMs: REBUILD_TIMEOUT_MS,
    progress: `${d.name} rebuild`,
    captureStdout: true,
  });
  if (!r.ok) {
    const msg = failure(r, 'lineage db rebuild');
    log(`    FAILED: ${msg}`);
    fail(`${key}_ms`, d.name, msg);
    fail(`${key}_pps`, d.name, msg);
    put(`${key}_rss`, d.name, r.peakRssKB / 1024, { note: 'reached before it failed' });
    broken[`${set}/${d.name}`] = msg;
    return;
  }
  put(`${key}_ms`, d.name, r.wallMs);
  put(`${key}_pps`, d.name, SIZES[set].total / (r.wallMs / 1000));
  put(`${key}_rss`, d.name, r.peakRssKB / 1024);
  const sizes = storeBytes(ws);
  put(`db_bytes_${set}`, d.name, sizes.dbBytes);
  put(`db_bpp_${set}`, d.name, sizes.dbBytes / SIZES[set].total);
  put(`cache_bytes_${set}`, d.name, sizes.cacheBytes);
  put(`cache_bpp_${set}`, d.name, sizes.cacheBytes / SIZES[set].total);
  log(
    `    ${(r.wallMs / 1000).toFixed(1)} s, ${mpts(SIZES[set].total / (r.wallMs / 1000))} points/s, peak RSS ${mb(r.peakRssKB)}; ` +
      `lineage.db ${fmtBytes(sizes.dbBytes)}, cache ${fmtBytes(sizes.cacheBytes)} — ${r.stdout.trim().split('\n').pop()}`,
  );
}

/** `lineage ls` and `lineage run` on a built workspace, the designs taking turns rep by rep. */
async function cliFigures(set, designs, wss) {
  const ok = designs.filter((d) => !broken[`${set}/${d.name}`]);
  for (const d of designs)
    if (!ok.includes(d))
      for (const k of ['ls_ms', 'ls_rss', 'run_overhead_ms', 'run_ms', 'run_rss']) fail(`${k}_${set}`, d.name, `skipped: ${broken[`${set}/${d.name}`]}`);
  const ls = Object.fromEntries(ok.map((d) => [d.name, { ms: [], rss: [], err: undefined }]));
  // One untimed `lineage ls` first: the first open after a rebuild may still have work to do (and save).
  for (const d of ok) {
    const r = await measure(process.execPath, [d.cli, 'ls', '--workspace', wss[d.name]], {
      cwd: wss[d.name],
      env: d.env,
      timeoutMs: CMD_TIMEOUT_MS,
      progress: `${d.name} ls (warm-up)`,
    });
    log(`  ${d.name}: lineage ls warm-up ${r.ok ? `${r.wallMs.toFixed(0)} ms, ${mb(r.peakRssKB)}` : failure(r, 'failed:')}`);
    if (!r.ok) ls[d.name].err = failure(r, 'lineage ls');
  }
  for (let i = 0; i < REPS; i++) {
    for (const d of ok) {
      const s = ls[d.name];
      if (s.err) continue;
      const r = await measure(process.execPath, [d.cli, 'ls', '--workspace', wss[d.name]], {
        cwd: wss[d.name],
        env: d.env,
        timeoutMs: CMD_TIMEOUT_MS,
        progress: `${d.name} ls`,
      });
      if (!r.ok) s.err = failure(r, 'lineage ls');
      else {
        s.ms.push(r.wallMs);
        s.rss.push(r.peakRssKB / 1024);
      }
    }
  }
  for (const d of ok) {
    const s = ls[d.name];
    if (s.err) {
      fail(`ls_ms_${set}`, d.name, s.err);
      fail(`ls_rss_${set}`, d.name, s.err);
    } else {
      put(`ls_ms_${set}`, d.name, median(s.ms), { samples: s.ms.map(r2) });
      put(`ls_rss_${set}`, d.name, Math.max(...s.rss));
    }
    log(
      `  ${d.name}: lineage ls ${s.err ?? `median ${median(s.ms).toFixed(0)} ms of ${s.ms.map((x) => x.toFixed(0)).join('/')}, peak RSS ${Math.max(...s.rss).toFixed(0)} MB`}`,
    );
  }

  const direct = [];
  const run = Object.fromEntries(ok.map((d) => [d.name, { ms: [], rss: [], err: undefined }]));
  for (let i = 0; i < REPS; i++) {
    const r = await measure(PYTHON, ['-c', 'pass'], { cwd: wss[ok[0]?.name ?? designs[0].name], env: ok[0]?.env ?? designs[0].env, timeoutMs: 60_000 });
    if (r.ok) direct.push(r.wallMs);
    for (const d of ok) {
      const s = run[d.name];
      if (s.err) continue;
      const r2_ = await measure(process.execPath, [d.cli, 'run', '--quiet', '--workspace', wss[d.name], '--', PYTHON, '-c', 'pass'], {
        cwd: wss[d.name],
        env: d.env,
        timeoutMs: CMD_TIMEOUT_MS,
        progress: `${d.name} run`,
      });
      if (!r2_.ok) s.err = failure(r2_, 'lineage run');
      else {
        s.ms.push(r2_.wallMs);
        s.rss.push(r2_.peakRssKB / 1024);
      }
    }
  }
  const directMs = median(direct);
  row(`direct_ms_${set}`, `  /usr/bin/python3 -c pass alone, median of ${REPS} (${mpts(SIZES[set].total)})`, 'ms', '');
  for (const d of designs) put(`direct_ms_${set}`, d.name, directMs, { samples: direct.map(r2) });
  for (const d of ok) {
    const s = run[d.name];
    if (s.err) {
      for (const k of ['run_overhead_ms', 'run_ms', 'run_rss']) fail(`${k}_${set}`, d.name, s.err);
    } else {
      put(`run_ms_${set}`, d.name, median(s.ms), { samples: s.ms.map(r2) });
      put(`run_overhead_ms_${set}`, d.name, median(s.ms) - directMs);
      put(`run_rss_${set}`, d.name, Math.max(...s.rss));
    }
    log(
      `  ${d.name}: lineage run -- python3 -c pass ${s.err ?? `median ${median(s.ms).toFixed(0)} ms (direct ${directMs.toFixed(0)} ms) → overhead ${(median(s.ms) - directMs).toFixed(0)} ms, peak RSS ${Math.max(...s.rss).toFixed(0)} MB`}`,
    );
  }
}

async function storeOps(set, d, ws, mode, args) {
  log(`  ${d.name}: store_ops ${mode} ${args.join(' ')}`);
  const r = await measure(process.execPath, [d.storeOps, mode, ws, ...args], {
    cwd: ws,
    env: d.env,
    timeoutMs: CMD_TIMEOUT_MS + (mode === 'live' ? LIVE_S * 1000 : 0),
    progress: `${d.name} store_ops ${mode}`,
    captureStdout: true,
  });
  let out;
  try {
    out = JSON.parse(r.stdout.trim().split('\n').pop());
  } catch {}
  if (!r.ok || !out) return { error: failure(r, `store_ops ${mode}`), rssMB: r.peakRssKB / 1024 };
  log(`    ${JSON.stringify(out)}`);
  return { out, rssMB: r.peakRssKB / 1024 };
}

async function appendFigures(set, d, ws) {
  const keys = [`save_ms_${set}`, `export_ms_${set}`, `sync_ms_${set}`, `open_ms_${set}`, `store_rss_${set}`];
  if (broken[`${set}/${d.name}`]) return keys.forEach((k) => fail(k, d.name, `skipped: ${broken[`${set}/${d.name}`]}`));
  const res = await storeOps(set, d, ws, 'append', [`reps=${REPS}`, 'lines=20']);
  if (res.error) {
    log(`    FAILED: ${res.error}`);
    keys.forEach((k) => fail(k, d.name, res.error));
    put(`store_rss_${set}`, d.name, res.rssMB, { note: 'reached before it failed' });
    return;
  }
  const o = res.out;
  put(`save_ms_${set}`, d.name, o.save_ms, { samples: o.save_samples_ms });
  if (o.export_ms === null) fail(`export_ms_${set}`, d.name, 'no sql.js db.export() on this store');
  else put(`export_ms_${set}`, d.name, o.export_ms, { samples: o.export_samples_ms, bytes: o.export_bytes });
  put(`sync_ms_${set}`, d.name, o.sync_ms);
  put(`open_ms_${set}`, d.name, o.open_ms);
  put(`store_rss_${set}`, d.name, res.rssMB);
}

async function liveFigures(set, d, ws) {
  const keys = [`live_max_${set}`, `live_p99_${set}`, `live_gap_${set}`, `live_saves_${set}`];
  if (broken[`${set}/${d.name}`]) return keys.forEach((k) => fail(k, d.name, `skipped: ${broken[`${set}/${d.name}`]}`));
  const res = await storeOps(set, d, ws, 'live', [`seconds=${LIVE_S}`, 'lines=50', 'intervalMs=100', 'saveDelayMs=2000']);
  if (res.error) {
    log(`    FAILED: ${res.error}`);
    return keys.forEach((k) => fail(k, d.name, res.error));
  }
  const o = res.out;
  if (o.points_indexed !== null && o.points_indexed !== o.points_appended)
    log(`    WARNING: ${o.points_appended} points appended but ${o.points_indexed} indexed`);
  put(`live_max_${set}`, d.name, o.loop_delay_max_ms, { gap_max_ms: o.gap_max_ms });
  put(`live_p99_${set}`, d.name, o.loop_delay_p99_ms, { gap_p99_ms: o.gap_p99_ms });
  put(`live_gap_${set}`, d.name, o.gap_max_ms);
  put(`live_saves_${set}`, d.name, o.saves, { save_max_ms: o.save_max_ms, save_median_ms: o.save_median_ms, syncs: o.syncs, sync_max_ms: o.sync_max_ms });
}

// ---------------------------------------------------------------- main

/** With BENCH_MAX_LOAD: waits for the machine's other work to calm down (or gives up after BENCH_WAIT_S). */
async function quietMachine() {
  if (!MAX_LOAD) return;
  const t0 = Date.now();
  let last = 0;
  while (os.loadavg()[0] >= MAX_LOAD && Date.now() - t0 < WAIT_MS) {
    if (Date.now() - last > 30_000) {
      last = Date.now();
      log(`  waiting for the load (${os.loadavg()[0].toFixed(2)}) to fall below ${MAX_LOAD}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    }
    await new Promise((r) => setTimeout(r, 5000));
  }
  if (os.loadavg()[0] >= MAX_LOAD) log(`  the load is still ${os.loadavg()[0].toFixed(2)} after ${(WAIT_MS / 1000).toFixed(0)} s: measuring anyway`);
}

/**
 * One run at a time on a machine: two would measure each other (and share SCALE's builds and workspaces), so
 * the harness runs itself again under flock on SCALE/.lock, waiting for a run already going to finish.
 */
function underLock() {
  if (process.env.STORE_SCALE_LOCKED === '1') return false;
  fs.mkdirSync(SCALE, { recursive: true });
  const lock = path.join(SCALE, '.lock');
  if (spawnSync('flock', ['-n', lock, 'true']).status !== 0) log(`another bench/store_scale.mjs holds ${lock}: waiting for it to finish`);
  const r = spawnSync('flock', [lock, process.execPath, ...process.execArgv, new URL(import.meta.url).pathname], {
    stdio: 'inherit',
    env: { ...process.env, STORE_SCALE_LOCKED: '1' },
  });
  process.exitCode = r.status ?? 1;
  return true;
}

async function main() {
  if (underLock()) return;
  process.once('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  fs.mkdirSync(SCALE, { recursive: true });
  const cpus = os.cpus();
  const startedAt = new Date().toISOString();
  const load0 = os.loadavg();
  log(
    `Lineage store at scale (issue 10) — ${cpus.length} × ${cpus[0]?.model ?? '?'}, Node ${process.version}, load ${load0.map((x) => x.toFixed(2)).join(' ')}`,
  );
  log(
    `designs: ${DESIGNS.join(', ')}; sizes: ${Object.entries(SIZES)
      .map(([k, s]) => `${k} ${s.runs}×${s.points.toLocaleString('en-US')} = ${mpts(s.total)}`)
      .join(', ')}; files under ${SCALE}`,
  );
  if (process.env.NODE_EXTRA_CA_CERTS) log('NODE_EXTRA_CA_CERTS is set here; it is unset for every measured process.');

  const designs = [];
  for (const name of DESIGNS) {
    const t = Date.now();
    designs.push(await prepareDesign(name));
    log(`${name}: ${designs.at(-1).commit}, snapshot ${designs.at(-1).snap} (${((Date.now() - t) / 1000).toFixed(0)} s)`);
  }

  const eventSets = {};
  const loadBySet = {};
  for (const [set, s] of Object.entries(SIZES)) {
    const dir = path.join(SCALE, `events-${s.runs}x${s.points}`);
    const m = ensureEvents(dir, s.runs, s.points, log);
    // The hard-linked copies must never have written into the generated files.
    const onDisk = fs
      .readdirSync(path.join(dir, '.lineage', 'runs'))
      .reduce((n, id) => n + fs.statSync(path.join(dir, '.lineage', 'runs', id, 'events.jsonl')).size, 0);
    if (onDisk !== m.eventBytes)
      throw new Error(`${dir}: events hold ${onDisk} bytes, generated.json says ${m.eventBytes}; delete the folder to generate it again`);
    eventSets[set] = { dir, ...m };
    log(`events ${set}: ${dir} (${mpts(s.total)} points, ${fmtBytes(m.eventBytes)}, ${(m.eventBytes / s.total).toFixed(1)} B/point)`);
  }

  for (const [set, s] of Object.entries(SIZES)) {
    const size = `${mpts(s.total)} (${s.runs}×${s.points.toLocaleString('en-US')})`;
    log('');
    await quietMachine();
    log(`== ${set}: ${size} points (load ${os.loadavg()[0].toFixed(2)})`);
    loadBySet[set] = { start: r2(os.loadavg()[0]) };
    const wss = {};
    for (const d of designs) {
      wss[d.name] = path.join(SCALE, 'ws', `${d.name}-${s.runs}x${s.points}`);
      linkWorkspace(eventSets[set].dir, wss[d.name]);
    }
    row(`rebuild_${set}_ms`, `lineage db rebuild, ${size}: wall`, 'ms', 'low');
    row(`rebuild_${set}_pps`, '  points/s', 'pts/s', 'high');
    row(`rebuild_${set}_rss`, '  peak RSS', 'MB', 'low');
    row(`db_bytes_${set}`, `  lineage.db after it`, 'bytes', 'low');
    row(`db_bpp_${set}`, '  lineage.db bytes per point', 'B/pt', 'low');
    row(`cache_bytes_${set}`, '  .lineage/cache after it', 'bytes', 'low');
    row(`cache_bpp_${set}`, '  .lineage/cache bytes per point', 'B/pt', 'low');
    for (const d of designs) await rebuild(set, d, wss[d.name]);

    if (set === 'mid' || set === 'big') {
      row(`ls_ms_${set}`, `lineage ls, ${size}: wall, median of ${REPS}`, 'ms', 'low');
      row(`ls_rss_${set}`, '  peak RSS', 'MB', 'low');
      row(`run_overhead_ms_${set}`, `lineage run -- python3 -c pass, ${size}: overhead (run − direct)`, 'ms', 'low');
      row(`run_ms_${set}`, `  lineage run wall, median of ${REPS}`, 'ms', 'low');
      row(`run_rss_${set}`, '  peak RSS', 'MB', 'low');
      await cliFigures(set, designs, wss);
    }
    if (set === 'live' || set === 'big') {
      row(`save_ms_${set}`, `save after a live append (${REPS} × 20 lines), ${size}: median`, 'ms', 'low');
      row(`export_ms_${set}`, '  of which db.export() alone, median of 3', 'ms', 'low');
      row(`sync_ms_${set}`, '  syncRuns(only the live run), median', 'ms', 'low');
      row(`open_ms_${set}`, '  LineageWorkspace.open in-process', 'ms', 'low');
      row(`store_rss_${set}`, '  peak RSS of the process (open + appends + saves)', 'MB', 'low');
      for (const d of designs) await appendFigures(set, d, wss[d.name]);
    }
    if (set === 'live') {
      row(`live_max_${set}`, `live run ${LIVE_S} s (50 lines / 100 ms, sync + scheduleSave(2000)), ${size}: longest event-loop block`, 'ms', 'low');
      row(`live_p99_${set}`, '  event-loop delay p99', 'ms', 'low');
      row(`live_gap_${set}`, '  longest gap of a 1 ms interval', 'ms', 'low');
      row(`live_saves_${set}`, '  saves during it', 'saves', '');
      for (const d of designs) await liveFigures(set, d, wss[d.name]);
    }
    loadBySet[set].end = r2(os.loadavg()[0]);
    log(`  (load ${loadBySet[set].end.toFixed(2)} at the end of ${set})`);
    for (const d of designs) {
      if (KEEP) log(`  kept ${wss[d.name]}`);
      else fs.rmSync(wss[d.name], { recursive: true, force: true });
    }
  }

  // An earlier run's baseline column, when this run measured only the working tree.
  let baselineFrom;
  if (LIVE_FROM && !DESIGNS.includes('baseline')) {
    const prev = JSON.parse(fs.readFileSync(LIVE_FROM, 'utf8'));
    baselineFrom = { file: LIVE_FROM, startedAt: prev.startedAt, commit: prev.designs?.baseline?.commit, sets: [] };
    if (prev.settings && (prev.settings.reps !== REPS || prev.settings.liveSeconds !== LIVE_S))
      log(`${LIVE_FROM}: note, its baseline was measured with ${prev.settings.reps} reps and a ${prev.settings.liveSeconds} s live run`);
    // Only figures of a workspace of the same size: keys name the workspace (mid, live, big), not its size.
    for (const [set, s] of Object.entries(SIZES)) {
      const p = prev.sizes?.[set];
      if (!p || p.runs !== s.runs || p.points !== s.points) {
        log(`${LIVE_FROM}: no baseline figures for ${set} at ${s.runs}×${s.points} (it has ${p ? `${p.runs}×${p.points}` : 'none'})`);
        continue;
      }
      baselineFrom.sets.push(set);
      for (const [k, v] of Object.entries(prev.figures ?? {}))
        if (v.baseline && figures[k] && (k.endsWith(`_${set}`) || k.startsWith(`rebuild_${set}_`))) figures[k].baseline = { ...v.baseline, from: LIVE_FROM };
    }
  }
  const cols = baselineFrom ? ['baseline', ...DESIGNS] : DESIGNS;

  // -------- report
  const show = (f, unit) => {
    if (!f) return '';
    if (f.error) return 'FAILED (see below)';
    const v = f.value;
    const base =
      unit === 'ms'
        ? v >= 10_000
          ? `${(v / 1000).toFixed(1)} s`
          : `${v.toFixed(v < 10 ? 1 : 0)} ms`
        : unit === 'MB'
          ? `${v.toFixed(0)} MB`
          : unit === 'bytes'
            ? fmtBytes(v)
            : unit === 'pts/s'
              ? `${(v / 1e6).toFixed(2)} M/s`
              : unit === 'B/pt'
                ? `${v.toFixed(2)} B/pt`
                : `${v}`;
    return f.note ? `${base} (${f.note})` : base;
  };
  const table = ROWS.map((r) => {
    const f = figures[r.key] ?? {};
    const cells = cols.map((c) => show(f[c], r.unit));
    let ratio = '';
    if (
      cols.includes('baseline') &&
      cols.includes('current') &&
      r.better &&
      f.baseline &&
      f.current &&
      !f.baseline.error &&
      !f.current.error &&
      f.baseline.value
    )
      ratio = `${(f.current.value / f.baseline.value).toFixed(2)} ×`;
    return [r.label, ...cells, ratio];
  });
  const header = ['measure', ...cols, cols.length > 1 ? 'current / baseline' : ''];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  log('');
  log(header.map((h, i) => (i === 0 ? h.padEnd(widths[i]) : h.padStart(widths[i]))).join('  '));
  log('-'.repeat(widths.reduce((a, b) => a + b + 2, 0)));
  for (const t of table) log(t.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  const errors = [];
  for (const r of ROWS) for (const c of cols) if (figures[r.key]?.[c]?.error) errors.push(`${c} · ${r.label.trim()}: ${figures[r.key][c].error}`);
  if (errors.length) {
    log('');
    log('What happened where there is no figure:');
    for (const e of [...new Set(errors)]) log(`  ${e}`);
  }
  const load1 = os.loadavg();
  log('');
  log(
    `notes: events generated once and hard-linked per design (kept in ${Object.values(eventSets)
      .map((e) => e.dir)
      .join(', ')}); page cache warm; ls and run reps alternate between designs; ` +
      `load ${load0[0].toFixed(2)} → ${load1[0].toFixed(2)}; ${treeBytes(path.join(SCALE, 'ws')) ? `workspaces kept under ${path.join(SCALE, 'ws')}` : 'workspaces removed'}.`,
  );
  const result = {
    bench: 'store_scale',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { cpus: cpus.length, model: cpus[0]?.model ?? 'unknown', node: process.version, load: [r2(load0[0]), r2(load1[0])], loadBySet },
    sizes: SIZES,
    settings: { reps: REPS, liveSeconds: LIVE_S, rebuildTimeoutS: REBUILD_TIMEOUT_MS / 1000, cmdTimeoutS: CMD_TIMEOUT_MS / 1000 },
    designs: Object.fromEntries(designs.map((d) => [d.name, { commit: d.commit }])),
    baselineFrom,
    events: Object.fromEntries(Object.entries(eventSets).map(([k, e]) => [k, { dir: e.dir, bytes: e.eventBytes }])),
    units: Object.fromEntries(ROWS.map((r) => [r.key, r.unit])),
    figures,
  };
  if (OUT) {
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, JSON.stringify(result, null, 2) + '\n');
    log(`figures written to ${path.relative(process.cwd(), OUT) || OUT}`);
  }
  log(JSON.stringify(result));
}

main().catch((err) => {
  killAll();
  console.error(err);
  process.exitCode = 1;
});
