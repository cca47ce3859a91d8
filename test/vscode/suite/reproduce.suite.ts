/**
 * "Reproduce Run" in a real VS Code: a run of the example's train.py recorded by `lineage run` (real
 * /usr/bin/python3 with scikit-learn), then the command on it, as the Experiments tree's context menu calls
 * it. The reproduction runs in a temporary git worktree, is recorded as a new run linked to the original,
 * the report opens in a Markdown preview and the verdict is said in a notification; the worktree is gone.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReproduceOutcome } from '../../../src/extension/reproduce/reproduceCommands';
import { EXTENSION_ID, PYTHON, waitFor, workspaceDir } from './helpers';

describe('Reproduce Run in a real VS Code: the example rebuilt bit for bit, the report in a preview, the verdict in a notification', () => {
  let ws: string;
  let runId: string;

  before(async function () {
    this.timeout(240_000);
    ws = workspaceDir();
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    await ext.activate();
    const cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    // Not spawnSync: the extension host must stay responsive while the script trains.
    const args = [cli, 'run', '--quiet', '--python', PYTHON, '--name', 'to-reproduce', 'train.py', '--n-estimators', '20', '--no-explain'];
    const child = spawn(process.execPath, args, { cwd: ws, env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, out);
    const r = { stderr: out };
    runId = /recording run (\S+) /.exec(r.stderr)![1];
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('reproduces the run: identical, a new run that links back, reproduction.md in a Markdown preview, the verdict said, no worktree left', async function () {
    this.timeout(240_000);
    const said: string[] = [];
    const win = vscode.window as { showInformationMessage: (...a: unknown[]) => Thenable<unknown> };
    const original = win.showInformationMessage;
    win.showInformationMessage = (...a: unknown[]) => {
      said.push(String(a[0]));
      return original.apply(vscode.window, a);
    };
    let outcome: ReproduceOutcome | undefined;
    try {
      outcome = await vscode.commands.executeCommand<ReproduceOutcome>('lineage.reproduceRun', runId);
    } finally {
      win.showInformationMessage = original;
    }
    assert.ok(outcome, 'the command returns what it did');
    assert.equal(outcome.verdict, 'identical');
    assert.ok(outcome.reproductionId && outcome.reproductionId !== runId);
    const dir = path.join(ws, '.lineage', 'runs', outcome.reproductionId);
    const record = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { reproduces?: string; createdBy?: string };
    assert.equal(record.reproduces, runId);
    assert.equal(record.createdBy, 'vscode');
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'reproduction.json'), 'utf8')) as { verdict: string; models: Array<{ equal: boolean }> };
    assert.equal(report.verdict, 'identical');
    assert.ok(report.models.length === 1 && report.models[0].equal, 'the same model.pkl, byte for byte');
    assert.equal(outcome.report.fsPath, path.join(dir, 'reproduction.md'));
    assert.match(fs.readFileSync(outcome.report.fsPath, 'utf8'), /^# Reproduction of to-reproduce/);
    // The Markdown preview of the report is open.
    await waitFor('the preview of reproduction.md', 30_000, () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => /reproduction\.md/.test(t.label)) ? true : undefined,
    );
    assert.ok(
      said.some((s) => /^Lineage: Reproduced to-reproduce \(.+\) bit for bit/.test(s)),
      `the verdict in a notification: ${JSON.stringify(said)}`,
    );
    const worktrees = spawnSync('git', ['worktree', 'list', '--porcelain'], { cwd: ws, encoding: 'utf8' }).stdout;
    assert.equal(worktrees.match(/^worktree /gm)?.length, 1, worktrees);
  });
});
