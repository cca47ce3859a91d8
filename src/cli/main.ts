import { runCommand, RUN_HELP } from './commands/run';
import { lsCommand, LS_HELP } from './commands/ls';
import { showCommand, SHOW_HELP } from './commands/show';
import { compareCommand, COMPARE_HELP } from './commands/compare';
import { dbCommand, DB_HELP } from './commands/db';
import { dataCommand, DATA_HELP } from './commands/data';
import { rmCommand, RM_HELP } from './commands/rm';
import { UsageError } from './args';
import { RunNotFoundError } from '../core/runs/queries';
import { LockTimeoutError } from '../core/store/writerLock';
import { color, safe } from './format';
import { describeError, CliError } from './errors';

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; help: string }> = {
  run: { run: runCommand, help: RUN_HELP },
  ls: { run: lsCommand, help: LS_HELP },
  show: { run: showCommand, help: SHOW_HELP },
  compare: { run: compareCommand, help: COMPARE_HELP },
  rm: { run: rmCommand, help: RM_HELP },
  db: { run: dbCommand, help: DB_HELP },
  data: { run: dataCommand, help: DATA_HELP },
};

const HELP = `lineage — record, list and compare training runs (local-first; data in .lineage/)

Usage:
  lineage run [--name N] [--experiment E] -- <command…>   record a run (or: lineage run train.py --lr 0.1)
  lineage ls [--json]                                      list runs with key metrics
  lineage show <run>                                       one run in full
  lineage compare <run> <run>…                             params and metrics side by side
  lineage data status|diff|runs|of|fingerprint             the exact data runs used, and whether it changed
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
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`lineage: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}. See lineage --help.\n`);
    return 2;
  }
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
    process.stderr.write(color.red(`lineage: ${describeError(err)}`) + '\n');
    return err instanceof CliError ? err.exitCode : 1;
  }
}

/**
 * A reader that stops early (`lineage ls --json | head -1`) closes the pipe: end quietly with the shell's
 * code for a broken pipe (128 + SIGPIPE), as cat or git do, instead of a trace; any other write error is said.
 */
function onStdoutError(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') process.stderr.write(`lineage: ${describeError(err)}\n`);
  process.exit(err.code === 'EPIPE' ? 141 : 1);
}

if (require.main === module) {
  process.stdout.on('error', onStdoutError);
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`lineage: ${describeError(err)}\n`);
      process.exitCode = 1;
    },
  );
}
