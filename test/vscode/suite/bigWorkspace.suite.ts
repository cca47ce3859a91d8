/**
 * A run logging into a workspace that already holds 2 M metric points (40 runs × 50,000), in the real extension
 * host (issue 10's check at CI size; bench/vscode_big_workspace.mjs measures 20 M points through the UI): the tree
 * still answers and the live run's points still arrive. The same few seconds are measured first without the
 * 2 M points (the anchor); the timings are reported as figures, not asserted. Runs last, in the workspace the
 * other suites leave (10,000 small runs and more), so it adds only its own ~25 s.
 */
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import type { ExperimentNode } from '../../../src/extension/views/experimentsTree';
import { EXTENSION_ID, longestStall, PYTHON, median, recordFigure, waitFor, workspaceDir } from './helpers';

type RunNode = Extract<ExperimentNode, { kind: 'run' }>;
type ExpNode = Extract<ExperimentNode, { kind: 'experiment' }>;

const BIG_RUNS = 40;
const POINTS = 50_000;
const BIG_EXPERIMENT = 'big-2m';
const LIVE_EXPERIMENT = 'live-2m';
const WINDOW_MS = 6_000;

/** Logs `clock` (the time it was logged, modulo 1,000 s) every 50 ms until the stop file appears. */
const LIVE_SCRIPT = `
import os, sys, time
import lineage
with lineage.start_run(name="live-2m", experiment="${LIVE_EXPERIMENT}"):
    step = 0
    while not os.path.exists(sys.argv[1]) and step < 2400:
        lineage.log_metric("clock", time.time() % 1000, step=step)
        step += 1
        time.sleep(0.05)
`;

interface Window {
  /** The longest the host's event loop went without running a 10 ms timer. */
  stallMs: number;
  /** Each getChildren of the root and of the big experiment, while the run logs. */
  treeMs: number[];
  /** For each change event of the live run: now − when its newest point was logged. */
  liveMs: number[];
  /** The live run's points at the start and at the end. */
  from: number;
  to: number;
  /** What the tree listed last. */
  bigRuns: number | undefined;
}

