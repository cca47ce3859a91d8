import * as vscode from 'vscode';
import type { LineageWorkspace } from '../../core/workspace';
import { DatasetWatcher } from '../../core/datasets/watch';
import { checkDatasetChanges, watchedDatasetKeys, DatasetChange } from '../../core/datasets/changes';
import { resolveDatasetPath } from '../../core/datasets/datasetIndex';
import { COMMANDS } from '../commands/ids';
import { runCommand } from '../commands/register';

/**
 * Watches the datasets that runs used and tells the user when one changes after a run, offering to
 * fingerprint it again. Keeps the latest change per dataset for views that show "changed since run X".
 */
export class DatasetWatch implements vscode.Disposable {
  readonly changes = new Map<string, DatasetChange>();
  private readonly emitter = new vscode.EventEmitter<DatasetChange[]>();
  readonly onDidChange = this.emitter.event;
  private readonly watcher: DatasetWatcher;

  constructor(
    private readonly ws: LineageWorkspace,
    private readonly log: (line: string) => void,
  ) {
    this.watcher = new DatasetWatcher({
      workspace: ws.paths.workspace,
      onChange: (keys) => void this.check(keys),
      onNotice: (message) => {
        log(message);
        void vscode.window.showWarningMessage(`Lineage: ${message}`);
      },
    });
  }

  /** Call after runs were recorded: the set of watched paths follows what runs used. */
  async refresh(): Promise<void> {
    await this.watcher.setPaths(watchedDatasetKeys(this.ws.store));
  }

  private async check(keys: string[]): Promise<void> {
    const results = await checkDatasetChanges(this.ws.store, this.ws.paths, keys);
    const changed = results.filter((c) => c.state !== 'unchanged');
    for (const c of results) {
      if (c.state === 'unchanged') this.changes.delete(c.key);
      else this.changes.set(c.key, c);
    }
    this.ws.store.scheduleSave();
    this.emitter.fire(results);
    for (const c of changed) {
      const since = c.sinceRun ? ` since run ${c.sinceRun.name}` : '';
      this.log(`${c.key} ${c.state}${since} (was ${c.recordedSha?.slice(0, 12)}, now ${c.currentSha?.slice(0, 12) ?? 'gone'})`);
      if (c.state === 'missing') {
        void vscode.window.showWarningMessage(`Lineage: ${c.key} was deleted${since}.`);
        continue;
      }
      const pick = await vscode.window.showInformationMessage(`Lineage: ${c.key} changed${since}.`, 'Show Data Status', 'Fingerprint Again');
      if (pick === 'Fingerprint Again') await runCommand(COMMANDS.fingerprintDataset, vscode.Uri.file(resolveDatasetPath(this.ws.paths.workspace, c.key)));
      else if (pick === 'Show Data Status') await runCommand(COMMANDS.showDataStatus);
    }
  }

  dispose(): void {
    void this.watcher.close();
    this.emitter.dispose();
  }
}
