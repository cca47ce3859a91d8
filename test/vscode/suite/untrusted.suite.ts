/**
 * Issue 11, security item 3, in a real VS Code in Restricted Mode: a folder the user has not trusted (a
 * repository someone else shipped, with its own `.vscode/settings.json` and a recorded run) still shows its
 * runs, but nothing in it runs a script or git — not the run command, not the Run panel's Rerun or diff — and
 * its settings cannot choose the interpreter (`lineage.pythonPath` is a restricted configuration). Reproduce
 * Run and Re-run Stale Steps (which check out the run's commit and run its scripts) say how to trust the
 * folder and start nothing.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import { EXTENSION_ID, PYTHON, waitFor, workspaceDir, recordWarnings } from './helpers';

const ACTION = 'runDetail/action';
const RUN_ID = '20250103-040506-a11c0e';

describe('Restricted Mode: an untrusted folder shows its runs and runs nothing (issue 11, security 3)', () => {
  let ws: string;
  let api: LineageApi;
  let warnings: string[] = [];
  let restoreWarning: (() => void) | undefined;
  const runFolders = () => fs.readdirSync(path.join(ws, '.lineage', 'runs')).sort();
  const worktrees = () => execFileSync('git', ['worktree', 'list', '--porcelain'], { cwd: ws, encoding: 'utf8' });

  /** Starts `action` (not awaited: a warning with a button waits for the user) and waits for its warning. */
  async function expectWarning(what: string, pattern: RegExp, action: () => Thenable<unknown>): Promise<void> {
    const from = warnings.length;
    const done = Promise.resolve(action()).catch(() => undefined);
    const said = await waitFor(`a warning that ${what}`, 10_000, () => warnings.slice(from).find((w) => pattern.test(w)));
    assert.match(said, pattern);
    // Dismissed, the warning answers undefined and the command returns.
    await vscode.commands.executeCommand('notifications.clearAll');
    await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
  }

  before(async () => {
    ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    // A run recorded elsewhere and shipped with the folder: a real commit and a diff, so Rerun and the diff
    // would have something to run.
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws, encoding: 'utf8' }).trim();
    const dir = path.join(ws, '.lineage', 'runs', RUN_ID);
    fs.mkdirSync(dir, { recursive: true });
    const start = new Date(Date.UTC(2025, 0, 3, 4, 5, 6));
    fs.writeFileSync(
      path.join(dir, 'run.json'),
      JSON.stringify({
        schema: 1,
        id: RUN_ID,
        name: 'shipped-run',
        experiment: 'shipped',
        status: 'finished',
        startedAt: start.toISOString(),
        endedAt: new Date(start.getTime() + 1000).toISOString(),
        exitCode: 0,
        signal: null,
        command: [PYTHON, path.join(ws, 'train.py')],
        cwd: ws,
        createdBy: 'someone else',
        git: { branch: 'main', dirty: true, commit: head, diffFile: 'git.diff' },
      }),
    );
    fs.writeFileSync(path.join(dir, 'git.diff'), 'diff --git a/train.py b/train.py\n--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-x\n+y\n');
    const events = [
      { type: 'header', schema: 1, writer: 'untrusted.suite.ts' },
      { type: 'metric', key: 'loss', value: 0.5, step: 0, ts: start.getTime() / 1000 },
      { type: 'status', status: 'finished' },
    ];
    fs.writeFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');

    // Refusals go to showWarningMessage: record them (the real one still shows them).

    const recorder = recordWarnings();

    warnings = recorder.said;

    restoreWarning = recorder.restore;
  });

  after(async () => {
    restoreWarning?.();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('the folder really is untrusted, and its own settings do not choose the interpreter', () => {
    assert.equal(vscode.workspace.isTrusted, false, 'Restricted Mode');
    const asked = JSON.parse(fs.readFileSync(path.join(ws, '.vscode', 'settings.json'), 'utf8'))['lineage.pythonPath'] as string;
    assert.equal(asked, '/nonexistent/hostile-python', "the folder's settings ask for their own interpreter");
    // A restricted configuration's workspace value is not even visible in Restricted Mode.
    const cfg = vscode.workspace.getConfiguration('lineage');
    assert.equal(cfg.inspect<string>('pythonPath')?.workspaceValue, undefined);
    assert.equal(cfg.get<string>('pythonPath'), PYTHON, "the user's own setting holds");
  });

  it('still lists the recorded runs', async () => {
    await vscode.commands.executeCommand('lineage.refresh');
    await waitFor('the shipped run in the tree', 60_000, async () => {
      const exps = (await api.experimentsTree.getChildren()) ?? [];
      return exps.some((e) => e.kind === 'experiment' && e.name === 'shipped' && e.runs === 1) ? true : undefined;
    });
  });

  it('refuses to run the open script, and starts nothing', async () => {
    const before = runFolders();
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(ws, 'train.py')));
    await expectWarning('scripts are not run here', /does not run scripts in an untrusted workspace/, () =>
      vscode.commands.executeCommand('lineage.runCurrentFile'),
    );
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(runFolders(), before, 'no run folder was made');
    assert.ok(!vscode.window.terminals.some((t) => /lineage|train/i.test(t.name)), 'no run terminal');
  });

  it("the Run panel's Rerun and diff are refused (they would run the script and git)", async () => {
    await vscode.commands.executeCommand('lineage.openRun', RUN_ID);
    const panel = await waitFor('the Run panel', 30_000, () => api.testPanels.runDetail(RUN_ID));
    const before = runFolders();
    await expectWarning('Rerun is refused', /does not run scripts in an untrusted workspace/, () => panel.receive({ type: ACTION, action: 'rerun' }));
    await expectWarning('the diff is refused', /does not run git in an untrusted workspace/, () => panel.receive({ type: ACTION, action: 'openDiff' }));
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(runFolders(), before, 'Rerun started no run');
    const diffTabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff);
    assert.deepEqual(
      diffTabs.map((t) => t.label),
      [],
      'no diff was opened',
    );
  });

  it('Reproduce Run and Re-run Stale Steps say how to trust the folder, and start no script, worktree or terminal', async () => {
    const before = { runs: runFolders(), worktrees: worktrees(), terminals: vscode.window.terminals.length };
    const seen = watchChildren(ws);
    try {
      for (const [command, pattern] of [
        ['lineage.reproduceRun', /does not run scripts in an untrusted workspace\. Trust this folder to reproduce runs/],
        ['lineage.rerunStale', /does not run scripts in an untrusted workspace\. Trust this folder to re-run steps/],
      ] as const) {
        const from = warnings.length;
        const result = Promise.resolve(vscode.commands.executeCommand(command, RUN_ID)).catch((err: unknown) => err);
        const said = await waitFor(`${command}: a warning that says how to trust the folder`, 15_000, () => warnings.slice(from).find((w) => pattern.test(w)));
        assert.match(said, pattern);
        await vscode.commands.executeCommand('notifications.clearAll');
        const returned = await Promise.race([result, new Promise((r) => setTimeout(() => r('still running'), 10_000))]);
        assert.equal(returned, undefined, `${command} returns nothing when refused (it returned ${String(returned)})`);
      }
      // A started reproduction or re-run makes its run folder, worktree or terminal within this time.
      await new Promise((r) => setTimeout(r, 2000));
    } finally {
      seen.stop();
    }
    assert.deepEqual(runFolders(), before.runs, 'no run folder was made');
    assert.equal(worktrees(), before.worktrees, 'no git worktree was added');
    assert.equal(vscode.window.terminals.length, before.terminals, 'no terminal was opened');
    assert.deepEqual(seen.started, [], 'no process was started by the extension host for this folder');
  });
});

