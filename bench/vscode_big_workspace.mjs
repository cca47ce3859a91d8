// Is a real VS Code still responsive while a run logs into a workspace holding 20 M metric points (issue 10)?
// Opens a generated workspace (400 runs × 50,000 points of `loss`, events.jsonl and run.json as the SDK and the
// launcher write them, indexed beforehand with the built CLI's `lineage db rebuild`) in code-server with Lineage
// from source, starts a script logging `loss` every 50 ms through the Python SDK (lineage.start_run), opens
// Compare on it and three of the big runs, and for BIG_SECONDS measures:
//   (a) the live update latency: a logged point → drawn in the Compare chart (compare.mjs's liveChartLatency);
//   (b) the runs tree: a run folder moved into .lineage/runs → its row in the tree, and a click on a collapsed
//       experiment → its runs shown (each after the tree refreshed, so VS Code asks the extension again);
//   (c) the longest block of the extension host's event loop over the logging period, from the extension's
//       LINEAGE_PERF_FILE hook (src/extension/eventLoopProbe.ts; perf_hooks.monitorEventLoopDelay, 10 ms floor).
// The same steps run first on an anchor workspace with the same 400 runs of 10 points each (4,000 points): each
// figure is printed next to it, with the ratio. The last line is one JSON object.
//
// Usage: node bench/vscode_big_workspace.mjs   (builds first unless BIG_NO_BUILD=1; ~6 min, the first time
// ~3 min more to write the workspace, ~1.6 GB under /tmp, kept and reused)
//   BIG_RUNS (400), BIG_POINTS (50000): the big workspace; BIG_DIR: where (default /tmp/lineage-big-ws-RUNSxPOINTS)
//   BIG_SECONDS (30): the measuring period; BIG_ONLY=anchor|big: one workspace; BIG_KEEP=1: keep the work files
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  CODE_SERVER,
  PYTHON,
  ROOT,
  loadPlaywright,
  startCodeServer,
  stopAllServers,
  stopServer,
  tail,
  workbenchUrl,
} from '../scripts/vscode/codeServer.mjs';
import { escapeRe, helpers, openPage } from '../test/vscode/ui/harness.mjs';
import { findCompareFrame, liveChartLatency } from '../test/vscode/ui/compare.mjs';

const envInt = (name, dflt) => (process.env[name] ? Number.parseInt(process.env[name], 10) : dflt);
const RUNS = envInt('BIG_RUNS', 400);
const POINTS = envInt('BIG_POINTS', 50_000);
const ANCHOR_POINTS = 10;
const SECONDS = envInt('BIG_SECONDS', 30);
const BIG_DIR = process.env.BIG_DIR || path.join(os.tmpdir(), `lineage-big-ws-${RUNS}x${POINTS}`);
const ONLY = process.env.BIG_ONLY;
const KEEP = process.env.BIG_KEEP === '1';
const EXPERIMENTS = 10;
/** Big runs compared with the live one. */
const COMPARED = 3;
const PROBE_EVERY_MS = 2_500;
/** Marks a generated workspace complete (with what it holds) and its index built by which CLI. */
const GENERATED = '.bench-generated.json';
const INDEXED = '.bench-indexed.json';

const log = (...a) => console.log(...a);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

// ------------------------------------------------------------------------------------------- the workspaces

const pad = (n) => String(n).padStart(2, '0');
function runIdAt(t, i) {
  const d = new Date(t);
  const date = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
  return `${date}-${time}-${(((i * 2654435761) % 0xffffff) >>> 0).toString(16).padStart(6, '0')}`;
}

/** A finished run's run.json, as the launcher writes it (src/core/runs/runRecord.ts). */
function runJson(id, name, experiment, startMs, endMs, cwd) {
  const record = {
    schema: 1,
    id,
    name,
    experiment,
    status: 'finished',
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(endMs).toISOString(),
    exitCode: 0,
    signal: null,
    command: [PYTHON, 'train.py'],
    cwd,
    createdBy: 'bench',
  };
  return `${JSON.stringify(record, null, 2)}\n`;
}

