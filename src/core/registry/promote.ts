import type { Store } from '../store/store';
import { getRun, hasRun } from '../runs/queries';
import { dataStatus } from '../datasets/status';
import type { LineagePaths } from '../util/lineagePaths';
import type { Credentials, RegistryClient, RegistryTarget } from './types';
import { appendHistory, type HistoryEntry, type HistoryFlag } from './history';
import { modelKey } from './reference';
import { RegistryUsageError } from './referenceError';
import { pushOfRef, type ModelRef } from './models';

/**
 * Cautious rollout: an alias (an OCI tag, an MLflow alias; `candidate` → `staging` → `production` by
 * convention, any name allowed) moves only with a note, and a model whose training data changed since, or
 * whose run was not from a clean git tree, is flagged first. The caller shows the flags and may go ahead
 * with `force`; the flags are written into the history either way.
 */

export interface PromotionPlan {
  model: ModelRef;
  alias: string;
  /** The digest or version the alias will point at. */
  ref: string;
  runId: string;
  flags: HistoryFlag[];
  /** What the alias points at now, if anything. */
  current?: string;
}

export class PromotionFlaggedError extends Error {
  constructor(readonly flags: HistoryFlag[]) {
    super(`the model is flagged: ${flags.map((f) => f.message).join('; ')}`);
  }
}

const ALIAS = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export async function planPromotion(o: {
  store: Store;
  paths: LineagePaths;
  entries: HistoryEntry[];
  model: ModelRef;
  alias: string;
  client: RegistryClient;
  credentials?: Credentials;
}): Promise<PromotionPlan> {
  checkAlias(o.alias);
  let ref = o.model.ref;
  if (!ref) {
    // A reference by tag or alias: what it holds now is what gets promoted.
    const t = o.model.target;
    const via = t.kind === 'oci' ? t.tag : t.alias;
    if (via) ref = await o.client.getAlias(t, via, o.credentials);
    else ref = [...o.entries].reverse().find((e) => e.type === 'push' && modelKey(e.target) === modelKey(t))?.version;
    if (!ref)
      throw new RegistryUsageError(
        `nothing to promote: ${via ? `"${via}" is not set on ${describe(t)}` : `no version of ${describe(t)} was pushed from here; give MODEL/VERSION`}`,
      );
  }
  const push = o.model.push ?? pushOfRef(o.entries, o.model.target, ref);
  const runId = push?.runId ?? '';
  const flags = await promotionFlags(o.store, o.paths, runId);
  const current = await o.client.getAlias(o.model.target, o.alias, o.credentials);
  return { model: o.model, alias: o.alias, ref, runId, flags, current };
}

export async function applyPromotion(
  plan: PromotionPlan,
  o: { paths: LineagePaths; client: RegistryClient; credentials?: Credentials; note: string; force?: boolean },
): Promise<HistoryEntry> {
  const note = o.note.trim();
  if (!note) throw new RegistryUsageError('a promotion needs a note saying why (--note "…"): it goes into the history an auditor reads');
  if (plan.flags.length && !o.force) throw new PromotionFlaggedError(plan.flags);
  await o.client.setAlias(plan.model.target, plan.alias, plan.ref, o.credentials);
  return appendHistory(o.paths, {
    type: 'promote',
    runId: plan.runId,
    registry: { name: plan.model.registry.name, kind: plan.model.registry.kind, url: plan.model.registry.url },
    target: plan.model.target,
    reference: referenceOf(plan.model, plan.ref),
    ...refField(plan.model.target, plan.ref),
    alias: plan.alias,
    ...(plan.current !== undefined ? { previous: plan.current } : {}),
    note,
    flags: plan.flags,
  });
}

/**
 * Who held an alias of a model, oldest first, as the history tells it: a promotion puts a holder on top,
 * a rollback takes the top one off. The one below the top is what a rollback restores.
 */
export function aliasHolders(entries: HistoryEntry[], target: RegistryTarget, alias: string): string[] {
  const key = modelKey(target);
  const stack: string[] = [];
  for (const e of entries) {
    if (e.alias !== alias || modelKey(e.target) !== key) continue;
    const ref = e.digest ?? e.version;
    if (!ref) continue;
    if (e.type === 'promote' || (e.type === 'push' && e.target.kind === 'mlflow')) {
      if (stack[stack.length - 1] !== ref) stack.push(ref);
    } else if (e.type === 'rollback') {
      // A rollback's entry names what it restored: the stack is cut back to it.
      while (stack.length && stack[stack.length - 1] !== ref) stack.pop();
      if (!stack.length) stack.push(ref);
    }
  }
  return stack;
}

