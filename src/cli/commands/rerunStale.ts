import * as fs from 'node:fs';
import * as path from 'node:path';
import { rerunPlanFor } from '../../core/graph/lineageGraph';
import type { RerunStep } from '../../core/graph/plan';
import { GraphTargetError } from '../../core/graph/target';
import { SECRET_MASK } from '../../core/launcher/secrets';
import { RunNotFoundError } from '../../core/runs/queries';
import { noMoreThan, parseArgs, UsageError } from '../args';
import { openWorkspace, workspaceDirFrom } from '../context';
import { CliError } from '../errors';
import { color, safe } from '../format';
import { runCommand } from './run';

export const RERUN_STALE_HELP = `lineage rerun-stale <run|path|model> [--dry-run]

Re-runs, in order, the stale steps upstream of the target: each step is the run's recorded command, run
again in its folder like \`lineage run\` (same command line, so the same params) and recorded as a new run.
A step is stale when a file it read holds other content now, or when a step before it is stale. A stale
step whose command was re-run since and is up to date is not run again. The plan is printed first; the
first step that fails stops the rest.

Options:
  --dry-run         print the plan only
  --workspace DIR   the folder holding .lineage

Exit code: 0 when every step finished (or nothing was stale); else the failed step's own exit code.`;

interface Step extends RerunStep {
  command: string[];
  cwd: string;
  experiment: string;
}

export async function rerunStaleCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { 'dry-run': 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) {
    console.log(RERUN_STALE_HELP);
    return 0;
  }
  if (a.positional.length === 0) throw new UsageError('give a run, a data file or a model: lineage rerun-stale train');
  noMoreThan(a.positional, 1, 'lineage rerun-stale takes one target');
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  const workspace = ws.paths.workspace;
  let steps: Step[];
  try {
    let planned;
    try {
      planned = await rerunPlanFor(ws.store, workspace, a.positional[0]);
    } catch (err) {
      if (err instanceof GraphTargetError || err instanceof RunNotFoundError) throw new CliError(safe(err.message));
      throw err;
    }
    const { plan, index, notes } = planned;
    for (const n of notes) process.stderr.write(color.dim(`lineage: ${safe(n)}`) + '\n');
    for (const s of plan.superseded)
      console.log(color.dim(`Already re-run: ${safe(s.name)} (${s.runId}) as ${safe(s.by.runName)} (${s.by.runId}), which is up to date.`));
    steps = plan.steps.map((s) => {
      const r = index.runs.get(s.runId)!;
      let command: unknown;
      try {
        command = JSON.parse(r.command ?? '[]');
      } catch {
        command = [];
      }
      const cwd = r.cwd && fs.existsSync(r.cwd) ? r.cwd : workspace;
      return { ...s, command: Array.isArray(command) ? command.map(String) : [], cwd, experiment: r.experiment };
    });
    if (steps.length === 0) {
      console.log(color.green('Nothing to re-run: every step upstream of the target is up to date.'));
      return 0;
    }
    console.log(color.bold(`Plan: ${steps.length} stale step${steps.length === 1 ? '' : 's'}, in order:`));
    steps.forEach((s, i) => {
      console.log(`  ${i + 1}. ${safe(s.name)} (${s.runId}): ${safe(s.command.join(' '))}`);
      console.log(color.dim(`     in ${safe(s.cwd)}; stale because ${safe(s.reasons.join('; '))}`));
    });
    // Checked before anything starts: a half-run pipeline is worse than none.
    for (const s of steps) {
      if (s.command.length === 0)
        throw new CliError(`run ${safe(s.name)} (${s.runId}) has no recorded command, so it cannot be re-run; run that step yourself with lineage run.`);
      if (s.command.some((w) => w.includes(SECRET_MASK)))
        throw new CliError(
          `run ${safe(s.name)} (${s.runId}) was recorded with a secret argument masked (${SECRET_MASK}), so its command cannot be re-run as recorded; run that step yourself with lineage run, then rerun-stale again.`,
        );
    }
  } finally {
    ws.close();
  }
  if (a.flags['dry-run']) {
    console.log(color.dim('Dry run: nothing was started.'));
    return 0;
  }
  const runsDir = path.join(workspace, '.lineage', 'runs');
  const made: string[] = [];
  for (const [i, s] of steps.entries()) {
    console.log(color.bold(`[${i + 1}/${steps.length}] re-running ${safe(s.name)}`));
    const before = new Set(fs.readdirSync(runsDir));
    const home = process.cwd();
    let code: number;
    try {
      // The same path as `lineage run`: it records the new run from its folder, like a run typed by hand.
      process.chdir(s.cwd);
      code = await runCommand(['--workspace', workspace, '--experiment', s.experiment, '--', ...s.command]);
    } finally {
      process.chdir(home);
    }
    const newId = fs.readdirSync(runsDir).find((d) => !before.has(d));
    if (newId) made.push(`${safe(s.name)} → ${newId}`);
    if (code !== 0) {
      const left = steps.slice(i + 1).map((x) => safe(x.name));
      process.stderr.write(
        color.red(
          `lineage: step ${i + 1} of ${steps.length}, ${safe(s.name)}, failed (exit code ${code}${newId ? `; recorded as run ${newId}` : ''}).` +
            (left.length ? ` Not run: ${left.join(', ')}.` : '') +
            ` Fix it, then run lineage rerun-stale ${safe(a.positional[0])} again.`,
        ) + '\n',
      );
      return code;
    }
  }
  console.log(color.green(`Re-ran ${steps.length} step${steps.length === 1 ? '' : 's'}: ${made.join(', ')}.`));
  return 0;
}
