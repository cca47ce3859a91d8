import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionContextState } from '../state';
import type { ExperimentsTree } from '../views/experimentsTree';
import { runIdsFrom } from './runArgs';
import { pickRun, pickRuns } from './runCommands';
import { runDetailUri } from '../views/runDocuments';

/** Browsing and editing recorded runs: open, compare, rename, tag, note, star, delete, filter. */
export function registerManageCommands(state: ExtensionContextState, tree: ExperimentsTree): vscode.Disposable[] {
  const folder = () => state.folderOf();
  const withRun = (title: string, fn: (id: string, folder: string) => Promise<unknown>) => async (arg?: unknown, selected?: unknown) => {
    const f = folder();
    if (!f) return;
    let ids = runIdsFrom(arg, selected);
    if (ids.length === 0) {
      const id = await pickRun(state, f, title);
      ids = id ? [id] : [];
    }
    for (const id of ids) await fn(id, f);
  };
  const edit = async (f: string, id: string, change: (e: import('../../core/runs/userEdits').UserEdits) => void) => {
    const ws = await state.workspace(f);
    const { updateUserEdits } = await import('../../core/runs/userEdits');
    updateUserEdits(path.join(ws.paths.runs, id), change);
    await state.sync(f, [id]);
  };

  return [
    vscode.commands.registerCommand('lineage.openRun', withRun('Open which run?', async (id) => {
      const { RunDetailPanel } = await import('../panels/runDetailPanel');
      RunDetailPanel.show(state, id);
    })),
    vscode.commands.registerCommand('lineage.openRunAsText', withRun('Open which run?', async (id) => {
      const doc = await vscode.workspace.openTextDocument(runDetailUri(id));
      await vscode.window.showTextDocument(doc, { preview: true });
    })),
    vscode.commands.registerCommand('lineage.showRun', async () => {
      const f = folder();
      if (!f) return;
      const id = await pickRun(state, f, 'Lineage: show which run?');
      if (id) await vscode.commands.executeCommand('lineage.openRun', id);
    }),
    vscode.commands.registerCommand('lineage.compareRuns', async (arg?: unknown, selected?: unknown) => {
      const f = folder();
      if (!f) return;
      let ids = Array.isArray(arg) && arg.every((x) => typeof x === 'string') ? (arg as string[]) : runIdsFrom(arg, selected);
      // One run from a context menu: offer the others, that one ticked; confirmed alone, it opens alone (its
      // curves, zoomable to every point, are worth a panel too).
      if (ids.length < 2) ids = (await pickRuns(state, f, 'Lineage: compare which runs?', true, ids)) ?? [];
      if (ids.length === 0) return;
      const { ComparePanel } = await import('../panels/comparePanel');
      ComparePanel.show(state, ids);
    }),
    vscode.commands.registerCommand('lineage.compareRunsAsText', async (arg?: unknown, selected?: unknown) => {
      const ids = Array.isArray(arg) && arg.every((x) => typeof x === 'string') ? (arg as string[]) : runIdsFrom(arg, selected);
      if (ids.length < 2) return;
      const doc = await vscode.workspace.openTextDocument(runDetailUri(ids.join(','), 'compare'));
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    vscode.commands.registerCommand('lineage.renameRun', withRun('Rename which run?', async (id, f) => {
      const ws = await state.workspace(f);
      const current = ws.store.get<{ name: string }>('SELECT name FROM runs WHERE id = ?', [id])?.name ?? '';
      const name = await vscode.window.showInputBox({ title: 'Lineage: rename run', value: current, validateInput: (v) => (v.trim() ? (v.length > 200 ? 'At most 200 characters.' : undefined) : 'A name cannot be empty.') });
      if (name !== undefined) await edit(f, id, (e) => (e.name = name.trim()));
    })),
    vscode.commands.registerCommand('lineage.addTag', withRun('Tag which run?', async (id, f) => {
      const text = await vscode.window.showInputBox({ title: 'Lineage: add a tag', prompt: 'key=value (or just a key)', validateInput: (v) => (v.trim() ? undefined : 'Type a tag, e.g. stage=candidate') });
      if (text === undefined) return;
      const [k, ...rest] = text.split('=');
      await edit(f, id, (e) => ((e.tags ??= {})[k.trim()] = rest.join('=').trim()));
    })),
    vscode.commands.registerCommand('lineage.addNote', withRun('Add a note to which run?', async (id, f) => {
      const ws = await state.workspace(f);
      const current = ws.store.get<{ note: string | null }>('SELECT note FROM runs WHERE id = ?', [id])?.note ?? '';
      const note = await vscode.window.showInputBox({ title: 'Lineage: note', value: current, prompt: 'Why this run matters (empty removes the note)' });
      if (note !== undefined) await edit(f, id, (e) => (e.note = note.trim() || undefined));
    })),
    vscode.commands.registerCommand('lineage.starRun', withRun('Star which run?', (id, f) => edit(f, id, (e) => (e.starred = true)))),
    vscode.commands.registerCommand('lineage.unstarRun', withRun('Unstar which run?', (id, f) => edit(f, id, (e) => (e.starred = false)))),
    vscode.commands.registerCommand('lineage.openConsoleLog', withRun('Console log of which run?', async (id, f) => {
      const file = path.join(f, '.lineage', 'runs', id, 'console.log');
      if (!fs.existsSync(file)) return void vscode.window.showWarningMessage(`Lineage: run ${id} has no console log.`);
      await vscode.window.showTextDocument(vscode.Uri.file(file), { preview: true });
    })),
    vscode.commands.registerCommand('lineage.revealArtifacts', withRun('Artifacts of which run?', async (id, f) => {
      const dir = path.join(f, '.lineage', 'runs', id, 'artifacts');
      await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(fs.existsSync(dir) ? dir : path.dirname(dir))).then(undefined, () =>
        vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(dir)),
      );
    })),
    vscode.commands.registerCommand('lineage.copyRunId', withRun('Copy the id of which run?', async (id) => {
      await vscode.env.clipboard.writeText(id);
      vscode.window.setStatusBarMessage(`Lineage: copied ${id}`, 3000);
    })),
    vscode.commands.registerCommand('lineage.deleteRun', async (arg?: unknown, selected?: unknown) => {
      const f = folder();
      if (!f) return;
      const ids = runIdsFrom(arg, selected);
      if (ids.length === 0) return;
      const ws = await state.workspace(f);
      const names = ids.map((id) => ws.store.get<{ name: string }>('SELECT name FROM runs WHERE id = ?', [id])?.name ?? id);
      const ok = await vscode.window.showWarningMessage(
        ids.length === 1 ? `Delete run "${names[0]}"?` : `Delete ${ids.length} runs?`,
        { modal: true, detail: 'The run folders go to the trash (with their logs and artifacts), so they can be restored from there.' },
        'Move to Trash',
      );
      if (ok !== 'Move to Trash') return;
      for (const id of ids) {
        const uri = vscode.Uri.file(path.join(ws.paths.runs, id));
        try {
          await vscode.workspace.fs.delete(uri, { recursive: true, useTrash: true });
        } catch {
          // No trash here (a server or container): keep the folder under .lineage/trash rather than lose it.
          const trash = path.join(ws.paths.root, 'trash');
          fs.mkdirSync(trash, { recursive: true });
          fs.renameSync(uri.fsPath, path.join(trash, id));
        }
      }
      await state.sync(f);
    }),
    vscode.commands.registerCommand('lineage.filterRuns', async () => {
      const { parseFilter, FilterSyntaxError } = await import('../../core/runs/filter');
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
      state.treeView?.then((v) => (v.message = text.trim() ? `Filter: ${text.trim()} — ${count ?? 0} run(s)` : undefined));
    }),
    vscode.commands.registerCommand('lineage.clearFilter', async () => {
      await tree.setFilter(undefined);
      state.treeView?.then((v) => (v.message = undefined));
    }),
    vscode.commands.registerCommand('lineage.showMoreRuns', (experiment: string) => tree.showMore(experiment)),
    vscode.commands.registerCommand('lineage.refresh', async () => {
      const f = folder();
      if (f) await state.sync(f);
      tree.refresh();
    }),
    vscode.commands.registerCommand('lineage.rebuildDatabase', async () => {
      const f = folder();
      if (!f) return;
      const { LineageWorkspace } = await import('../../core/workspace');
      await state.closeWorkspace(f);
      const { report } = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Lineage: rebuilding the index from the run folders' },
        async (progress) => {
          const r = await LineageWorkspace.rebuild(f, { onProgress: (done, total) => progress.report({ message: `${done} of ${total} runs` }) });
          r.ws.close();
          return r;
        },
      );
      await state.sync(f);
      tree.refresh();
      void vscode.window.showInformationMessage(`Lineage: the index was rebuilt from ${report.scanned} run folder(s).`);
    }),
    vscode.commands.registerCommand('lineage.openSettings', () => vscode.commands.executeCommand('workbench.action.openSettings', '@ext:lineage-dev.lineage')),
    vscode.commands.registerCommand('lineage.selectInterpreter', async () => {
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
      if (value) await vscode.workspace.getConfiguration('lineage').update('pythonPath', value, vscode.ConfigurationTarget.Workspace);
    }),
  ];
}