export async function rollback(o: {
  paths: LineagePaths;
  entries: HistoryEntry[];
  model: ModelRef;
  alias: string;
  client: RegistryClient;
  credentials?: Credentials;
  note?: string;
}): Promise<HistoryEntry> {
  checkAlias(o.alias);
  const holders = aliasHolders(o.entries, o.model.target, o.alias);
  if (holders.length < 2)
    throw new RegistryUsageError(
      holders.length
        ? `"${o.alias}" of ${describe(o.model.target)} has had only one holder in this workspace's history; there is nothing to roll back to`
        : `"${o.alias}" of ${describe(o.model.target)} was never promoted from this workspace; rollback uses the history in .lineage/registry/history.jsonl`,
    );
  const top = holders[holders.length - 1];
  const restore = holders[holders.length - 2];
  const current = await o.client.getAlias(o.model.target, o.alias, o.credentials);
  const flags: HistoryFlag[] = [];
  if (current !== top)
    flags.push({
      code: 'alias-moved',
      message: `"${o.alias}" pointed at ${current ?? 'nothing'}, not at ${top} as the history says: it was moved outside Lineage`,
    });
  await o.client.setAlias(o.model.target, o.alias, restore, o.credentials);
  const push = pushOfRef(o.entries, o.model.target, restore);
  return appendHistory(o.paths, {
    type: 'rollback',
    runId: push?.runId ?? '',
    registry: { name: o.model.registry.name, kind: o.model.registry.kind, url: o.model.registry.url },
    target: o.model.target,
    reference: referenceOf(o.model, restore),
    ...refField(o.model.target, restore),
    alias: o.alias,
    ...(current !== undefined ? { previous: current } : {}),
    ...(o.note?.trim() ? { note: o.note.trim() } : {}),
    flags,
  });
}

/** Why a run's model deserves a second look before it serves: its data changed, its code was not committed. */
export async function promotionFlags(store: Store, paths: LineagePaths, runId: string): Promise<HistoryFlag[]> {
  if (!runId) return [{ code: 'not-from-here', message: 'the model was not pushed from this workspace, so its lineage cannot be checked' }];
  if (!hasRun(store, runId)) return [{ code: 'run-missing', message: `run ${runId} is no longer in this workspace, so its lineage cannot be checked` }];
  const run = getRun(store, runId);
  const flags: HistoryFlag[] = [];
  if (!run.git) flags.push({ code: 'no-git', message: `run ${run.name} was not recorded in a git repository, so its code cannot be traced` });
  else if (run.git.dirty)
    flags.push({ code: 'dirty-tree', message: `run ${run.name} ran with uncommitted changes (git tree dirty at ${run.git.commit.slice(0, 12)})` });
  // What the run wrote (its outputs, the model among them) is expected to change with the next run: only its inputs count.
  for (const d of await dataStatus(store, paths, runId)) {
    if (d.role === 'output') continue;
    if (d.state === 'modified') flags.push({ code: 'data-changed', message: `its ${d.role} data ${d.path} has changed since the run` });
    else if (d.state === 'missing') flags.push({ code: 'data-missing', message: `its ${d.role} data ${d.path} is no longer there` });
  }
  return flags;
}

function checkAlias(alias: string): void {
  if (!ALIAS.test(alias)) throw new RegistryUsageError(`"${alias}" is not a valid alias (letters, digits, _ . -, e.g. staging or production)`);
  if (/^sha256:/.test(alias) || /^v\d+$/i.test(alias))
    throw new RegistryUsageError(`"${alias}" would be read as a digest or a version; choose a name like staging or production`);
}

function refField(t: RegistryTarget, ref: string): { digest: string } | { version: string } {
  return t.kind === 'oci' ? { digest: ref } : { version: ref };
}

function referenceOf(m: ModelRef, ref: string): string {
  const u = new URL(m.target.url);
  return m.target.kind === 'oci'
    ? `oci://${u.host}/${m.target.repository}@${ref}`
    : `${u.protocol === 'https:' ? 'mlflow+https' : 'mlflow'}://${u.host}/${encodeURIComponent(m.target.modelName)}/${ref}`;
}

function describe(t: RegistryTarget): string {
  const u = new URL(t.url);
  return t.kind === 'oci' ? `${u.host}/${t.repository}` : `${u.host}/${t.modelName}`;
}
