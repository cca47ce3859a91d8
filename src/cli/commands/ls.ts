import { listRuns, type RunSummary } from '../../core/runs/queries';
import { childCounts, parentLinks } from '../../core/runs/childRuns';
import { keyMetrics } from '../../core/runs/keyMetrics';
import { isRunStatus } from '../../core/runs/runRecord';
import { noMoreThan, parseArgs, UsageError } from '../args';
import { NoWorkspaceError } from '../../core/workspace';
import { color, safe, table, when } from '../format';
import { formatNumber, formatDuration } from '../../core/util/format';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';

export const LS_HELP = `lineage ls [--experiment E] [--status S] [--limit N] [--children] [--json]

Lists runs, newest first, with their status, duration and key metrics. Child runs (a grid search's
candidates, recorded by framework autolog) are counted on their parent's line; --children lists them
indented under it. --json gives each run's parentRunId and children count.`;

export async function lsCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, {
    experiment: 'string',
    status: 'string',
    limit: 'string',
    children: 'bool',
    json: 'bool',
    workspace: 'string',
    help: 'bool',
  });
  if (a.flags.help) return (void console.log(LS_HELP), 0);
  const status = a.flags.status as string | undefined;
  if (status !== undefined && !isRunStatus(status)) throw new UsageError(`--status must be running, finished, failed or killed, not "${status}"`);
  noMoreThan(a.positional, 0, 'lineage ls takes options only');
  const limit = a.flags.limit === undefined ? (a.flags.json ? -1 : 50) : Number(a.flags.limit);
  if (a.flags.limit !== undefined && !(Number.isInteger(limit) && limit >= 1))
    throw new UsageError(`--limit needs a whole number of runs, 1 or more (got "${a.flags.limit}")`);
  let ws;
  try {
    ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  } catch (err) {
    if (!(err instanceof NoWorkspaceError)) throw err;
    // Nothing recorded here is an answer, not a failure: an empty list, and where runs would be.
    if (a.flags.json) process.stdout.write('[]\n');
    else console.log(safe(err.message));
    return 0;
  }
  const links = parentLinks(ws.store);
  const filters = { experiment: a.flags.experiment as string | undefined, status };
  // Without child runs the page is read as one query; with them, children are left out of the count.
  const listed = links.size === 0 ? listRuns(ws.store, { ...filters, limit: limit < 0 ? -1 : limit + 1 }) : listRuns(ws.store, filters);
  const runs = listed.filter((r) => !links.has(r.id)).slice(0, limit < 0 ? undefined : limit + 1);
  const more = limit >= 0 && runs.length > limit;
  if (more) runs.pop();
  const counts = childCounts(links);
  const children = new Map<string, RunSummary[]>();
  for (const r of [...listed].reverse()) {
    const parent = links.get(r.id);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), r]);
  }
  const withChildren = (list: RunSummary[]) => (a.flags.children ? list.flatMap((r) => [r, ...(children.get(r.id) ?? [])]) : list);
  await saveQuietly(ws);
  ws.close();
  if (a.flags.json) {
    const json = withChildren(runs).map((r) => ({ ...jsonRun(r), parentRunId: links.get(r.id) ?? null, children: counts.get(r.id) ?? 0 }));
    process.stdout.write(JSON.stringify(json, null, 2) + '\n');
    return 0;
  }
  if (runs.length === 0) {
    console.log('No runs yet. Record one with: lineage run train.py');
    return 0;
  }
  const statusText = (s: string) => (s === 'finished' ? color.green(s) : s === 'running' ? color.yellow(s) : color.red(s));
  const nameText = (r: RunSummary) => {
    if (links.has(r.id)) return `  └ ${safe(r.name)}`;
    const n = counts.get(r.id);
    return n ? `${safe(r.name)} ${color.dim(`(+${n} child run${n === 1 ? '' : 's'})`)}` : safe(r.name);
  };
  console.log(
    table(
      ['ID', 'NAME', 'EXPERIMENT', 'STATUS', 'STARTED', 'DURATION', 'KEY METRICS'],
      withChildren(runs).map((r) => [
        r.id,
        nameText(r),
        safe(r.experiment),
        statusText(r.status),
        when(r.startedAt),
        formatDuration(r.durationMs),
        keyMetrics(r.metrics)
          .map((m) => `${safe(m.key)}=${formatNumber(m.last)}`)
          .join(' '),
      ]),
    ),
  );
  if (!a.flags.children && counts.size) console.log(color.dim('Child runs are counted on their parent; list them with --children.'));
  if (more) console.log(color.dim(`… more runs: use --limit ${limit * 2} or --json for all`));
  return 0;
}

/** JSON has no NaN or Infinity: they are written as the same strings the events format uses. */
export function jsonNumber(v: number | null): number | string | null {
  return v === null ? null : Number.isFinite(v) ? v : String(v);
}

function jsonRun(r: ReturnType<typeof listRuns>[number]) {
  return {
    ...r,
    metrics: Object.fromEntries(
      r.metrics.map((m) => [m.key, { last: jsonNumber(m.last), min: jsonNumber(m.min), max: jsonNumber(m.max), count: m.count, lastStep: m.lastStep }]),
    ),
  };
}
