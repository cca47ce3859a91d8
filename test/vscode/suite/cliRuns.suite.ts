/**
 * Runs the editor did not start (`lineage run` in a terminal, another window), in a real VS Code with real
 * Python: they show in the Experiments tree by themselves (no Refresh), stream their metrics while they
 * run, end finished or killed, and leave the tree when their folder is deleted; a live update redraws only
 * its run's row. First of the suites, in the fresh workspace (no .lineage yet), as for a user whose first
 * run is from a terminal.
 */
import * as assert from 'node:assert/strict';
import { spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import type { ExperimentNode } from '../../../src/extension/views/experimentsTree';
import { EXTENSION_ID, PYTHON, median, rawWatch, recordFigure, waitFor, workspaceDir } from './helpers';

type RunNode = Extract<ExperimentNode, { kind: 'run' }>;
type Payload = ExperimentNode | ExperimentNode[] | undefined;
interface Cli {
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const EXPERIMENT = 'cli';
const ms = (x: number) => `${Math.round(x)} ms`;

describe('Runs recorded with the CLI: in the tree by themselves, live, ended', () => {
  let ws: string;
  let runsDir: string;
  let api: LineageApi;
  let cliJs: string;
  let fixtures: string;
  let cliLog: string;
  /** The first run's id, deleted by the last test. */
  let firstId: string | undefined;
  const changes: { t: number; ids: string[] }[] = [];
  const payloads: { t: number; p: Payload }[] = [];
  const subscriptions: vscode.Disposable[] = [];
  const started: ChildProcess[] = [];
  const scripts: number[] = [];

  const runIds = () => (fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : []);
  const readRun = (id: string) =>
    JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8')) as { status: string; childPid?: number; pid?: number };
  const cliTail = () => (fs.existsSync(cliLog) ? fs.readFileSync(cliLog, 'utf8').trimEnd().split('\n').slice(-10).join('\n') : '(no output)');

  /** `lineage run` from the built CLI, in the workspace, as from a terminal. */
  function cli(...args: string[]): Cli {
    const out = fs.openSync(cliLog, 'a');
    const child = spawn(process.execPath, [cliJs, 'run', '--python', PYTHON, '--experiment', EXPERIMENT, ...args], {
      cwd: ws,
      env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' },
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    started.push(child);
    return { child, exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))) };
  }

  /** The folder the CLI made for its run (with run.json), and when the test first saw it. */
  async function newRun(before: Set<string>, run: Cli): Promise<{ id: string; t: number }> {
    const id = await waitFor(
      "the CLI run's folder with its run.json",
      30_000,
      () => {
        if (run.child.exitCode !== null) throw new Error(`lineage run exited ${run.child.exitCode}:\n${cliTail()}`);
        return runIds().find((n) => !before.has(n) && fs.existsSync(path.join(runsDir, n, 'run.json')));
      },
      10,
    );
    return { id, t: performance.now() };
  }

  async function runNode(id: string): Promise<RunNode | undefined> {
    const roots = await api.experimentsTree.getChildren();
    const exp = roots.find((n) => n.kind === 'experiment' && n.name === EXPERIMENT);
    if (!exp) return undefined;
    return (await api.experimentsTree.getChildren(exp)).find((n): n is RunNode => n.kind === 'run' && n.run.id === id);
  }

  const changedAt = (id: string, after = 0) => changes.find((c) => c.t >= after && c.ids.includes(id))?.t;
  const inTreeWith = (id: string, status: string, timeoutMs: number) =>
    waitFor(
      `run ${id} ${status} in the tree`,
      timeoutMs,
      async () => {
        const n = await runNode(id);
        return n?.run.status === status ? n : undefined;
      },
      20,
    );

  before(async () => {
    ws = workspaceDir();
    runsDir = path.join(ws, '.lineage', 'runs');
    assert.ok(!fs.existsSync(path.join(ws, '.lineage')), 'the workspace starts without .lineage');
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    cliJs = path.join(ext.extensionPath, 'dist', 'cli.js');
    fixtures = path.join(ext.extensionPath, 'test', 'vscode', 'fixtures');
    cliLog = path.join(path.dirname(ws), `${path.basename(ws)}-cli-runs.log`);
    subscriptions.push(
      api.onDidChangeRuns((ids) => changes.push({ t: performance.now(), ids })),
      api.experimentsTree.onDidChangeTreeData((p) => payloads.push({ t: performance.now(), p })),
    );
  });

  after(() => {
    for (const s of subscriptions) s.dispose();
    // Never leave a 120 s script running, whatever failed.
    for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const pid of scripts) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });

  it('a `lineage run` started in a workspace without .lineage shows in the tree without Refresh, streams its metrics, and ends finished', async () => {
    const t0 = performance.now();
    const run = cli('--name', 'cli-first', path.join(fixtures, 'cli_train.py'), '--seconds', '6');
    const { id, t: onDisk } = await newRun(new Set(), run);
    firstId = id;
    const seen = await waitFor(`an onDidChangeRuns event naming ${id}`, 10_000, () => changedAt(id), 10);
    const node = await runNode(id);
    assert.ok(node, `run ${id} is in the tree once the event fired`);
    assert.ok(
      payloads.some((x) => x.t >= seen && x.p === undefined),
      'a new run redraws the whole tree',
    );
    console.log(`    CLI run → tree: ${ms(seen - t0)} from spawning \`lineage run\` (${ms(seen - onDisk)} from its folder on disk)`);
    // Anchors: the tree's own read of the run (the editor side alone), and the CLI's start (a process of its own).
    const tRead = performance.now();
    await runNode(id);
    const treeReadMs = performance.now() - tRead;
    recordFigure({ name: 'CLI run folder on disk → tree', ms: seen - onDisk, anchor: 'tree read of the run', anchorMs: treeReadMs, formerLimitMs: 3000 });
    recordFigure({
      name: 'lineage run spawned → tree',
      ms: seen - t0,
      anchor: 'lineage run spawned → its folder on disk',
      anchorMs: onDisk - t0,
      formerLimitMs: 6000,
    });
    assert.deepEqual(api.liveRuns(), [], 'not a run of this window');

    // Live: the loss count grows in the tree while it runs, event after event.
    const counts: number[] = [];
    const sub = api.onDidChangeRuns(async (ids) => {
      if (!ids.includes(id)) return;
      const n = await runNode(id);
      const loss = n?.run.metrics.find((m) => m.key === 'loss');
      if (n?.run.status === 'running' && loss) counts.push(loss.count);
    });
    try {
      await inTreeWith(id, 'running', 10_000);
      assert.ok(api.watchedRuns().includes(id), `its folder is watched (${api.watchedRuns().join(', ')})`);
      // A point appended to events.jsonl reaches the tree (through onDidChangeRuns) within 500 ms.
      const events = path.join(runsDir, id, 'events.jsonl');
      const latencies: number[] = [];
      const osLatencies: number[] = [];
      // The tree shows the run from run.json; the script creates events.jsonl on its first flush, maybe later.
      await waitFor('the run to create events.jsonl', 10_000, () => (fs.existsSync(events) ? true : undefined));
      const raw = rawWatch(events);
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 300));
        // Seen at the first change event after which the tree has the probe (the script's own flushes fire too).
        const seenAt = new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => (probeSub.dispose(), reject(new Error(`probe ${i} not in the tree 5 s after it was appended`))), 5000);
          const probeSub = api.onDidChangeRuns(async (ids) => {
            if (!ids.includes(id)) return;
            const t = performance.now();
            const probe = (await runNode(id).catch(() => undefined))?.run.metrics.find((m) => m.key === 'probe');
            if (probe?.count !== i + 1) return;
            clearTimeout(timer);
            probeSub.dispose();
            resolve(t);
          });
        });
        raw.arm();
        const tAppend = performance.now();
        fs.appendFileSync(events, `${JSON.stringify({ type: 'metric', key: 'probe', value: i, step: i })}\n`);
        latencies.push((await seenAt) - tAppend);
        osLatencies.push(await raw.seen());
      }
      raw.close();
      console.log(`    CLI run live update latency: median ${ms(median(latencies))} (${latencies.map(ms).join(', ')})`);
      assert.equal(latencies.length, 3, 'every probe reached the tree');
      recordFigure({
        name: 'CLI run live update latency (median of 3)',
        ms: median(latencies),
        anchor: 'bare fs.watch on events.jsonl',
        anchorMs: median(osLatencies),
        formerLimitMs: 500,
      });

      const endedOnDisk = await waitFor('run.json to say finished', 60_000, () => (readRun(id).status !== 'running' ? performance.now() : undefined), 10);
      const done = await inTreeWith(id, 'finished', 10_000);
      const endMs = performance.now() - endedOnDisk;
      console.log(
        `    CLI run end → tree: ${ms(endMs)} after run.json said finished; ${counts.length} live updates seen (loss count ${counts[0]} → ${counts[counts.length - 1]})`,
      );
      recordFigure({ name: 'CLI run end → tree', ms: endMs, anchor: 'bare fs.watch on events.jsonl', anchorMs: median(osLatencies), formerLimitMs: 3000 });
      assert.ok(counts.length >= 5 && counts[counts.length - 1] > counts[0], `live updates while it ran: loss counts ${counts.join(' ')}`);
      assert.ok(done.run.metrics.find((m) => m.key === 'loss')!.count >= 30, 'every point of 6 s at 10 a second');
    } finally {
      sub.dispose();
    }
    const exit = await run.exit;
    assert.equal(exit.code, 0, `lineage run exited ${exit.code ?? exit.signal}:\n${cliTail()}`);
    // The watch ends a little after the run (the CLI still writes its datasets.json).
    await waitFor(`the watch on ${id} to end`, 30_000, () => (api.watchedRuns().includes(id) ? undefined : true));
  });

  it("a live update redraws only its run's row (the node VS Code was given); a new run redraws the tree", async () => {
    const before = new Set(runIds());
    const from = performance.now();
    const run = cli('--name', 'cli-rows', path.join(fixtures, 'cli_train.py'), '--seconds', '5');
    const { id } = await newRun(before, run);
    await waitFor('a whole-tree refresh for the new run', 10_000, () => (payloads.some((x) => x.t >= from && x.p === undefined) ? true : undefined), 10);
    const node = await inTreeWith(id, 'running', 10_000);
    const listed = performance.now();
    await inTreeWith(id, 'finished', 60_000);
    await run.exit;
    const after = payloads.filter((x) => x.t > listed).map((x) => x.p);
    const whole = after.filter((p) => p === undefined).length;
    const rows = after.filter((p): p is ExperimentNode[] => Array.isArray(p));
    const ofRun = rows.filter((p) => p.some((n) => n.kind === 'run' && n.run.id === id));
    console.log(`    tree updates while ${id} ran and ended: ${ofRun.length} of its row, ${whole} of the whole tree`);
    assert.equal(whole, 0, 'no whole-tree refresh for updates of a listed run');
    assert.ok(ofRun.length >= 5, `its row was redrawn as it logged (${ofRun.length} times)`);
    for (const p of rows) {
      for (const n of p) {
        assert.equal(n.kind, 'run', 'only run rows');
        if (n.kind === 'run' && n.run.id === id) assert.ok(n === node, 'the payload is the node object getChildren returned');
      }
    }
    assert.ok((await runNode(id)) === node, 'getChildren keeps handing out the same node');
    assert.equal(api.experimentsTree.getTreeItem(node).contextValue, 'run.finished', 'the row says finished');
    assert.match(String(api.experimentsTree.getTreeItem(node).description), /^loss /);
  });

  it('a CLI run stopped with Ctrl-C ends killed in the tree; so does one whose processes were all killed outright', async () => {
    const long = path.join(fixtures, 'long_train.py');
    // Ctrl-C: the CLI stops the script's process tree and writes the end itself.
    let before = new Set(runIds());
    const a = cli('--name', 'cli-sigint', long);
    const { id: idA } = await newRun(before, a);
    await waitFor('loss in the tree', 30_000, async () => ((await runNode(idA))?.run.metrics.some((m) => m.key === 'loss') ? true : undefined));
    const tA = performance.now();
    a.child.kill('SIGINT');
    await inTreeWith(idA, 'killed', 15_000);
    console.log(`    Ctrl-C of \`lineage run\` → killed in the tree: ${ms(performance.now() - tA)}`);

    // kill -9 of the CLI, of the run keeper that outlives it (run.json's pid) and of the script: nothing
    // writes an end; the processes being gone tells it.
    before = new Set(runIds());
    const b = cli('--name', 'cli-sigkill', long);
    const { id: idB } = await newRun(before, b);
    await waitFor('loss in the tree', 30_000, async () => ((await runNode(idB))?.run.metrics.some((m) => m.key === 'loss') ? true : undefined));
    const { childPid, pid: keeperPid } = readRun(idB);
    assert.ok(childPid, "run.json names the script's process");
    assert.ok(keeperPid && keeperPid !== b.child.pid, "run.json names the run keeper's process");
    scripts.push(childPid);
    const tB = performance.now();
    b.child.kill('SIGKILL');
    process.kill(keeperPid, 'SIGKILL');
    process.kill(-childPid, 'SIGKILL');
    await inTreeWith(idB, 'killed', 15_000);
    console.log(`    kill -9 of \`lineage run\` and its script → killed in the tree: ${ms(performance.now() - tB)}`);
    assert.equal(readRun(idB).status, 'running', 'run.json was left saying running: the index found it dead');
  });

  it('a run folder deleted outside the window leaves the tree', async () => {
    assert.ok(firstId && (await runNode(firstId)), 'the first CLI run is listed');
    const t = performance.now();
    fs.rmSync(path.join(runsDir, firstId), { recursive: true, force: true });
    await waitFor(`run ${firstId} gone from the tree`, 5000, async () => ((await runNode(firstId!)) ? undefined : true), 20);
    console.log(`    deleted run folder → gone from the tree: ${ms(performance.now() - t)}`);
  });
});
