import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionContextState } from '../state';
import { RunTerminal } from '../runTerminal';

/** "Lineage: Run Current File as Experiment": the active Python file, through the core launcher. */
export function registerRunCurrentFile(state: ExtensionContextState): vscode.Disposable {
  return vscode.commands.registerCommand('lineage.runCurrentFile', async (uri?: vscode.Uri) => {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('Lineage does not run scripts in an untrusted workspace. Trust this folder to run experiments.', 'Manage Workspace Trust').then((c) => {
        if (c) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return;
    }
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!doc || doc.languageId !== 'python') {
      void vscode.window.showErrorMessage('Lineage: open a Python training script first, then run "Lineage: Run Current File as Experiment".');
      return;
    }
    if (doc.isDirty) await doc.save();
    const folder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? path.dirname(doc.uri.fsPath);
    const config = vscode.workspace.getConfiguration('lineage', doc.uri);
    const python = config.get<string>('pythonPath') || 'python3';
    const { launchRun, LaunchError } = await import('../../core/launcher/launch');
    const term = new RunTerminal(path.basename(doc.uri.fsPath));
    let handle;
    try {
      handle = await launchRun({
        workspace: folder,
        command: [doc.uri.fsPath],
        cwd: path.dirname(doc.uri.fsPath),
        python,
        createdBy: 'vscode',
        env: config.get<boolean>('captureData', true) ? {} : { LINEAGE_CAPTURE_DATA: '0' },
        onOutput: (text) => term.write(text),
      });
    } catch (err) {
      term.dispose();
      const msg = err instanceof LaunchError ? err.message : String(err);
      const pick = await vscode.window.showErrorMessage(`Lineage: ${msg}`, 'Set Python Path');
      if (pick) void vscode.commands.executeCommand('workbench.action.openSettings', 'lineage.pythonPath');
      return;
    }
    term.onStop(() => handle.stop());
    term.show(`Lineage run ${handle.record.name} (${handle.id})`);
    state.log(`Started run ${handle.id}: ${handle.record.command.join(' ')}`);
    const result = await handle.done.catch((err: Error) => err);
    const ws = await state.workspace(folder);
    await ws.sync({ only: [handle.id] });
    const { fingerprintRunDatasets } = await import('../../core/datasets/runDatasets');
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Lineage' }, (progress) =>
      fingerprintRunDatasets(ws.store, ws.paths, handle.id, { onProgress: (message) => progress.report({ message }) }).catch((err: Error) =>
        state.log(`Could not fingerprint the run's datasets: ${err.message}`),
      ),
    );
    void state.watches.get(folder)?.refresh();
    const { getRun } = await import('../../core/runs/queries');
    const { keyMetrics } = await import('../../core/runs/keyMetrics');
    const run = getRun(ws.store, handle.id);
    ws.store.scheduleSave(200);
    const metric = keyMetrics(run.metrics, 1)[0];
    const metricText = metric ? ` · ${metric.key} ${formatNumber(metric.last)}` : '';
    const secs = ((run.durationMs ?? 0) / 1000).toFixed(1);
    term.finish(`\r\n[Lineage] run ${run.status} in ${secs} s${metricText}\r\n`);
    state.log(`Run ${run.id} ${run.status}${result instanceof Error ? `: ${result.message}` : ''}`);
    const message = `Lineage: run ${run.name} ${run.status} in ${secs} s${metricText}`;
    const action = run.status === 'finished'
      ? await vscode.window.showInformationMessage(message, 'Open Console Log')
      : await vscode.window.showErrorMessage(`${message}. ${run.error ? run.error.trim().split('\n').pop() : 'See the console log.'}`, 'Open Console Log');
    if (action) await vscode.window.showTextDocument(vscode.Uri.file(path.join(handle.dir, 'console.log')));
  });
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 1 }) : String(Number(v.toPrecision(5)));
}
