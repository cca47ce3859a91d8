/**
 * Model registries in a real VS Code (issue 15): the example trained by `lineage run`, Debian's real
 * docker-registry started by the suite on 127.0.0.1 and configured in the `lineage.registries` setting, the
 * model pushed with "Lineage: Push Model…" (its arguments skip the pickers), the Models view showing the push
 * with its digest (the registry's own answer for the tag), then "Promote Model…" to production: the
 * registry's production tag holds that digest, the history has the note, and the view shows the alias.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import type { ModelNode, PushNode } from '../../../src/extension/views/modelsTree';
import type { PushOutcome } from '../../../src/core/registry/push';
import type { HistoryEntry } from '../../../src/core/registry/history';
import { startRegistry, type TestRegistry } from '../../helpers/registry';
import { startMlflowStandin } from '../../helpers/mlflowStandin/server';
import type { SyncReport } from '../../../src/core/registry/mlflow/sync';
import type { ImportReport } from '../../../src/core/registry/mlflow/importRuns';
import { EXTENSION_ID, PYTHON, waitFor, workspaceDir } from './helpers';

const EXPERIMENT = 'registry-suite';
const REPO = 'models/house-suite';

describe('Model registries in a real VS Code: push the example model to a local registry, see its digest in the Models view, promote it', () => {
  let ws: string;
  let api: LineageApi;
  let runId: string;
  let reg: TestRegistry;
  let pushed: PushOutcome;
  let savedRegistries: unknown;

  /** What the registry itself says a tag points at (its Docker-Content-Digest), not what Lineage recorded. */
  async function tagDigest(tag: string): Promise<string | null> {
    const res = await fetch(`${reg.url}/v2/${REPO}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' } });
    return res.ok ? res.headers.get('docker-content-digest') : null;
  }

  async function pushRows(): Promise<Array<{ node: PushNode; item: vscode.TreeItem }> | undefined> {
    const tree = api.modelsTree as vscode.TreeDataProvider<ModelNode | PushNode>;
    const model = ((await tree.getChildren()) ?? []).find((n): n is ModelNode => n.kind === 'model' && n.runId === runId);
    if (!model) return undefined;
    const rows = ((await tree.getChildren(model)) ?? []).filter((n): n is PushNode => n.kind === 'push');
    return rows.map((node) => ({ node, item: tree.getTreeItem(node) as vscode.TreeItem }));
  }

  before(async function () {
    this.timeout(240_000);
    ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    const cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    const r = spawnSync(process.execPath, [cli, 'run', '--python', PYTHON, '--experiment', EXPERIMENT, 'train.py', '--n-estimators', '20'], {
      cwd: ws,
      encoding: 'utf8',
      env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' },
      timeout: 180_000,
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    runId = /recording run (\S+) /.exec(`${r.stdout}${r.stderr}`)![1];
    reg = await startRegistry();
    const config = vscode.workspace.getConfiguration('lineage', vscode.Uri.file(ws));
    savedRegistries = config.inspect('registries')?.workspaceValue;
    await config.update('registries', [{ name: 'suite-local', kind: 'oci', url: reg.url }], vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('lineage', vscode.Uri.file(ws)).update('registries', savedRegistries, vscode.ConfigurationTarget.Workspace);
    await reg?.stop();
  });

  it('Push Model… sends the run’s model to the configured registry; the registry holds it under the tag', async function () {
    this.timeout(120_000);
    const out = await vscode.commands.executeCommand<PushOutcome | undefined>('lineage.pushModel', {
      runId,
      registry: 'suite-local',
      repository: REPO,
      tag: 'v1',
    });
    assert.ok(out, 'the push returned its outcome (an error would have been shown instead)');
    pushed = out;
    assert.match(pushed.result.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(await tagDigest('v1'), pushed.result.digest, "the registry's v1 tag is the pushed manifest");
    assert.equal(pushed.entry.runId, runId);
    assert.ok(fs.readFileSync(path.join(ws, '.lineage/registry/history.jsonl'), 'utf8').includes(pushed.result.digest!));
  });

  it('the Models view shows the push under the model, with its digest, registry, reference and run', async function () {
    this.timeout(60_000);
    const rows = await waitFor('the push under the model in the Models view', 30_000, async () => {
      const r = await pushRows();
      return r?.length ? r : undefined;
    });
    const { node, item } = rows[0];
    assert.equal(node.entry.digest, pushed.result.digest);
    assert.match(item.label as string, /^suite-local · models\/house-suite:v1$/);
    assert.ok(String(item.description).startsWith(pushed.result.digest!.slice(0, 19)), String(item.description));
    assert.equal(item.contextValue, 'modelPush');
    const tree = api.modelsTree;
    const details = ((await tree.getChildren(node)) ?? []).map((d) => tree.getTreeItem(d) as vscode.TreeItem);
    const detail = (label: string) => details.find((d) => d.label === label)?.description;
    assert.equal(detail('Digest'), pushed.result.digest);
    assert.equal(detail('Run'), runId);
    assert.match(String(detail('Registry')), /^suite-local \(http:\/\/127\.0\.0\.1:\d+\)$/);
    assert.equal(detail('Reference'), pushed.result.reference);
  });

  it('Promote Model… to production moves the registry’s tag, records the note, and the view shows the alias', async function () {
    this.timeout(120_000);
    // force: a flag (the suite's earlier work can leave the tree dirty) would otherwise ask in a modal dialog.
    const entry = await vscode.commands.executeCommand<HistoryEntry | undefined>('lineage.promoteModel', {
      runId,
      alias: 'production',
      note: 'promoted by the real-VS Code suite',
      force: true,
    });
    assert.ok(entry, 'the promotion returned its history entry');
    assert.equal(entry.type, 'promote');
    assert.equal(entry.alias, 'production');
    assert.equal(entry.digest, pushed.result.digest);
    assert.equal(entry.note, 'promoted by the real-VS Code suite');
    assert.equal(await tagDigest('production'), pushed.result.digest, "the registry's production tag holds the pushed digest");
    const row = await waitFor('the production alias on the push row', 30_000, async () => {
      const r = (await pushRows())?.[0];
      return r && r.node.aliases.includes('production') ? r : undefined;
    });
    assert.match(String(row.item.description), /production/);
  });

  it("Sync Runs to MLflow… mirrors the run to a tracking server (the stand-in); Import Runs from MLflow… finds it there (as this workspace's own run)", async function () {
    this.timeout(120_000);
    const ml = await startMlflowStandin();
    try {
      const remote = `mlflow://${new URL(ml.url).host}`;
      const report = await vscode.commands.executeCommand<SyncReport | undefined>('lineage.syncRuns', { remote, runIds: [runId] });
      assert.ok(report, 'the sync returned its report');
      assert.deepEqual(
        report.runs.map((r) => [r.runId, r.created]),
        [[runId, true]],
      );
      assert.ok(report.pointsSent > 0);
      const again = await vscode.commands.executeCommand<SyncReport | undefined>('lineage.syncRuns', { remote, runIds: [runId] });
      assert.equal(again?.runs[0]?.created ?? false, false, 'synced twice is one MLflow run');
      const imported = await vscode.commands.executeCommand<ImportReport | undefined>('lineage.importRuns', { remote, experiment: EXPERIMENT });
      assert.ok(imported, 'the import returned its report');
      // The one run on the server is this workspace's own, synced: found, and not imported as a copy of itself.
      assert.deepEqual(imported.imported, [], JSON.stringify(imported));
      assert.equal(imported.skipped.length, 1, JSON.stringify(imported));
      assert.match(imported.skipped[0].why, new RegExp(`local run ${runId}`));
    } finally {
      await ml.close();
    }
  });

  it('a registry that wants credentials: asked once (two input boxes), kept in SecretStorage for the next push, never written to the history; Forget asks again', async function () {
    this.timeout(180_000);
    const auth = await startRegistry({ auth: 'basic' });
    const win = vscode.window as unknown as {
      showInputBox: (...a: unknown[]) => Thenable<string | undefined>;
      showQuickPick: (...a: unknown[]) => Thenable<unknown>;
    };
    const originalInput = win.showInputBox;
    const originalPick = win.showQuickPick;
    const asked: string[] = [];
    win.showInputBox = (o: unknown) => {
      const opts = o as vscode.InputBoxOptions;
      asked.push(opts.password ? 'secret' : 'user');
      return Promise.resolve(opts.password ? auth.password : auth.username);
    };
    const host = `127.0.0.1:${auth.port}`;
    const push = (tag: string) =>
      vscode.commands.executeCommand<PushOutcome | undefined>('lineage.pushModel', {
        runId,
        registry: `oci://${host}/models/house-auth:${tag}`,
        plainHttp: true,
      });
    try {
      const first = await push('v1');
      assert.ok(first?.result.digest, 'the push went through once credentials were given');
      assert.deepEqual(asked, ['user', 'secret'], 'asked once: a user name, then the password');
      const second = await push('v2');
      assert.ok(second?.result.digest);
      assert.deepEqual(asked, ['user', 'secret'], 'the stored credentials were used: nothing asked again');
      for (const f of ['.lineage/registry/history.jsonl', '.vscode/settings.json']) {
        const file = path.join(ws, f);
        if (fs.existsSync(file)) assert.ok(!fs.readFileSync(file, 'utf8').includes(auth.password!), `${f} holds no password`);
      }
      win.showQuickPick = () => Promise.resolve(host);
      await vscode.commands.executeCommand('lineage.forgetRegistryCredentials');
      win.showQuickPick = originalPick;
      assert.ok((await push('v3'))?.result.digest);
      assert.deepEqual(asked, ['user', 'secret', 'user', 'secret'], 'forgotten: asked again');
    } finally {
      win.showInputBox = originalInput;
      win.showQuickPick = originalPick;
      await auth.stop();
    }
  });

  it('a push from a terminal (lineage push) shows in the Models view by itself: the view watches the history file', async function () {
    this.timeout(120_000);
    // The view has been shown (its rows read) before the terminal push, as a user's would be.
    await pushRows();
    const tree = api.modelsTree;
    let changed = 0;
    const sub = tree.onDidChangeTreeData!(() => changed++);
    try {
      const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID)!;
      const r = spawnSync(
        process.execPath,
        [path.join(ext.extensionPath, 'dist', 'cli.js'), 'push', runId, '--to', `oci://127.0.0.1:${reg.port}/${REPO}:from-cli`, '--plain-http'],
        {
          cwd: ws,
          encoding: 'utf8',
          env: { ...process.env, NO_COLOR: '1' },
          timeout: 120_000,
        },
      );
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
      await waitFor('the Models view to change after the terminal push', 15_000, () => (changed > 0 ? true : undefined));
      const rows = (await pushRows()) ?? [];
      assert.ok(
        rows.some((x) => x.node.entry.target.kind === 'oci' && x.node.entry.target.tag === 'from-cli'),
        rows.map((x) => x.item.label as string).join(', '),
      );
    } finally {
      sub.dispose();
    }
  });
});
