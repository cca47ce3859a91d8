import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HistoryEntry } from '../../core/registry/history';
import type { Lineage } from '../lineage';
import { runRefsFrom, type RunRef } from '../commands/runArgs';
import { pickRun } from '../commands/pickRuns';
import type { ModelNode } from '../views/modelsTree';
import { isArgs, modelRefOf, pushedModelFrom } from './pushedModel';
import type { RegistrySecrets } from './secrets';
import { showRegistryError, withCredentials, withTransferProgress } from './transfer';

const ALIASES = ['candidate', 'staging', 'production'];

/** Promote: the alias (picked), the required note, a modal warning listing the flags, then the move. */
export async function promoteCommand(lineage: Lineage, secrets: RegistrySecrets, arg: unknown): Promise<HistoryEntry | undefined> {
  const given = isArgs(arg) ? arg : undefined;
  const m = await pushedModelFrom(lineage, arg, 'Promote');
  if (!m) return undefined;
  let alias = given?.alias;
  if (!alias) {
    const items: vscode.QuickPickItem[] = [...ALIASES.map((label) => ({ label })), { label: '$(edit) Another alias…' }];
    const p = await vscode.window.showQuickPick(items, { title: `Promote ${m.entry.reference} to` });
    if (!p) return undefined;
    alias = p.label.startsWith('$(') ? await vscode.window.showInputBox({ title: 'Alias', prompt: 'Letters, digits, _ . -', ignoreFocusOut: true }) : p.label;
    if (!alias) return undefined;
  }
  const note =
    given?.note ??
    (await vscode.window.showInputBox({
      title: `Promote to ${alias}: why?`,
      prompt: 'A note for the history (required): what was checked, who approved',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'A promotion needs a note'),
    }));
  if (!note?.trim()) return undefined;
  const ws = await lineage.workspace(m.folder);
  const { planPromotion, applyPromotion } = await import('../../core/registry/promote');
  const { clientFor } = await import('../../core/registry/clients');
  const model = modelRefOf(m);
  try {
    const client = await clientFor(model.registry);
    const entry = await withCredentials(secrets, model.registry, async (credentials) => {
      const plan = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Lineage: checking the model before promotion' },
        () => planPromotion({ store: ws.store, paths: ws.paths, entries: m.entries, model, alias, client, credentials }),
      );
      let force = given?.force ?? false;
      if (plan.flags.length && !force) {
        const go = await vscode.window.showWarningMessage(
          `Promote to ${alias} despite ${plan.flags.length === 1 ? 'this' : 'these'}?`,
          { modal: true, detail: plan.flags.map((f) => `• ${f.message}`).join('\n') + '\n\nThe flags are written into the promotion history.' },
          'Promote Anyway',
        );
        if (go !== 'Promote Anyway') return undefined;
        force = true;
      }
      return applyPromotion(plan, { paths: ws.paths, client, credentials, note, force });
    });
    if (!entry) return undefined;
    lineage.log(
      `Promoted ${entry.reference} to ${alias}${entry.previous ? ` (was ${entry.previous})` : ''}${entry.flags?.length ? ` with flags: ${entry.flags.map((f) => f.code).join(', ')}` : ''}.`,
    );
    lineage.fireChanged(entry.runId ? [entry.runId] : [], m.folder);
    void vscode.window.showInformationMessage(`Lineage: ${alias} now points at ${entry.reference}.`);
    return entry;
  } catch (err) {
    showRegistryError(err, (l) => lineage.log(l));
    return undefined;
  }
}

