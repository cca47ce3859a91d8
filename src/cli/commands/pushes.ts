import { aliasHolders } from '../../core/registry/promote';
import { modelKey } from '../../core/registry/reference';
import type { HistoryEntry } from '../../core/registry/history';
import { lineagePaths } from '../../core/util/lineagePaths';
import { noMoreThan, parseArgs } from '../args';
import { workspaceDirFrom } from '../context';
import { color, safe, table } from '../format';
import { historyOf } from './registryShared';

export const PUSHES_HELP = `lineage pushes [--json]

Where every model went: each push (when, which run, registry, repository:tag or model name, digest or version, by whom), then
each alias moved by promote or rollback and what it points at now, from .lineage/registry/history.jsonl.
--json prints every history entry (push, promote, rollback) as one JSON array.

Exit codes: 0 listed (also when there is nothing to list), 2 a usage error.`;

export function pushesCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { json: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (console.log(PUSHES_HELP), Promise.resolve(0));
  noMoreThan(a.positional, 0, 'pushes takes no arguments');
  const paths = lineagePaths(workspaceDirFrom(a.flags.workspace));
  const { entries } = historyOf(paths);
  if (a.flags.json) {
    process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
    return Promise.resolve(0);
  }
  const pushes = entries.filter((e) => e.type === 'push');
  if (!pushes.length) {
    process.stdout.write("No pushes yet. Push a run's model with: lineage push <run> --to oci://HOST/REPOSITORY:TAG\n");
    return Promise.resolve(0);
  }
  const when = (e: HistoryEntry) => e.at.replace('T', ' ').slice(0, 16);
  process.stdout.write(
    table(
      ['when', 'run', 'registry', 'pushed to', 'digest / version', 'by'],
      pushes.map((e) => [when(e), safe(e.runId), safe(e.registry.name), safe(pushedTo(e)), safe(e.digest ?? e.version ?? ''), safe(e.by)]),
      { maxCell: 200 },
    ) + '\n',
  );
  const aliases = new Map<string, { e: HistoryEntry; alias: string }>();
  for (const e of entries) if (e.type !== 'push' && e.alias) aliases.set(`${modelKey(e.target)}\0${e.alias}`, { e, alias: e.alias });
  if (aliases.size) {
    process.stdout.write('\n' + color.bold('Aliases') + '\n');
    const rows = [...aliases.values()].map(({ e, alias }) => {
      const holders = aliasHolders(entries, e.target, alias);
      return [
        safe(modelKey(e.target).replace(/^[a-z]+:/, '')),
        safe(alias),
        safe(holders[holders.length - 1] ?? ''),
        `${e.type} ${when(e)}`,
        safe(e.note ?? ''),
      ];
    });
    process.stdout.write(table(['model', 'alias', 'points at', 'last move', 'note'], rows, { maxCell: 200 }) + '\n');
  }
  return Promise.resolve(0);
}

function pushedTo(e: HistoryEntry): string {
  return e.target.kind === 'oci' ? `${e.target.repository}:${e.target.tag}` : `${e.target.modelName}${e.alias ? `@${e.alias}` : ''}`;
}
