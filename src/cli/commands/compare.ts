import { getRun, RunDetail } from '../../core/runs/queries';
import { parseArgs, UsageError } from '../args';
import { color, safe, table } from '../format';
import { formatNumber } from '../../core/util/format';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { jsonNumber } from './ls';

export const COMPARE_HELP = `lineage compare <run> <run>… [--only-diff] [--json]

Params and final metrics side by side. Rows that differ are marked with *; for metrics the best value of
each row is marked with ▲ (highest) or ▼ (lowest) when the name says which way is better (loss, error,
rmse, mae … lower; accuracy, r2, auc, f1 … higher).`;

const LOWER_BETTER = /(loss|err|error|rmse|mse|mae|mape|perplexity)/i;
const HIGHER_BETTER = /(acc|accuracy|r2|auc|f1|precision|recall|score)/i;

export async function compareCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { 'only-diff': 'bool', json: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return void console.log(COMPARE_HELP), 0;
  if (a.positional.length < 2) throw new UsageError('give at least two runs: lineage compare <run> <run>…');
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace));
  const runs = a.positional.map((ref) => getRun(ws.store, ref));
  await saveQuietly(ws);
  ws.close();
  const cmp = compareRuns(runs);
  if (a.flags.json) {
    process.stdout.write(JSON.stringify({
      runs: runs.map((r) => ({ id: r.id, name: r.name })),
      params: cmp.params,
      metrics: cmp.metrics.map((m) => ({ ...m, values: m.values.map(jsonNumber) })),
    }, null, 2) + '\n');
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
    rows.push([`${p.differs ? color.yellow('*') : ' '} ${safe(p.key)}`, ...p.values.map((v) => (v === undefined ? color.dim('—') : safe(String(v))))]);
  }
  rows.push([color.bold('metrics (last)'), ...runs.map(() => '')]);
  for (const m of cmp.metrics) {
    if (onlyDiff && !m.differs) continue;
    rows.push([
      `${m.differs ? color.yellow('*') : ' '} ${safe(m.key)}`,
      ...m.values.map((v, i) => (v === null ? color.dim('—') : formatNumber(v) + (m.best === i ? (m.direction === 'min' ? ' ▼' : ' ▲') : ''))),
    ]);
  }
  console.log(table(header, rows));
  return 0;
}

export interface Comparison {
  params: Array<{ key: string; values: Array<string | number | null | undefined>; differs: boolean }>;
  metrics: Array<{ key: string; values: Array<number | null>; differs: boolean; best: number | null; direction: 'min' | 'max' | null }>;
}

export function compareRuns(runs: RunDetail[]): Comparison {
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const metricKeys = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.key)))].sort();
  const params = paramKeys.map((key) => {
    const values = runs.map((r) => (key in r.params ? r.params[key] : undefined));
    return { key, values, differs: new Set(values.map((v) => JSON.stringify(v ?? null))).size > 1 };
  });
  const metrics = metricKeys.map((key) => {
    const values = runs.map((r) => r.metrics.find((m) => m.key === key)?.last ?? null);
    const direction: 'min' | 'max' | null = LOWER_BETTER.test(key) ? 'min' : HIGHER_BETTER.test(key) ? 'max' : null;
    let best: number | null = null;
    if (direction) {
      values.forEach((v, i) => {
        if (v === null || Number.isNaN(v)) return;
        if (best === null || (direction === 'min' ? v < values[best]! : v > values[best]!)) best = i;
      });
    }
    return { key, values, differs: new Set(values.map((v) => String(v))).size > 1, best, direction };
  });
  return { params, metrics };
}
