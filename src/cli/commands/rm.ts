import * as readline from 'node:readline/promises';
import { deleteRun, DeletedRun, RunInProgressError } from '../../core/runs/deleteRun';
import { resolveRun, runLabel } from '../../core/runs/queries';
import { parseArgs, UsageError } from '../args';
import { color, safe } from '../format';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';

export const RM_HELP = `lineage rm <run>… [--yes] [--permanent]

Deletes runs: each run folder goes to the system trash (where a desktop can restore it), or to
.lineage/trash when the system has none; the index forgets the run. <run> is an id, a unique id prefix
or a run name. A run still in progress is refused: stop it first.

Options:
  --yes         do not ask for confirmation
  --permanent   delete the folders for good instead of moving them to a trash

Asks before deleting when run in a terminal. Without one (a script) runs go to the trash without asking;
--permanent there needs --yes, as nothing could bring the runs back.`;

export async function rmCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { yes: 'bool', permanent: 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(RM_HELP), 0);
  if (a.positional.length === 0) throw new UsageError('give the runs to delete: lineage rm <run-id or name>…');
  const permanent = !!a.flags.permanent;
  const interactive = !!process.stdin.isTTY;
  if (permanent && !a.flags.yes && !interactive) throw new UsageError('--permanent without a terminal to confirm in needs --yes');

  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  try {
    // Every name is resolved before anything moves: a typo in the third run must not leave two deleted.
    const ids = [...new Set(a.positional.map((ref) => resolveRun(ws.store, ref)))];
    const label = (id: string) => `${safe(runLabel(ws.store, id)?.name ?? id)} (${id})`;
    if (interactive && !a.flags.yes) {
      const what = ids.length === 1 ? `run ${label(ids[0])}` : `${ids.length} runs: ${ids.map(label).join(', ')}`;
      const question = permanent ? `Delete ${what} permanently? This cannot be undone. [y/N] ` : `Move ${what} to the trash? [y/N] `;
      if (!(await confirm(question))) {
        process.stderr.write('lineage: nothing deleted\n');
        return 1;
      }
    }
    let failed = 0;
    for (const id of ids) {
      const name = label(id);
      try {
        console.log(`${describe(deleteRun(ws, id, { permanent }), name)}`);
      } catch (err) {
        failed++;
        const message = err instanceof RunInProgressError ? err.message : `could not delete run ${name}: ${(err as Error).message}`;
        process.stderr.write(color.red(`lineage: ${message}`) + '\n');
      }
    }
    await saveQuietly(ws);
    return failed ? 1 : 0;
  } finally {
    ws.close();
  }
}

function describe(d: DeletedRun, name: string): string {
  switch (d.to) {
    case 'system-trash':
      return `Moved run ${name} to the trash${d.path ? `: ${d.path}` : ''}`;
    case 'workspace-trash':
      return `Moved run ${name} to ${d.path} (no system trash here)`;
    case 'deleted':
      return `Deleted run ${name} permanently`;
    case 'already-gone':
      return `Run ${name} had no folder left; removed it from the index`;
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