/**
 * `runs` finished runs of `points` points of a noisy decaying `loss` each, over 10 experiments, two hours apart
 * and ending a day ago; events.jsonl lines byte for byte as the SDK writes them. Written a few MB at a time.
 */
function generate(ws, runs, points) {
  const runsDir = path.join(ws, '.lineage', 'runs');
  fs.rmSync(ws, { recursive: true, force: true });
  fs.mkdirSync(runsDir, { recursive: true });
  const gap = 2 * 3600_000;
  const base = Date.now() - 86_400_000 - runs * gap;
  let seed = 12345;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let bytes = 0;
  for (let r = 0; r < runs; r++) {
    const start = base + r * gap;
    const id = runIdAt(start, r);
    const dir = path.join(runsDir, id);
    fs.mkdirSync(dir);
    const fd = fs.openSync(path.join(dir, 'events.jsonl'), 'w');
    let buf = [
      '{"type":"header","schema":1,"writer":"lineage-python/0.1"}',
      `{"type":"param","key":"lr","value":${[0.1, 0.03, 0.01, 0.003, 0.001][r % 5]}}`,
      `{"type":"param","key":"batch_size","value":${[32, 64, 128][r % 3]}}`,
      `{"type":"param","key":"seed","value":${r}}`,
      `{"type":"env","python":"${PYTHON}","python_version":"3.11.2","pid":${1000 + r}}`,
    ].join('\n');
    const tau = points / 8 + (points / 10) * rnd();
    const floor = 0.05 + 0.1 * rnd();
    let t = start / 1000 + 2.5;
    for (let i = 0; i < points; i++) {
      const value = (2.3 * Math.exp(-i / tau) + floor) * (1 + 0.04 * (rnd() - 0.5)) + 0.002 * (rnd() - 0.5);
      t += 0.08 + 0.04 * rnd();
      buf += `\n{"type":"metric","key":"loss","value":${value},"step":${i},"ts":${Math.round(t * 1000) / 1000}}`;
      if (buf.length > 4 << 20) {
        bytes += fs.writeSync(fd, buf);
        buf = '';
      }
    }
    buf += '\n{"type":"status","status":"finished"}\n';
    bytes += fs.writeSync(fd, buf);
    fs.closeSync(fd);
    fs.writeFileSync(path.join(dir, 'run.json'), runJson(id, `run-${r}`, `exp-${r % EXPERIMENTS}`, start, t * 1000 + 1000, ws));
  }
  fs.writeFileSync(path.join(ws, GENERATED), JSON.stringify({ runs, points, bytes }));
  return bytes;
}

const readJson = (file) => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};
const cliHash = () =>
  crypto
    .createHash('sha1')
    .update(fs.readFileSync(path.join(ROOT, 'dist', 'cli.js')))
    .digest('hex');

/**
 * The workspace with its runs (generated unless already there) and an index built by today's CLI: leftovers of
 * an earlier session (its live and probe runs) are removed, and the index rebuilt unless this CLI built it and
 * nothing has opened it since.
 */
