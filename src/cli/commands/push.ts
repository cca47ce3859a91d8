import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientFor } from '../../core/registry/clients';
import { pushModel } from '../../core/registry/push';
import { parseReference } from '../../core/registry/reference';
import { SyncBusyError } from '../../core/registry/mlflow/sync';
import { CliError } from '../errors';
import { noMoreThan, parseArgs, UsageError } from '../args';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { color, safe } from '../format';
import { syncWaitMs } from './sync';
import { credentialsFor, guard, guardAsync, interruptSignal, progressLine, REGISTRY_EXIT_CODES, registriesOf } from './registryShared';

export const PUSH_HELP = `lineage push <run> --to <reference> [--model PATH] [--plain-http] [--alias A]

Pushes a run's model with its lineage (run id, git commit and dirty flag, params, final metrics, the sha256
of every input, the Python environment, the explanation's top features) to a registry, and records the
push in .lineage/registry/history.jsonl. <run> is an id, a unique id prefix or a run name; its logged
model is pushed (lineage.log_model), or the file or folder given with --model.

<reference>:
  oci://HOST[:PORT]/REPOSITORY:TAG      an OCI registry (Harbor, GHCR, ECR, ACR, Zot, Docker Distribution…),
                                         as a CNCF ModelPack artifact that oras can pull
  mlflow://HOST[:PORT]/MODEL_NAME       an MLflow tracking server's Model Registry (mlflow+https:// for TLS)
  NAME/REPOSITORY:TAG, NAME/MODEL_NAME  a registry configured in .lineage/config.json ("registries")

Options:
  --model PATH     the model file or folder (default: the run's logged model)
  --plain-http     talk http to the registry (a local one without TLS), as oras spells it
  --alias A        MLflow: also set this alias on the new version

Credentials come from the environment: LINEAGE_REGISTRY_<NAME>_TOKEN, or _USERNAME and _PASSWORD (NAME the
configured name, or HOST_PORT for a URL, upper-cased, other characters as _); for MLflow also
MLFLOW_TRACKING_TOKEN / _USERNAME / _PASSWORD. An interrupted push resumes when run again. A push to MLflow
waits up to 60 s (LINEAGE_SYNC_WAIT_MS) for a sync or another push of the workspace to finish. See docs/registry.md.

${REGISTRY_EXIT_CODES}`;

export async function pushCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { to: 'string', model: 'string', 'plain-http': 'bool', alias: 'string', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(PUSH_HELP), 0);
  if (a.positional.length < 1) throw new UsageError('give the run whose model to push: lineage push <run> --to <reference>');
  noMoreThan(a.positional, 1, 'push takes one run');
  if (typeof a.flags.to !== 'string') throw new UsageError('say where to push with --to <reference>, e.g. --to oci://localhost:5000/models/house:v1');
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  const stop = interruptSignal();
  try {
    const registries = registriesOf(ws.paths);
    const parsed = guard(() => parseReference(a.flags.to as string, { registries, plainHttp: a.flags['plain-http'] === true }));
    if (parsed.pinned) throw new UsageError('push to a tag (REPOSITORY:TAG or MODEL_NAME), not to a digest or version');
    const target = parsed.target;
    if (typeof a.flags.alias === 'string') {
      if (target.kind !== 'mlflow') throw new UsageError('--alias is for MLflow; on an OCI registry the tag is the alias (promote adds more)');
      target.alias = a.flags.alias;
    }
    const client = await clientFor(parsed.registry);
    const progress = progressLine('Pushing');
    const out = await guardAsync(() =>
      pushModel({
        store: ws.store,
        paths: ws.paths,
        runId: a.positional[0],
        modelPath: modelArg(a.flags.model),
        registry: parsed.registry,
        target,
        client,
        credentials: credentialsFor(parsed.registry),
        signal: stop.signal,
        onProgress: progress.update,
        lockWaitMs: syncWaitMs(),
        onLockWait: () => process.stderr.write('Waiting for another sync or push to MLflow from this workspace to finish…\n'),
      }).catch((err: unknown) => {
        if (err instanceof SyncBusyError) throw new CliError(err.message);
        throw err;
      }),
    ).finally(progress.end);
    const r = out.result;
    process.stdout.write(`${color.green('pushed')} ${safe(out.entry.model?.path ?? '')} → ${safe(r.reference)}\n`);
    if (r.digest) process.stdout.write(`  digest  ${r.digest}\n`);
    if (r.version) process.stdout.write(`  version ${safe(r.version)}\n`);
    process.stdout.write(`  sent ${r.bytesSent} bytes, ${r.bytesSkipped} already in the registry\n`);
    if (r.webUrl) process.stdout.write(`  ${safe(r.webUrl)}\n`);
    return 0;
  } finally {
    stop.dispose();
    await saveQuietly(ws);
    ws.close();
  }
}

/** --model as the user means it: a file or folder from where they are, else a path in the run folder (artifacts/model.pkl). */
function modelArg(flag: string | boolean | undefined): string | undefined {
  if (typeof flag !== 'string') return undefined;
  const fromHere = path.resolve(flag);
  return fs.existsSync(fromHere) ? fromHere : flag;
}
