/**
 * Monitoring in a real VS Code: the example trained by `lineage run` (as the README's main job does), a monitor
 * added from a terminal (`lineage monitor add`) on a folder of live batches, a batch like the training data
 * (ok), then a drifted one dropped into the folder: the Monitors view picks it up through its watcher and shows
 * the drifted columns, the run's row in the Experiments view (and its model) get the warning, and the batch's
 * row opens the Drift panel on that run and batch. Views are read through the LineageApi, as VS Code reads them.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import type { ExperimentNode } from '../../../src/extension/views/experimentsTree';
import type { MonitorNode } from '../../../src/extension/views/monitorTree';
import { EXTENSION_ID, PYTHON, recordWarnings, waitFor, workspaceDir } from './helpers';

const EXPERIMENT = 'monitoring';
const LIVE = 'monitoring/live-suite';
const NAME = 'houses live (suite)';

describe('Monitors in a real VS Code: a monitor on the example run, a drifted batch dropped in, the warning in the trees, the Drift panel', () => {
  let ws: string;
  let api: LineageApi;
  let cli: string;
  let runId: string;
  const restore: Array<() => void> = [];

  const lineage = (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], {
      cwd: ws,
      encoding: 'utf8',
      env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' },
      timeout: 180_000,
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };

  async function monitorBatches(): Promise<Array<{ node: MonitorNode; item: vscode.TreeItem }> | undefined> {
    const tree = api.monitorTree as vscode.TreeDataProvider<MonitorNode>;
    const roots = (await tree.getChildren()) ?? [];
    const mon = roots.find((n) => n.kind === 'monitor' && (tree.getTreeItem(n) as vscode.TreeItem).label === NAME);
    if (!mon) return undefined;
    const kids = (await tree.getChildren(mon)) ?? [];
    return kids.map((node) => ({ node, item: tree.getTreeItem(node) as vscode.TreeItem }));
  }

  async function runItem(): Promise<vscode.TreeItem | undefined> {
    const roots = await api.experimentsTree.getChildren();
    const exp = roots.find((n) => n.kind === 'experiment' && n.name === EXPERIMENT);
    if (!exp) return undefined;
    const node = (await api.experimentsTree.getChildren(exp)).find(
      (n): n is Extract<ExperimentNode, { kind: 'run' }> => n.kind === 'run' && n.run.id === runId,
    );
    return node && api.experimentsTree.getTreeItem(node);
  }

  before(async function () {
    this.timeout(240_000);
    ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    const r = lineage('run', '--python', PYTHON, '--experiment', EXPERIMENT, 'train.py', '--n-estimators', '40');
    assert.equal(r.status, 0, r.out);
    runId = /recording run (\S+) /.exec(r.out)![1];
    fs.rmSync(path.join(ws, LIVE), { recursive: true, force: true });
    fs.mkdirSync(path.join(ws, LIVE), { recursive: true });
    fs.copyFileSync(path.join(ws, 'monitoring/batches/batch-01.jsonl'), path.join(ws, LIVE, 'batch-01.jsonl'));
    const add = lineage('monitor', 'add', NAME, '--run', runId, '--batches', `${LIVE}/*.jsonl`);
    assert.equal(add.status, 0, add.out);
  });

  after(async () => {
    for (const r of restore.splice(0)) r();
    lineage('monitor', 'rm', NAME);
    fs.rmSync(path.join(ws, LIVE), { recursive: true, force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('the monitor added from a terminal appears in the Monitors view with its first batch ok', async () => {
    const rows = await waitFor('the monitor with batch-01 checked', 90_000, async () => {
      const b = await monitorBatches();
      return b?.length === 1 && b[0].item.description === 'ok' ? b : undefined;
    });
    assert.equal(rows[0].item.label, 'batch-01.jsonl');
    const run = await runItem();
    assert.ok(run, 'the run is in the Experiments view');
    assert.doesNotMatch(String(run.description), /drift/);
  });

  it('a drifted batch dropped into the folder is picked up: its columns, the new category, and the warning on the run and its model', async () => {
    // Batch 4 of the example: larger floor areas, the unseen "harbour" location, prices 15 % up.
    const warnings = recordWarnings();
    restore.push(warnings.restore);
    fs.copyFileSync(path.join(ws, 'monitoring/batches/batch-04.jsonl'), path.join(ws, LIVE, 'batch-02.jsonl'));
    const rows = await waitFor('batch-02 evaluated as drifted', 90_000, async () => {
      const b = await monitorBatches();
      return b?.length === 2 && b[0].item.label === 'batch-02.jsonl' && /^drift/.test(String(b[0].item.description)) ? b : undefined;
    });
    assert.equal(rows[0].item.description, 'drift in 3 columns: floor_area_m2, location, price');
    // The news is said where it is seen, once, not only in the views and the log.
    const said = await waitFor('a warning about the drifted batch', 10_000, () => warnings.said.find((w) => /batch-02\.jsonl: drift in 3 columns/.test(w)));
    assert.match(said, /^Lineage: Monitor /);
    assert.equal(warnings.said.filter((w) => /batch-02\.jsonl/.test(w)).length, 1);
    assert.equal(rows[1].item.description, 'ok');
    // appendText writes spaces as &nbsp; (and escapes markdown): the text as a reader sees it.
    const tip = (rows[0].item.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ');
    assert.match(tip, /New in location: harbour/);
    const run = await waitFor('the run row with the drift warning', 30_000, async () => {
      const item = await runItem();
      return item && /^⚠ drift in newest batch/.test(String(item.description)) ? item : undefined;
    });
    assert.equal((run.iconPath as vscode.ThemeIcon).id, 'warning');
    assert.match(String(run.contextValue), /\.drifted/);
    const models = api.modelsTree as vscode.TreeDataProvider<{ kind: string; runId?: string }>;
    const model = ((await models.getChildren()) ?? []).find((m) => m.kind === 'model' && m.runId === runId);
    assert.ok(model, "the run's model is in the Models view");
    assert.match(String((models.getTreeItem(model) as vscode.TreeItem).description), /^⚠ drift in newest batch/);
  });

  it("the batch's row opens the Drift panel on the run and that batch", async () => {
    const rows = (await monitorBatches())!;
    const cmd = rows[0].item.command!;
    await vscode.commands.executeCommand(cmd.command, ...(cmd.arguments ?? []));
    // The panel of exactly this run's training data against exactly that batch file.
    const panel = await waitFor('the Drift panel of the run and batch-02', 30_000, () =>
      api.testPanels.drift({ runId }, [path.join(ws, LIVE, 'batch-02.jsonl')]),
    );
    assert.equal(panel.panel.viewType, 'lineage.drift');
  });
});
