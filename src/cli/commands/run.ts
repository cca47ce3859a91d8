import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import { launchRun, LaunchError } from '../../core/launcher/launch';
import type { LineageWorkspace } from '../../core/workspace';
import { parseArgs, UsageError } from '../args';
import { color, safe } from '../format';
import { formatDuration } from '../../core/util/format';
import { workspaceDirFrom } from '../context';

export const RUN_HELP = `lineage run [options] -- <command…>
lineage run [options] <script.py> [script args…]
lineage run [options] <notebook.ipynb> [-p name=value …]

Runs a command as a recorded run. Output streams to this terminal and to the run's console.log.
A notebook runs top to bottom in a fresh kernel of the interpreter (nbclient and ipykernel needed); -p sets
a parameter over the cell tagged "parameters", and the executed notebook is kept as an artifact.

Options:
  --name N          run name (default: a generated one, e.g. brisk-harbor-7)
  --experiment E    experiment (default: the script's folder name)
  --python P        interpreter for .py scripts and notebooks (default: $LINEAGE_PYTHON, else python3)
  --workspace DIR   the folder holding .lineage (default: nearest upward, else the git root)
  --quiet           do not echo the script's output

Exit code: the script's own (128+N when it was ended by signal N).`;

/** How long the script has to start before this process opens the index. */
const INDEX_DELAY_MS = 300;

export async function runCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { name: 'string', experiment: 'string', python: 'string', workspace: 'string', quiet: 'bool', help: 'bool' }, true);
  if (a.flags.help) {
    console.log(RUN_HELP);
    return 0;
  }
  const command = a.rest;
  if (command.length === 0) throw new UsageError('nothing to run. Example: lineage run train.py --lr 0.1, or lineage run analysis.ipynb -p lr=0.1');
  const workspace = path.resolve(workspaceDirFrom(a.flags.workspace));
  let handle;
  try {
    handle = await launchRun({
      workspace,
      command,
      cwd: process.cwd(),
      name: a.flags.name as string | undefined,
      experiment: a.flags.experiment as string | undefined,
      python: a.flags.python as string | undefined,
      createdBy: 'cli',
      // The script's bytes, unchanged, on this terminal's stdout and stderr.
      output: a.flags.quiet ? undefined : 'inherit',
    });
  } catch (err) {
    if (err instanceof LaunchError) {
      process.stderr.write(color.red(`lineage: ${err.message}`) + '\n');
      return 2;
    }
    throw err;
  }
  // The index is opened and brought up to date while the script runs, once it has had a moment to start (the
  // work would otherwise compete with its start for the CPU), so after it ends only this run is read in.
  let index: Promise<LineageWorkspace> | undefined;
  const openIndex = () => {
    // Loaded here, not at the top: the script starts before this process loads sql.js and the ingest.
    // Without a sync of every run folder: finishRun reads this run in, so the cost after the script does not
    // grow with the workspace (the next `lineage ls` or the editor picks up anything else that changed).
    index ??= import('../../core/workspace').then(({ LineageWorkspace }) => LineageWorkspace.open(workspace, { sync: false }));
    index.catch(() => undefined); // awaited (and reported) after the run
    return index;
  };
  const indexTimer = setTimeout(() => void openIndex(), INDEX_DELAY_MS);
  process.stderr.write(
    color.dim(`lineage: recording run ${handle.id} (${safe(handle.record.name)}) in ${path.relative(process.cwd(), handle.dir) || handle.dir}`) + '\n',
  );

  // Ctrl-C and termination reach the script's whole process tree, and the run is still recorded as killed.
  const onSignal = () => handle.stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  let result;
  try {
    result = await handle.done;
  } catch (err) {
    process.stderr.write(color.red(`lineage: ${(err as Error).message}`) + '\n');
    result = undefined;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  }

  clearTimeout(indexTimer);
  const ws = await openIndex();
  const warn = (message: string) => process.stderr.write(color.yellow(`lineage: ${message}`) + '\n');
  const [{ finishRun }, { keyMetricsText }] = await Promise.all([import('../../core/runs/finishRun'), import('../../core/runs/keyMetrics')]);
  const runId = handle.id;
  const detail = await finishRun(ws, runId, { sync: () => ws.sync({ only: [runId] }), onWarning: warn, onNotice: warn, save: 'now' });
  ws.close();

  const metrics = safe(keyMetricsText(detail.metrics, 3));
  const status = detail.status === 'finished' ? color.green(detail.status) : color.red(detail.status);
  process.stderr.write(
    `lineage: run ${detail.id} ${status} in ${formatDuration(detail.durationMs)}${metrics ? ' · ' + metrics : ''}\n` +
      (detail.warnings.count ? color.yellow(`lineage: ${detail.warnings.count} event line(s) were skipped; \`lineage show ${detail.id}\` lists them.\n`) : '') +
      (detail.datasets.length ? color.dim(`lineage: data: ${detail.datasets.length} dataset(s) fingerprinted; lineage data of ${detail.id}`) + '\n' : '') +
      color.dim(`lineage: details: lineage show ${detail.id}`) +
      '\n',
  );
  // A full disk: exactly what the run kept and what to free, last, where it is seen.
  if (result?.incomplete) process.stderr.write(color.red(`lineage: ${safe(result.incomplete.message)}`) + '\n');
  if (!result) return 2;
  if (result.signal) return 128 + (signalNumber(result.signal) ?? 15);
  return result.exitCode ?? 1;
}

function signalNumber(sig: string): number | undefined {
  const n = osConstants.signals[sig as NodeJS.Signals];
  return typeof n === 'number' ? n : undefined;
}
