import * as fs from 'node:fs';
import * as path from 'node:path';
import { driftFormatOf } from '../../core/drift/readTable';
import {
  addMonitor,
  checkMonitor,
  describeResult,
  failOnHolds,
  findMonitor,
  listBatches,
  MonitorError,
  readMonitors,
  removeMonitor,
  storedResults,
  type BatchResult,
  type Monitor,
} from '../../core/drift/monitors';
import { getRun } from '../../core/runs/queries';
import { relativeTime } from '../../core/util/format';
import { lineagePaths } from '../../core/util/lineagePaths';
import { noMoreThan, parseArgs, UsageError } from '../args';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { CliError } from '../errors';
import { memoryBudgetArg } from './drift';
import { color, safe } from '../format';

export const MONITOR_HELP = `lineage monitor add <name> (--run <run> | --reference FILE) --batches GLOB [--prediction COL] [--actual COL]
lineage monitor ls [--json]
lineage monitor check [name] [--json] [--fail-on drift|schema|any] [--memory-budget SIZE]
lineage monitor rm <name>

A monitor compares every batch of live rows matching GLOB (workspace-relative; * and ? within a name,
** for any folders; CSV, TSV, JSON Lines, .gz) with a reference: the training data a run recorded, or a
file. Monitors are kept in .lineage/monitors.json; each batch's result in .lineage/cache/monitors, so
\`check\` evaluates only batches that are new or changed (by sha256). The Lineage view in VS Code shows
the same monitors and picks up new batches as they appear. See docs/drift.md.

Options:
  --run RUN              the model's run (id, unique id prefix or name): its training data is the reference
  --reference FILE       or any table file as the reference
  --reference-file FILE  which of the run's tables is the training data, when it read several
  --batches GLOB         the batch files, e.g. 'monitoring/batches/*.jsonl' (quote it for the shell)
  --prediction COL       the model's prediction column;  --actual COL  the actual outcome column
  --fail-on WHAT         check: exit 3 when the newest batch of a monitor has drift (dataset drift),
                         schema (a schema change) or any (a drifted column or a schema change)
  --memory-budget SIZE   check: memory for the values read (e.g. 512M, 2G; default 256M, or
                         LINEAGE_DRIFT_MEMORY_BUDGET); past it, columns go to temporary files, same results
  --json                 machine-readable output

Exit codes: 0 ok, 3 the --fail-on condition held, 1 an error (a batch or reference that cannot be read),
2 a usage error.`;

export async function monitorCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') return (void console.log(MONITOR_HELP), sub ? 0 : 2);
  if (sub === 'add') return add(rest);
  if (sub === 'ls') return ls(rest);
  if (sub === 'check') return check(rest);
  if (sub === 'rm') return rm(rest);
  throw new UsageError(`unknown subcommand "${sub}": use add, ls, check or rm`);
}

function monitorError<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof MonitorError) throw new CliError(err.message);
    throw err;
  }
}