describe('2 M points in the workspace: the tree and live updates while a run logs', () => {
  let ws: string;
  let runsDir: string;
  let api: LineageApi;
  let live: ChildProcess | undefined;
  let stopFile: string;

  const tree = () => api.experimentsTree;
  const experimentNode = async (name: string) => (await tree().getChildren()).find((n): n is ExpNode => n.kind === 'experiment' && n.name === name);
  const liveClock = async () => {
    const exp = await experimentNode(LIVE_EXPERIMENT);
    const run = exp && (await tree().getChildren(exp)).find((n): n is RunNode => n.kind === 'run');
    return run?.run.metrics.find((m) => m.key === 'clock');
  };

  /** WINDOW_MS of the live run logging: the tree asked every 250 ms, each change of the live run timed. */
  async function measure(): Promise<Window> {
    const liveMs: number[] = [];
    const treeMs: number[] = [];
    let bigRuns: number | undefined;
    const sub = api.onDidChangeRuns(() => {
      void liveClock().then((m) => {
        if (!m) return;
        // Modulo 1,000 s, as logged.
        const ms = ((((Date.now() / 1000 - m.last) % 1000) + 1000) % 1000) * 1000;
        liveMs.push(ms);
      });
    });
    const from = (await liveClock())?.count ?? 0;
    let stallMs: number;
    try {
      ({ stallMs } = await longestStall(async () => {
        const end = Date.now() + WINDOW_MS;
        while (Date.now() < end) {
          const t = performance.now();
          const big = await experimentNode(BIG_EXPERIMENT);
          if (big) bigRuns = (await tree().getChildren(big)).filter((n) => n.kind === 'run').length;
          treeMs.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 250));
        }
      }));
    } finally {
      sub.dispose();
    }
    return { stallMs, treeMs, liveMs, from, to: (await liveClock())?.count ?? 0, bigRuns };
  }

  before(async () => {
    ws = workspaceDir();
    runsDir = path.join(ws, '.lineage', 'runs');
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    stopFile = path.join(path.dirname(ws), `${path.basename(ws)}-live-2m.stop`);
  });

  after(async () => {
    fs.writeFileSync(stopFile, '');
    if (live && live.exitCode === null) {
      await Promise.race([new Promise((r) => live!.once('exit', r)), new Promise((r) => setTimeout(r, 10_000))]);
      if (live.exitCode === null) live.kill('SIGKILL');
    }
    fs.rmSync(stopFile, { force: true });
  });

  it(`a run logging every 50 ms still reaches the tree with ${(BIG_RUNS * POINTS).toLocaleString('en-US')} points in the workspace`, async function () {
    this.timeout(5 * 60_000);
    const script = path.join(path.dirname(ws), `${path.basename(ws)}-live-2m.py`);
    fs.writeFileSync(script, LIVE_SCRIPT);
    const sdk = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'sdk', 'python');
    let stderr = '';
    live = spawn(PYTHON, [script, stopFile], { cwd: ws, env: { ...process.env, PYTHONPATH: sdk, LINEAGE_WORKSPACE: ws }, stdio: ['ignore', 'ignore', 'pipe'] });
    live.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor('the live run in the tree with its first points', 60_000, async () => {
      if (live?.exitCode !== null) throw new Error(`the live script exited ${live?.exitCode}: ${stderr.slice(-500)}`);
      return ((await liveClock())?.count ?? 0) >= 3 ? true : undefined;
    });

    // The anchor: the same seconds without the big runs.
    const anchor = await measure();

    // 2 M points, written beside the workspace (async, a run at a time) and moved in as another program would.
    const staging = path.join(path.dirname(ws), `${path.basename(ws)}-big-staging`);
    const base = Date.UTC(2025, 5, 1);
    const p = (n: number) => String(n).padStart(2, '0');
    const ids: string[] = [];
    const t0 = Date.now();
    for (let r = 0; r < BIG_RUNS; r++) {
      const start = new Date(base + r * 3600_000);
      const id = `${start.getUTCFullYear()}${p(start.getUTCMonth() + 1)}${p(start.getUTCDate())}-${p(start.getUTCHours())}0000-${(0xb00000 + r).toString(16)}`;
      const dir = path.join(staging, id);
      await fs.promises.mkdir(dir, { recursive: true });
      const lines = ['{"type":"header","schema":1,"writer":"lineage-python/0.1"}', `{"type":"param","key":"seed","value":${r}}`];
      let t = start.getTime() / 1000;
      for (let i = 0; i < POINTS; i++) {
        t += 0.1;
        lines.push(`{"type":"metric","key":"loss","value":${2 * Math.exp(-i / 5000) + 0.01 * Math.sin(i * (r + 1))},"step":${i},"ts":${t.toFixed(3)}}`);
      }
      lines.push('{"type":"status","status":"finished"}');
      await fs.promises.writeFile(path.join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
      const record = {
        schema: 1,
        id,
        name: `big-${r}`,
        experiment: BIG_EXPERIMENT,
        status: 'finished',
        startedAt: start.toISOString(),
        endedAt: new Date(t * 1000).toISOString(),
        exitCode: 0,
        signal: null,
        command: [PYTHON, 'train.py'],
        cwd: ws,
        createdBy: 'test',
      };
      await fs.promises.writeFile(path.join(dir, 'run.json'), JSON.stringify(record));
      ids.push(id);
    }
    const genMs = Date.now() - t0;
    const t1 = performance.now();
    for (const id of ids) await fs.promises.rename(path.join(staging, id), path.join(runsDir, id));
    await fs.promises.rm(staging, { recursive: true, force: true });
    await waitFor(
      `the tree to list the ${BIG_RUNS} big runs with their ${POINTS.toLocaleString('en-US')} points`,
      3 * 60_000,
      async () => {
        const exp = await experimentNode(BIG_EXPERIMENT);
        if (exp?.runs !== BIG_RUNS) return undefined;
        const runs = (await tree().getChildren(exp)).filter((n): n is RunNode => n.kind === 'run');
        return runs.every((n) => n.run.metrics.find((m) => m.key === 'loss')?.count === POINTS) ? true : undefined;
      },
      100,
    );
    const indexMs = performance.now() - t1;

    const big = await measure();
    console.log(
      `    ${(BIG_RUNS * POINTS).toLocaleString('en-US')} points written in ${genMs} ms, indexed (moved in → in the tree) in ${Math.round(indexMs)} ms`,
    );
    for (const [name, w] of [
      ['without them', anchor],
      ['with them', big],
    ] as const) {
      console.log(
        `    ${name}: longest extension-host stall ${Math.round(w.stallMs)} ms; tree answers median ${Math.round(median(w.treeMs))} ms (max ${Math.round(Math.max(...w.treeMs))} ms, ${w.treeMs.length} asks); live point → index median ${Math.round(median(w.liveMs))} ms (${w.liveMs.length} updates, ${w.to - w.from} points)`,
      );
    }

    // What must hold at any size: the tree answered throughout, and the live run's points kept arriving.
    assert.equal(big.bigRuns, BIG_RUNS, 'the tree listed the big runs');
    assert.ok(big.treeMs.length >= 5, `the tree answered ${big.treeMs.length} times in ${WINDOW_MS / 1000} s`);
    assert.ok(big.liveMs.length >= 3, `the live run changed ${big.liveMs.length} times in ${WINDOW_MS / 1000} s`);
    assert.ok(big.to - big.from >= 20, `${big.to - big.from} new points of the live run reached the tree in ${WINDOW_MS / 1000} s (it logs ~120)`);

    recordFigure({
      name: 'longest extension-host stall while a run logs, 2 M points in the workspace',
      ms: big.stallMs,
      anchor: 'the same without the 2 M points',
      anchorMs: anchor.stallMs,
    });
    recordFigure({
      name: 'live point → index with 2 M points in the workspace (median)',
      ms: median(big.liveMs),
      anchor: 'the same without the 2 M points',
      anchorMs: median(anchor.liveMs),
    });
    recordFigure({
      name: 'tree answer (root + 40 runs) with 2 M points, while a run logs (max)',
      ms: Math.max(...big.treeMs),
      anchor: 'the same without the 2 M points',
      anchorMs: Math.max(...anchor.treeMs),
    });
  });
});
