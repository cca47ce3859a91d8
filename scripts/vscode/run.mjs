// Runs Lineage in a real VS Code: code-server 4.100.3 (installed by install-code-server.sh into .code-server/)
// driven by Debian's Chromium through playwright-core, offline, on 127.0.0.1 only.
//   1. the mocha suite (out/test/suite/index.js, built by build-suite.mjs) inside the real extension host, then
//      the multi-root suite (out/test/suite/multiRoot.js) in a window on a .code-workspace of two folders;
//   2. a UI pass as a new user (test/vscode/ui/newUser.mjs): code lens run, the Lineage view, filter, rerun
//      with a changed parameter from the tree's context menu, stop from the status bar, screenshot; then the
//      Compare panel (test/vscode/ui/compare.mjs): 50 runs from the tree, live updates, a spike at every zoom;
//      then the keyboard-only pass (test/vscode/ui/keyboard.mjs): activity bar, tree, Compare, run detail; then
//      the Explain panel (test/vscode/ui/explain.mjs): from the tree's context menu, its plots, a row, what-if;
//      then a sweep of 8 runs from Run Sweep…'s pickers, Compare following it, a window reload mid-sweep
//      (test/vscode/ui/sweep.mjs).
// Expects `node scripts/build.mjs` to have run (dist/extension.js). Prints `N passed, N failed` per phase and
// exits non-zero on any failure. code-server and Chromium are always stopped at the end.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as util from 'node:util';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  CODE_SERVER,
  PYTHON,
  ROOT,
  loadPlaywright,
  makeWorkspace,
  startCodeServer,
  stopAllServers,
  stopServer,
  tail,
  workbenchUrl,
} from './codeServer.mjs';
import { helpers, openPage, runSteps } from '../../test/vscode/ui/harness.mjs';
import { newUserSteps } from '../../test/vscode/ui/newUser.mjs';
import { compareSteps } from '../../test/vscode/ui/compare.mjs';
import { keyboardSteps } from '../../test/vscode/ui/keyboard.mjs';
import { explainSteps } from '../../test/vscode/ui/explain.mjs';
import { sweepSteps } from '../../test/vscode/ui/sweep.mjs';

const SUITE = path.join(ROOT, 'out', 'test', 'suite', 'index.js');
const MULTI_ROOT_SUITE = path.join(ROOT, 'out', 'test', 'suite', 'multiRoot.js');
const UNTRUSTED_SUITE = path.join(ROOT, 'out', 'test', 'suite', 'untrusted.js');
/** What the untrusted folder's own settings ask for; Restricted Mode must ignore it (restrictedConfigurations). */
const HOSTILE_PYTHON = '/nonexistent/hostile-python';
const RESULTS = path.join(ROOT, 'test-results', 'vscode');
const SUITE_TIMEOUT_MS = 10 * 60_000;
const KEEP = process.env.LINEAGE_VSCODE_KEEP === '1';

/** Workbench chatter in the automation log that says nothing about the tests (offline marketplace etc.). */
const HOST_NOISE = [
  /open-vsx\.org|ENOTFOUND|ECONNREFUSED.*gallery/,
  /^(Resolving|Resolved) connection token/,
  /^Creating a socket/,
  /^\[Service Worker\]/,
  /^Updating additional builtin extensions cache/,
  /^ChatSessionStore:/,
  /Long running operations during shutdown are unsupported in the web/,
];

