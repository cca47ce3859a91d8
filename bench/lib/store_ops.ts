/**
 * The in-process half of bench/store_scale.mjs: what the extension's store does while a run is live, timed
 * inside one process. bench/store_scale.mjs bundles this one file against each design's own src/core (the
 * baseline worktree's and the working tree's), so both are measured by the same code; it uses only APIs that
 * both designs have (LineageWorkspace.open, syncRuns, store.save, store.scheduleSave).
 *
 *   node store_ops.js append <workspace> [reps=5] [lines=20] [exportReps=3]
 *   node store_ops.js live <workspace> [seconds=20] [lines=50] [intervalMs=100] [saveDelayMs=2000]
 *
 * append: opens the workspace, adds a running run, then `reps` times: appends `lines` metric lines to its
 *   events.jsonl, syncRuns(store, { only: [id] }) and times store.save(). Then times db.export() alone where
 *   the store still has an sql.js `db` (the part of a save that blocks the thread).
 * live: the extension during a live run: a timer appends `lines` metric lines every `intervalMs` for
 *   `seconds`; after each change the run is synced (one sync at a time, like the extension's queue) and
 *   store.scheduleSave(saveDelayMs) is called. The event loop's blocks are measured with
 *   perf_hooks.monitorEventLoopDelay (1 ms resolution) and a 1 ms interval's gaps.
 *
 * Prints one JSON object as its last line (peak RSS from process.resourceUsage() included).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LineageWorkspace } from '../../src/core/workspace';
import { syncRuns } from '../../src/core/ingest/syncRuns';

const now = () => performance.now();
const r2 = (x: number) => Math.round(x * 100) / 100;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
}

function opt(args: string[], name: string, dflt: number): number {
  const a = args.find((x) => x.startsWith(`${name}=`));
  if (!a) return dflt;
  const n = Number(a.slice(name.length + 1));
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number`);
  return n;
}

/** The same sql.js handle both designs' Store exposes today, if the store still has one. */
interface MaybeSqlStore {
  db?: { export?: () => Uint8Array };
  dropStatements?: () => void;
}

interface LiveRun {
  id: string;
  events: string;
  step: number;
  ts: number;
}

