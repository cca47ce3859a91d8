import * as path from 'node:path';
import { parseArgs, UsageError } from '../args';
import { color, safe } from '../format';
import { openWorkspace, workspaceDirFrom } from '../context';

export const REPRODUCE_HELP = `lineage reproduce <run> [--python P] [--tolerance 1e-6] [--keep-worktree] [--json]

Runs <run> again from what it recorded and says whether it reproduced: its git commit checked out in a
temporary worktree with its uncommitted diff applied, its input data restored there from the kept copies
(.lineage/objects), the same command line, params and recorded environment variables, and the same
interpreter (or --python P; the package differences are listed before it starts). The new run is recorded
in this workspace with a link to the original; the report (code, data, environment, params, final metrics,
model file sha256) is printed and written to its folder as reproduction.json.

Options:
  --python P        interpreter to use instead of the run's
  --tolerance T     relative difference allowed in the final metrics (default 1e-6)
  --keep-worktree   leave the temporary checkout in place (its path is printed)
  --json            print the report as JSON on stdout (the script's output goes to stderr)
  --workspace DIR   the folder holding .lineage

Exit code: 0 reproduced (identical, or within the tolerance), 3 it differs, 1 it could not run (what stopped
it is said). Usable as a CI gate: \`lineage reproduce <run>\` fails the job when the model is not reproducible.`;

export async function reproduceCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { python: 'string', tolerance: 'string', 'keep-worktree': 'bool', json: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(REPRODUCE_HELP), 0);
  if (a.positional.length !== 1) throw new UsageError('give one run: lineage reproduce <run-id or name>');
  let tolerance: number | undefined;
  if (typeof a.flags.tolerance === 'string') {
    tolerance = Number(a.flags.tolerance);
    if (!Number.isFinite(tolerance) || tolerance < 0 || a.flags.tolerance.trim() === '')
      throw new UsageError(`--tolerance takes a relative difference such as 1e-6 or 0.01 (got "${a.flags.tolerance}")`);
  }
  const json = !!a.flags.json;
  const ws = await openWorkspace(path.resolve(workspaceDirFrom(a.flags.workspace)), { create: false });
  const [{ reproduceRun }, { reportMarkdown, verdictSentence, exitCodeOf }, { packageDifferenceText }] = await Promise.all([
    import('../../core/reproduce/reproduce'),
    import('../../core/reproduce/report'),
    import('../../core/reproduce/packages'),
  ]);
  const say = (s: string) => process.stderr.write(color.dim(`lineage: ${safe(s)}`) + '\n');
  // Ctrl-C stops the script's whole process tree; the worktree is still removed before this exits.
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  let report;
  try {
    report = await reproduceRun(ws, {
      run: a.positional[0],
      python: a.flags.python as string | undefined,
      tolerance,
      keepWorktree: !!a.flags['keep-worktree'],
      signal: abort.signal,
      createdBy: 'cli',
      onProgress: say,
      onPlan: (plan) => {
        say(`interpreter ${plan.interpreter}`);
        if (plan.packages.length) {
          process.stderr.write(color.yellow(`lineage: ${plan.packages.length} package(s) differ from the run's environment:`) + '\n');
          for (const p of plan.packages) process.stderr.write(color.yellow(`  ${safe(packageDifferenceText(p))}`) + '\n');
        } else say("packages: the same versions as the run's");
      },
      onStarted: (id) => say(`recording the reproduction as run ${id}`),
      // With --json, stdout is the report alone.
      onOutput: (text, stream) => (json || stream === 'stderr' ? process.stderr : process.stdout).write(text),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    ws.close();
  }
  if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    process.stdout.write('\n' + reportMarkdown(report).split('\n').map(safe).join('\n') + '\n');
    const line = `lineage: ${verdictSentence(report)}`;
    const paint = report.verdict === 'identical' || report.verdict === 'within tolerance' ? color.green : color.red;
    process.stderr.write(paint(safe(line)) + '\n');
    if (report.reproduction) process.stderr.write(color.dim(`lineage: report in .lineage/runs/${report.reproduction.id}/reproduction.json`) + '\n');
  }
  return exitCodeOf(report.verdict);
}
