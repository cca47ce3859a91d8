import type { Store } from '../store/store';
import { resolveRun, RunNotFoundError } from '../runs/queries';
import type { RegistryConfig, RegistryTarget } from './types';
import type { HistoryEntry } from './history';
import { isDigest, modelKey, parseReference } from './reference';
import { RegistryUsageError } from './referenceError';

/** A pushed model as promote, rollback and pull name it: where it is and which digest or version. */
export interface ModelRef {
  registry: RegistryConfig;
  target: RegistryTarget;
  /** Digest (oci) or version (mlflow); undefined: ask the registry what the reference's tag or alias holds. */
  ref?: string;
  /** The push this came from, when the history has it. */
  push?: HistoryEntry;
}

/** The newest push of a run (in history order), if any. */
export function latestPushOf(entries: HistoryEntry[], runId: string): HistoryEntry | undefined {
  for (let i = entries.length - 1; i >= 0; i--) if (entries[i].type === 'push' && entries[i].runId === runId) return entries[i];
  return undefined;
}

/** The push that produced a digest or version of a model, if this workspace made it. */
export function pushOfRef(entries: HistoryEntry[], target: RegistryTarget, ref: string): HistoryEntry | undefined {
  const key = modelKey(target);
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i];
    if (e.type === 'push' && modelKey(e.target) === key && (e.digest === ref || e.version === ref)) return e;
  }
  return undefined;
}

/**
 * `<model>` as the user gives it: a run (id, prefix or name: its newest push) or a reference. A reference
 * that is not a URL nor a configured registry's name is tried as a run first.
 */
export function resolveModel(text: string, o: { store?: Store; entries: HistoryEntry[]; registries: RegistryConfig[]; plainHttp?: boolean }): ModelRef {
  const looksLikeRef = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || o.registries.some((r) => text.startsWith(`${r.name}/`));
  if (!looksLikeRef && o.store) {
    let runId: string | undefined;
    try {
      runId = resolveRun(o.store, text);
    } catch (err) {
      if (!(err instanceof RunNotFoundError)) throw err;
      throw new RegistryUsageError(`${err.message.replace(/\.$/, '')}; or give a reference such as oci://HOST/REPOSITORY:TAG`);
    }
    const push = latestPushOf(o.entries, runId);
    if (!push)
      throw new RegistryUsageError(`run ${text} has not been pushed from this workspace; push it first (lineage push ${text} --to …) or give a reference`);
    return { registry: registryOf(push, o.registries), target: push.target, ref: push.digest ?? push.version, push };
  }
  const parsed = parseReference(text, { registries: o.registries, plainHttp: o.plainHttp });
  // A URL reference reaches the registry the way the push did (http for a local one) when history knows it.
  let registry = parsed.registry;
  const key = modelKey(parsed.target);
  const known = [...o.entries].reverse().find((e) => modelKey(e.target) === key);
  if (known && !o.registries.some((r) => r.name === parsed.registry.name)) {
    registry = registryOf(known, o.registries);
    parsed.target.url = registry.url;
  }
  const ref = parsed.pinned ?? (parsed.target.kind === 'oci' && isDigest(parsed.target.tag) ? parsed.target.tag : undefined);
  return { registry, target: parsed.target, ref, push: ref ? pushOfRef(o.entries, parsed.target, ref) : undefined };
}

function registryOf(e: HistoryEntry, registries: RegistryConfig[]): RegistryConfig {
  return (
    registries.find((r) => r.name === e.registry.name && r.url === e.registry.url) ?? { name: e.registry.name, kind: e.registry.kind, url: e.registry.url }
  );
}

/** The target a pull fetches: pinned to the model's digest or version when one is known. */
export function pullTarget(m: ModelRef): RegistryTarget {
  if (!m.ref) return m.target;
  return m.target.kind === 'oci' ? { ...m.target, tag: m.ref } : { ...m.target, version: m.ref };
}
