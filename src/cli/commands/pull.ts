import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientFor } from '../../core/registry/clients';
import { pullTarget, resolveModel } from '../../core/registry/models';
import type { LineageWorkspace } from '../../core/workspace';
import { LINEAGE_DIR, lineagePaths } from '../../core/util/lineagePaths';
import { noMoreThan, parseArgs, UsageError } from '../args';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { color, safe } from '../format';
import { credentialsFor, guard, guardAsync, historyOf, interruptSignal, progressLine, REGISTRY_EXIT_CODES, registriesOf } from './registryShared';

export const PULL_HELP = `lineage pull <reference|run> [--to DIR] [--plain-http]

Fetches a pushed model's files into DIR (default: a folder named after the repository or model) and checks
every file against the digest the registry lists. <reference> as for lineage push, or pinned:
oci://HOST/REPOSITORY@sha256:…, mlflow://HOST/MODEL_NAME/VERSION; a run pulls its newest push.
The lineage that travelled with the model is written next to it as lineage.json.

${REGISTRY_EXIT_CODES}`;

export async function pullCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { to: 'string', 'plain-http': 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(PULL_HELP), 0);
  if (a.positional.length < 1) throw new UsageError('give what to pull: lineage pull oci://HOST/REPOSITORY:TAG [--to DIR]');
  noMoreThan(a.positional, 1, 'pull takes one reference');
  const dir = workspaceDirFrom(a.flags.workspace);
  // Pulling needs no runs: a folder without .lineage still pulls by URL (and none is created).
  const ws: LineageWorkspace | undefined = fs.existsSync(path.join(dir, LINEAGE_DIR)) ? await openWorkspace(dir, { create: false }) : undefined;
  const paths = ws?.paths ?? lineagePaths(dir);
  const stop = interruptSignal();
  try {
    const registries = registriesOf(paths);
    const entries = ws ? historyOf(paths).entries : [];
    const model = guard(() => resolveModel(a.positional[0], { store: ws?.store, entries, registries, plainHttp: a.flags['plain-http'] === true }));
    const target = pullTarget(model);
    const dest = path.resolve(typeof a.flags.to === 'string' ? a.flags.to : path.basename(target.kind === 'oci' ? target.repository : target.modelName));
    const client = await clientFor(model.registry);
    const progress = progressLine('Pulling');
    const r = await guardAsync(() =>
      client.pull(target, dest, { credentials: credentialsFor(model.registry), signal: stop.signal, onProgress: progress.update }),
    ).finally(progress.end);
    if (r.lineage) fs.writeFileSync(path.join(dest, 'lineage.json'), JSON.stringify(r.lineage, null, 2) + '\n');
    process.stdout.write(`${color.green('pulled')} ${r.files.length} file${r.files.length === 1 ? '' : 's'} into ${safe(dest)}, every digest checked\n`);
    for (const f of r.files) process.stdout.write(`  ${safe(f.path)}  ${f.size} bytes  sha256:${f.sha256}\n`);
    if (r.lineage)
      process.stdout.write(
        `  lineage: run ${safe(r.lineage.runName)} (${safe(r.lineage.runId)})${r.lineage.gitCommit ? `, commit ${r.lineage.gitCommit.slice(0, 12)}` : ''}\n`,
      );
    return 0;
  } finally {
    stop.dispose();
    if (ws) {
      await saveQuietly(ws);
      ws.close();
    }
  }
}
