import * as fs from 'node:fs';
import { modelCard } from '../../core/registry/modelCard';
import { noMoreThan, parseArgs, UsageError } from '../args';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { safe } from '../format';
import { historyOf } from './registryShared';

export const MODEL_CARD_HELP = `lineage model-card <run> [--out FILE]

A Markdown model card for a run's model: intended use (a marked section for you to write), its lineage
(code: commit, dirty tree, hash of the uncommitted diff; data: every input path and sha256; params; final
metrics; the explanation's strongest features; the environment), and its pushes, promotions and rollbacks.
Written to stdout, or to FILE with --out.

Exit codes: 0 written, 1 an error (an unknown run, a file that cannot be written), 2 a usage error.`;

export async function modelCardCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { out: 'string', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(MODEL_CARD_HELP), 0);
  if (a.positional.length < 1) throw new UsageError('give the run: lineage model-card <run> [--out FILE]');
  noMoreThan(a.positional, 1, 'model-card takes one run');
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  try {
    const text = await modelCard(ws.store, ws.paths, a.positional[0], historyOf(ws.paths).entries);
    if (typeof a.flags.out === 'string') {
      fs.writeFileSync(a.flags.out, text);
      process.stderr.write(`lineage: model card written to ${safe(a.flags.out)}\n`);
    } else process.stdout.write(text);
    return 0;
  } finally {
    await saveQuietly(ws);
    ws.close();
  }
}