async function add(argv: string[]): Promise<number> {
  const a = parseArgs(argv, {
    run: 'string',
    reference: 'string',
    'reference-file': 'string',
    batches: 'string',
    prediction: 'string',
    actual: 'string',
    workspace: 'string',
    help: 'bool',
  });
  if (a.flags.help) return (void console.log(MONITOR_HELP), 0);
  const str = (k: string) => (typeof a.flags[k] === 'string' ? a.flags[k] : undefined);
  noMoreThan(a.positional, 1, 'lineage monitor add takes one name');
  const name = a.positional[0];
  if (!name) throw new UsageError('give the monitor a name: lineage monitor add <name> --run <run> --batches GLOB');
  const batches = str('batches');
  if (!batches) throw new UsageError("--batches GLOB is required, e.g. --batches 'monitoring/batches/*.jsonl'");
  if ((str('run') === undefined) === (str('reference') === undefined)) throw new UsageError('give one of --run <run> and --reference FILE');
  if (str('reference-file') !== undefined && str('run') === undefined) throw new UsageError("--reference-file picks one of a run's tables; it needs --run");
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: str('run') === undefined });
  try {
    const rel = (p: string) => path.relative(ws.paths.workspace, path.resolve(p)).split(path.sep).join('/');
    const def: Omit<Monitor, 'id'> = { name, batches: batches.replace(/^\.\//, '') };
    let what: string;
    if (str('run') !== undefined) {
      const run = getRun(ws.store, str('run')!);
      def.run = run.id;
      if (str('reference-file') !== undefined) def.referenceFile = rel(str('reference-file')!);
      what = `run ${safe(run.name)} (${run.id})`;
    } else {
      const file = str('reference')!;
      if (!fs.existsSync(file) || driftFormatOf(file) === undefined)
        throw new CliError(`--reference ${safe(file)}: give an existing CSV, TSV or JSON Lines file (.gz too).`);
      def.reference = rel(file);
      what = safe(def.reference);
    }
    if (str('prediction') !== undefined) def.prediction = str('prediction');
    if (str('actual') !== undefined) def.actual = str('actual');
    const m = monitorError(() => addMonitor(ws.paths.root, def));
    const n = listBatches(ws.paths.workspace, m.batches).length;
    console.log(`added monitor ${safe(m.name)} (${m.id}): ${safe(m.batches)} against ${what}; ${n} batch${n === 1 ? '' : 'es'} match now.`);
    console.log(`Check them with: lineage monitor check ${quote(m.name)}`);
    return 0;
  } finally {
    await saveQuietly(ws);
    ws.close();
  }
}

function quote(s: string): string {
  return /^[\w.-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function ls(argv: string[]): number {
  const a = parseArgs(argv, { json: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(MONITOR_HELP), 0);
  noMoreThan(a.positional, 0, 'lineage monitor ls takes no argument');
  const paths = lineagePaths(workspaceDirFrom(a.flags.workspace));
  const list = monitorError(() => readMonitors(paths.root));
  const rows = list.map((m) => ({ monitor: m, batches: storedResults(paths, m) }));
  if (a.flags.json) {
    const out = rows.map((r) => ({ ...r.monitor, batchCount: r.batches.length, newest: r.batches[0] ?? null }));
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return 0;
  }
  if (!list.length) {
    console.log("No monitors. Add one: lineage monitor add <name> --run <run> --batches 'monitoring/batches/*.jsonl'");
    return 0;
  }
  for (const r of rows) {
    const m = r.monitor;
    const newest = r.batches[0];
    const state = !newest ? color.dim('no batches yet') : newest.result ? statusText(newest.result) : color.dim('not checked yet');
    console.log(`${color.bold(safe(m.name))}  ${m.run ? `run ${m.run}` : safe(m.reference ?? '')}  ${safe(m.batches)}`);
    console.log(`  ${r.batches.length} batch${r.batches.length === 1 ? '' : 'es'}${newest ? `; newest ${safe(newest.file)}: ${state}` : `: ${state}`}`);
  }
  return 0;
}

function statusText(r: BatchResult): string {
  const text = safe(describeResult(r));
  return r.status === 'ok' ? color.green(text) : r.status === 'error' ? color.red(text) : color.yellow(text);
}

async function check(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { json: 'bool', 'fail-on': 'string', force: 'bool', 'memory-budget': 'string', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(MONITOR_HELP), 0);
  noMoreThan(a.positional, 1, 'lineage monitor check takes at most one monitor name');
  const failOn = typeof a.flags['fail-on'] === 'string' ? a.flags['fail-on'] : undefined;
  if (failOn !== undefined && failOn !== 'drift' && failOn !== 'schema' && failOn !== 'any')
    throw new UsageError(`--fail-on takes drift, schema or any, got "${failOn}"`);
  const memoryBudget = memoryBudgetArg(typeof a.flags['memory-budget'] === 'string' ? a.flags['memory-budget'] : undefined);
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  try {
    const list = monitorError(() => readMonitors(ws.paths.root));
    let chosen = list;
    if (a.positional[0] !== undefined) {
      const m = findMonitor(list, a.positional[0]);
      if (!m)
        throw new CliError(
          `no monitor "${safe(a.positional[0])}"${list.length ? `; there are ${list.map((x) => `"${safe(x.name)}"`).join(', ')}` : '; add one with lineage monitor add'}.`,
        );
      chosen = [m];
    }
    if (!chosen.length) throw new CliError("no monitors to check; add one: lineage monitor add <name> --run <run> --batches 'monitoring/batches/*.jsonl'");
    const warn = (msg: string) => process.stderr.write(color.yellow(`lineage: ${safe(msg)}`) + '\n');
    const checks = [];
    for (const m of chosen) checks.push(await checkMonitor(ws, m, { force: !!a.flags.force, warn, memoryBudget }));
    if (a.flags.json) process.stdout.write(JSON.stringify(checks, null, 2) + '\n');
    else
      for (const c of checks) {
        console.log(color.bold(safe(c.monitor.name)) + color.dim(`  ${safe(c.monitor.batches)}`));
        if (c.error) console.log(color.red(`  the reference cannot be loaded: ${safe(c.error)}`));
        if (!c.batches.length) console.log(color.dim('  no batch matches yet'));
        const fresh = new Set(c.evaluated);
        for (const b of c.batches)
          console.log(`  ${safe(b.file)}  ${statusText(b)}${fresh.has(b.file) ? color.dim(' (new)') : color.dim(` (checked ${relativeTime(b.checkedAt)})`)}`);
      }
    const newest = checks.map((c) => c.batches[0]).filter((b): b is BatchResult => !!b);
    if (failOn !== undefined && newest.some((b) => failOnHolds(b, failOn))) return 3;
    if (checks.some((c) => c.error) || newest.some((b) => b.status === 'error')) return 1;
    return 0;
  } finally {
    await saveQuietly(ws);
    ws.close();
  }
}

function rm(argv: string[]): number {
  const a = parseArgs(argv, { workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(MONITOR_HELP), 0);
  noMoreThan(a.positional, 1, 'lineage monitor rm takes one name');
  if (!a.positional[0]) throw new UsageError('give the name of the monitor to remove: lineage monitor rm <name>');
  const paths = lineagePaths(workspaceDirFrom(a.flags.workspace));
  const gone = monitorError(() => removeMonitor(paths.root, a.positional[0]));
  if (!gone) throw new CliError(`no monitor "${safe(a.positional[0])}"; lineage monitor ls lists them.`);
  console.log(`removed monitor ${safe(gone.name)} (${gone.id}) and its stored results.`);
  return 0;
}
