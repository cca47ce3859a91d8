/**
 * Kept data in a real VS Code (issue 14): a script reading a CSV recorded twice by `lineage run` (the CSV
 * edited in between); in the Datasets view the first version's item carries "Restore This Version"
 * (its contextValue matches the package.json menu entry); the command, given that very tree node, asks
 * in a modal that lists the file it would change (cancel: nothing written), then writes the first run's
 * bytes back, verified; "Free Kept Data" finds nothing to free while both runs need their versions. A
 * folder's version is restored whole: the modal lists what was added to the folder since, as removals.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import { EXTENSION_ID, PYTHON, waitFor, workspaceDir } from './helpers';

const DIR = 'restore-data';
const FOLDER_DIR = 'restore-folder';
const FOLDER_KEY = `${FOLDER_DIR}/imgs`;
const KEY = `${DIR}/data/train.csv`;
const FIRST = 'x,y\n1,2\n3,4\n';
const SECOND = 'x,y\n1,2\n3,4\n5,6\n';

type Node = { kind: string; path?: string; sha?: string };

describe('Kept data in a real VS Code: Restore This Version from the Datasets view', () => {
  let ws: string;
  let api: LineageApi;
  const window = vscode.window as unknown as Record<string, (...a: unknown[]) => Thenable<unknown>>;
  const originals = { warn: window.showWarningMessage, info: window.showInformationMessage };
  const asked: unknown[][] = [];
  const told: string[] = [];
  let answer: string | undefined;

  before(async function () {
    this.timeout(180_000);
    ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    api = await ext.activate();
    const cli = path.join(ext.extensionPath, 'dist', 'cli.js');
    const menus = (ext.packageJSON as { contributes: { menus: Record<string, Array<{ command: string; when?: string }>> } }).contributes.menus;
    assert.ok(
      menus['view/item/context'].some(
        (m) => m.command === 'lineage.restoreDatasetVersion' && m.when === 'view == lineage.datasets && viewItem == datasetVersion',
      ),
      'the Datasets view offers Restore This Version on dataset versions',
    );
    fs.rmSync(path.join(ws, DIR), { recursive: true, force: true });
    fs.mkdirSync(path.join(ws, DIR, 'data'), { recursive: true });
    fs.writeFileSync(path.join(ws, DIR, 'read.py'), `rows = open('data/train.csv').read().splitlines()\nprint(len(rows))\n`);
    for (const [i, content] of [FIRST, SECOND].entries()) {
      fs.writeFileSync(path.join(ws, DIR, 'data', 'train.csv'), content);
      const r = spawnSync(process.execPath, [cli, 'run', '--workspace', ws, '--name', `restore-${i + 1}`, PYTHON, 'read.py'], {
        cwd: path.join(ws, DIR),
        encoding: 'utf8',
        env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' },
        timeout: 120_000,
      });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    }
    window.showWarningMessage = (...a: unknown[]) => {
      asked.push(a);
      return Promise.resolve(answer);
    };
    window.showInformationMessage = (...a: unknown[]) => {
      told.push(String(a[0]));
      return Promise.resolve(undefined);
    };
  });

  after(() => {
    window.showWarningMessage = originals.warn;
    window.showInformationMessage = originals.info;
    fs.rmSync(path.join(ws, DIR), { recursive: true, force: true });
    fs.rmSync(path.join(ws, FOLDER_DIR), { recursive: true, force: true });
  });

  const lineageRun = (cwd: string, name: string, script: string) => {
    const cli = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    const r = spawnSync(process.execPath, [cli, 'run', '--workspace', ws, '--name', name, PYTHON, script], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' },
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  };

  const versions = async (key = KEY): Promise<Node[] | undefined> => {
    const tree = api.datasetsTree as vscode.TreeDataProvider<Node>;
    const roots = (await tree.getChildren()) ?? [];
    // One level per workspace folder when several have a .lineage; a single folder lists datasets at once.
    const datasets = roots.some((n) => n.kind === 'folder') ? (await Promise.all(roots.map(async (r) => (await tree.getChildren(r)) ?? []))).flat() : roots;
    const ds = datasets.find((n) => n.kind === 'dataset' && n.path === key);
    if (!ds) return undefined;
    const vs = (await tree.getChildren(ds)) ?? [];
    return vs.length >= 2 ? vs : undefined;
  };

  it('the first version item is a datasetVersion; cancelling the modal writes nothing; Restore writes the first run’s bytes back', async () => {
    const vs = await waitFor('both versions of the CSV in the Datasets view', 60_000, async () => {
      await vscode.commands.executeCommand('lineage.refresh');
      return versions();
    });
    // Newest first: the first run's version is the second item.
    const first = vs[1];
    const item = await (api.datasetsTree as vscode.TreeDataProvider<Node>).getTreeItem(first);
    assert.equal(item.contextValue, 'datasetVersion');
    assert.match(typeof item.tooltip === 'string' ? item.tooltip : '', /Kept: "Restore This Version" writes these bytes back/);
    const csv = path.join(ws, DIR, 'data', 'train.csv');

    answer = undefined;
    await vscode.commands.executeCommand('lineage.restoreDatasetVersion', first);
    assert.equal(asked.length, 1, 'one confirmation');
    const [message, options] = asked[0] as [string, { modal: boolean; detail: string }];
    assert.equal(message, `Restore ${KEY} to version ${first.sha!.slice(0, 12)}, as run "restore-1" read it?`);
    assert.equal(options.modal, true);
    assert.match(options.detail, new RegExp(`It will change:\\n${KEY.replace(/[.]/g, '\\.')}: changed since the run`));
    assert.equal(fs.readFileSync(csv, 'utf8'), SECOND, 'cancelled: nothing written');

    answer = 'Restore';
    await vscode.commands.executeCommand('lineage.restoreDatasetVersion', first);
    assert.equal(fs.readFileSync(csv, 'utf8'), FIRST);
    assert.ok(
      told.some((t) => t.startsWith(`Lineage: restored ${KEY} to version ${first.sha!.slice(0, 12)} (1 file(s), verified by sha256)`)),
      told.join(' | '),
    );

    // Already that version: said, no modal.
    asked.length = 0;
    await vscode.commands.executeCommand('lineage.restoreDatasetVersion', first);
    assert.equal(asked.length, 0);
    assert.ok(told.some((t) => t === `Lineage: ${KEY} already is version ${first.sha!.slice(0, 12)}.`));
  });

  it('a folder version: the modal lists the files added since as removals; Restore makes the folder that version again', async function () {
    this.timeout(180_000);
    const dir = path.join(ws, FOLDER_DIR);
    const imgs = path.join(dir, 'imgs');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(imgs, { recursive: true });
    fs.writeFileSync(path.join(imgs, 'a.txt'), 'alpha\n');
    fs.writeFileSync(path.join(imgs, 'b.txt'), 'beta\n');
    fs.writeFileSync(path.join(dir, 'glob_read.py'), `import glob, lineage\nlineage.log_dataset("imgs")\nprint(len(glob.glob("imgs/*")))\n`);
    lineageRun(dir, 'folder-1', 'glob_read.py');
    fs.writeFileSync(path.join(imgs, 'extra.txt'), 'added after the first run\n');
    fs.mkdirSync(path.join(imgs, 'empty'));
    lineageRun(dir, 'folder-2', 'glob_read.py');
    const vs = await waitFor('both versions of the folder in the Datasets view', 60_000, async () => {
      await vscode.commands.executeCommand('lineage.refresh');
      return versions(FOLDER_KEY);
    });
    const first = vs[1];
    asked.length = 0;
    told.length = 0;

    answer = undefined;
    await vscode.commands.executeCommand('lineage.restoreDatasetVersion', first);
    assert.equal(asked.length, 1, 'one confirmation');
    const [message, options] = asked[0] as [string, { modal: boolean; detail: string }];
    assert.equal(message, `Restore ${FOLDER_KEY} to version ${first.sha!.slice(0, 12)}, as run "folder-1" read it?`);
    assert.match(options.detail, /^It will remove:\n/);
    assert.match(options.detail, new RegExp(`${FOLDER_KEY}/empty/: an empty folder not in the run's version of ${FOLDER_KEY}; would be removed`));
    assert.match(options.detail, new RegExp(`${FOLDER_KEY}/extra\\.txt: not in the run's version of ${FOLDER_KEY}; would be removed`));
    assert.deepEqual(fs.readdirSync(imgs).sort(), ['a.txt', 'b.txt', 'empty', 'extra.txt'], 'cancelled: nothing removed');

    answer = 'Restore';
    await vscode.commands.executeCommand('lineage.restoreDatasetVersion', first);
    assert.deepEqual(fs.readdirSync(imgs).sort(), ['a.txt', 'b.txt'], 'the folder is the first version again');
    assert.equal(fs.readFileSync(path.join(imgs, 'a.txt'), 'utf8'), 'alpha\n');
    assert.ok(
      told.some((t) =>
        t.startsWith(`Lineage: restored ${FOLDER_KEY} to version ${first.sha!.slice(0, 12)} (0 file(s), verified by sha256; removed 2 not in that version)`),
      ),
      told.join(' | '),
    );
  });

  it('Free Kept Data finds nothing to free while the runs need their versions', async () => {
    told.length = 0;
    asked.length = 0;
    await vscode.commands.executeCommand('lineage.freeKeptData');
    assert.equal(asked.length, 0, 'no confirmation when nothing would be freed');
    assert.ok(
      told.some((t) => /^Lineage: nothing to free; runs need all \d+ kept object\(s\)/.test(t)),
      told.join(' | '),
    );
  });
});
