/**
 * Sweeps in a real VS Code (issue 16 §3): Lineage: Run Sweep… with an argument object (the pickers skipped)
 * runs a 2×2 grid 2 at a time through the editor's launcher; the Experiments tree shows the sweep run with
 * its 4 runs folded under it, the best one tagged; Compare on the sweep opens its runs; Stop Sweep on a
 * second sweep stops its running run and cancels the rest; a sweep whose process died mid-way (as a closed
 * window's) is resumed with Resume Sweep…, which waits for the run left running and runs only the rest.
 * A real window reload cannot happen inside this suite (it would end the test runner with the extension
 * host): the UI pass does it, test/vscode/ui/sweep.mjs (8 runs, Compare following them, resumed on its own).
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

const EXPERIMENT = 'sweep-demo';
const SCRIPT = `import argparse, time, lineage
p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--depth", type=int, default=3)
p.add_argument("--sleep", type=float, default=0.0)
a = p.parse_args()
time.sleep(a.sleep)
lineage.log_metric("val_rmse", (a.lr - 0.05) ** 2 + (a.depth - 4.2) ** 2)
`;

interface SweepFile {
  status: string;
  best?: { runId: string; value: number };
  trials: Array<{ status: string; runId?: string; params: Record<string, string> }>;
}

function sweepFile(ws: string, id: string): SweepFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(ws, '.lineage', 'sweeps', `${id}.json`), 'utf8')) as SweepFile;
  } catch {
    return undefined;
  }
}

describe('Sweeps: Run Sweep… in the editor', () => {
  it('runs a 2×2 grid 2 at a time as 4 runs folded under the sweep in the tree, the best tagged, Compare on the sweep opens the 4', async function () {
    this.timeout(180_000);
    const ws = workspaceDir();
    const api = await vscode.extensions.getExtension<LineageApi>(EXTENSION_ID)!.activate();
    fs.mkdirSync(path.join(ws, EXPERIMENT), { recursive: true });
    const script = path.join(ws, EXPERIMENT, 'sweep_train.py');
    fs.writeFileSync(script, SCRIPT);

    const started = await vscode.commands.executeCommand<{ id: string } | undefined>('lineage.runSweep', {
      script,
      grid: { lr: '0.01,0.1', depth: '3,5' },
      parallel: 2,
      objective: 'val_rmse:min',
    });
    assert.ok(started?.id, 'Run Sweep returns the sweep id');
    const done = await waitFor('the sweep to finish', 120_000, () => {
      const s = sweepFile(ws, started.id);
      return s && s.status !== 'running' ? s : undefined;
    });
    assert.equal(done.status, 'finished');
    assert.deepEqual(
      done.trials.map((t) => t.status),
      ['finished', 'finished', 'finished', 'finished'],
    );

    const parent = await waitFor('the sweep run with 4 children in its experiment', 60_000, async () => {
      const exp = (await api.experimentsTree.getChildren()).find((n) => n.kind === 'experiment' && n.name === EXPERIMENT);
      if (!exp) return undefined;
      const rows = (await api.experimentsTree.getChildren(exp)).filter((n): n is RunNode => n.kind === 'run');
      const row = rows.find((r) => r.run.id === started.id);
      return row && row.children === 4 && row.run.status === 'finished' ? row : undefined;
    });
    assert.match(String(api.experimentsTree.getTreeItem(parent).contextValue), /^run\.finished.*\.parent$/);
    const children = (await api.experimentsTree.getChildren(parent)) as RunNode[];
    assert.deepEqual(children.map((c) => c.run.id).sort(), done.trials.map((t) => t.runId).sort());
    const best = done.trials.find((t) => t.params.lr === '0.01' && t.params.depth === '5')!;
    assert.equal(done.best?.runId, best.runId);
    const user = JSON.parse(fs.readFileSync(path.join(ws, '.lineage', 'runs', best.runId!, 'user.json'), 'utf8')) as { tags: Record<string, string> };
    assert.equal(user.tags['lineage.sweep_best'], 'true');

    await vscode.commands.executeCommand('lineage.compareRuns', parent);
    await waitFor('a Compare panel on the sweep', 30_000, () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === 'Compare 4 runs') ? true : undefined,
    );
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('Stop Sweep stops the running run and cancels the queued ones', async function () {
    this.timeout(120_000);
    const ws = workspaceDir();
    const script = path.join(ws, EXPERIMENT, 'sweep_train.py');
    const started = await vscode.commands.executeCommand<{ id: string } | undefined>('lineage.runSweep', {
      script,
      grid: { lr: '0.01,0.1,0.2' },
      args: ['--sleep', '30'],
      parallel: 1,
      objective: 'val_rmse:min',
    });
    assert.ok(started?.id);
    await waitFor('the first run to start', 30_000, () => (sweepFile(ws, started.id)?.trials[0].runId ? true : undefined));
    await vscode.commands.executeCommand('lineage.stopSweep', started.id);
    const s = await waitFor('the sweep to stop', 60_000, () => {
      const f = sweepFile(ws, started.id);
      return f && f.status !== 'running' ? f : undefined;
    });
    assert.equal(s.status, 'stopped');
    assert.deepEqual(
      s.trials.map((t) => t.status),
      ['killed', 'cancelled', 'cancelled'],
    );
    const rec = JSON.parse(fs.readFileSync(path.join(ws, '.lineage', 'runs', started.id, 'run.json'), 'utf8')) as { status: string };
    assert.equal(rec.status, 'killed');
  });

  it('Resume Sweep… goes on with a sweep whose process was killed mid-way, without running a finished run again', async function () {
    this.timeout(180_000);
    const ws = workspaceDir();
    const api = await vscode.extensions.getExtension<LineageApi>(EXTENSION_ID)!.activate();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID)!;
    const script = path.join(ws, EXPERIMENT, 'sweep_train.py');
    const child = spawn(
      process.execPath,
      [
        path.join(ext.extensionPath, 'dist', 'cli.js'),
        'sweep',
        script,
        '--grid',
        'depth=2,4,6',
        '--parallel',
        '1',
        '--objective',
        'val_rmse:min',
        '--',
        '--sleep',
        '1',
      ],
      { cwd: path.join(ws, EXPERIMENT), env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise((r) => child.once('exit', r));
    await waitFor('the second run of the CLI sweep to start', 60_000, () => (/#2 depth=4 → run/.test(err) ? true : undefined), 20);
    child.kill('SIGKILL');
    await exited;
    const id = /sweep (\d{8}-\d{6}-[0-9a-f]{6})/.exec(err)![1];
    const runsBefore = fs.readdirSync(path.join(ws, '.lineage', 'runs')).length;

    const resumed = await vscode.commands.executeCommand<{ id: string } | undefined>('lineage.resumeSweep', id);
    assert.equal(resumed?.id, id);
    const done = await waitFor('the resumed sweep to finish', 120_000, () => {
      const s = sweepFile(ws, id);
      return s && s.status !== 'running' ? s : undefined;
    });
    assert.equal(done.status, 'finished');
    assert.deepEqual(
      done.trials.map((t) => t.status),
      ['finished', 'finished', 'finished'],
    );
    assert.equal(fs.readdirSync(path.join(ws, '.lineage', 'runs')).length, runsBefore + 1, 'only #3 was started by the resume');
    assert.equal(done.best?.runId, done.trials[1].runId, 'depth=4 is the best');
    await waitFor('the resumed sweep with its 3 runs in the tree', 60_000, async () => {
      const exp = (await api.experimentsTree.getChildren()).find((n) => n.kind === 'experiment' && n.name === EXPERIMENT);
      if (!exp) return undefined;
      const row = (await api.experimentsTree.getChildren(exp)).find((n): n is RunNode => n.kind === 'run' && n.run.id === id);
      return row && row.children === 3 && row.run.status === 'finished' ? true : undefined;
    });
  });
});