function prepare(ws, runs, points) {
  const t0 = Date.now();
  const had = readJson(path.join(ws, GENERATED));
  let generatedMs = 0;
  if (had?.runs !== runs || had?.points !== points) {
    log(`  writing ${fmtInt(runs)} runs × ${fmtInt(points)} points into ${ws} …`);
    const bytes = generate(ws, runs, points);
    generatedMs = Date.now() - t0;
    log(`  written: ${(bytes / 2 ** 20).toFixed(0)} MiB of events in ${seconds(generatedMs)}`);
  }
  const runsDir = path.join(ws, '.lineage', 'runs');
  let removed = 0;
  for (const id of fs.readdirSync(runsDir)) {
    const rec = readJson(path.join(runsDir, id, 'run.json'));
    if (rec?.createdBy === 'bench') continue;
    fs.rmSync(path.join(runsDir, id), { recursive: true, force: true });
    removed++;
  }
  const hash = cliHash();
  const indexed = readJson(path.join(ws, INDEXED));
  let rebuildMs;
  if (removed || indexed?.cli !== hash || indexed?.opened || !fs.existsSync(path.join(ws, '.lineage', 'lineage.db'))) {
    const t1 = Date.now();
    execFileSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'db', 'rebuild'], { cwd: ws, stdio: ['ignore', 'pipe', 'inherit'] });
    rebuildMs = Date.now() - t1;
    fs.writeFileSync(path.join(ws, INDEXED), JSON.stringify({ cli: hash }));
  }
  const db = fs.statSync(path.join(ws, '.lineage', 'lineage.db')).size;
  log(
    `  ${ws}: ${fmtInt(runs * points)} points; lineage.db ${(db / 2 ** 20).toFixed(1)} MiB${rebuildMs !== undefined ? `, lineage db rebuild ${seconds(rebuildMs)}` : ' (index reused)'}`,
  );
  return { ws, points: runs * points, dbBytes: db, generatedMs, rebuildMs };
}

// ------------------------------------------------------------------------------------------- the live run

const LIVE_SCRIPT = `
import math, os, sys, time
import lineage

name, seconds, stop = sys.argv[1], float(sys.argv[2]), sys.argv[3]
with lineage.start_run(name=name, experiment="live"):
    lineage.log_params({"kind": "live", "every_s": 0.05})
    end = time.time() + seconds
    step = 0
    while time.time() < end and not os.path.exists(stop):
        lineage.log_metric("loss", 2.0 / math.sqrt(step + 1), step=step)
        step += 1
        time.sleep(0.05)
`;

/** A small finished run, written beside the workspace and moved into .lineage/runs in one rename. */
function addProbeRun(ws, staging, k) {
  const start = Date.now();
  const id = runIdAt(start, 0x100000 + k);
  const dir = path.join(staging, id);
  fs.mkdirSync(dir, { recursive: true });
  const events = ['{"type":"header","schema":1,"writer":"lineage-python/0.1"}'];
  for (let i = 0; i < 3; i++) events.push(`{"type":"metric","key":"loss","value":${1 / (i + 1)},"step":${i},"ts":${start / 1000}}`);
  events.push('{"type":"status","status":"finished"}');
  fs.writeFileSync(path.join(dir, 'events.jsonl'), `${events.join('\n')}\n`);
  fs.writeFileSync(path.join(dir, 'run.json'), runJson(id, `probe-${k}`, 'probes', start, start + 1000, ws).replace('"bench"', '"bench-probe"'));
  const t = performance.now();
  fs.renameSync(dir, path.join(ws, '.lineage', 'runs', id));
  return { id, name: `probe-${k}`, t };
}

// ------------------------------------------------------------------------------------------- one session

/**
 * One workspace in a fresh code-server: open the Lineage view, start the live run, compare it with big runs,
 * then measure (a), (b) and (c) for SECONDS.
 */
