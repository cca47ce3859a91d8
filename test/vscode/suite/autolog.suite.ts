/**
 * Framework autolog in a real VS Code (issue 16 section 2): a real scikit-learn grid search recorded with
 * `lineage run` and LINEAGE_AUTOLOG_FRAMEWORKS=1 (what the lineage.autolog.frameworks setting sets) shows
 * in the Experiments tree as one run with its candidates folded under it, and Compare on that run opens
 * Compare on the candidates.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import type { ExperimentNode } from '../../../src/extension/views/experimentsTree';
import { EXTENSION_ID, PYTHON, waitFor, workspaceDir } from './helpers';

type RunNode = Extract<ExperimentNode, { kind: 'run' }>;

const EXPERIMENT = 'autolog-search';
const SCRIPT = `
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
X, y = make_regression(n_samples=120, n_features=4, noise=2.0, random_state=0)
GridSearchCV(Ridge(), {"alpha": [0.01, 0.1, 1.0, 10.0]}, cv=3).fit(X, y)
`;

describe('Framework autolog: a grid search in the Experiments tree', () => {
  it('shows the search run with its 4 candidates folded under it, and Compare on it opens the 4', async function () {
    this.timeout(180_000);
    const ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID)!;
    const api = await ext.activate();
    const script = path.join(ws, 'autolog_search.py');
    fs.writeFileSync(script, SCRIPT);
    const log: string[] = [];
    const child = spawn(process.execPath, [path.join(ext.extensionPath, 'dist', 'cli.js'), 'run', '--python', PYTHON, '--experiment', EXPERIMENT, script], {
      cwd: ws,
      env: { ...process.env, LINEAGE_PYTHON: PYTHON, LINEAGE_AUTOLOG_FRAMEWORKS: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => log.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => log.push(d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, log.join(''));

    // The tree finds the runs by itself (no Refresh): one row for the search, none for its candidates.
    const parent = await waitFor('the search run, with 4 children, alone in its experiment', 60_000, async () => {
      const exp = (await api.experimentsTree.getChildren()).find((n) => n.kind === 'experiment' && n.name === EXPERIMENT);
      if (!exp) return undefined;
      const rows = (await api.experimentsTree.getChildren(exp)).filter((n): n is RunNode => n.kind === 'run');
      return rows.length === 1 && rows[0].children === 4 ? rows[0] : undefined;
    });
    const item = api.experimentsTree.getTreeItem(parent);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.match(String(item.description), /^4 child runs · /);
    assert.match(String(item.contextValue), /^run\.finished.*\.parent$/);

    const children = (await api.experimentsTree.getChildren(parent)) as RunNode[];
    assert.deepEqual(
      children.map((c) => c.run.name),
      ['#1 alpha=0.01', '#2 alpha=0.1', '#3 alpha=1.0', '#4 alpha=10.0'],
    );
    for (const c of children) {
      assert.equal(api.experimentsTree.getTreeItem(c).collapsibleState, vscode.TreeItemCollapsibleState.None);
      assert.ok(c.run.metrics.some((m) => m.key === 'rank_test_score'));
    }

    // Compare, as from the run's context menu, opens on the candidates.
    await vscode.commands.executeCommand('lineage.compareRuns', parent);
    await waitFor('a Compare panel on the 4 candidates', 30_000, () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Compare 4 runs') ? true : undefined,
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});
