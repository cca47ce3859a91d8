import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from './ids';
import { registerCommand } from './register';
import { engine } from '../engine';

/** "Fingerprint Dataset…" and "Show Data Status": the datasets engine from the command palette. */
export function registerDataCommands(lineage: Lineage): vscode.Disposable[] {
  // Placeholders until the kept-data commands land (issue 14).
  const notYet = () => void vscode.window.showInformationMessage('Lineage: not available in this build yet.');
  return [
    registerCommand(COMMANDS.restoreDatasetVersion, notYet),
    registerCommand(COMMANDS.freeKeptData, notYet),
    registerCommand(COMMANDS.fingerprintDataset, async (uri?: vscode.Uri) => {
      if (!uri) {
        const picked = await vscode.window.showOpenDialog({
          canSelectFiles: true,
          canSelectFolders: true,
          canSelectMany: false,
          defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
          openLabel: 'Fingerprint',
          title: 'Lineage: choose a data file or folder to fingerprint',
        });
        uri = picked?.[0];
      }
      if (!uri) return;
      const folder = lineage.folderOf(uri);
      if (!folder) return void vscode.window.showErrorMessage('Lineage: open a folder first; fingerprints are kept in its .lineage folder.');
      const ws = await lineage.workspace(folder);
      const { fingerprint, StatCache, profileTable, datasetKey, recordVersion, writeVersionFile } = await engine();
      const target = uri.fsPath;
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Lineage: fingerprinting ${path.basename(target)}`, cancellable: false },
        async (progress) => {
          const fp = await fingerprint(target, {
            cache: new StatCache(ws.store),
            onProgress: (phase, done, total) =>
              progress.report({ message: `${phase === 'scan' ? 'scanning' : 'hashing'} ${done}${total ? ` of ${total}` : ''} files` }),
          });
          const profile = fp.kind === 'file' ? await profileTable(target) : undefined;
          writeVersionFile(ws.paths, fp, profile);
          if (fp.sha256) recordVersion(ws.store, datasetKey(folder, target), fp, profile);
          ws.store.scheduleSave();
          return { fp, profile };
        },
      );
      const { fp, profile } = result;
      if (fp.kind === 'missing') return void vscode.window.showErrorMessage(`Lineage: ${target} does not exist.`);
      for (const w of fp.warnings) lineage.log(w);
      lineage.log(`${fp.sha256}  ${datasetKey(folder, target)} (${fp.stats.hashed} read, ${fp.stats.cached} unchanged)`);
      const rows = profile ? ` · ${profile.rows.toLocaleString('en-US')} rows × ${profile.columns.length} columns` : '';
      const files = fp.kind === 'folder' ? ` · ${fp.fileCount.toLocaleString('en-US')} files` : '';
      const warn = fp.warnings.length ? ` · ${fp.warnings.length} warning(s) in the Lineage output` : '';
      const pick = await vscode.window.showInformationMessage(
        `Lineage: ${datasetKey(folder, target)} sha256 ${fp.sha256?.slice(0, 12)}…${files}${rows}${warn}`,
        'Copy Fingerprint',
      );
      if (pick && fp.sha256) await vscode.env.clipboard.writeText(fp.sha256);
    }),
    registerCommand(COMMANDS.showDataStatus, async (runId?: string) => {
      // A run in hand is looked up in its own folder; else the active file's folder and its newest run.
      const folder = (typeof runId === 'string' ? lineage.folderOfRun(runId) : undefined) ?? lineage.folderOf(vscode.window.activeTextEditor?.document.uri);
      if (!folder) return;
      const ws = await lineage.workspace(folder);
      const { listRuns, dataStatus } = await engine();
      const id = typeof runId === 'string' ? runId : listRuns(ws.store, { limit: 1 })[0]?.id;
      if (!id) return void vscode.window.showInformationMessage('Lineage: no runs yet. Run a training script with "Lineage: Run Current File as Experiment".');
      const st = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Lineage: checking data' }, () =>
        dataStatus(ws.store, ws.paths, id),
      );
      if (st.length === 0) return void vscode.window.showInformationMessage(`Lineage: run ${id} recorded no datasets.`);
      const icon = { unchanged: '$(pass)', modified: '$(warning)', missing: '$(error)', 'not fingerprinted': '$(circle-outline)' } as const;
      const pick = await vscode.window.showQuickPick(
        st.map((s) => ({
          label: `${icon[s.state]} ${s.path}`,
          description: `${s.state} · ${s.role}`,
          detail:
            s.files && s.state === 'modified'
              ? [
                  s.files.modified.length && `${s.files.modified.length} modified`,
                  s.files.added.length && `${s.files.added.length} added`,
                  s.files.removed.length && `${s.files.removed.length} removed`,
                ]
                  .filter(Boolean)
                  .join(', ')
              : `sha256 ${s.recorded?.sha256?.slice(0, 16) ?? '-'}`,
          path: s.path,
        })),
        { title: `Lineage: data used by run ${id}`, placeHolder: 'Select a dataset to open it' },
      );
      if (pick) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(path.join(folder, pick.path)));
    }),
  ];
}
