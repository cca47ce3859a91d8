import { getRun, resolveRun } from '../../core/runs/queries';
import { compareRuns } from '../../core/runs/compareRuns';
import { parseArgs, UsageError } from '../args';
import { color, safe, table } from '../format';
import { formatNumber } from '../../core/util/format';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { jsonNumber } from './ls';
import { paramText } from '../../core/events/paramValue';

export const COMPARE_HELP = `lineage compare <run> <run>… [--only-diff] [--json]

Params and final metrics side by side. Rows that differ are marked with *; for metrics the best value of
each row is marked with ▲ (highest) or ▼ (lowest) when the name says which way is better (loss, error,
rmse, mae … lower; accuracy, r2, auc, f1 … higher) — on every run that ties for it.`;

export async function compareCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { 'only-diff': 'bool', json: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(COMPARE_HELP), 0);
  if (a.positional.length < 2) throw new UsageError('give at least two runs: lineage compare <run> <run>…');
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  // The same run named twice (by id, prefix or name) is one column: 50,000 repeats must not cost 50,000 reads.
  const ids = [...new Set([...new Set(a.positional)].map((ref) => resolveRun(ws.store, ref)))];
  if (ids.length < 2) {
    ws.close();
    throw new UsageError(`every argument names the same run (${ids[0]}); give at least two different runs`);
  }
  const runs = ids.map((id) => getRun(ws.store, id));
  await saveQuietly(ws);
  ws.close();
  const cmp = compareRuns(runs);
  if (a.flags.json) {
    process.stdout.write(
      JSON.stringify(
        {
          runs: runs.map((r) => ({ id: r.id, name: r.name })),
          params: cmp.params,
          metrics: cmp.metrics.map((m) => ({ ...m, values: m.values.map(jsonNumber) })),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const onlyDiff = !!a.flags['only-diff'];
  const header = ['', ...runs.map((r) => safe(r.name))];
  const rows: string[][] = [];
  rows.push([color.dim('id'), ...runs.map((r) => color.dim(r.id))]);
  rows.push([color.dim('status'), ...runs.map((r) => r.status)]);
  rows.push([color.bold('params'), ...runs.map(() => '')]);
  for (const p of cmp.params) {
    if (onlyDiff && !p.differs) continue;
    rows.push([`${p.differs ? color.yellow('*') : ' '} ${safe(p.key)}`, ...p.values.map((v) => (v === undefined ? color.dim('—') : safe(paramText(v))))]);
  }
  rows.push([color.bold('metrics (last)'), ...runs.map(() => '')]);
  for (const m of cmp.metrics) {
    if (onlyDiff && !m.differs) continue;
    rows.push([
      `${m.differs ? color.yellow('*') : ' '} ${safe(m.key)}`,
      ...m.values.map((v, i) => (v === null ? color.dim('—') : formatNumber(v) + (m.best.includes(i) ? (m.direction === 'min' ? ' ▼' : ' ▲') : ''))),
    ]);
  }
  console.log(table(header, rows));
  return 0;
}
