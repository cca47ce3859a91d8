import { UsageError } from './args';
import { RunNotFoundError } from '../core/runs/queries';
import { LockTimeoutError } from '../core/store/writerLock';
import { color, safe } from './format';

interface Command {
  run: (argv: string[]) => Promise<number>;
  help: string;
}

/**
 * Each command's module is loaded when it runs: `lineage run` starts the script before it loads the index's
 * code (sql.js and the ingest), and `--version` or `--help` load nothing.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  run: () => import('./commands/run').then((m) => ({ run: m.runCommand, help: m.RUN_HELP })),
  sweep: () => import('./commands/sweep').then((m) => ({ run: m.sweepCommand, help: m.SWEEP_HELP })),
  ls: () => import('./commands/ls').then((m) => ({ run: m.lsCommand, help: m.LS_HELP })),
  show: () => import('./commands/show').then((m) => ({ run: m.showCommand, help: m.SHOW_HELP })),
  compare: () => import('./commands/compare').then((m) => ({ run: m.compareCommand, help: m.COMPARE_HELP })),
  rm: () => import('./commands/rm').then((m) => ({ run: m.rmCommand, help: m.RM_HELP })),
  db: () => import('./commands/db').then((m) => ({ run: m.dbCommand, help: m.DB_HELP })),
  data: () => import('./commands/data').then((m) => ({ run: m.dataCommand, help: m.DATA_HELP })),
  explain: () => import('./commands/explain').then((m) => ({ run: m.explainCommand, help: m.EXPLAIN_HELP })),
  drift: () => import('./commands/drift').then((m) => ({ run: m.driftCommand, help: m.DRIFT_HELP })),
  monitor: () => import('./commands/monitor').then((m) => ({ run: m.monitorCommand, help: m.MONITOR_HELP })),
  gc: () => import('./commands/gc').then((m) => ({ run: m.gcCommand, help: m.GC_HELP })),
  reproduce: () => import('./commands/reproduce').then((m) => ({ run: m.reproduceCommand, help: m.REPRODUCE_HELP })),
  graph: () => import('./commands/graph').then((m) => ({ run: m.graphCommand, help: m.GRAPH_HELP })),
  'rerun-stale': () => import('./commands/rerunStale').then((m) => ({ run: m.rerunStaleCommand, help: m.RERUN_STALE_HELP })),
  push: () => import('./commands/push').then((m) => ({ run: m.pushCommand, help: m.PUSH_HELP })),
  pull: () => import('./commands/pull').then((m) => ({ run: m.pullCommand, help: m.PULL_HELP })),
  pushes: () => import('./commands/pushes').then((m) => ({ run: m.pushesCommand, help: m.PUSHES_HELP })),
  promote: () => import('./commands/promote').then((m) => ({ run: m.promoteCommand, help: m.PROMOTE_HELP })),
  rollback: () => import('./commands/promote').then((m) => ({ run: m.rollbackCommand, help: m.ROLLBACK_HELP })),
  'model-card': () => import('./commands/modelCard').then((m) => ({ run: m.modelCardCommand, help: m.MODEL_CARD_HELP })),
  sync: () => import('./commands/sync').then((m) => ({ run: m.syncCommand, help: m.SYNC_HELP })),
  import: () => import('./commands/importRuns').then((m) => ({ run: m.importCommand, help: m.IMPORT_HELP })),
};

const HELP = `lineage — record, list and compare training runs (local-first; data in .lineage/)

Usage:
  lineage run [--name N] [--experiment E] -- <command…>   record a run (or: lineage run train.py --lr 0.1)
  lineage sweep <script> --grid k=a,b --objective m:min    a grid, random or Optuna sweep, its runs under one
  lineage ls [--json]                                      list runs with key metrics
  lineage show <run>                                       one run in full
  lineage compare <run> <run>…                             params and metrics side by side
  lineage data status|diff|runs|of|fingerprint             the exact data runs used, and whether it changed
  lineage explain <run> [--row N] [--report FILE]          why the model predicts what it does (lineage.explain)
  lineage drift <run|file> <batch…> [--fail-on drift]       does live data still look like the training data
  lineage monitor add|ls|check|rm                          batches of live data watched against a run's training data
  lineage data checkout <run> [--to DIR]                   restore the exact inputs a run read (kept by content)
  lineage gc [--dry-run]                                   free kept data no run needs any more
  lineage reproduce <run>                                  rebuild a run from its commit, diff, data and params
  lineage graph <run|path|model> [--dot|--json]            which data and runs made what, back to raw data
  lineage rerun-stale <target>                             re-run, in order, the steps whose inputs changed
  lineage push <run> --to <reference>                      push a model with its lineage (oci://… or mlflow://…)
  lineage pull <reference> [--to DIR]                      fetch a pushed model and verify it
  lineage pushes [--json]                                  where every model went
  lineage promote|rollback <model> <alias>                 move an alias (staging, production), or put it back
  lineage model-card <run> [--out FILE]                    a Markdown model card: lineage, metrics, pushes
  lineage sync --to <remote> / import --from <remote>      share runs through an MLflow tracking server
  lineage rm <run>… [--yes] [--permanent]                  delete runs (to the trash unless --permanent)
  lineage db rebuild                                       rebuild the index from the run folders

Every command takes --workspace DIR (default: the nearest folder upward holding .lineage, else the git root).
Environment: LINEAGE_PYTHON (interpreter for .py scripts), LINEAGE_WORKSPACE.
Help on one command: lineage <command> --help`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name ? 0 : 1;
  }
  if (name === '--version') {
    console.log('0.1.0');
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`lineage: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}. See lineage --help.\n`);
    return 2;
  }
  const cmd = await load();
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(color.red(`lineage ${name}: ${safe(err.message)}`) + `\n\n${cmd.help}\n`);
      return 2;
    }
    if (err instanceof RunNotFoundError || err instanceof LockTimeoutError) {
      process.stderr.write(color.red(`lineage: ${safe(err.message)}`) + '\n');
      return 1;
    }
    if (process.env.LINEAGE_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    const { describeError, CliError } = await import('./errors');
    process.stderr.write(color.red(`lineage: ${describeError(err)}`) + '\n');
    return err instanceof CliError ? err.exitCode : 1;
  }
}

/**
 * A reader that stops early (`lineage ls --json | head -1`) closes the pipe: end quietly with the shell's
 * code for a broken pipe (128 + SIGPIPE), as cat or git do, instead of a trace; any other write error is said.
 */
let stdoutFailed = false;
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE') process.exit(141);
  if (stdoutFailed) return;
  stdoutFailed = true;
  void import('./errors').then(({ describeError }) => process.stderr.write(`lineage: ${describeError(err)}\n`)).finally(() => process.exit(1));
}

if (require.main === module) {
  process.stdout.on('error', onStdoutError);
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    async (err) => {
      const { describeError } = await import('./errors');
      process.stderr.write(`lineage: ${describeError(err)}\n`);
      process.exitCode = 1;
    },
  );
}
