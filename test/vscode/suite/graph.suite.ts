/**
 * The lineage graph in a real VS Code: a two-step pipeline of its own (prepare.py writes the file train.py
 * reads, real /usr/bin/python3) recorded by `lineage run`; "Show Lineage" on the train run opens the graph
 * panel, whose state is read through LineageApi.testPanels.graph; the raw data is edited and the panel,
 * checked again, marks both steps stale with their reasons; a node opens its run; "Re-run Stale Steps"
 * runs `lineage rerun-stale` in a terminal and the graph then says both steps were re-run and are up to date.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import type { LineageGraph } from '../../../src/core/graph/types';
import { EXTENSION_ID, PYTHON, waitFor, workspaceDir } from './helpers';

const DIR = 'graph-pipeline';
const EXPERIMENT = 'graph-suite';
const PREPARE = `rows = open('data/raw.csv').read().strip().split('\\n')
with open('data/prepared.csv', 'w') as f:
    f.write('\\n'.join(rows[:1] + [r + ',1' for r in rows[1:]]) + '\\n')
`;
const TRAIN = `import json, lineage
rows = open('data/prepared.csv').read().strip().split('\\n')[1:]
json.dump({'rows': len(rows)}, open('model.json', 'w'))
lineage.log_model('model.json', flavor='json')
`;

describe('The lineage graph in a real VS Code: Show Lineage on a train run, stale after an edit, a node opens its run, Re-run Stale Steps', () => {
  let ws: string;
  let api: LineageApi;
  let cli: string;
  const ids: Record<string, string> = {};

  const lineage = (...args: string[]) => {
    const r = spawnSync(process.execPath, [cli, ...args], {
      cwd: path.join(ws, DIR),
      encoding: 'utf8',
      env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' },
      timeout: 180_000,
    });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const graphOf = (ref: string) => api.testPanels.graph(ref)?.shownGraph;
  const runNode = (g: LineageGraph, id: string) => g.nodes.find((n) => n.id === `run:${id}`);

  before(async function () {
    this.timeout(240_000);
    ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    fs.rmSync(path.join(ws, DIR), { recursive: true, force: true });
    fs.mkdirSync(path.join(ws, DIR, 'data'), { recursive: true });
    fs.writeFileSync(path.join(ws, DIR, 'data/raw.csv'), 'a,b\n1,2\n3,4\n');
    fs.writeFileSync(path.join(ws, DIR, 'prepare.py'), PREPARE);
    fs.writeFileSync(path.join(ws, DIR, 'train.py'), TRAIN);
    for (const step of ['prepare', 'train']) {
      const r = lineage('run', '--workspace', ws, '--python', PYTHON, '--experiment', EXPERIMENT, `${step}.py`);
      assert.equal(r.status, 0, r.out);
      ids[step] = /recording run (\S+) /.exec(r.out)![1];
    }
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const t of vscode.window.terminals) if (t.name === 'Lineage: re-run stale steps') t.dispose();
    fs.rmSync(path.join(ws, DIR), { recursive: true, force: true });
  });

  it('Show Lineage on the train run opens the graph panel: prepare → prepared.csv → train → model, back to the raw data, nothing stale', async () => {
    await vscode.commands.executeCommand('lineage.showLineage', ids.train);
    const g = await waitFor('the graph panel of the train run', 60_000, () => graphOf(ids.train));
    assert.equal(g.target, `run:${ids.train}`);
    const labels = g.nodes.map((n) => `${n.kind}:${n.label}`);
    for (const want of [
      `data:${DIR}/data/raw.csv`,
      `run:${g.nodes.find((n) => n.runId === ids.prepare)!.label}`,
      `data:${DIR}/data/prepared.csv`,
      'model:model.json',
    ])
      assert.ok(labels.includes(want), `${want} in ${labels.join(', ')}`);
    assert.ok(
      g.edges.some((e) => e.from === `run:${ids.prepare}` && e.to.startsWith(`data:${DIR}/data/prepared.csv@`)),
      'prepare wrote prepared.csv',
    );
    assert.ok(
      g.edges.some((e) => e.to === `run:${ids.train}` && e.from.startsWith(`data:${DIR}/data/prepared.csv@`)),
      'train read it',
    );
    assert.deepEqual(
      g.nodes.filter((n) => n.stale),
      [],
    );
    assert.ok(runNode(g, ids.prepare)!.depth < runNode(g, ids.train)!.depth, 'left to right');
    const page = api.testPanels.pages().find((p) => p.viewType === 'lineage.graph');
    assert.ok(page, 'a lineage.graph panel is open');
    const scriptSrc = /script-src ([^;"]*)/.exec(page.html)?.[1] ?? '';
    assert.match(scriptSrc, /^'nonce-[^']+'$/, 'scripts only by nonce');
  });

  it('after the raw data is edited, checking again marks prepare and train stale with the reason, and a run node opens its run', async () => {
    fs.appendFileSync(path.join(ws, DIR, 'data/raw.csv'), '5,6\n');
    const panel = api.testPanels.graph(ids.train)!;
    await panel.receive({ type: 'graph/refresh' });
    const g = await waitFor('prepare marked stale', 60_000, () => {
      const x = graphOf(ids.train);
      return x && runNode(x, ids.prepare)?.stale ? x : undefined;
    });
    assert.deepEqual(runNode(g, ids.prepare)!.reasons, [`${DIR}/data/raw.csv changed since ${runNode(g, ids.prepare)!.label} ran`]);
    assert.ok(runNode(g, ids.train)!.stale);
    assert.match(runNode(g, ids.train)!.reasons.join(' '), /upstream step .* is stale/);
    // A node id the panel never sent is ignored; a run node opens that run's panel.
    await panel.receive({ type: 'graph/open', nodeId: 'run:../../etc' });
    await panel.receive({ type: 'graph/open', nodeId: `run:${ids.prepare}` });
    await waitFor('the Run panel of prepare', 30_000, () => api.testPanels.runDetail(ids.prepare));
  });

  it('Show Lineage on the Models view’s model opens its graph; Re-run Stale Steps re-records both steps and the graph says they are up to date', async function () {
    this.timeout(240_000);
    await vscode.commands.executeCommand('lineage.showLineage', { kind: 'model', folder: ws, runId: ids.train, path: 'artifacts/model.json', name: 'train' });
    const m = await waitFor('the graph panel of the model', 60_000, () => graphOf(`${ids.train}:artifacts/model.json`));
    assert.equal(m.target, `model:${ids.train}:artifacts/model.json`);
    const runsBefore = fs.readdirSync(path.join(ws, '.lineage/runs')).length;
    await vscode.commands.executeCommand('lineage.rerunStale', ids.train);
    await waitFor('two re-runs recorded and finished', 180_000, () => {
      const dirs = fs.readdirSync(path.join(ws, '.lineage/runs'));
      if (dirs.length < runsBefore + 2) return undefined;
      const fresh = dirs.sort().slice(-2);
      return fresh.every((d) => {
        try {
          return JSON.parse(fs.readFileSync(path.join(ws, '.lineage/runs', d, 'run.json'), 'utf8')).status === 'finished';
        } catch {
          return false;
        }
      })
        ? true
        : undefined;
    });
    const panel = api.testPanels.graph(ids.train)!;
    const g = await waitFor('train shown as re-run and up to date', 60_000, async () => {
      await panel.receive({ type: 'graph/refresh' });
      await new Promise((r) => setTimeout(r, 500));
      const x = graphOf(ids.train);
      return x && runNode(x, ids.train)?.supersededBy && runNode(x, ids.prepare)?.supersededBy ? x : undefined;
    });
    const newTrain = runNode(g, ids.train)!.supersededBy!.runId;
    await vscode.commands.executeCommand('lineage.showLineage', newTrain);
    const fresh = await waitFor('the graph of the re-run', 60_000, () => graphOf(newTrain));
    assert.deepEqual(
      fresh.nodes.filter((n) => n.stale).map((n) => n.id),
      [],
    );
    assert.equal(fresh.nodes.filter((n) => n.kind === 'run').length, 2);
  });
});
