import * as vscode from 'vscode';
import type { RegistryConfig } from '../../core/registry/types';
import type { Lineage } from '../lineage';
import { pickRuns } from '../commands/pickRuns';
import { runRefsFrom } from '../commands/runArgs';
import { registriesFor } from './registrySettings';
import type { RegistrySecrets } from './secrets';
import { showRegistryError, withCredentials } from './transfer';

/** For tests and other callers: the server (a configured MLflow registry's name or mlflow://HOST:PORT) and what to skip asking. */
export interface SyncArgs {
  remote: string;
  folder?: string;
  runIds?: string[];
  experiment?: string;
}

const isSyncArgs = (a: unknown): a is SyncArgs => !!a && typeof a === 'object' && typeof (a as SyncArgs).remote === 'string';

/** "Sync Runs to MLflow…": the server, the runs (all, or picked), then core sync (src/core/registry/mlflow/sync.ts) with Cancel. */
export async function syncRunsCommand(lineage: Lineage, secrets: RegistrySecrets, arg: unknown, selected?: unknown): Promise<unknown> {
  const given = isSyncArgs(arg) ? arg : undefined;
  const folder = given?.folder ?? runRefsFrom(arg, selected)[0]?.folder ?? lineage.folders()[0];
  if (!folder) return undefined;
  const registry = await remoteFor(lineage, folder, given?.remote, 'Sync runs to which MLflow server?');
  if (!registry) return undefined;
  let runIds = given?.runIds ?? runRefsFrom(arg, selected).map((r) => r.id);
  if (!runIds.length) {
    const how = await vscode.window.showQuickPick(['All runs', 'Choose runs…'], { title: `Sync to ${registry.name}` });
    if (!how) return undefined;
    const ws = await lineage.workspace(folder);
    const { listRuns } = await import('../../core/runs/queries');
    if (how === 'All runs')
      runIds = listRuns(ws.store)
        .map((r) => r.id)
        .reverse();
    else runIds = ((await pickRuns(lineage, 'Sync which runs?', true)) ?? []).filter((r) => r.folder === folder).map((r) => r.id);
    if (!runIds.length) return undefined;
  }
  const ws = await lineage.workspace(folder);
  const { syncRuns } = await import('../../core/registry/mlflow/sync');
  try {
    const report = await withCredentials(secrets, registry, (credentials) =>
      Promise.resolve(
        vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Lineage: syncing to ${registry.name}`, cancellable: true },
          (progress, token) => {
            const ac = new AbortController();
            token.onCancellationRequested(() => ac.abort());
            return syncRuns({
              store: ws.store,
              paths: ws.paths,
              registry,
              credentials,
              runIds,
              signal: ac.signal,
              onRun: (done, total) => progress.report({ message: `${done} of ${total} runs` }),
            });
          },
        ),
      ),
    );
    const created = report.runs.filter((r) => r.created).length;
    void vscode.window.showInformationMessage(
      `Lineage: synced ${report.runs.length} run${report.runs.length === 1 ? '' : 's'} to ${registry.name} (${created} new, ${report.pointsSent} points sent${report.skipped.length ? `, ${report.skipped.length} skipped` : ''}).`,
    );
    return report;
  } catch (err) {
    showRegistryError(err, (l) => lineage.log(l));
    return undefined;
  }
}

/** "Import Runs from MLflow…": the server and the experiment, then core import (read-only runs) and the views refresh. */
export async function importRunsCommand(lineage: Lineage, secrets: RegistrySecrets, arg: unknown): Promise<unknown> {
  const given = isSyncArgs(arg) ? arg : undefined;
  const folder = given?.folder ?? lineage.folders()[0] ?? lineage.allFolders()[0];
  if (!folder) return undefined;
  const registry = await remoteFor(lineage, folder, given?.remote, 'Import runs from which MLflow server?');
  if (!registry) return undefined;
  const experiment =
    given?.experiment ??
    (await vscode.window.showInputBox({
      title: `Import from ${registry.name}`,
      prompt: 'The MLflow experiment (its name, case-sensitive)',
      ignoreFocusOut: true,
    }));
  if (!experiment) return undefined;
  const { importRuns } = await import('../../core/registry/mlflow/importRuns');
  const { lineagePaths } = await import('../../core/util/lineagePaths');
  try {
    const report = await withCredentials(secrets, registry, (credentials) =>
      Promise.resolve(
        vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Lineage: importing "${experiment}" from ${registry.name}`, cancellable: true },
          (progress, token) => {
            const ac = new AbortController();
            token.onCancellationRequested(() => ac.abort());
            return importRuns({
              paths: lineagePaths(folder),
              registry,
              credentials,
              experiment,
              signal: ac.signal,
              onRun: (done, total) => progress.report({ message: `${done} of ${total} runs` }),
            });
          },
        ),
      ),
    );
    await lineage.sync(folder);
    void vscode.window.showInformationMessage(
      `Lineage: imported ${report.imported.length} run${report.imported.length === 1 ? '' : 's'} of "${experiment}" from ${registry.name} (read-only)${report.existing.length ? `; ${report.existing.length} already here` : ''}.`,
    );
    return report;
  } catch (err) {
    showRegistryError(err, (l) => lineage.log(l));
    return undefined;
  }
}

/** A configured MLflow registry (picked, or by name) or a server typed as mlflow://HOST:PORT or http(s)://…. */
async function remoteFor(lineage: Lineage, folder: string, given: string | undefined, title: string): Promise<RegistryConfig | undefined> {
  const configured = (await registriesFor(folder, (l) => lineage.log(l))).filter((r) => r.kind === 'mlflow');
  let text = given;
  if (!text) {
    const items: Array<vscode.QuickPickItem & { r?: RegistryConfig }> = configured.map((r) => ({ label: r.name, description: r.url, r }));
    items.push({ label: '$(link) Enter a server…', description: 'mlflow://HOST:PORT' });
    const p = await vscode.window.showQuickPick(items, { title });
    if (!p) return undefined;
    if (p.r) return p.r;
    text = await vscode.window.showInputBox({ title, prompt: 'mlflow://HOST:PORT (mlflow+https:// for TLS) or http(s)://HOST[:PORT]', ignoreFocusOut: true });
    if (!text) return undefined;
  }
  const named = configured.find((r) => r.name === text);
  if (named) return named;
  const { trackingBase } = await import('../../core/registry/mlflow/http');
  try {
    if (!/^(mlflow(\+https?)?|https?):\/\//i.test(text) || /^[a-z+]+:\/\/[^/]*@/i.test(text))
      throw new Error('give mlflow://HOST:PORT or http(s)://HOST[:PORT], without credentials');
    const url = trackingBase(text);
    return { name: new URL(url).host, kind: 'mlflow', url };
  } catch (err) {
    void vscode.window.showErrorMessage(`Lineage: "${text}" is not an MLflow server: ${(err as Error).message}`);
    return undefined;
  }
}
