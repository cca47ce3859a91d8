import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PushOutcome } from '../../core/registry/push';
import type { RegistryConfig, RegistryTarget } from '../../core/registry/types';
import type { Lineage } from '../lineage';
import { pickRun } from '../commands/pickRuns';
import { runRefsFrom } from '../commands/runArgs';
import type { ModelNode } from '../views/modelsTree';
import { registriesFor } from './registrySettings';
import type { RegistrySecrets } from './secrets';
import { showRegistryError, withCredentials, withTransferProgress } from './transfer';

/** For tests and other callers: everything the pickers would ask, so none of them shows. */
export interface PushArgs {
  runId: string;
  folder?: string;
  /** A configured registry's name, or a reference URL (oci://…, mlflow://…). */
  registry: string;
  repository?: string;
  tag?: string;
  modelPath?: string;
  plainHttp?: boolean;
}

const isPushArgs = (a: unknown): a is PushArgs =>
  !!a && typeof a === 'object' && !('kind' in a) && typeof (a as PushArgs).runId === 'string' && typeof (a as PushArgs).registry === 'string';

/**
 * "Push Model…": the run (from the tree, the run panel's button, or a pick), the model file or folder, the
 * registry, the repository or model name and the tag or alias; then a cancellable progress notification.
 * Credentials are asked only when the registry wants them, and kept in SecretStorage.
 */
export async function pushModelCommand(lineage: Lineage, secrets: RegistrySecrets, arg: unknown): Promise<PushOutcome | undefined> {
  const given = isPushArgs(arg) ? arg : undefined;
  const node = arg as ModelNode | undefined;
  let runId: string | undefined;
  let folder: string | undefined;
  let modelPath: string | undefined = given?.modelPath;
  if (given) [runId, folder] = [given.runId, given.folder];
  else if (node && typeof node === 'object' && node.kind === 'model') [runId, folder, modelPath] = [node.runId, node.folder, node.path];
  else {
    const ref = runRefsFrom(arg)[0] ?? (await pickRun(lineage, "Push which run's model?"));
    if (!ref) return undefined;
    [runId, folder] = [ref.id, ref.folder];
  }
  folder ??= lineage.folderOfRun(runId);
  if (!folder) {
    void vscode.window.showWarningMessage(`Lineage: no run ${runId} in this window's folders.`);
    return undefined;
  }
  const ws = await lineage.workspace(folder);
  const { getRun } = await import('../../core/runs/queries');
  const run = getRun(ws.store, runId);

  if (modelPath === undefined) {
    // One logged model is the one pushed; several are picked from; none (or another file) through the file dialog.
    const models = run.artifacts.filter((a) => a.kind === 'model');
    if (models.length === 1) modelPath = models[0].path;
    else {
      const items: Array<vscode.QuickPickItem & { path?: string }> = models.map((m) => ({ label: m.path, description: m.flavor ?? undefined, path: m.path }));
      items.push({ label: '$(folder-opened) Choose a file or folder…' });
      const picked = models.length ? await vscode.window.showQuickPick(items, { title: `Push which model of ${run.name}?` }) : items[0];
      if (!picked) return undefined;
      if (picked.path) modelPath = picked.path;
      else {
        const uris = await vscode.window.showOpenDialog({
          canSelectFiles: true,
          canSelectFolders: true,
          canSelectMany: false,
          defaultUri: vscode.Uri.file(folder),
          title: `${run.name} logged no model: the file or folder to push`,
        });
        if (!uris?.[0]) return undefined;
        modelPath = uris[0].fsPath;
      }
    }
  }

  const registries = await registriesFor(folder, (l) => lineage.log(l));
  const dest = given ? await destinationFrom(given, registries) : await askDestination(registries, run.experiment, run.name);
  if (!dest) return undefined;
  const { registry, target } = dest;

  const { pushModel } = await import('../../core/registry/push');
  const { clientFor } = await import('../../core/registry/clients');
  try {
    const client = await clientFor(registry);
    const out = await withCredentials(secrets, registry, (credentials) =>
      withTransferProgress(`Lineage: pushing ${path.basename(modelPath)} to ${registry.name}`, (signal, onProgress) =>
        pushModel({ store: ws.store, paths: ws.paths, runId: run.id, modelPath, registry, target, client, credentials, signal, onProgress }),
      ),
    );
    lineage.log(
      `Pushed ${modelPath} of run ${run.id} to ${out.result.reference}${out.result.digest ? ` (${out.result.digest})` : ''}; ${out.result.bytesSent} bytes sent, ${out.result.bytesSkipped} already there.`,
    );
    lineage.fireChanged([run.id], folder);
    const actions = ['Copy Reference', ...(out.result.webUrl ? ['Open in Registry'] : [])];
    void vscode.window
      .showInformationMessage(
        `Lineage: pushed ${run.name}'s model to ${out.result.reference}${out.result.digest ? ` (${out.result.digest.slice(0, 19)}…)` : ''}.`,
        ...actions,
      )
      .then((a) => {
        if (a === 'Copy Reference') void vscode.env.clipboard.writeText(out.result.reference);
        if (a === 'Open in Registry' && out.result.webUrl) void vscode.env.openExternal(vscode.Uri.parse(out.result.webUrl));
      });
    return out;
  } catch (err) {
    showRegistryError(err, (l) => lineage.log(l));
    return undefined;
  }
}

