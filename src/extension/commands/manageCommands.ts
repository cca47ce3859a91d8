import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import type { ExperimentsTree } from '../views/experimentsTree';
import type { UserEdits } from '../../core/runs/userEdits';
import { lineagePaths, runDir } from '../../core/util/lineagePaths';
import { byFolder, runRefsFrom, type RunRef } from './runArgs';
import { pickRun, pickRuns } from './pickRuns';
import { runDetailUri } from '../views/runDocuments';
import { COMMANDS } from './ids';
import { registerCommand, runCommand } from './register';
import { updateSetting } from '../config';
import { engine } from '../engine';

/** Browsing and editing recorded runs: open, compare, rename, tag, note, star, delete, filter. */
export function registerManageCommands(lineage: Lineage, tree: ExperimentsTree): vscode.Disposable[] {
  const located = (refs: RunRef[]) => byFolder(refs, (id) => lineage.folderOfRun(id));
  /** Runs from the arguments (each acted on in its own folder), or one picked from every folder's runs. */
  const withRun = (title: string, fn: (id: string, folder: string) => Promise<unknown>) => async (arg?: unknown, selected?: unknown) => {
    let refs = runRefsFrom(arg, selected);
    if (refs.length === 0) {
      const picked = await pickRun(lineage, title);
      refs = picked ? [picked] : [];
    }
    for (const [folder, ids] of located(refs)) for (const id of ids) await fn(id, folder);
  };
  const edit = async (folder: string, id: string, change: (e: UserEdits) => void) => {
    const { updateUserEdits } = await engine();
    updateUserEdits(runDir(lineagePaths(folder), id), change);
    await lineage.sync(folder, [id]);
  };
  const childrenOrSelf = async (id: string) => {
    const folder = lineage.folderOfRun(id);
    if (!folder) return [id];
    const { childRunIds } = await engine();
    const children = childRunIds((await lineage.workspace(folder)).store, id);
    return children.length ? children : [id];
  };
  /** Reads every folder's run folders again, then redraws the tree. */
  const refreshAll = async () => {
    for (const f of lineage.folders()) await lineage.sync(f);
    tree.refresh();
  };

  return [
    registerCommand(
      COMMANDS.openRun,
      withRun('Open which run?', async (id) => {
        const { RunDetailPanel } = await import('../panels/runDetailPanel');
        RunDetailPanel.show(lineage, id);
      }),
    ),
    registerCommand(
      COMMANDS.openRunAsText,
      withRun('Open which run?', async (id) => {
        const doc = await vscode.workspace.openTextDocument(runDetailUri(id));
        await vscode.window.showTextDocument(doc, { preview: true });
      }),
    ),
    registerCommand(COMMANDS.showRun, async () => {
      const picked = await pickRun(lineage, 'Lineage: show which run?');
      if (picked) await runCommand(COMMANDS.openRun, picked.id);
    }),
    registerCommand(COMMANDS.compareRuns, async (arg?: unknown, selected?: unknown) => {
      let ids = runRefsFrom(arg, selected).map((r) => r.id);
      // A search's run (framework autolog) compares its candidates, its child runs, and the panel follows it.
      const parent = ids.length === 1 ? ids[0] : undefined;
      if (parent) ids = await childrenOrSelf(parent);
      const following = parent && !ids.includes(parent) ? parent : undefined;
      // One run from a context menu: offer the others, that one ticked; confirmed alone, it opens alone (its
      // curves, zoomable to every point, are worth a panel too).
      if (ids.length < 2) ids = ((await pickRuns(lineage, 'Lineage: compare which runs?', true, ids)) ?? []).map((r) => r.id);
      if (ids.length === 0) return;
      const { ComparePanel } = await import('../panels/comparePanel');
      ComparePanel.show(lineage, ids, undefined, following);
    }),
    registerCommand(COMMANDS.compareRunsAsText, async (arg?: unknown, selected?: unknown) => {
      const ids = runRefsFrom(arg, selected).map((r) => r.id);
      if (ids.length < 2) return;
      const doc = await vscode.workspace.openTextDocument(runDetailUri(ids.join(','), 'compare'));
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    registerCommand(
      COMMANDS.renameRun,
      withRun('Rename which run?', async (id, f) => {
        const ws = await lineage.workspace(f);
        const { runLabel } = await engine();
        const current = runLabel(ws.store, id)?.name ?? '';
        const name = await vscode.window.showInputBox({
          title: 'Lineage: rename run',
          value: current,
          validateInput: (v) => (v.trim() ? (v.length > 200 ? 'At most 200 characters.' : undefined) : 'A name cannot be empty.'),
        });
        if (name !== undefined) await edit(f, id, (e) => (e.name = name.trim()));
      }),
    ),
    registerCommand(
      COMMANDS.addTag,
      withRun('Tag which run?', async (id, f) => {
        const text = await vscode.window.showInputBox({
          title: 'Lineage: add a tag',
          prompt: 'key=value (or just a key)',
          validateInput: (v) => (v.trim() ? undefined : 'Type a tag, e.g. stage=candidate'),
        });
        if (text === undefined) return;
        const [k, ...rest] = text.split('=');
        await edit(f, id, (e) => ((e.tags ??= {})[k.trim()] = rest.join('=').trim()));
      }),
    ),
    registerCommand(
      COMMANDS.addNote,
      withRun('Add a note to which run?', async (id, f) => {
        const ws = await lineage.workspace(f);
        const { runLabel } = await engine();
        const current = runLabel(ws.store, id)?.note ?? '';
        const note = await vscode.window.showInputBox({ title: 'Lineage: note', value: current, prompt: 'Why this run matters (empty removes the note)' });
        if (note !== undefined) await edit(f, id, (e) => (e.note = note.trim() || undefined));
      }),
    ),
    registerCommand(
      COMMANDS.starRun,
      withRun('Star which run?', (id, f) => edit(f, id, (e) => (e.starred = true))),
    ),
    registerCommand(
      COMMANDS.unstarRun,
      withRun('Unstar which run?', (id, f) => edit(f, id, (e) => (e.starred = false))),
    ),
    registerCommand(
      COMMANDS.openConsoleLog,
      withRun('Console log of which run?', async (id, f) => {
        const file = path.join(runDir(lineagePaths(f), id), 'console.log');
        if (!fs.existsSync(file)) return void vscode.window.showWarningMessage(`Lineage: run ${id} has no console log.`);
        await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
      }),
    ),
    registerCommand(
      COMMANDS.revealArtifacts,
      withRun('Artifacts of which run?', async (id, f) => {
        const dir = path.join(runDir(lineagePaths(f), id), 'artifacts');
        await vscode.commands
          .executeCommand('revealFileInOS', vscode.Uri.file(fs.existsSync(dir) ? dir : path.dirname(dir)))
          .then(undefined, () => vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(dir)));
      }),
    ),
    registerCommand(
      COMMANDS.copyRunId,
      withRun('Copy the id of which run?', async (id) => {
        await vscode.env.clipboard.writeText(id);
        vscode.window.setStatusBarMessage(`Lineage: copied ${id}`, 3000);
      }),
    ),
    registerCommand(COMMANDS.deleteRun, async (arg?: unknown, selected?: unknown) => {
      const groups = located(runRefsFrom(arg, selected));
      const all = [...groups.values()].flat();
      if (all.length === 0) return;
      const { runLabel } = await engine();
      let firstName = all[0];
      if (all.length === 1) {
        const [[folder]] = groups;
        firstName = runLabel((await lineage.workspace(folder)).store, all[0])?.name ?? all[0];
      }
      const ok = await vscode.window.showWarningMessage(
        all.length === 1 ? `Delete run "${firstName}"?` : `Delete ${all.length} runs?`,
        { modal: true, detail: 'The run folders go to the trash (with their logs and artifacts), so they can be restored from there.' },
        'Move to Trash',
      );
      if (ok !== 'Move to Trash') return;
      const { deleteRun } = await engine();
      for (const [folder, ids] of groups) {
        const ws = await lineage.workspace(folder);
        const gone: string[] = [];
        try {
          // The same deletion as `lineage rm`: the folder to a trash, then the run out of the index.
          for (const id of ids) gone.push(deleteRun(ws, id).id);
        } catch (err) {
          void vscode.window.showErrorMessage(`Lineage: ${(err as Error).message}`);
        } finally {
          ws.store.scheduleSave();
          if (gone.length) lineage.fireChanged(gone, folder);
        }
      }
    }),
    registerCommand(COMMANDS.filterRuns, async () => {
      const { parseFilter, FilterSyntaxError } = await engine();
      const text = await vscode.window.showInputBox({
        title: 'Lineage: filter runs',
        value: tree.filter ?? '',
        placeHolder: 'metrics.val_rmse < 30000 and (params.model = "gbr" or tags.note ~ "baseline")',
        prompt: 'params.*, metrics.*, tags.*, name, status, experiment, duration, started; and, or, not; = != < <= > >= ~ in exists',
        validateInput: (v) => {
          try {
            parseFilter(v);
            return undefined;
          } catch (err) {
            if (err instanceof FilterSyntaxError) return { message: err.message, severity: vscode.InputBoxValidationSeverity.Error };
            return String(err);
          }
        },
      });
      if (text === undefined) return;
      const count = await tree.setFilter(text);
      void lineage.treeView?.then((v) => (v.message = text.trim() ? `Filter: ${text.trim()} — ${count ?? 0} run(s)` : undefined));
    }),
    registerCommand(COMMANDS.clearFilter, async () => {
      await tree.setFilter(undefined);
      void lineage.treeView?.then((v) => (v.message = undefined));
    }),
    registerCommand(COMMANDS.showMoreRuns, (experiment: string, folder?: string) => tree.showMore(experiment, folder)),
    registerCommand(COMMANDS.refresh, refreshAll),
    registerCommand(COMMANDS.rebuildDatabase, async () => {
      const folders = lineage.folders();
      const { LineageWorkspace } = await engine();
      let scanned = 0;
      for (const f of folders) {
        await lineage.closeWorkspace(f);
        const { report } = await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: `Lineage: rebuilding the index${folders.length > 1 ? ` of ${path.basename(f)}` : ''} from the run folders`,
          },
          async (progress) => {
            const r = await LineageWorkspace.rebuild(f, { onProgress: (done, total) => progress.report({ message: `${done} of ${total} runs` }) });
            r.ws.close();
            return r;
          },
        );
        scanned += report.scanned;
        await lineage.sync(f);
      }
      if (folders.length === 0) return;
      tree.refresh();
      void vscode.window.showInformationMessage(`Lineage: the index was rebuilt from ${scanned} run folder(s).`);
    }),
    registerCommand(COMMANDS.openSettings, () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:lineage-dev.lineage')),
    registerCommand(COMMANDS.selectInterpreter, async () => {
      const candidates = ['/usr/bin/python3', '/usr/local/bin/python3', 'python3'].filter((p, i, a) => a.indexOf(p) === i);
      const picks: Array<vscode.QuickPickItem & { value?: string }> = candidates.map((c) => ({ label: c, value: c }));
      picks.push({ label: '$(folder) Browse…' });
      const pick = await vscode.window.showQuickPick(picks, { title: 'Lineage: Python interpreter for training scripts' });
      if (!pick) return;
      let value = pick.value;
      if (!value) {
        const uri = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use this interpreter' });
        value = uri?.[0]?.fsPath;
      }
      if (value) await updateSetting('pythonPath', value);
    }),
  ];
}
