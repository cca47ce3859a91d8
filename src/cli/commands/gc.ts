import { collectGarbage, GC_GRACE_MS } from '../../core/datasets/objects';
import { formatBytes } from '../../core/util/format';
import { parseArgs, UsageError } from '../args';
import { color } from '../format';
import { openWorkspace, workspaceDirFrom } from '../context';

export const GC_HELP = `lineage gc [--dry-run] [--older-than MINUTES] [--json]

Frees kept data (.lineage/objects) that no run needs any more: the copies of inputs whose runs were all
deleted. Never frees what an existing run kept, nor the data of a starred run or of a run whose model
was pushed or promoted (.lineage/registry/history.jsonl), even once its folder is gone. Objects kept in
the last ${GC_GRACE_MS / 60000} minutes are left alone: a run being recorded right now may need them.

Options:
  --dry-run               say what would be freed, free nothing
  --older-than MINUTES    free only objects unused for this long (default ${GC_GRACE_MS / 60000}); 0 when
                          no run is being recorded
  --json                  machine-readable output`;

export async function gcCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { 'dry-run': 'bool', 'older-than': 'string', json: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(GC_HELP), 0);
  if (a.positional.length) throw new UsageError(`unexpected argument "${a.positional[0]}" (lineage gc takes none)`);
  const dryRun = !!a.flags['dry-run'];
  const olderThan = a.flags['older-than'] === undefined ? GC_GRACE_MS / 60000 : Number(a.flags['older-than']);
  if (!Number.isFinite(olderThan) || olderThan < 0) throw new UsageError('--older-than takes a number of minutes (0 or more)');
  const graceMs = olderThan * 60000;
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  try {
    const r = collectGarbage(ws.store, ws.paths, { dryRun, graceMs });
    if (a.flags.json) {
      process.stdout.write(JSON.stringify({ dryRun, ...r }, null, 2) + '\n');
      return 0;
    }
    const verb = dryRun ? 'would free' : 'freed';
    for (const f of r.freed) console.log(`${verb} ${f.sha256}  ${formatBytes(f.size)}`);
    console.log(
      `${dryRun ? 'Would free' : 'Freed'} ${r.freed.length} object(s), ${formatBytes(r.freedBytes)}. ` +
        `Kept ${r.kept} object(s) runs need (${formatBytes(r.keptBytes)}).`,
    );
    if (r.young) console.log(color.dim(`${r.young} unreferenced object(s) newer than ${olderThan} minutes left for now (a run may be recording).`));
    if (r.protectedRuns.length)
      console.log(color.dim(`Kept for ${r.protectedRuns.length} deleted run(s) that are starred or whose model was pushed: ${r.protectedRuns.join(', ')}`));
    if (r.tempsRemoved) console.log(color.dim(`Removed ${r.tempsRemoved} unfinished copy(ies) left by an interrupted run.`));
    return 0;
  } finally {
    ws.close();
  }
}