/** A running run as the launcher would leave it: run.json with this process as its live pid, a header and a param. */
function startRun(ws: LineageWorkspace, name: string): LiveRun {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  const rand = Math.floor(Math.random() * 0xffffff)
    .toString(16)
    .padStart(6, '0');
  const id = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}-${rand}`;
  const dir = path.join(ws.paths.runs, id);
  fs.mkdirSync(dir);
  const record = {
    schema: 1,
    id,
    name,
    experiment: 'live',
    status: 'running',
    startedAt: d.toISOString(),
    command: [],
    cwd: ws.paths.workspace,
    createdBy: 'bench',
    host: os.hostname(),
    pid: process.pid,
  };
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
  const events = path.join(dir, 'events.jsonl');
  fs.writeFileSync(
    events,
    JSON.stringify({ type: 'header', schema: 1, writer: 'lineage-python/0.1' }) + '\n' + JSON.stringify({ type: 'param', key: 'lr', value: 0.01 }) + '\n',
  );
  return { id, events, step: 0, ts: d.getTime() / 1000 };
}

function appendMetrics(run: LiveRun, lines: number): void {
  let text = '';
  for (let i = 0; i < lines; i++) {
    run.ts += 0.1;
    text += `{"type":"metric","key":"loss","value":${2 * Math.exp(-run.step / 1000) + 0.01 * Math.random()},"step":${run.step},"ts":${Math.round(run.ts * 1000) / 1000}}\n`;
    run.step++;
  }
  fs.appendFileSync(run.events, text);
}

function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

async function appendMode(workspace: string, args: string[]): Promise<Record<string, unknown>> {
  const reps = opt(args, 'reps', 5);
  const lines = opt(args, 'lines', 20);
  const exportReps = opt(args, 'exportReps', 3);
  let t = now();
  const ws = await LineageWorkspace.open(workspace);
  const openMs = now() - t;
  const rssAfterOpen = process.memoryUsage().rss;
  const store = ws.store;
  const run = startRun(ws, 'store-ops-append');
  // The new folder, and whatever the open left to save: untimed, so each rep below is one live append.
  await syncRuns(store, { only: [run.id] });
  t = now();
  await store.save();
  const firstSaveMs = now() - t;
  const syncMs: number[] = [];
  const saveMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    appendMetrics(run, lines);
    t = now();
    const report = await syncRuns(store, { only: [run.id] });
    syncMs.push(now() - t);
    if (!report.changed.length) throw new Error('the append was not seen by syncRuns');
    t = now();
    await store.save();
    saveMs.push(now() - t);
  }
  // db.export() alone, where there is one: the synchronous part of today's save.
  const sql = store as unknown as MaybeSqlStore;
  const exportMs: number[] = [];
  let exportBytes: number | null = null;
  if (sql.db && typeof sql.db.export === 'function') {
    for (let i = 0; i < exportReps; i++) {
      sql.dropStatements?.(); // export frees every statement; the store's cache must not keep freed ones
      t = now();
      exportBytes = sql.db.export().byteLength;
      exportMs.push(now() - t);
    }
  }
  const peak = peakRssBytes();
  ws.close();
  return {
    mode: 'append',
    open_ms: r2(openMs),
    rss_after_open_bytes: rssAfterOpen,
    first_save_ms: r2(firstSaveMs),
    save_ms: r2(median(saveMs)),
    save_samples_ms: saveMs.map(r2),
    sync_ms: r2(median(syncMs)),
    export_ms: exportMs.length ? r2(median(exportMs)) : null,
    export_samples_ms: exportMs.map(r2),
    export_bytes: exportBytes,
    reps,
    lines_per_append: lines,
    peak_rss_bytes: peak,
  };
}

async function liveMode(workspace: string, args: string[]): Promise<Record<string, unknown>> {
  const seconds = opt(args, 'seconds', 20);
  const lines = opt(args, 'lines', 50);
  const intervalMs = opt(args, 'intervalMs', 100);
  const saveDelayMs = opt(args, 'saveDelayMs', 2000);
  let t = now();
  const ws = await LineageWorkspace.open(workspace);
  const openMs = now() - t;
  const store = ws.store;
  const run = startRun(ws, 'store-ops-live');
  await syncRuns(store, { only: [run.id] });
  await store.save();

  // Every save's wall time (scheduleSave calls this.save(), so the instance property is what it runs).
  const saves: number[] = [];
  const origSave = store.save.bind(store);
  store.save = async () => {
    const s0 = now();
    try {
      await origSave();
    } finally {
      saves.push(now() - s0);
    }
  };

  // One sync at a time, as the extension's per-folder queue does; a change during a sync asks for one more.
  const syncs: number[] = [];
  let syncing: Promise<void> | undefined;
  let again = false;
  const requestSync = () => {
    if (syncing) {
      again = true;
      return;
    }
    syncing = (async () => {
      do {
        again = false;
        await new Promise((r) => setImmediate(r));
        const s0 = now();
        const report = await syncRuns(store, { only: [run.id] });
        syncs.push(now() - s0);
        if (report.changed.length) store.scheduleSave(saveDelayMs);
      } while (again);
    })().finally(() => {
      syncing = undefined;
    });
  };

  const h = monitorEventLoopDelay({ resolution: 1 });
  const gaps: number[] = [];
  let last = now();
  const gapTimer = setInterval(() => {
    const x = now();
    gaps.push(x - last);
    last = x;
  }, 1);
  h.enable();
  const t0 = now();
  let appends = 0;
  await new Promise<void>((resolve) => {
    const appender = setInterval(() => {
      if (now() - t0 >= seconds * 1000) {
        clearInterval(appender);
        resolve();
        return;
      }
      appendMetrics(run, lines);
      appends++;
      requestSync();
    }, intervalMs);
  });
  while (syncing) await syncing;
  h.disable();
  clearInterval(gapTimer);
  const liveMs = now() - t0;
  store.save = origSave;
  t = now();
  await store.save();
  const finalSaveMs = now() - t;
  let pointsIndexed: number | null = null;
  try {
    pointsIndexed = store.get<{ n: number }>('SELECT count AS n FROM metric_summaries WHERE run_id = ?', [run.id])?.n ?? null;
  } catch {
    /* a design without that table: the figure is only a check */
  }
  const peak = peakRssBytes();
  ws.close();
  return {
    mode: 'live',
    open_ms: r2(openMs),
    seconds: r2(liveMs / 1000),
    appends,
    points_appended: appends * lines,
    points_indexed: pointsIndexed,
    loop_delay_max_ms: r2(h.max / 1e6),
    loop_delay_p99_ms: r2(h.percentile(99) / 1e6),
    loop_delay_mean_ms: r2(h.mean / 1e6),
    gap_max_ms: r2(Math.max(...gaps)),
    gap_p99_ms: r2(quantile(gaps, 0.99)),
    saves: saves.length,
    save_max_ms: saves.length ? r2(Math.max(...saves)) : null,
    save_median_ms: saves.length ? r2(median(saves)) : null,
    syncs: syncs.length,
    sync_max_ms: syncs.length ? r2(Math.max(...syncs)) : null,
    sync_median_ms: syncs.length ? r2(median(syncs)) : null,
    final_save_ms: r2(finalSaveMs),
    peak_rss_bytes: peak,
  };
}

async function main(): Promise<void> {
  const [mode, workspace, ...rest] = process.argv.slice(2);
  if (!workspace || (mode !== 'append' && mode !== 'live')) {
    console.log('usage: node store_ops.js append|live <workspace> [name=value…] (a helper of bench/store_scale.mjs)');
    return;
  }
  const out = mode === 'append' ? await appendMode(workspace, rest) : await liveMode(workspace, rest);
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