async function session(browser, tmp, label, prepared) {
  const { ws } = prepared;
  const perfFile = path.join(tmp, `${label}-event-loop.jsonl`);
  const server = await startCodeServer(path.join(tmp, `${label}-server`), ws, { env: { LINEAGE_PERF_FILE: perfFile } });
  fs.writeFileSync(path.join(ws, INDEXED), JSON.stringify({ ...readJson(path.join(ws, INDEXED)), opened: true }));
  log(`==> ${label}: code-server on port ${server.port}, workspace ${ws}`);
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const consoleLog = path.join(tmp, `${label}-page-console.log`);
  const page = await openPage(context, consoleLog);
  const h = helpers(page, ws);
  const { waitFor, poll, sidebar, runRow, runFromPalette, quickInput } = h;
  const stopFile = path.join(tmp, `${label}-stop`);
  const staging = path.join(path.dirname(ws), `${path.basename(ws)}-staging`);
  fs.rmSync(staging, { recursive: true, force: true });
  let live;
  const f = {};
  try {
    await page.goto(workbenchUrl(server, ws));
    await waitFor(page.locator('.monaco-workbench'), 'the workbench');

    // The Lineage view, until its first experiment row shows (the index opened, if activation had not yet).
    const entry = page.locator('.activitybar .action-item a.action-label[aria-label^="Lineage"]').first();
    await waitFor(entry, 'the Lineage entry in the activity bar');
    // An experiment's row (level 1 of a one-folder tree), by its name.
    const expRow = (name) =>
      sidebar
        .locator('.monaco-list-row[aria-level="1"]')
        .and(sidebar.getByRole('treeitem', { name: new RegExp(`^${escapeRe(name)}(,|\\s|$)`) }))
        .first();
    const t0 = performance.now();
    await entry.click();
    await waitFor(expRow(`exp-${(RUNS - 1) % EXPERIMENTS}`), 'the newest experiment in the Experiments tree', { timeout: 300_000 });
    f.viewOpenMs = performance.now() - t0;
    log(`  Lineage view opened, first experiment shown: ${fmtInt(f.viewOpenMs)} ms`);
    // The Datasets and Models views folded, and every experiment collapsed: each one row, all in view.
    for (const view of ['Datasets', 'Models']) {
      const pane = sidebar
        .locator('.pane-header')
        .filter({ hasText: new RegExp(`^${view}$`, 'i') })
        .first();
      if ((await pane.getAttribute('aria-expanded')) === 'true') await pane.click();
    }
    const header = sidebar
      .locator('.pane-header')
      .filter({ hasText: /Experiments/i })
      .first();
    const collapseAll = async () => {
      await header.hover();
      await header.locator('a.action-label[aria-label*="Collapse All"]').click();
      await poll(
        'the experiments collapsed',
        async () => ((await sidebar.locator('.monaco-list-row[aria-level="2"]').count()) === 0 ? true : undefined),
        30_000,
      );
    };
    await collapseAll();
    await page.waitForTimeout(2_000);

    // The live run, through the SDK alone (no launcher: only the editor reads and writes the index meanwhile).
    const script = path.join(tmp, 'live_logger.py');
    fs.writeFileSync(script, LIVE_SCRIPT);
    const runsDir = path.join(ws, '.lineage', 'runs');
    const before = new Set(fs.readdirSync(runsDir));
    const liveName = `live-${label}-${Date.now().toString(36)}`;
    const liveStart = Date.now();
    live = spawn(PYTHON, [script, liveName, String(SECONDS + 120), stopFile], {
      cwd: ws,
      env: { ...process.env, PYTHONPATH: path.join(ROOT, 'sdk', 'python'), LINEAGE_WORKSPACE: ws },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let liveErr = '';
    live.stderr.on('data', (d) => (liveErr += d));
    const liveId = await poll(
      'the live run folder',
      () => [...fs.readdirSync(runsDir)].find((id) => !before.has(id) && fs.existsSync(path.join(runsDir, id, 'run.json'))),
      30_000,
      { every: 20, lastSeen: () => liveErr.slice(-400) },
    );
    const tFolder = performance.now();
    await waitFor(expRow('live'), 'the experiment "live" in the tree', { timeout: 120_000 });
    f.liveInTreeMs = performance.now() - tFolder;
    log(`  the live run's folder → its experiment in the tree: ${fmtInt(f.liveInTreeMs)} ms`);
    await collapseAll();

    // Compare it with three big runs, picked in the command's quick pick (by id; a click ticks a row).
    const runsByTime = fs
      .readdirSync(runsDir)
      .filter((id) => id !== liveId)
      .sort();
    const picks = [liveId, ...runsByTime.slice(-COMPARED)];
    await runFromPalette('Lineage: Compare Runs…');
    for (const id of picks) {
      await waitFor(quickInput, 'the quick pick of runs');
      await quickInput.fill(id);
      const row = page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: id }).first();
      await waitFor(row, `run ${id} in the quick pick`, { timeout: 60_000 });
      await row.click();
      await poll(`run ${id} ticked`, async () => ((await row.getAttribute('aria-checked')) === 'true' ? true : undefined), 10_000, { every: 50 });
    }
    await quickInput.fill('');
    const tCompare = performance.now();
    await page.keyboard.press('Enter');
    const frame = await findCompareFrame(page, poll);
    await poll(
      `the loss chart with ${picks.length} runs' lines`,
      () =>
        frame.evaluate((n) => {
          const card = [...document.querySelectorAll('.content-curves .chart-card')].find((c) => c.querySelector('h3')?.textContent === 'loss');
          const lines = (card?.querySelector('.js-plotly-plot')?.data ?? []).filter((t) => t.meta?.role === 'line');
          return lines.length === n ? true : undefined;
        }, picks.length),
      120_000,
      { every: 50 },
    );
    f.compareOpenMs = performance.now() - tCompare;
    log(`  Compare of the live run and ${COMPARED} big runs, Enter → every line drawn: ${fmtInt(f.compareOpenMs)} ms`);

    // The measuring period: (a) and (b) at once, (c) from the hook's lines over the same period.
    const dbFile = path.join(ws, '.lineage', 'lineage.db');
    let dbMtime = fs.statSync(dbFile).mtimeMs;
    let saves = 0;
    const watchDb = setInterval(() => {
      const m = fs.statSync(dbFile, { throwIfNoEntry: false })?.mtimeMs;
      if (m && m !== dbMtime) {
        saves++;
        dbMtime = m;
      }
    }, 50);
    const winStart = Date.now();
    const windowEnd = winStart + SECONDS * 1000;
    const probes = { appear: [], expand: [] };
    const treeProbes = async () => {
      for (let k = 1; Date.now() < windowEnd - PROBE_EVERY_MS; k++) {
        const next = Date.now() + PROBE_EVERY_MS;
        // A run appears: the "probes" experiment counts it.
        const p = addProbeRun(ws, staging, k);
        const count = new RegExp(`(^|\\D)${k} runs?\\b`);
        await poll(
          `${p.name} counted in the tree`,
          async () =>
            count.test(
              (await expRow('probes')
                .innerText()
                .catch(() => '')) ?? '',
            )
              ? true
              : undefined,
          60_000,
          {
            every: 10,
          },
        );
        probes.appear.push(performance.now() - p.t);
        if (k === 1) await collapseAll();
        // The tree was refreshed: a collapsed experiment's runs come from the extension again when expanded.
        const e = k % EXPERIMENTS;
        const newest = runRow(`run-${RUNS - EXPERIMENTS + e}`).first();
        const tExpand = performance.now();
        await expRow(`exp-${e}`).click();
        await waitFor(newest, `run-${RUNS - EXPERIMENTS + e} under exp-${e}`, { timeout: 60_000 });
        probes.expand.push(performance.now() - tExpand);
        await expRow(`exp-${e}`).click();
        await waitFor(newest, `exp-${e} collapsed`, { state: 'hidden', timeout: 60_000 });
        await page.waitForTimeout(Math.max(0, next - Date.now()));
      }
    };
    const [chart] = await Promise.all([
      liveChartLatency({ page, frame, poll, events: path.join(runsDir, liveId, 'events.jsonl'), run: liveId, metric: 'loss', windowMs: SECONDS * 1000 }),
      treeProbes(),
    ]);
    const winEnd = Date.now();
    clearInterval(watchDb);
    f.chartMedianMs = median(chart.total);
    f.chartMaxMs = Math.max(...chart.total);
    f.chartSamples = chart.total.length;
    f.chartFromFileMedianMs = median(chart.fromFile);
    f.treeAppearMedianMs = median(probes.appear);
    f.treeAppearMaxMs = Math.max(...probes.appear);
    f.treeExpandMedianMs = median(probes.expand);
    f.treeExpandMaxMs = Math.max(...probes.expand);
    f.treeProbes = probes.appear.length;
    f.indexSaves = saves;
    log(
      `  live chart: median ${fmtInt(f.chartMedianMs)} ms, max ${fmtInt(f.chartMaxMs)} ms (${f.chartSamples} points; events.jsonl → chart median ${fmtInt(f.chartFromFileMedianMs)} ms)`,
    );
    log(`  tree, a run moved in → shown: ${probes.appear.map(Math.round).join(', ')} ms`);
    log(`  tree, an experiment expanded → its runs shown: ${probes.expand.map(Math.round).join(', ')} ms`);
    log(`  lineage.db rewritten ${saves} times in ${seconds(winEnd - winStart)}`);

    // (c): every line of the hook that covers part of the measuring period, and of the whole logging (from
    // the live run's start: its first sync and opening Compare included).
    await page.waitForTimeout(1_500); // the hook's next line
    const lines = fs.existsSync(perfFile)
      ? fs
          .readFileSync(perfFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
    const during = lines.filter((l) => l.to > winStart && l.from < winEnd);
    if (!during.length) throw new Error(`no event-loop figures from the extension host in ${perfFile}: is LINEAGE_PERF_FILE reaching it?`);
    f.loopMaxMs = Math.max(...during.map((l) => l.maxMs));
    f.loopMaxSinceStartMs = Math.max(...lines.filter((l) => l.to > liveStart && l.from < winEnd).map((l) => l.maxMs));
    f.loopP99Ms = median(during.map((l) => l.p99Ms));
    f.loopSecondsOver50 = during.filter((l) => l.maxMs > 50).length;
    f.loopSeconds = during.length;
    f.loopBlocks = during
      .map((l) => l.maxMs)
      .sort((a, b) => b - a)
      .slice(0, 5);
    log(
      `  extension host event loop over the ${during.length} s measured: longest block ${fmtInt(f.loopMaxMs)} ms (top: ${f.loopBlocks.map(Math.round).join(', ')} ms), ${f.loopSecondsOver50} s with a block > 50 ms; since the run started (Compare opened meanwhile) ${fmtInt(f.loopMaxSinceStartMs)} ms`,
    );
    return f;
  } catch (err) {
    const shot = path.join(tmp, `failure-${label}.png`);
    await page.screenshot({ path: shot }).catch(() => {});
    log(`  ${label} failed: ${err.message}\n  screenshot ${shot}; page console ${consoleLog}; code-server log (tail):\n${tail(server.logFile, 15)}`);
    throw err;
  } finally {
    fs.writeFileSync(stopFile, '');
    if (live && live.exitCode === null) {
      await Promise.race([new Promise((r) => live.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))]);
      if (live.exitCode === null) live.kill('SIGKILL');
    }
    fs.rmSync(stopFile, { force: true });
    await context.close().catch(() => {});
    await stopServer(server);
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------- main

/** [label, key] of what is printed, in order (all in ms). */
const FIGURES = [
  ['Lineage view opened → first experiment shown', 'viewOpenMs'],
  ["a new run's folder → its experiment in the tree", 'liveInTreeMs'],
  ['Compare (live + 3 big runs): Enter → lines drawn', 'compareOpenMs'],
  ['(a) live update, logged → in the chart: median', 'chartMedianMs'],
  ['(a) live update, logged → in the chart: max', 'chartMaxMs'],
  ['(b) tree, a run moved in → shown: median', 'treeAppearMedianMs'],
  ['(b) tree, a run moved in → shown: max', 'treeAppearMaxMs'],
  ['(b) tree, expand an experiment: median', 'treeExpandMedianMs'],
  ['(b) tree, expand an experiment: max', 'treeExpandMaxMs'],
  ['(c) extension host, longest block while logging', 'loopMaxMs'],
  ['(c) the same, from the run start (Compare opening)', 'loopMaxSinceStartMs'],
  ['(c) extension host, p99 delay (median second)', 'loopP99Ms'],
];

let exit = 1;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-vscode-big-'));
let browser;
const cleanup = async () => {
  if (browser) await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  browser = undefined;
  await stopAllServers();
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void cleanup().finally(() => process.exit(130)));
try {
  if (process.env.BIG_NO_BUILD !== '1') {
    const build = [process.execPath, path.join(ROOT, 'scripts', 'build.mjs')];
    // Builds here take the shared lock, when the machine has flock.
    const flock = spawnSync('flock', ['--version']).status === 0;
    execFileSync(flock ? 'flock' : build[0], flock ? [path.join(os.tmpdir(), 'lineage-build.lock'), ...build] : build.slice(1), {
      cwd: ROOT,
      stdio: 'inherit',
    });
    execFileSync('bash', [path.join(ROOT, 'scripts', 'vscode', 'install-code-server.sh')], { cwd: ROOT, stdio: 'inherit' });
  }
  for (const need of [CODE_SERVER, CHROMIUM, PYTHON, path.join(ROOT, 'dist', 'extension.js')]) if (!fs.existsSync(need)) throw new Error(`missing ${need}`);
  log(`==> workspaces (big: ${fmtInt(RUNS)} runs × ${fmtInt(POINTS)} points; anchor: ${fmtInt(RUNS)} runs × ${ANCHOR_POINTS} points)`);
  const anchorWs = ONLY === 'big' ? undefined : prepare(path.join(tmp, 'anchor-ws'), RUNS, ANCHOR_POINTS);
  const bigWs = ONLY === 'anchor' ? undefined : prepare(BIG_DIR, RUNS, POINTS);
  const { chromium } = loadPlaywright();
  const chromiumEnv = { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'chromium', 'config'), XDG_CACHE_HOME: path.join(tmp, 'chromium', 'cache') };
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: chromiumEnv, timeout: 60_000 });
  const anchor = anchorWs ? await session(browser, tmp, 'anchor', anchorWs) : {};
  const big = bigWs ? await session(browser, tmp, 'big', bigWs) : {};

  const points = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(n % 1e6 ? 1 : 0)} M` : fmtInt(n ?? 0));
  log(
    `\nreal VS Code while a run logs every 50 ms for ${SECONDS} s: ${points(bigWs?.points)} points in ${RUNS} runs against the anchor, the same runs with ${points(anchorWs?.points)} points`,
  );
  const width = Math.max(...FIGURES.map(([n]) => n.length));
  for (const [name, key] of FIGURES) {
    const b = big[key];
    const a = anchor[key];
    const ratio = b !== undefined && a > 0 ? (b / a).toFixed(1) : 'n/a';
    log(
      `  ${name.padEnd(width)}  ${b === undefined ? '     -' : String(Math.round(b)).padStart(6)} ms   anchor ${a === undefined ? '-' : Math.round(a)} ms   ratio ${ratio}`,
    );
  }
  log(
    `  (big: ${big.treeProbes ?? 0} tree probes, ${big.chartSamples ?? 0} chart points, lineage.db ${((bigWs?.dbBytes ?? 0) / 2 ** 20).toFixed(1)} MiB rewritten ${big.indexSaves ?? '-'} times, ${big.loopSecondsOver50 ?? '-'} of ${big.loopSeconds ?? '-'} s with a block > 50 ms)`,
  );
  log(JSON.stringify({ seconds: SECONDS, big: { ...bigWs, ...big }, anchor: { ...anchorWs, ...anchor } }));
  exit = 0;
} catch (err) {
  log(`vscode_big_workspace could not finish: ${err.stack ?? err}`);
} finally {
  await cleanup();
  if (exit === 0 && !KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  else log(`(work files kept in ${tmp})`);
}
process.exit(exit);
