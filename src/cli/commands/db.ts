import { LineageWorkspace } from '../../core/workspace';
import { noMoreThan, parseArgs, UsageError } from '../args';
import { progressPrinter, workspaceDirFrom } from '../context';
import { color } from '../format';

export const DB_HELP = `lineage db rebuild

Rebuilds .lineage/lineage.db and the metric cache in .lineage/cache from the run folders in .lineage/runs
(the folders are the truth). Use it after a crash, a copy from another machine, or when the index looks wrong.`;

export async function dbCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(DB_HELP), 0);
  if (a.positional[0] !== 'rebuild')
    throw new UsageError(a.positional.length ? `unknown subcommand "${a.positional[0]}"; the one there is: lineage db rebuild` : 'usage: lineage db rebuild');
  noMoreThan(a.positional, 1, 'lineage db rebuild takes no arguments');
  const started = Date.now();
  const { ws, report } = await LineageWorkspace.rebuild(workspaceDirFrom(a.flags.workspace), { onProgress: progressPrinter('Rebuilding') });
  const events = report.changed.reduce((n, r) => n + r.newEvents, 0);
  const warnings = report.changed.reduce((n, r) => n + r.newWarnings.length, 0);
  const runs = ws.store.get<{ c: number }>('SELECT count(*) AS c FROM runs')!.c;
  ws.close();
  console.log(
    `Rebuilt ${ws.paths.db} from ${runs} run folder(s): ${events} events${warnings ? `, ${warnings} bad line(s) skipped` : ''} in ${Date.now() - started} ms.`,
  );
  for (const p of report.problems) process.stderr.write(color.yellow(`lineage: ${p}`) + '\n');
  for (const n of ws.store.notices.splice(0)) process.stderr.write(color.yellow(`lineage: ${n}`) + '\n');
  return 0;
}