async function destinationFrom(a: PushArgs, registries: RegistryConfig[]): Promise<{ registry: RegistryConfig; target: RegistryTarget } | undefined> {
  const { parseReference } = await import('../../core/registry/reference');
  const known = registries.find((r) => r.name === a.registry);
  const text = known ? `${known.name}/${known.kind === 'oci' ? `${a.repository}:${a.tag}` : `${a.repository}${a.tag ? `@${a.tag}` : ''}`}` : a.registry;
  const p = parseReference(text, { registries, plainHttp: a.plainHttp });
  return { registry: p.registry, target: p.target };
}

/** The registry (configured, or a reference typed in), then the repository or model name and the tag or alias. */
async function askDestination(
  registries: RegistryConfig[],
  experiment: string,
  runName: string,
): Promise<{ registry: RegistryConfig; target: RegistryTarget } | undefined> {
  const { parseReference } = await import('../../core/registry/reference');
  const items: Array<vscode.QuickPickItem & { registry?: RegistryConfig }> = registries.map((r) => ({
    label: r.name,
    description: `${r.kind} · ${r.url}`,
    registry: r,
  }));
  items.push({ label: '$(link) Enter a reference…', description: 'oci://HOST[:PORT]/REPOSITORY:TAG or mlflow://HOST/MODEL_NAME' });
  const picked = await vscode.window.showQuickPick(items, {
    title: 'Push to which registry?',
    placeHolder: registries.length ? undefined : 'No registries configured: add them in the lineage.registries setting, or enter a reference',
  });
  if (!picked) return undefined;
  if (!picked.registry) {
    const text = await vscode.window.showInputBox({
      title: 'Push to',
      prompt: 'oci://HOST[:PORT]/REPOSITORY:TAG (http://… registries: configure one in lineage.registries) or mlflow://HOST[:PORT]/MODEL_NAME[@alias]',
      ignoreFocusOut: true,
      validateInput: (v) => {
        try {
          parseReference(v, { registries });
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      },
    });
    if (!text) return undefined;
    const p = parseReference(text, { registries });
    return { registry: p.registry, target: p.target };
  }
  const r = picked.registry;
  const slug = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'model';
  const name = await vscode.window.showInputBox({
    title: `Push to ${r.name}`,
    prompt: r.kind === 'oci' ? 'Repository (lower-case, / allowed)' : 'Registered model name',
    value: r.kind === 'oci' ? `models/${slug(experiment)}` : experiment,
    ignoreFocusOut: true,
    validateInput: (v) => check(r, v, r.kind === 'oci' ? 'latest' : undefined),
  });
  if (!name) return undefined;
  const tag = await vscode.window.showInputBox({
    title: `Push to ${r.name}/${name}`,
    prompt: r.kind === 'oci' ? 'Tag' : 'Alias to set on the new version (optional, e.g. candidate)',
    value: r.kind === 'oci' ? slug(runName).slice(0, 100) : 'candidate',
    ignoreFocusOut: true,
    validateInput: (v) => (r.kind === 'oci' || v ? check(r, name, v) : undefined),
  });
  if (tag === undefined) return undefined;
  const p = parseReference(`${r.name}/${name}${r.kind === 'oci' ? `:${tag}` : tag ? `@${tag}` : ''}`, { registries: [r] });
  return { registry: p.registry, target: p.target };

  function check(reg: RegistryConfig, n: string, t: string | undefined): string | undefined {
    try {
      parseReference(`${reg.name}/${n}${reg.kind === 'oci' ? `:${t}` : t ? `@${t}` : ''}`, { registries: [reg] });
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }
}
