import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { COMMANDS } from '../commands/ids';
import { registerCommand } from '../commands/register';
import { runRefsFrom } from '../commands/runArgs';
import type { SweepService } from './sweepService';
import { isSweepArgs } from './sweepArgs';

/** How long after activation unfinished sweeps are looked for: off the activation path, after the views. */
const RESUME_DELAY_MS = 1500;

/**
 * Run Sweep…, Stop Sweep and Resume Sweep…, and the offer to resume a sweep left unfinished by a closed window. The service
 * and the pickers load on first use (nothing here is evaluated at activation beyond registering).
 */
export function registerSweepCommands(lineage: Lineage): vscode.Disposable[] {
  let service: Promise<SweepService> | undefined;
  const svc = () => (service ??= import('./sweepService').then((m) => new m.SweepService(lineage)));

  const runSweep = async (arg?: unknown): Promise<{ id: string } | undefined> => {
    if (isSweepArgs(arg)) {
      // An argument object (a test, a task): no pickers.
      const abs = path.resolve(lineage.folderOf() ?? '', arg.script);
      const folder = lineage.folderOf(vscode.Uri.file(abs)) ?? path.dirname(abs);
      const { toNewSweep } = await import('./sweepArgs');
      let o;
      try {
        o = toNewSweep({ ...arg, script: abs }, folder);
      } catch (err) {
        void vscode.window.showErrorMessage(`Lineage: ${(err as Error).message}`);
        return undefined;
      }
      const s = await (await svc()).start(folder, o);
      return s && { id: s.id };
    }
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    const doc = uri ? await vscode.workspace.openTextDocument(uri) : undefined;
    if (!doc || doc.languageId !== 'python') {
      void vscode.window.showErrorMessage('Lineage: open a Python training script with argparse options first, then run "Lineage: Run Sweep…".');
      return undefined;
    }
    if (doc.isDirty) await doc.save();
    const folder = lineage.folderOf(doc.uri) ?? path.dirname(doc.uri.fsPath);
    const { pickSweepArgs } = await import('./sweepPickers');
    const picked = await pickSweepArgs(lineage, doc, folder);
    if (!picked) return undefined;
    return runSweep(picked);
  };

  const stopSweep = async (arg?: unknown) => {
    const s = await svc();
    let [id] = runRefsFrom(arg).map((r) => r.id);
    if (!id) {
      const live = [...s.active.values()];
      if (live.length === 0) return void vscode.window.showInformationMessage('Lineage: no sweep is running in this window.');
      if (live.length === 1) id = live[0].state.id;
      else {
        const pick = await vscode.window.showQuickPick(
          live.map((a) => ({ label: a.state.name, description: a.state.id, id: a.state.id })),
          { title: 'Lineage: stop which sweep?' },
        );
        id = pick?.id ?? '';
      }
    }
    if (!id) return;
    if (!s.stop(id))
      void vscode.window.showWarningMessage(`Lineage: sweep ${id} is not running in this window; stop it where it was started (Ctrl-C in its terminal).`);
  };

  /** A sweep left unfinished (its window closed, its terminal killed) or stopped: go on with it here. */
  const resumeSweep = async (arg?: unknown): Promise<{ id: string } | undefined> => {
    const { listSweeps, sweepsDir } = await import('../../core/sweep/state');
    const fs = await import('node:fs');
    const candidates = lineage
      .folders()
      .flatMap((folder) => listSweeps(folder).map((st) => ({ folder, st })))
      .filter(({ st }) => st.status === 'running' || st.status === 'stopped');
    let [id] = runRefsFrom(arg).map((r) => r.id);
    if (!id) {
      if (!candidates.length) return void vscode.window.showInformationMessage('Lineage: no sweep is waiting to be resumed.');
      const pick = await vscode.window.showQuickPick(
        candidates.map(({ st }) => ({ label: st.name, description: `${st.status} · ${path.basename(st.script)}`, detail: st.id, id: st.id })),
        { title: 'Lineage: resume which sweep?' },
      );
      id = pick?.id ?? '';
    }
    if (!id) return undefined;
    const folder = candidates.find((c) => c.st.id === id)?.folder ?? lineage.folders().find((f) => fs.existsSync(path.join(sweepsDir(f), `${id}.json`)));
    if (!folder) return void vscode.window.showErrorMessage(`Lineage: no sweep ${id} in this workspace's .lineage/sweeps.`);
    try {
      const st = await (await svc()).resume(folder, id);
      return st && { id: st.id };
    } catch (err) {
      void vscode.window.showErrorMessage(`Lineage: ${(err as Error).message}`);
      return undefined;
    }
  };

  const timer = setTimeout(() => {
    if (!vscode.workspace.isTrusted) return;
    void svc()
      .then((s) => s.offerResume())
      .catch((err: Error) => lineage.log(`Looking for unfinished sweeps: ${err.message}`));
  }, RESUME_DELAY_MS);

  return [
    registerCommand(COMMANDS.runSweep, runSweep),
    registerCommand(COMMANDS.stopSweep, stopSweep),
    registerCommand(COMMANDS.resumeSweep, resumeSweep),
    { dispose: () => clearTimeout(timer) },
    { dispose: () => void service?.then((s) => s.dispose()) },
  ];
}
