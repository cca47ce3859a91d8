import { clientFor } from '../../core/registry/clients';
import { resolveModel } from '../../core/registry/models';
import { applyPromotion, planPromotion, rollback } from '../../core/registry/promote';
import { noMoreThan, parseArgs, UsageError } from '../args';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { color, safe } from '../format';
import { credentialsFor, guard, guardAsync, historyOf, registriesOf } from './registryShared';

const MODEL = `<model> is a run (id, prefix or name: its newest push) or a reference (oci://HOST/REPOSITORY:TAG or
@sha256:…, mlflow://HOST/MODEL_NAME/VERSION, NAME/REPOSITORY:TAG for a configured registry).`;

export const PROMOTE_HELP = `lineage promote <model> <alias> --note "why" [--force] [--plain-http]

Points an alias (an OCI tag, an MLflow alias; e.g. candidate → staging → production) at a pushed model and
records who, when, which run, which digest or version and your note in .lineage/registry/history.jsonl.
${MODEL}
Before moving the alias, the model is checked: a run whose training data changed since (the recorded
sha256 against the files now) or that ran from a dirty git tree (or outside git) is flagged and not
promoted unless --force is given; the flags go into the history.

Exit codes: 0 promoted, 1 the registry refused or could not be reached, 2 a usage error (no note, an
unknown model), 3 flagged and not promoted (repeat with --force to promote anyway).`;

export const ROLLBACK_HELP = `lineage rollback <model> <alias> [--note "why"] [--plain-http]

Puts the previous holder of an alias back in one step, as the promotion history tells it (promote A, then B,
then rollback: the alias points at A again), and records the rollback. ${MODEL}

Exit codes: 0 rolled back, 1 the registry refused or could not be reached, 2 a usage error or nothing to
roll back to.`;

export async function promoteCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { note: 'string', force: 'bool', 'plain-http': 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(PROMOTE_HELP), 0);
  if (a.positional.length < 2) throw new UsageError('give the model and the alias: lineage promote <model> <alias> --note "why"');
  noMoreThan(a.positional, 2, 'promote takes a model and an alias');
  const note = typeof a.flags.note === 'string' ? a.flags.note.trim() : '';
  if (!note) throw new UsageError('a promotion needs --note "why" (it goes into the history an auditor reads)');
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  try {
    const registries = registriesOf(ws.paths);
    const { entries } = historyOf(ws.paths);
    const model = guard(() => resolveModel(a.positional[0], { store: ws.store, entries, registries, plainHttp: a.flags['plain-http'] === true }));
    const client = await clientFor(model.registry);
    const credentials = credentialsFor(model.registry);
    const plan = await guardAsync(() => planPromotion({ store: ws.store, paths: ws.paths, entries, model, alias: a.positional[1], client, credentials }));
    for (const f of plan.flags) process.stderr.write(color.yellow(`lineage: flag ${f.code}: ${safe(f.message)}`) + '\n');
    const entry = await guardAsync(() => applyPromotion(plan, { paths: ws.paths, client, credentials, note, force: a.flags.force === true }));
    process.stdout.write(
      `${color.green('promoted')} ${safe(entry.reference)} to ${safe(plan.alias)}${plan.current && plan.current !== plan.ref ? ` (was ${safe(plan.current)})` : ''}${plan.flags.length ? ` with ${plan.flags.length} flag${plan.flags.length > 1 ? 's' : ''}` : ''}\n`,
    );
    return 0;
  } finally {
    await saveQuietly(ws);
    ws.close();
  }
}

export async function rollbackCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { note: 'string', 'plain-http': 'bool', workspace: 'string', help: 'bool' });
  if (a.flags.help) return (void console.log(ROLLBACK_HELP), 0);
  if (a.positional.length < 2) throw new UsageError('give the model and the alias: lineage rollback <model> <alias>');
  noMoreThan(a.positional, 2, 'rollback takes a model and an alias');
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: false });
  try {
    const registries = registriesOf(ws.paths);
    const { entries } = historyOf(ws.paths);
    const model = guard(() => resolveModel(a.positional[0], { store: ws.store, entries, registries, plainHttp: a.flags['plain-http'] === true }));
    const client = await clientFor(model.registry);
    const entry = await guardAsync(() =>
      rollback({
        paths: ws.paths,
        entries,
        model,
        alias: a.positional[1],
        client,
        credentials: credentialsFor(model.registry),
        note: typeof a.flags.note === 'string' ? a.flags.note : undefined,
      }),
    );
    for (const f of entry.flags ?? []) process.stderr.write(color.yellow(`lineage: ${safe(f.message)}`) + '\n');
    process.stdout.write(`${color.green('rolled back')} ${safe(entry.alias ?? '')} to ${safe(entry.reference)} (was ${safe(entry.previous ?? 'unset')})\n`);
    return 0;
  } finally {
    await saveQuietly(ws);
    ws.close();
  }
}