/** Figures the suite (editor.suite.ts) and the UI pass (compare.mjs) print, repeated in the summary line. */
const FIGURES = [
  ['live update latency', /live update latency: (\d+) ms/],
  ['10,000 runs moved in, shown in the tree', /sync of 10,000 new runs \(moved in, no Refresh\): (\d+) ms/],
  ['tree first page with 10,000 runs', /tree first page with 10,000 runs: (\d+) ms/],
  ['compare live update latency (median)', /compare live update latency: median (\d+) ms/],
  ['compare live update latency (max)', /compare live update latency: median \d+ ms \(max (\d+) ms/],
];

/** Timings the suites and the UI pass measured with their anchors (`LINEAGE_FIGURE {json}` lines), written to
 * LINEAGE_VSCODE_FIGURES (default test-results/vscode/figures.json) for bench/vscode_latency.mjs. */
const measured = [];
const FIGURES_FILE = process.env.LINEAGE_VSCODE_FIGURES || path.join(ROOT, 'test-results', 'vscode', 'figures.json');

function scanFigures(line, figures) {
  const m = /LINEAGE_FIGURE (\{.*\})/.exec(line);
  if (m) measured.push(JSON.parse(m[1]));
  for (const [name, re] of FIGURES) {
    const f = re.exec(line);
    if (f) figures[name] = Number(f[1]);
  }
}
const figureText = (figures) =>
  Object.entries(figures)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(', ');

const log = (...a) => console.log(...a);
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

function preflight() {
  const missing = [];
  if (!fs.existsSync(CODE_SERVER)) missing.push(`${CODE_SERVER} (run scripts/vscode/install-code-server.sh)`);
  if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
  for (const f of ['dist/extension.js', 'dist/sql-wasm.wasm', 'dist/ingestWorker.js']) {
    if (!fs.existsSync(path.join(ROOT, f))) missing.push(`${f} (run node scripts/build.mjs)`);
  }
  if (!fs.existsSync(SUITE)) missing.push(`${path.relative(ROOT, SUITE)} (run node scripts/vscode/build-suite.mjs)`);
  if (!fs.existsSync(PYTHON)) missing.push(PYTHON);
  if (missing.length) throw new Error(`missing:\n  ${missing.join('\n  ')}`);
}

/** Two folders, each with its own .lineage holding finished runs (what test/vscode/suite/multiRoot.suite.ts
 * expects), and the .code-workspace that opens both. */
/** The example, with workspace settings that point the interpreter somewhere a trusted folder could. */
function makeUntrusted(parent) {
  const ws = makeWorkspace(parent, 'untrusted-ws');
  fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'lineage.pythonPath': HOSTILE_PYTHON }, null, 2));
  return ws;
}

function makeMultiRoot(parent) {
  const root = path.join(parent, 'multi-root');
  const runs = {
    alpha: [
      ['a-1', 'shared', true],
      ['a-2', 'shared'],
      ['a-3', 'alpha-only'],
    ],
    beta: [['b-1', 'shared']],
  };
  let n = 0;
  for (const [folder, list] of Object.entries(runs)) {
    for (const [name, experiment, withModel] of list) {
      n++;
      const start = new Date(Date.UTC(2025, 0, 1, 0, n));
      const id = `${start.toISOString().slice(0, 10).replace(/-/g, '')}-${start.toISOString().slice(11, 19).replace(/:/g, '')}-${n.toString(16).padStart(6, '0')}`;
      const dir = path.join(root, folder, '.lineage', 'runs', id);
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, 'run.json'),
        JSON.stringify({
          schema: 1,
          id,
          name,
          experiment,
          status: 'finished',
          startedAt: start.toISOString(),
          endedAt: new Date(start.getTime() + 1000).toISOString(),
          exitCode: 0,
          signal: null,
          command: [PYTHON, path.join(root, folder, 'train.py')],
          cwd: path.join(root, folder),
          createdBy: 'test',
        }),
      );
      const events = [
        { type: 'header', schema: 1, writer: 'lineage-vscode-run.mjs' },
        { type: 'param', key: 'folder', value: folder },
        { type: 'metric', key: 'loss', value: n, step: 0, ts: start.getTime() / 1000 },
        { type: 'status', status: 'finished' },
      ];
      if (withModel) {
        fs.mkdirSync(path.join(dir, 'artifacts'));
        fs.writeFileSync(path.join(dir, 'artifacts', 'model.pkl'), 'not a real model');
        events.splice(3, 0, { type: 'model', path: 'artifacts/model.pkl', flavor: 'sklearn' });
      }
      fs.writeFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    }
  }
  const file = path.join(root, 'multi.code-workspace');
  fs.writeFileSync(file, JSON.stringify({ folders: [{ path: 'alpha' }, { path: 'beta' }] }, null, 2));
  return file;
}

let browser;