/**
 * Samples the extension host's new descendant processes every 50 ms (from /proc) and keeps those whose
 * command line names the folder, a Python or the CLI: a script, git worktree or rerun-stale started for it.
 */
function watchChildren(ws: string): { started: string[]; stop(): void } {
  const ppidOf = (pid: string): number | undefined => {
    try {
      // The command name (2nd field) is in parentheses and may hold spaces: the ppid follows the last ")".
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return undefined;
    }
  };
  const descendants = (): Map<string, string> => {
    const parent = new Map<string, number>();
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      const pp = ppidOf(pid);
      if (pp !== undefined) parent.set(pid, pp);
    }
    const out = new Map<string, string>();
    for (const pid of parent.keys()) {
      for (let p: number | undefined = Number(pid), hops = 0; p && hops < 64; p = parent.get(String(p)), hops++) {
        if (p === process.pid && pid !== String(process.pid)) {
          try {
            out.set(pid, fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim());
          } catch {
            // Gone already.
          }
          break;
        }
      }
    }
    return out;
  };
  const baseline = new Set(descendants().keys());
  const started: string[] = [];
  const timer = setInterval(() => {
    for (const [pid, cmd] of descendants())
      if (!baseline.has(pid) && (cmd.includes(ws) || /python|cli\.js|rerun-stale|worktree|train\.py/.test(cmd)) && !started.includes(cmd)) started.push(cmd);
  }, 50);
  return { started, stop: () => clearInterval(timer) };
}
