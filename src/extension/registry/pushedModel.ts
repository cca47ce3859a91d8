import * as vscode from 'vscode';
import type { HistoryEntry } from '../../core/registry/history';
import type { ModelRef } from '../../core/registry/models';
import type { RegistryConfig } from '../../core/registry/types';
import { lineagePaths } from '../../core/util/lineagePaths';
import type { Lineage } from '../lineage';
import type { ModelNode, PushNode } from '../views/modelsTree';
import { registriesFor } from './registrySettings';

/** What the model commands act on: a push from the history, in a folder. */
export interface PushedModel {
  folder: string;
  entry: HistoryEntry;
  entries: HistoryEntry[];
  registries: RegistryConfig[];
}

/** Arguments for tests and other extensions: a run (its newest push) or a reference, plus what to skip asking. */
export interface ModelCommandArgs {
  runId?: string;
  reference?: string;
  folder?: string;
  alias?: string;
  note?: string;
  force?: boolean;
  dest?: string;
}

export function isArgs(a: unknown): a is ModelCommandArgs {
  return !!a && typeof a === 'object' && !('kind' in a) && ('runId' in a || 'reference' in a || 'alias' in a);
}

/**
 * The push a model command was called on: a push row, a model row (its newest push), a run id, an argument
 * object, or (from the palette) one the user picks from every folder's history.
 */
export async function pushedModelFrom(lineage: Lineage, arg: unknown, verb: string): Promise<PushedModel | undefined> {
  const { readHistory, historyNotice } = await import('../../core/registry/history');
  const { latestPushOf } = await import('../../core/registry/models');
  const load = async (folder: string) => {
    const h = readHistory(lineagePaths(folder));
    const notice = historyNotice(h);
    if (notice) lineage.log(notice);
    return { entries: h.entries, registries: await registriesFor(folder, (l) => lineage.log(l)) };
  };
  const n = arg as PushNode | ModelNode | undefined;
  if (n && typeof n === 'object' && n.kind === 'push') return { folder: n.folder, entry: n.entry, ...(await load(n.folder)) };
  let runId: string | undefined;
  let folder: string | undefined;
  if (n && typeof n === 'object' && n.kind === 'model') [runId, folder] = [n.runId, n.folder];
  else if (typeof arg === 'string') runId = arg;
  else if (isArgs(arg)) [runId, folder] = [arg.runId, arg.folder];
  if (isArgs(arg) && arg.reference) {
    folder ??= lineage.folders()[0];
    if (!folder) return undefined;
    const l = await load(folder);
    const { resolveModel } = await import('../../core/registry/models');
    const m = resolveModel(arg.reference, { entries: l.entries, registries: l.registries });
    const entry = m.push ?? synthetic(m);
    return { folder, entry, ...l };
  }
  if (runId) {
    folder ??= lineage.folderOfRun(runId);
    if (!folder) {
      void vscode.window.showWarningMessage(`Lineage: no run ${runId} in this window's folders.`);
      return undefined;
    }
    const l = await load(folder);
    const entry = latestPushOf(l.entries, runId);
    if (!entry) {
      void vscode.window.showWarningMessage(`Lineage: this model has not been pushed yet; push it first ("Lineage: Push Model…").`);
      return undefined;
    }
    return { folder, entry, ...l };
  }
  const picks: Array<vscode.QuickPickItem & { folder: string; entry: HistoryEntry; l: Awaited<ReturnType<typeof load>> }> = [];
  for (const f of lineage.folders()) {
    const l = await load(f);
    for (const e of [...l.entries].reverse())
      if (e.type === 'push')
        picks.push({
          label: e.reference,
          description: e.digest?.slice(0, 19) ?? (e.version ? `version ${e.version}` : ''),
          detail: `run ${e.runId} · ${e.at.replace('T', ' ').slice(0, 16)} · ${e.by}`,
          folder: f,
          entry: e,
          l,
        });
  }
  if (!picks.length) {
    void vscode.window.showInformationMessage('Lineage: no model has been pushed yet; push one first ("Lineage: Push Model…").');
    return undefined;
  }
  const p = await vscode.window.showQuickPick(picks, { title: `${verb} which pushed model?`, matchOnDescription: true, matchOnDetail: true });
  return p && { folder: p.folder, entry: p.entry, ...p.l };
}

/** A reference not pushed from here, as an entry (runId '' marks it). */
function synthetic(m: ModelRef): HistoryEntry {
  return {
    type: 'push',
    runId: '',
    at: '',
    by: '',
    registry: { name: m.registry.name, kind: m.registry.kind, url: m.registry.url },
    target: m.target,
    reference: m.target.kind === 'oci' ? `oci://${new URL(m.target.url).host}/${m.target.repository}:${m.target.tag}` : m.target.modelName,
    ...(m.ref ? (m.target.kind === 'oci' ? { digest: m.ref } : { version: m.ref }) : {}),
  };
}

/** The ModelRef the core's promote and rollback take, for a push. */
export function modelRefOf(p: PushedModel): ModelRef {
  const e = p.entry;
  const registry = p.registries.find((r) => r.name === e.registry.name && r.url === e.registry.url) ?? {
    name: e.registry.name,
    kind: e.registry.kind,
    url: e.registry.url,
  };
  return { registry, target: e.target, ref: e.digest ?? e.version, push: e.runId ? e : undefined };
}