async function cleanup() {
  if (browser) {
    const b = browser;
    browser = undefined;
    await Promise.race([b.close().catch(() => {}), new Promise((r) => setTimeout(r, 5000))]);
  }
  await stopAllServers();
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`\n${sig}: stopping code-server and Chromium`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Phase 1: the mocha suite inside the real extension host (then the multi-root suite, the same way). */
async function suitePhase(tmp, { label = 'suite', ws = makeWorkspace(tmp, 'suite-ws'), suite = SUITE, trusted = true } = {}) {
  const started = Date.now();
  const server = await startCodeServer(path.join(tmp, `${label}-server`), ws, { trusted });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const pageLog = fs.createWriteStream(path.join(tmp, `${label}-page-console.log`));
  page.on('console', (m) => pageLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => pageLog.write(`[pageerror] ${e.message}\n`));
  let result;
  let activationMs;
  const figures = {};
  let resolveExit;
  const exitCode = new Promise((resolve) => {
    resolveExit = resolve;
  });
  await page.exposeFunction('codeAutomationExit', (code) => resolveExit(Number(code)));
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    // Console arguments as the host logged them (format string first: mocha's "%d passing (%s)").
    const text = util.format(...(Array.isArray(args) ? args : [args]));
    if (HOST_NOISE.some((re) => re.test(text))) return;
    for (const line of text.split('\n')) {
      const m = /LINEAGE_SUITE_RESULT (\{.*\})/.exec(line);
      if (m) {
        result = JSON.parse(m[1]);
        continue;
      }
      const a = /activationMs: ([\d.]+) ms/.exec(line);
      if (a) activationMs = Number(a[1]);
      scanFigures(line, figures);
      console.log(type === 'error' ? `  [ext-host error] ${line}` : line);
    }
  });
  log(`==> ${label}: code-server on port ${server.port}, workspace ${ws}`);
  let code;
  let timer;
  let watch;
  try {
    await page.goto(workbenchUrl(server, ws, [['extensionTestsPath', suite]]));
    code = await Promise.race([
      exitCode,
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(`timeout after ${SUITE_TIMEOUT_MS / 60_000} min`), SUITE_TIMEOUT_MS);
      }),
      new Promise((resolve) => {
        watch = setInterval(() => {
          if (server.exited) resolve('code-server exited');
        }, 500);
      }),
    ]);
  } catch (err) {
    code = `error: ${err.message}`;
  } finally {
    clearTimeout(timer);
    clearInterval(watch);
  }
  if (code !== 0 && typeof code !== 'number') {
    fs.mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: path.join(RESULTS, `failure-${label}.png`) }).catch(() => {});
    log(`${label} did not finish (${code}); code-server log:\n${tail(server.logFile)}\npage console: ${path.join(tmp, `${label}-page-console.log`)}`);
  }
  await context.close().catch(() => {});
  pageLog.end();
  await stopServer(server);
  const passed = result?.passed ?? 0;
  let failed = result?.failed ?? 0;
  if (code !== 0 && failed === 0) failed = 1; // the host failed outside the tests (load error, crash, timeout)
  log(`${label}: exit code ${code}, ${seconds(Date.now() - started)}${activationMs !== undefined ? `, activationMs ${activationMs}` : ''}`);
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed, ms: Date.now() - started, activationMs, figureText: figureText(figures) };
}

