import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from '../commands/ids';
import { registerCommand } from '../commands/register';
import { lineagePaths } from '../../core/util/lineagePaths';
import { pushModelCommand } from './pushFlow';
import { copyReferenceCommand, exportModelCardCommand, openInRegistryCommand, promoteCommand, pullCommand, rollbackCommand } from './modelActions';
import { registriesFor } from './registrySettings';
import { RegistrySecrets } from './secrets';
import { importRunsCommand, syncRunsCommand } from './syncCommands';

/**
 * Push, pull, promote, roll back, copy a reference, open in the registry, export a model card, and the
 * credentials kept in SecretStorage. Every command also takes an argument object (see pushFlow.ts and
 * pushedModel.ts) so tests and other extensions can skip the pickers. The Models view refreshes through
 * lineage.fireChanged after a push or an alias move.
 */
export function registerRegistryCommands(lineage: Lineage): vscode.Disposable[] {
  const secrets = new RegistrySecrets(lineage.context);
  return [
    registerCommand(COMMANDS.pushModel, (arg: unknown) => pushModelCommand(lineage, secrets, arg)),
    registerCommand(COMMANDS.pullModel, (arg: unknown) => pullCommand(lineage, secrets, arg)),
    registerCommand(COMMANDS.promoteModel, (arg: unknown) => promoteCommand(lineage, secrets, arg)),
    registerCommand(COMMANDS.rollbackModel, (arg: unknown) => rollbackCommand(lineage, secrets, arg)),
    registerCommand(COMMANDS.copyModelReference, (arg: unknown) => copyReferenceCommand(lineage, arg)),
    registerCommand(COMMANDS.openInRegistry, (arg: unknown) => openInRegistryCommand(lineage, arg)),
    registerCommand(COMMANDS.exportModelCard, (arg: unknown) => exportModelCardCommand(lineage, arg)),
    registerCommand(COMMANDS.syncRuns, (arg: unknown, selected: unknown) => syncRunsCommand(lineage, secrets, arg, selected)),
    registerCommand(COMMANDS.importRuns, (arg: unknown) => importRunsCommand(lineage, secrets, arg)),
    registerCommand(COMMANDS.signInToRegistry, () => setCredentials(lineage, secrets)),
    registerCommand(COMMANDS.forgetRegistryCredentials, () => forgetCredentials(secrets)),
  ];
}

/** The registries of every folder (configured, and any pushed to by URL), for the credential commands. */
async function knownRegistries(lineage: Lineage): Promise<Array<{ name: string; url: string }>> {
  const { readHistory } = await import('../../core/registry/history');
  const out = new Map<string, { name: string; url: string }>();
  for (const folder of lineage.folders()) {
    for (const r of await registriesFor(folder, (l) => lineage.log(l))) out.set(r.name, r);
    if (fs.existsSync(path.join(lineagePaths(folder).registry, 'history.jsonl')))
      for (const e of readHistory(lineagePaths(folder)).entries) if (!out.has(e.registry.name)) out.set(e.registry.name, e.registry);
  }
  return [...out.values()];
}

async function setCredentials(lineage: Lineage, secrets: RegistrySecrets): Promise<void> {
  const known = await knownRegistries(lineage);
  const items: Array<vscode.QuickPickItem & { r?: { name: string; url: string } }> = known.map((r) => ({
    label: r.name,
    description: r.url,
    detail: secrets.names().includes(r.name) ? 'credentials stored' : undefined,
    r,
  }));
  items.push({ label: '$(edit) Another registry (HOST:PORT)…' });
  const p = await vscode.window.showQuickPick(items, { title: 'Set credentials for which registry?' });
  if (!p) return;
  let r = p.r;
  if (!r) {
    const host = await vscode.window.showInputBox({
      title: 'Registry',
      prompt: 'Its configured name, or HOST:PORT as in oci://HOST:PORT/…',
      ignoreFocusOut: true,
    });
    if (!host) return;
    r = { name: host, url: host };
  }
  if (await secrets.ask(r)) void vscode.window.showInformationMessage(`Lineage: credentials for ${r.name} kept in VS Code's secret storage.`);
}

async function forgetCredentials(secrets: RegistrySecrets): Promise<void> {
  const names = secrets.names();
  if (!names.length) {
    void vscode.window.showInformationMessage('Lineage: no registry credentials are stored.');
    return;
  }
  const p = await vscode.window.showQuickPick(names, { title: 'Forget the credentials of which registry?' });
  if (!p) return;
  await secrets.forget(p);
  void vscode.window.showInformationMessage(`Lineage: forgot the credentials for ${p}.`);
}
