import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { declaredArgs } from '../lenses/scriptArgs';
import { defaultParallel } from '../../core/sweep/runner';
import { parseGrid, parseRandom } from '../../core/sweep/space';
import { metricDirection } from '../../core/runs/metricDirection';
import type { SweepArgs } from './sweepArgs';

const STRATEGIES = [
  { label: 'Grid', description: 'every combination of the values you list', id: 'grid' as const },
  { label: 'Random samples', description: 'N draws from ranges (50..400, 1e-4..1e-1:log) or lists', id: 'random' as const },
  { label: 'Optuna TPE', description: "Optuna's sampler picks each next point from the results so far (python3-optuna)", id: 'optuna' as const },
];

function check(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function whole(text: string, min = 1): string | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n >= min ? undefined : `a whole number of at least ${min}`;
}

/**
 * The Run Sweep pickers: the script's argparse options (scriptArgs.ts), their values, the sampler, how many
 * at once and the objective (metric names its earlier runs logged). Undefined when the user cancels.
 */
export async function pickSweepArgs(lineage: Lineage, doc: vscode.TextDocument, folder: string): Promise<SweepArgs | undefined> {
  const script = path.basename(doc.uri.fsPath);
  const declared = declaredArgs(doc.getText());
  if (declared.length === 0) {
    void vscode.window.showErrorMessage(`Lineage: ${script} declares no argparse options (parser.add_argument("--lr", …)), so there is nothing to sweep.`);
    return undefined;
  }
  const strategy = await vscode.window.showQuickPick(STRATEGIES, { title: `Lineage: sweep ${script} (1/5) — how to choose the values` });
  if (!strategy) return undefined;
  const options = await vscode.window.showQuickPick(
    declared.map((d) => ({ label: d.flag, description: d.defaultText !== undefined ? `default ${d.defaultText}` : undefined, d })),
    { title: `Lineage: sweep ${script} (2/5) — options to sweep`, canPickMany: true },
  );
  if (!options?.length) return undefined;
  const grid: Record<string, string> = {};
  const random: Record<string, string> = {};
  for (const { d } of options) {
    const name = d.flag.replace(/^-+/, '');
    const isGrid = strategy.id === 'grid';
    const value = await vscode.window.showInputBox({
      title: `Lineage: sweep ${script} (3/5) — values of ${d.flag}`,
      prompt: isGrid ? 'Values separated by commas, e.g. 0.01,0.1,1' : 'A range low..high (add :log for log-uniform floats) or values separated by commas',
      value: isGrid ? (d.defaultText ?? '') : '',
      validateInput: (t) => check(() => (isGrid ? parseGrid(`${name}=${t}`) : parseRandom(`${name}=${t}`))),
    });
    if (value === undefined) return undefined;
    (isGrid ? grid : random)[name] = value;
  }
  let samples: number | undefined;
  if (strategy.id !== 'grid') {
    const text = await vscode.window.showInputBox({
      title: `Lineage: sweep ${script} (4/5) — ${strategy.id === 'optuna' ? 'number of trials' : 'number of random draws'}`,
      value: strategy.id === 'optuna' ? '20' : '10',
      validateInput: (t) => whole(t),
    });
    if (text === undefined) return undefined;
    samples = Number(text);
  }
  const parallelText = await vscode.window.showInputBox({
    title: `Lineage: sweep ${script} (4/5) — runs at once`,
    prompt: 'Default: the number of cores minus one',
    value: String(defaultParallel()),
    validateInput: (t) => whole(t),
  });
  if (parallelText === undefined) return undefined;
  const objective = await pickObjective(lineage, doc, folder, script);
  if (!objective) return undefined;
  return {
    script: doc.uri.fsPath,
    ...(Object.keys(grid).length ? { grid } : {}),
    ...(Object.keys(random).length ? { random } : {}),
    ...(strategy.id === 'optuna' ? { optuna: true, trials: samples } : { samples }),
    parallel: Number(parallelText),
    objective,
  };
}

async function pickObjective(lineage: Lineage, doc: vscode.TextDocument, folder: string, script: string): Promise<string | undefined> {
  let names: string[] = [];
  if (lineage.hasLineage(folder)) {
    const ws = await lineage.workspace(folder);
    const { metricNamesOf } = await import('../../core/sweep/objective');
    names = metricNamesOf(ws.store, path.basename(doc.uri.fsPath));
  }
  const OTHER = 'Another metric…';
  const pick = await vscode.window.showQuickPick(
    [...names.map((n) => ({ label: n, description: 'logged by earlier runs' })), { label: OTHER, description: '' }],
    {
      title: `Lineage: sweep ${script} (5/5) — the metric that ranks the runs (its final value)`,
    },
  );
  if (!pick) return undefined;
  let metric = pick.label;
  if (metric === OTHER) {
    const typed = await vscode.window.showInputBox({
      title: 'Lineage: objective metric',
      prompt: 'The name the script logs, e.g. val_rmse',
      validateInput: (t) => (t.trim() ? undefined : 'a metric name'),
    });
    if (!typed) return undefined;
    metric = typed.trim();
  }
  const guess = metricDirection(metric) ?? 'min';
  const dirs = [
    { label: 'Lower is better', id: 'min' },
    { label: 'Higher is better', id: 'max' },
  ].sort((a) => (a.id === guess ? -1 : 1));
  const dir = await vscode.window.showQuickPick(dirs, { title: `Lineage: is a lower or a higher ${metric} better?` });
  return dir ? `${metric}:${dir.id}` : undefined;
}
