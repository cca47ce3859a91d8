import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from './ids';
import { registerCommand } from './register';
import { engine } from '../engine';
import type { DatasetVersionNode } from '../views/datasetsTree';
import { formatBytes } from '../../core/util/format';

/** "Fingerprint Dataset…", "Show Data Status", and the kept data: restore a version, free what no run needs. */
export function registerDataCommands(lineage: Lineage): vscode.Disposable[] {
  return [
    registerCommand(COMMANDS.restoreDatasetVersion, (node?: DatasetVersionNode) => restoreDatasetVersion(lineage, node)),
    registerCommand(COMMANDS.freeKeptData, () => freeKeptData(lineage)),
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

const LIST_MAX = 15;

function listed(lines: string[]): string {
  return lines.slice(0, LIST_MAX).join('\n') + (lines.length > LIST_MAX ? `\n… and ${lines.length - LIST_MAX} more` : '');
}

/**
 * "Restore This Version" on a dataset version in the Datasets view: the bytes a run read (kept data, or git
 * for a file recorded by reference) written back over the dataset, after a confirmation listing what changes.
 */
async function restoreDatasetVersion(lineage: Lineage, node?: DatasetVersionNode): Promise<void> {
  if (!node || node.kind !== 'version')
    return void vscode.window.showInformationMessage('Lineage: right-click a version of a dataset in the Datasets view to restore it.');
  const ws = await lineage.workspace(node.folder);
  const { runsOfVersion, restoreRunInputs } = await engine();
  const runs = runsOfVersion(ws.store, node.id);
  // Prefer a run that read this version: inputs are what is kept by default.
  const run = runs.find((r) => r.role !== 'output') ?? runs[0];
  const short = node.sha.slice(0, 12);
  if (!run) return void vscode.window.showInformationMessage(`Lineage: no run used version ${short} of ${node.path}, so none kept its bytes.`);
  const scope = { only: [node.path], roles: [run.role] };
  const plan = await restoreRunInputs(ws.store, ws.paths, run.id, { ...scope, dryRun: true, force: true });
  if (plan.wouldChange.length === 0 && plan.wouldRemove.length === 0 && plan.missing.length === 0)
    return void vscode.window.showInformationMessage(`Lineage: ${node.path} already is version ${short}.`);
  if (plan.wouldChange.length === 0 && plan.wouldRemove.length === 0)
    return void vscode.window.showErrorMessage(
      `Lineage: version ${short} of ${node.path} cannot be restored: ${plan.missing[0].reason}${plan.missing.length > 1 ? ` (and ${plan.missing.length - 1} more files)` : ''}`,
    );
  // A folder is made that version: what it holds now that the version did not goes, and the modal says so.
  const detail =
    [
      plan.wouldChange.length && `It will change:\n${listed(plan.wouldChange.map((w) => `${w.path}: ${w.reason}`))}`,
      plan.wouldRemove.length && `It will remove:\n${listed(plan.wouldRemove.map((w) => `${w.path}: ${w.reason}`))}`,
    ]
      .filter(Boolean)
      .join('\n\n') +
    (plan.missing.length ? `\n\nCannot be restored:\n${listed(plan.missing.map((m) => `${m.path}: ${m.reason}`))}` : '') +
    '\n\nEach file is verified by sha256 before it replaces the current one.';
  const ok = await vscode.window.showWarningMessage(
    `Restore ${node.path} to version ${short}, as run "${run.name}" ${run.role === 'output' ? 'wrote' : 'read'} it?`,
    { modal: true, detail },
    'Restore',
  );
  if (ok !== 'Restore') return;
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Lineage: restoring ${node.path}` }, () =>
    restoreRunInputs(ws.store, ws.paths, run.id, { ...scope, force: true }),
  );
  for (const m of r.missing) lineage.log(`Not restored: ${m.path}: ${m.reason}`);
  void lineage.watches.get(node.folder)?.refresh();
  if (r.missing.length)
    void vscode.window.showWarningMessage(
      `Lineage: restored ${r.restored.length} file(s) of ${node.path}; ${r.missing.length} could not be (${r.missing[0].reason}). See the Lineage output.`,
    );
  else
    void vscode.window.showInformationMessage(
      `Lineage: restored ${node.path} to version ${short} (${r.restored.length} file(s), verified by sha256${r.removed.length ? `; removed ${r.removed.length} not in that version` : ''}).`,
    );
}

/** "Free Kept Data No Run Needs…": lineage gc, after saying what it would free. */
async function freeKeptData(lineage: Lineage): Promise<void> {
  const folder = lineage.folderOf(vscode.window.activeTextEditor?.document.uri);
  if (!folder) return void vscode.window.showInformationMessage('Lineage: open a folder with recorded runs first.');
  const ws = await lineage.workspace(folder);
  const { collectGarbage } = await engine();
  const dry = collectGarbage(ws.store, ws.paths, { dryRun: true });
  const young = dry.young ? ` ${dry.young} newer object(s) are left for an hour, in case a run being recorded needs them.` : '';
  if (dry.freed.length === 0)
    return void vscode.window.showInformationMessage(
      `Lineage: nothing to free; runs need all ${dry.kept} kept object(s) (${formatBytes(dry.keptBytes)}).${young}`,
    );
  const ok = await vscode.window.showWarningMessage(
    `Free ${formatBytes(dry.freedBytes)} of kept data no run needs (${dry.freed.length} object(s))?`,
    {
      modal: true,
      detail: `Runs still need ${dry.kept} object(s) (${formatBytes(dry.keptBytes)}); those stay, as does the data of starred runs and of pushed or promoted models.${young}`,
    },
    'Free',
  );
  if (ok !== 'Free') return;
  const r = collectGarbage(ws.store, ws.paths, {});
  lineage.log(`Freed ${r.freed.length} kept object(s), ${formatBytes(r.freedBytes)}: ${r.freed.map((f) => f.sha256.slice(0, 12)).join(', ')}`);
  void vscode.window.showInformationMessage(`Lineage: freed ${formatBytes(r.freedBytes)} (${r.freed.length} object(s)).`);
}