/** Roll back: the alias (those the history has moved for this model), a confirmation, then the previous holder is back. */
export async function rollbackCommand(lineage: Lineage, secrets: RegistrySecrets, arg: unknown): Promise<HistoryEntry | undefined> {
  const given = isArgs(arg) ? arg : undefined;
  const m = await pushedModelFrom(lineage, arg, 'Roll back');
  if (!m) return undefined;
  const { aliasHolders, rollback } = await import('../../core/registry/promote');
  const { modelKey } = await import('../../core/registry/reference');
  const key = modelKey(m.entry.target);
  const aliases = [...new Set(m.entries.filter((e) => e.type !== 'push' && e.alias && modelKey(e.target) === key).map((e) => e.alias!))];
  const candidates = aliases.map((a) => ({ alias: a, holders: aliasHolders(m.entries, m.entry.target, a) })).filter((c) => c.holders.length >= 2);
  let alias = given?.alias;
  if (!alias) {
    if (!candidates.length) {
      void vscode.window.showInformationMessage('Lineage: no alias of this model has a previous holder to go back to.');
      return undefined;
    }
    const p = await vscode.window.showQuickPick(
      candidates.map((c) => ({
        label: c.alias,
        description: `back to ${c.holders[c.holders.length - 2].slice(0, 19)}`,
        detail: `now ${c.holders[c.holders.length - 1].slice(0, 19)}`,
      })),
      { title: 'Roll back which alias?' },
    );
    if (!p) return undefined;
    alias = p.label;
    const back = candidates.find((c) => c.alias === alias)!.holders;
    const ok = await vscode.window.showWarningMessage(`Point ${alias} back at ${back[back.length - 2]}?`, { modal: true }, 'Roll Back');
    if (ok !== 'Roll Back') return undefined;
  }
  const ws = await lineage.workspace(m.folder);
  const { clientFor } = await import('../../core/registry/clients');
  const model = modelRefOf(m);
  try {
    const client = await clientFor(model.registry);
    const entry = await withCredentials(secrets, model.registry, (credentials) =>
      rollback({ paths: ws.paths, entries: m.entries, model, alias, client, credentials, note: given?.note }),
    );
    lineage.log(`Rolled back ${alias} to ${entry.reference} (was ${entry.previous ?? 'unset'}).`);
    lineage.fireChanged(entry.runId ? [entry.runId] : [], m.folder);
    void vscode.window.showInformationMessage(`Lineage: ${alias} points at ${entry.reference} again.`);
    return entry;
  } catch (err) {
    showRegistryError(err, (l) => lineage.log(l));
    return undefined;
  }
}

export async function copyReferenceCommand(lineage: Lineage, arg: unknown): Promise<string | undefined> {
  const m = await pushedModelFrom(lineage, arg, 'Copy the reference of');
  if (!m) return undefined;
  await vscode.env.clipboard.writeText(m.entry.reference);
  void vscode.window.showInformationMessage(`Lineage: copied ${m.entry.reference}`);
  return m.entry.reference;
}

export async function openInRegistryCommand(lineage: Lineage, arg: unknown): Promise<void> {
  const m = await pushedModelFrom(lineage, arg, 'Open');
  if (!m) return;
  if (!m.entry.webUrl) {
    void vscode.window.showInformationMessage(
      `Lineage: ${m.entry.registry.name} has no web page for this model (a plain OCI registry has none). Its reference is ${m.entry.reference}.`,
    );
    return;
  }
  await vscode.env.openExternal(vscode.Uri.parse(m.entry.webUrl));
}

/** The model card of a run, opened as a Markdown document (the user saves it where it belongs). */
export async function exportModelCardCommand(lineage: Lineage, arg: unknown): Promise<vscode.TextDocument | undefined> {
  const node = arg as ModelNode | undefined;
  let ref: RunRef | undefined =
    node && typeof node === 'object' && node.kind === 'model' ? { id: node.runId, folder: node.folder } : runRefsFrom(isArgs(arg) ? arg.runId : arg)[0];
  ref ??= await pickRun(lineage, 'Model card of which run?');
  if (!ref) return undefined;
  const folder = ref.folder ?? lineage.folderOfRun(ref.id);
  if (!folder) return undefined;
  const ws = await lineage.workspace(folder);
  const { modelCard } = await import('../../core/registry/modelCard');
  const { readHistory } = await import('../../core/registry/history');
  const text = await modelCard(ws.store, ws.paths, ref.id, readHistory(ws.paths).entries);
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: text });
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** Pull: a folder to put the files in, then a cancellable download with every digest checked. */
export async function pullCommand(lineage: Lineage, secrets: RegistrySecrets, arg: unknown): Promise<string | undefined> {
  const given = isArgs(arg) ? arg : undefined;
  const m = await pushedModelFrom(lineage, arg, 'Pull');
  if (!m) return undefined;
  let dest = given?.dest;
  if (!dest) {
    const uris = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      defaultUri: vscode.Uri.file(m.folder),
      openLabel: 'Pull Here',
      title: `Pull ${m.entry.reference} into`,
    });
    if (!uris?.[0]) return undefined;
    dest = uris[0].fsPath;
  }
  const { clientFor } = await import('../../core/registry/clients');
  const model = modelRefOf(m);
  const { pullTarget } = await import('../../core/registry/models');
  const target = pullTarget(model);
  try {
    const client = await clientFor(model.registry);
    const r = await withCredentials(secrets, model.registry, (credentials) =>
      withTransferProgress(`Lineage: pulling ${m.entry.reference}`, (signal, onProgress) => client.pull(target, dest, { credentials, signal, onProgress })),
    );
    if (r.lineage) fs.writeFileSync(path.join(dest, 'lineage.json'), JSON.stringify(r.lineage, null, 2) + '\n');
    void vscode.window.showInformationMessage(`Lineage: pulled ${r.files.length} file${r.files.length === 1 ? '' : 's'} into ${dest}, every digest checked.`);
    return dest;
  } catch (err) {
    showRegistryError(err, (l) => lineage.log(l));
    return undefined;
  }
}