/** Phase 2: the UI as a new user would use it, then the Compare panel. */
async function uiPhase(tmp) {
  const started = Date.now();
  // long_train.py: the long run the UI pass stops from the status bar; spike_train.py: one spike in 1M points.
  const ws = makeWorkspace(tmp, 'house-prices', ['long_train.py', 'spike_train.py']);
  const server = await startCodeServer(path.join(tmp, 'ui-server'), ws);
  log(`==> ui: code-server on port ${server.port}, workspace ${ws}`);
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const figures = {};
  const uiLog = (...a) => {
    for (const line of util.format(...a).split('\n')) scanFigures(line, figures);
    log(...a);
  };
  const consoleLog = path.join(tmp, 'ui-page-console.log');
  let r;
  try {
    const page = await openPage(context, consoleLog);
    const h = helpers(page, ws);
    // LINEAGE_VSCODE_UI=keyboard (or explain, or sweep) runs only that pass (it then opens the workbench itself) while working on it.
    const only = process.env.LINEAGE_VSCODE_UI;
    const keyboardOnly = only === 'keyboard';
    const explainOnly = only === 'explain';
    const sweepOnly = only === 'sweep';
    const steps = [
      ...(keyboardOnly || explainOnly || sweepOnly
        ? []
        : [
            ...newUserSteps({ page, h, url: workbenchUrl(server, ws), resultsDir: RESULTS, log: uiLog }),
            ...compareSteps({ page, h, root: ROOT, workspace: ws, workDir: tmp, log: uiLog }),
          ]),
      ...(explainOnly || sweepOnly
        ? []
        : keyboardSteps({ page, h, root: ROOT, workspace: ws, workDir: tmp, url: keyboardOnly ? workbenchUrl(server, ws) : undefined, log: uiLog })),
      // The Explain panel: from the tree's context menu, its plots, a row, what-if with the run's own model.
      ...(keyboardOnly || sweepOnly
        ? []
        : explainSteps({ page, h, root: ROOT, workspace: ws, workDir: tmp, url: explainOnly ? workbenchUrl(server, ws) : undefined, log: uiLog })),
      // A sweep from Run Sweep…'s pickers, Compare following it, and a window reload in the middle of it.
      ...(keyboardOnly || explainOnly ? [] : sweepSteps({ page, h, workspace: ws, url: sweepOnly ? workbenchUrl(server, ws) : undefined, log: uiLog })),
    ];
    r = await runSteps(page, steps, { workspace: ws, resultsDir: RESULTS, log: uiLog, consoleLog });
  } catch (err) {
    log(`ui pass crashed: ${err.stack ?? err}`);
    r = { passed: 0, failed: 1, skipped: 0 };
  }
  await context.close().catch(() => {});
  if (r.failed) log(`code-server log (tail):\n${tail(server.logFile, 20)}`);
  await stopServer(server);
  log(`ui: ${seconds(Date.now() - started)}`);
  log(`${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`);
  return { ...r, ms: Date.now() - started, figureText: figureText(figures) };
}

let exit = 1;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-vscode-'));
try {
  preflight();
  fs.rmSync(RESULTS, { recursive: true, force: true });
  fs.mkdirSync(RESULTS, { recursive: true });
  const { chromium } = loadPlaywright();
  // Its config and cache (crash-report folder included) under tmp, not ~/.config/chromium.
  const chromiumEnv = { ...process.env, XDG_CONFIG_HOME: path.join(tmp, 'chromium', 'config'), XDG_CACHE_HOME: path.join(tmp, 'chromium', 'cache') };
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: chromiumEnv, timeout: 60_000 });
  // LINEAGE_VSCODE_ONLY=suite|multi|untrusted|ui runs one phase (suite: with the multi-root and untrusted ones) while working on it; the default runs all.
  const only = process.env.LINEAGE_VSCODE_ONLY;
  const none = { passed: 0, failed: 0, ms: 0 };
  const suite = only && only !== 'suite' ? none : await suitePhase(tmp);
  const multi =
    only && only !== 'suite' && only !== 'multi' ? none : await suitePhase(tmp, { label: 'multi-root', ws: makeMultiRoot(tmp), suite: MULTI_ROOT_SUITE });
  const untrusted =
    only && only !== 'suite' && only !== 'untrusted'
      ? none
      : await suitePhase(tmp, { label: 'untrusted', ws: makeUntrusted(tmp), suite: UNTRUSTED_SUITE, trusted: false });
  const ui = only && only !== 'ui' ? none : await uiPhase(tmp);
  const passed = suite.passed + multi.passed + untrusted.passed + ui.passed;
  const failed = suite.failed + multi.failed + untrusted.failed + ui.failed;
  const figs = [suite.figureText, ui.figureText].filter(Boolean).join(', ');
  log(
    `\nreal VS Code: suite ${seconds(suite.ms)}, multi-root ${seconds(multi.ms)}, untrusted ${seconds(untrusted.ms)}, ui ${seconds(ui.ms)}${suite.activationMs !== undefined ? `, activation ${suite.activationMs} ms` : ''}${figs ? `, ${figs}` : ''}`,
  );
  log(`vscode: ${passed} passed, ${failed} failed`);
  fs.mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
  fs.writeFileSync(FIGURES_FILE, JSON.stringify({ passed, failed, figures: measured }, null, 2));
  exit = failed === 0 && passed > 0 ? 0 : 1;
} catch (err) {
  log(`real VS Code tests could not run: ${err.stack ?? err}`);
  log('vscode: 0 passed, 1 failed');
} finally {
  await cleanup();
  if (exit === 0 && !KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  else log(`(work files kept in ${tmp})`);
}
process.exit(exit);
