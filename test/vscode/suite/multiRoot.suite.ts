/**
 * Two workspace folders, each with its own .lineage and runs (written by scripts/vscode/run.mjs before the
 * window opens): the Experiments, Datasets and Models views list each folder, each folder's runs come
 * from its own index, and commands on a run act in the folder that recorded it.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import type { ExperimentNode } from '../../../src/extension/views/experimentsTree';
import { EXTENSION_ID, waitFor } from './helpers';

type RunNode = Extract<ExperimentNode, { kind: 'run' }>;
/** The runs run.mjs wrote (multiRootPhase): folder name → experiment → run names. */
const EXPECTED: Record<string, Record<string, string[]>> = {
  alpha: { shared: ['a-1', 'a-2'], 'alpha-only': ['a-3'] },
  beta: { shared: ['b-1'] },
};

describe('Multi-root: two folders, each with its own .lineage', () => {
  let api: LineageApi;
  let folders: Record<string, string>;

  const children = (n?: ExperimentNode) => api.experimentsTree.getChildren(n);
  const readUser = (folder: string, id: string) => {
    const f = path.join(folder, '.lineage', 'runs', id, 'user.json');
    return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as { starred?: boolean }) : undefined;
  };
  /** Every run node under a folder node, by name. */
  async function runsOf(name: string): Promise<Map<string, RunNode>> {
    const top = (await children()).find((n) => n.kind === 'folder' && path.basename(n.folder) === name);
    assert.ok(top, `a ${name} folder node`);
    const out = new Map<string, RunNode>();
    for (const exp of await children(top)) for (const n of await children(exp)) if (n.kind === 'run') out.set(n.run.name, n);
    return out;
  }

  before(async () => {
    const ws = vscode.workspace.workspaceFolders ?? [];
    assert.equal(ws.length, 2, `two workspace folders are open: ${ws.map((f) => f.uri.fsPath).join(', ')}`);
    folders = Object.fromEntries(ws.map((f) => [f.name, f.uri.fsPath]));
    assert.deepEqual(Object.keys(folders).sort(), ['alpha', 'beta']);
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    api = await ext.activate();
  });

  it('the Experiments view has a level per folder, each listing its own experiments and runs', async () => {
    const roots = await waitFor('two folder nodes', 30_000, async () => {
      const r = await children();
      return r.length === 2 && r.every((n) => n.kind === 'folder') ? r : undefined;
    });
    assert.deepEqual(
      roots.map((n) => n.kind === 'folder' && n.folder),
      [folders.alpha, folders.beta],
      'in the order of the workspace',
    );
    assert.deepEqual(
      roots.map((n) => api.experimentsTree.getTreeItem(n).label),
      ['alpha', 'beta'],
    );
    for (const [name, experiments] of Object.entries(EXPECTED)) {
      const top = roots.find((n) => n.kind === 'folder' && n.folder === folders[name])!;
      const exps = await children(top);
      assert.deepEqual(
        exps.map((e) => (e.kind === 'experiment' ? [e.name, e.runs] : e.kind)).sort(),
        Object.entries(experiments)
          .map(([e, runs]) => [e, runs.length])
          .sort(),
        `${name}'s experiments, each with its count`,
      );
      const runs = await runsOf(name);
      assert.deepEqual([...runs.keys()].sort(), Object.values(experiments).flat().sort(), `${name}'s runs only`);
      for (const r of runs.values()) assert.equal(r.folder, folders[name], `${r.run.name} knows its folder`);
    }
    // The same experiment name in both folders: two rows, two ids (VS Code refuses a tree with one id twice).
    const ids = (await Promise.all(roots.map(children))).flat().map((n) => api.experimentsTree.getTreeItem(n).id);
    assert.equal(new Set(ids).size, ids.length, `distinct ids: ${ids.join(', ')}`);
  });

  it('a command on a run node acts in the folder that recorded it', async () => {
    const b1 = (await runsOf('beta')).get('b-1')!;
    await vscode.commands.executeCommand('lineage.starRun', b1);
    assert.equal(readUser(folders.beta, b1.run.id)?.starred, true, "user.json in beta's run folder");
    assert.ok(!fs.existsSync(path.join(folders.alpha, '.lineage', 'runs', b1.run.id)), 'nothing written into alpha');
    await waitFor('b-1 starred in the tree', 10_000, async () => ((await runsOf('beta')).get('b-1')?.run.starred ? true : undefined));
    // By id alone (as code lenses and panels call it), the run is found in its folder too.
    const a2 = (await runsOf('alpha')).get('a-2')!;
    await vscode.commands.executeCommand('lineage.starRun', a2.run.id);
    assert.equal(readUser(folders.alpha, a2.run.id)?.starred, true, "user.json in alpha's run folder");
    await waitFor('a-2 starred in the tree', 10_000, async () => ((await runsOf('alpha')).get('a-2')?.run.starred ? true : undefined));
    await vscode.commands.executeCommand('lineage.unstarRun', a2, [a2, b1]);
    assert.equal(readUser(folders.alpha, a2.run.id)?.starred, false, 'a selection across folders: alpha');
    assert.equal(readUser(folders.beta, b1.run.id)?.starred, false, 'a selection across folders: beta');
  });

  it('a run opened as text and two compared as text are read from their own folders', async () => {
    const a1 = (await runsOf('alpha')).get('a-1')!;
    const b1 = (await runsOf('beta')).get('b-1')!;
    await vscode.commands.executeCommand('lineage.openRunAsText', b1);
    const doc = await waitFor('the run document', 10_000, () =>
      vscode.window.activeTextEditor?.document.uri.scheme === 'lineage-run' ? vscode.window.activeTextEditor.document : undefined,
    );
    assert.match(doc.getText(), /^# b-1$/m);
    await vscode.commands.executeCommand('lineage.compareRunsAsText', [a1.run.id, b1.run.id]);
    const cmp = await waitFor('the comparison document', 10_000, () => {
      const d = vscode.window.activeTextEditor?.document;
      return d?.uri.path.endsWith('compare.md') ? d : undefined;
    });
    assert.match(cmp.getText(), /# Compare 2 runs/);
    assert.match(cmp.getText(), /\| a-1 \| b-1 \|/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a filter applies in every folder, counting matches across them', async () => {
    try {
      assert.equal(await api.experimentsTree.setFilter('experiment = "shared"'), 3, 'a-1, a-2 and b-1');
      const roots = await children();
      const alpha = await children(roots[0]);
      assert.deepEqual(
        alpha.map((e) => e.kind === 'experiment' && [e.name, e.runs]),
        [['shared', 2]],
        'alpha-only is hidden',
      );
      assert.equal(await api.experimentsTree.setFilter('name = "b-1"'), 1);
      assert.deepEqual(await children((await children())[0]), [{ kind: 'message', text: 'No run matches the filter.' }]);
    } finally {
      await api.experimentsTree.setFilter(undefined);
    }
  });

  it('the Datasets and Models views have the folder level too', async () => {
    for (const view of [api.datasetsTree, api.modelsTree]) {
      const roots = (await view.getChildren()) ?? [];
      assert.equal(roots.length, 2);
      assert.deepEqual(await Promise.all(roots.map(async (n) => (await view.getTreeItem(n)).label)), ['alpha', 'beta']);
    }
    // alpha's run logged a model: it is listed under alpha only.
    const [alpha, beta] = (await api.modelsTree.getChildren()) ?? [];
    const models = (await api.modelsTree.getChildren(alpha)) ?? [];
    assert.deepEqual(await Promise.all(models.map(async (m) => (await api.modelsTree.getTreeItem(m)).label)), ['a-1 · model.pkl']);
    assert.deepEqual(await api.modelsTree.getChildren(beta), []);
  });
});
