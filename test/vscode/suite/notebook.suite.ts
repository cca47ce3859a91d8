/**
 * Notebooks in a real VS Code (issue 16 section 1): a .ipynb open in VS Code's notebook editor, run with
 * "Lineage: Run Notebook as Experiment" as its toolbar button does (the command on the active notebook), is
 * recorded like a script run: the run appears in the Experiments tree with the notebook's params and a cell's
 * metric, and its executed notebook is listed with the run's artifacts and opens in the notebook editor.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import type { ExperimentNode } from '../../../src/extension/views/experimentsTree';
import { EXTENSION_ID, startCommand, waitFor, workspaceDir } from './helpers';

type RunNode = Extract<ExperimentNode, { kind: 'run' }>;

const FOLDER = 'notebook-suite';

const code = (source: string, tags?: string[]) => ({ cell_type: 'code', source, metadata: tags ? { tags } : {}, outputs: [], execution_count: null });
const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [code('factor = 3\n', ['parameters']), code('import lineage\nlineage.log_metric("nb_score", factor * 2)\nprint("score", factor * 2)')],
};

describe('Notebooks: Run Notebook as Experiment', () => {
  it('runs the open notebook: the run in the tree with its params and metric, the executed notebook among its artifacts, opened as a notebook', async function () {
    this.timeout(180_000);
    const ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID)!;
    const api = await ext.activate();
    fs.mkdirSync(path.join(ws, FOLDER), { recursive: true });
    const file = path.join(ws, FOLDER, 'scores.ipynb');
    fs.writeFileSync(file, JSON.stringify(NOTEBOOK));
    const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    await vscode.window.showNotebookDocument(doc);
    assert.equal(doc.notebookType, 'jupyter-notebook', 'the toolbar button shows for this notebook type');

    const cmd = startCommand('lineage.runNotebook');
    // The experiment is the notebook's folder, as for a script; the tree finds the run by itself.
    const row = await waitFor('the notebook run, finished, in the Experiments tree', 120_000, async () => {
      if (cmd.error()) throw cmd.error();
      const exp = (await api.experimentsTree.getChildren()).find((n) => n.kind === 'experiment' && n.name === FOLDER);
      if (!exp) return undefined;
      const rows = (await api.experimentsTree.getChildren(exp)).filter((n): n is RunNode => n.kind === 'run');
      return rows.length === 1 && rows[0].run.status === 'finished' ? rows[0] : undefined;
    });
    assert.ok(
      row.run.metrics.some((m) => m.key === 'nb_score' && m.last === 6),
      JSON.stringify(row.run.metrics),
    );
    const runDir = path.join(ws, '.lineage', 'runs', row.run.id);
    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { command: string[]; createdBy: string };
    assert.equal(record.createdBy, 'vscode');
    assert.deepEqual(record.command.slice(1, 4), ['-m', 'lineage.notebook', file]);
    assert.match(fs.readFileSync(path.join(runDir, 'console.log'), 'utf8'), /score 6/);

    // The run's detail lists the executed notebook (the same index query as `lineage show`), and the Run
    // panel's artifact link (its very message handler) opens it in the notebook editor.
    const executed = path.join(runDir, 'artifacts', 'scores.ipynb');
    const show = spawnSync(process.execPath, [path.join(ext.extensionPath, 'dist', 'cli.js'), 'show', row.run.id, '--json'], { cwd: ws, encoding: 'utf8' });
    assert.equal(show.status, 0, show.stderr);
    const detail = JSON.parse(show.stdout) as { params: Record<string, unknown>; artifacts: Array<{ path: string }> };
    assert.equal(detail.params.factor, 3);
    assert.ok(
      detail.artifacts.some((a) => a.path === 'artifacts/scores.ipynb'),
      JSON.stringify(detail.artifacts),
    );
    await vscode.commands.executeCommand('lineage.openRun', row.run.id);
    const panel = await waitFor('the Run panel', 30_000, () => api.testPanels.runDetail(row.run.id));
    await panel.receive({ type: 'runDetail/action', action: 'openArtifact', path: 'artifacts/scores.ipynb' });
    const shown = await waitFor('the executed notebook open in the notebook editor', 30_000, () =>
      vscode.window.activeNotebookEditor?.notebook.uri.fsPath === executed ? vscode.window.activeNotebookEditor.notebook : undefined,
    );
    const outputs = shown.cellAt(1).outputs.flatMap((o) => o.items.map((i) => new TextDecoder().decode(i.data)));
    assert.ok(
      outputs.some((t) => t.includes('score 6')),
      JSON.stringify(outputs),
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
