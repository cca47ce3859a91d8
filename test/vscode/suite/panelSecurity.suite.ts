/**
 * Issue 11, security items 1–3, in a real VS Code: run folders as a hostile copied-in run would look (a
 * `git.diffFile` of ../../../../etc/passwd, a `git.commit` of `--output=…`, a diff header that climbs out, an
 * artifact that is a symlink out of the workspace), opened through the real `lineage.openRun` command, then
 * sent what a hostile webview could send, through the very handler its messages arrive at
 * (LineageApi.testPanels → PanelHost.receive). Asserted are effects in the editor and on disk: no document
 * outside the run folder opened, no file written at the targets, and a warning for each refusal.
 * Workspace Trust is checked in untrusted.suite.ts, a phase of its own with trust on (this phase runs trusted).
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import { EXTENSION_ID, waitFor, workspaceDir, recordWarnings } from './helpers';

const ACTION = 'runDetail/action';

describe('Run panel refuses what a hostile run or webview asks (issue 11, security 1–3)', () => {
  let ws: string;
  let api: LineageApi;
  let outside: string;
  const unique = `lineage-hostile-${process.pid}-${Date.now().toString(36)}`;
  /** Runs: A has a `--output=` commit, B a diffFile out of its folder, C a diff header that climbs out. */
  const ids = { a: '20250102-030405-5ec0a1', b: '20250102-030406-5ec0b2', c: '20250102-030407-5ec0c3' };
  const runDirOf = (id: string) => path.join(ws, '.lineage', 'runs', id);
  const outputTarget = () => path.join(outside, 'git-show-output');
  const headerTarget = () => path.join(outside, 'file');
  let warnings: string[] = [];
  let restoreWarning: (() => void) | undefined;
  let docsBefore: Set<string>;

  function writeRun(id: string, git: Record<string, unknown>, extraEvents: object[] = []): void {
    const dir = runDirOf(id);
    fs.mkdirSync(dir, { recursive: true });
    const start = new Date(Date.UTC(2025, 0, 2, 3, 4, Number(id.slice(13, 15))));
    fs.writeFileSync(
      path.join(dir, 'run.json'),
      JSON.stringify({
        schema: 1,
        id,
        name: `hostile-${id.slice(-1)}`,
        experiment: 'hostile-copy',
        status: 'finished',
        startedAt: start.toISOString(),
        endedAt: new Date(start.getTime() + 1000).toISOString(),
        exitCode: 0,
        signal: null,
        command: ['python', 'train.py'],
        cwd: ws,
        createdBy: 'someone else',
        git: { branch: 'main', dirty: true, ...git },
      }),
    );
    const events = [
      { type: 'header', schema: 1, writer: 'panelSecurity.suite.ts' },
      { type: 'metric', key: 'loss', value: 1, step: 0, ts: start.getTime() / 1000 },
      ...extraEvents,
      { type: 'status', status: 'finished' },
    ];
    fs.writeFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }

  /** URIs of the documents and tabs open now (file paths, or the whole URI for other schemes). */
  function openUris(): string[] {
    const uris: vscode.Uri[] = [...vscode.workspace.textDocuments.map((d) => d.uri), ...vscode.window.visibleTextEditors.map((e) => e.document.uri)];
    for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
      if (tab.input instanceof vscode.TabInputText) uris.push(tab.input.uri);
      if (tab.input instanceof vscode.TabInputTextDiff) uris.push(tab.input.original, tab.input.modified);
    }
    return [...new Set(uris.map((u) => (u.scheme === 'file' ? u.fsPath : u.toString())))];
  }

  const opened = () => openUris().filter((u) => !docsBefore.has(u));

  async function openPanel(id: string) {
    await vscode.commands.executeCommand('lineage.openRun', id);
    return waitFor(`the Run panel of ${id}`, 30_000, () => api.testPanels.runDetail(id));
  }

  /** Delivers a webview message and waits for its handler, or gives up after `ms` (a picker left open). */
  async function send(id: string, message: object, ms = 20_000): Promise<'done' | 'timed out'> {
    const panel = await openPanel(id);
    const done = panel.receive(message).then(() => 'done' as const);
    const r = await Promise.race([done, new Promise<'timed out'>((res) => setTimeout(() => res('timed out'), ms))]);
    if (r === 'timed out') await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    return r;
  }

  async function expectWarning(what: string, pattern: RegExp, action: () => Promise<unknown>): Promise<void> {
    const from = warnings.length;
    await action();
    const said = await waitFor(`a warning that ${what}`, 10_000, () => warnings.slice(from).find((w) => pattern.test(w)));
    assert.match(said, pattern);
  }

  before(async () => {
    ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    outside = fs.mkdtempSync(path.join(os.tmpdir(), `${unique}-`));
    fs.rmSync(outside, { recursive: true });
    // The run's `--output=` and `b/../../../../tmp/…` targets: neither may exist after the test.
    const secret = path.join(os.tmpdir(), `${unique}-secret.txt`);
    fs.writeFileSync(secret, 'outside the workspace\n');

    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws, encoding: 'utf8' }).trim();
    const firstLine = execFileSync('git', ['show', 'HEAD:train.py'], { cwd: ws, encoding: 'utf8' }).split('\n')[0];
    const climb = `../../../..${outside}/file`;
    const diff = [
      'diff --git a/train.py b/train.py',
      '--- a/train.py',
      '+++ b/train.py',
      '@@ -1 +1,2 @@',
      ` ${firstLine}`,
      '+# changed by the run',
      `diff --git a/${climb} b/${climb}`,
      'new file mode 100644',
      '--- /dev/null',
      `+++ b/${climb}`,
      '@@ -0,0 +1 @@',
      '+written outside',
      '',
    ].join('\n');

    writeRun(ids.a, { commit: `--output=${outputTarget()}`, diffFile: 'git.diff' }, [
      { type: 'artifact', path: 'artifacts/link.txt' },
      { type: 'artifact', path: 'artifacts/ok.txt' },
      { type: 'artifact', path: '../../etc/passwd' },
    ]);
    fs.mkdirSync(path.join(runDirOf(ids.a), 'artifacts'));
    fs.symlinkSync(secret, path.join(runDirOf(ids.a), 'artifacts', 'link.txt'));
    fs.writeFileSync(path.join(runDirOf(ids.a), 'artifacts', 'ok.txt'), 'a real artifact\n');
    fs.writeFileSync(path.join(runDirOf(ids.a), 'git.diff'), diff);
    writeRun(ids.b, { commit: head, diffFile: '../../../../etc/passwd' });
    writeRun(ids.c, { commit: head, diffFile: 'git.diff' });
    fs.writeFileSync(path.join(runDirOf(ids.c), 'git.diff'), diff);
    // A folder beside the workspace that a run "id" of ../../../<name> reaches from .lineage/runs.
    fs.mkdirSync(path.join(path.dirname(ws), unique));
    fs.writeFileSync(path.join(path.dirname(ws), unique, 'console.log'), 'not a run\n');

    await vscode.commands.executeCommand('lineage.refresh');
    await waitFor('the hostile runs in the index', 60_000, async () => {
      const exps = (await api.experimentsTree.getChildren()) ?? [];
      return exps.some((e) => e.kind === 'experiment' && e.runs === 3 && e.name === 'hostile-copy') ? true : undefined;
    });

    // Refusals go to showWarningMessage: record them (the real one still shows them).

    const recorder = recordWarnings();

    warnings = recorder.said;

    restoreWarning = recorder.restore;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    docsBefore = new Set(openUris());
  });

  after(async () => {
    restoreWarning?.();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('opens a recorded artifact that is a regular file in the run folder (the control: messages do arrive)', async () => {
    assert.equal(await send(ids.a, { type: ACTION, action: 'openArtifact', path: 'artifacts/ok.txt' }), 'done');
    const ok = path.join(runDirOf(ids.a), 'artifacts', 'ok.txt');
    await waitFor('ok.txt open', 10_000, () => (opened().includes(ok) ? true : undefined));
  });

  it('refuses artifacts that are a symlink out, climb out, or were never recorded', async () => {
    for (const action of ['openArtifact', 'revealArtifact']) {
      await expectWarning(`${action} of a symlink is refused`, /does not open artifacts\/link\.txt/, () =>
        send(ids.a, { type: ACTION, action, path: 'artifacts/link.txt' }),
      );
      for (const p of ['../../etc/passwd', '../../../../etc/passwd', '/etc/passwd', 'artifacts/never-recorded.txt', 'run.json']) {
        await expectWarning(`${action} of ${p} is refused`, /opens only the artifacts this run recorded/, () => send(ids.a, { type: ACTION, action, path: p }));
      }
    }
    // Not a path at all, or not an action: ignored.
    assert.equal(await send(ids.a, { type: ACTION, action: 'openArtifact', path: { toString: '/etc/passwd' } }), 'done');
    assert.equal(await send(ids.a, { type: ACTION, action: 'openFile', path: '/etc/passwd' }), 'done');
    const outsideRun = opened().filter((u) => !u.startsWith(runDirOf(ids.a) + path.sep));
    assert.deepEqual(outsideRun, [], 'nothing outside the run folder was opened');
    assert.ok(!opened().some((u) => u.includes('passwd') || u.includes(`${unique}-secret`)), 'neither /etc/passwd nor the symlink target was opened');
  });

  it('refuses a diff whose commit is `--output=…` or whose diffFile is outside the run folder', async () => {
    await expectWarning('the commit is not a commit id', /not a commit id/, () => send(ids.a, { type: ACTION, action: 'openDiff' }));
    // getRun already gives no diffFile for a path out of the run folder: the panel has no diff to show.
    assert.equal(await send(ids.b, { type: ACTION, action: 'openDiff' }), 'done');
    const diffTabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff);
    assert.deepEqual(diffTabs, [], 'no diff editor opened');
    assert.ok(!fs.existsSync(outputTarget()), `nothing written at ${outputTarget()}`);
    assert.ok(!opened().some((u) => u.includes('passwd')), '/etc/passwd was not opened');
  });

  it('shows only the safe file of a diff whose other header climbs out, and writes nothing outside', async () => {
    assert.equal(await send(ids.c, { type: ACTION, action: 'openDiff' }), 'done', 'one safe file: no picker offering the climbing path');
    const sides = await waitFor('the diff editor of train.py', 20_000, () => {
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      return tab?.input instanceof vscode.TabInputTextDiff ? tab.input : undefined;
    });
    assert.equal(sides.modified.scheme, 'lineage-git');
    assert.equal(new URLSearchParams(sides.modified.query).get('file'), 'train.py');
    await vscode.workspace.openTextDocument(sides.modified);
    // Any extension or link can make such a URI: ask for the climbing file and a `--output=` commit directly.
    for (const [file, commit] of [
      [`../../../..${outside}/file`, 'HEAD'],
      ['train.py', `--output=${outputTarget()}`],
    ]) {
      for (const side of ['before', 'after']) {
        const uri = sides.modified.with({
          query: new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(sides.modified.query)), file, commit, side }).toString(),
        });
        await vscode.workspace.openTextDocument(uri).then(
          () => undefined,
          () => undefined,
        );
      }
    }
    assert.ok(!fs.existsSync(headerTarget()), `nothing written at ${headerTarget()}`);
    assert.ok(!fs.existsSync(outside), `${outside} was not created`);
    assert.ok(!fs.existsSync(outputTarget()), `nothing written at ${outputTarget()}`);
    assert.deepEqual(
      opened().filter((u) => u.startsWith('/') && !u.startsWith(ws + path.sep)),
      [],
      'no file outside the workspace opened',
    );
  });

  it("gives every panel a strict Content-Security-Policy without 'unsafe-eval' (Compare's WebGL charts included)", async () => {
    await openPanel(ids.b);
    await vscode.commands.executeCommand('lineage.compareRuns', [ids.b, ids.c]);
    const pages = await waitFor('the Run and Compare panels', 30_000, () => {
      const p = api.testPanels.pages();
      return ['lineage.run', 'lineage.compare'].every((t) => p.some((x) => x.viewType === t)) ? p : undefined;
    });
    for (const { viewType, html } of pages) {
      const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
      assert.ok(csp, `${viewType}: a CSP meta tag`);
      assert.match(csp, /default-src 'none'/, viewType);
      assert.match(csp, /script-src 'nonce-[A-Za-z0-9+/=]+'(;|$)/, `${viewType}: scripts only by nonce: ${csp}`);
      assert.doesNotMatch(csp, /unsafe-eval/, viewType);
    }
  });

  it('ignores run "ids" that are paths, from a command or a webview', async () => {
    const bad = `../../../${unique}`;
    assert.ok(fs.existsSync(path.join(ws, '.lineage', 'runs', bad, 'console.log')), 'the path does reach the folder beside the workspace');
    await vscode.commands.executeCommand('lineage.openRun', bad);
    await vscode.commands.executeCommand('lineage.openConsoleLog', bad);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(api.testPanels.runDetail(bad), undefined, 'no panel for a path');
    // A reloaded page's `ready` names its run: a path there is ignored, and the panel still shows its own run.
    assert.equal(await send(ids.a, { type: 'runDetail/ready', runId: bad, folder: '/etc' }), 'done');
    assert.equal(await send(ids.a, { type: ACTION, action: 'openConsole' }), 'done');
    await new Promise((r) => setTimeout(r, 1000));
    const besideLog = path.join(path.dirname(ws), unique, 'console.log');
    assert.ok(!opened().includes(besideLog), 'the console.log beside the workspace was not opened');
  });
});
