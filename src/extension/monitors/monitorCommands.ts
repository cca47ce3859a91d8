import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Monitor } from '../../core/drift/monitors';
import { lineagePaths } from '../../core/util/lineagePaths';
import { batchColumns } from '../../core/drift/batchColumns';
import { COMMANDS, VIEWS } from '../commands/ids';
import { pickRun } from '../commands/pickRuns';
import { registerCommand } from '../commands/register';
import { engine } from '../engine';
import type { Lineage } from '../lineage';
import type { MonitorService, MonitorState } from './monitorService';

const core = () => import('../../core/drift/monitors');
const TABLES = /\.(csv|tsv|tab|jsonl|ndjson)(\.gz)?$/i;

/** What the tree hands a command: a monitor row or a batch row (`file` set). */
interface MonitorArg {
  folder: string;
  id?: string;
  monitorId?: string;
  file?: string;
}

function argOf(arg: unknown): MonitorArg | undefined {
  const a = arg as Partial<MonitorArg> | undefined;
  if (!a || typeof a !== 'object' || typeof a.folder !== 'string') return undefined;
  const open = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  // Commands run with any arguments (command links, other extensions): only a folder open here is used.
  if (!open.includes(a.folder)) return undefined;
  return {
    folder: a.folder,
    id: typeof a.id === 'string' ? a.id : undefined,
    monitorId: typeof a.monitorId === 'string' ? a.monitorId : undefined,
    file: typeof a.file === 'string' ? a.file : undefined,
  };
}

/** "New Monitor…", "Check Monitors", and a monitor's or batch's Check Now, Open Drift Panel and Remove. */
export function registerMonitorCommands(lineage: Lineage, service: MonitorService): vscode.Disposable[] {
  const stateOf = (a: MonitorArg | undefined): MonitorState | undefined =>
    a ? service.states(a.folder).find((s) => s.monitor.id === (a.monitorId ?? a.id)) : undefined;
  return [
    registerCommand(COMMANDS.newMonitor, () => newMonitor(lineage, service)),
    registerCommand(COMMANDS.checkMonitors, async () => {
      const folders = lineage.folders();
      await vscode.window.withProgress({ location: { viewId: VIEWS.monitors }, title: 'Checking monitors' }, async () => {
        for (const f of folders) await service.load(f);
      });
    }),
    registerCommand(COMMANDS.checkMonitor, async (arg?: unknown) => {
      const s = stateOf(argOf(arg));
      if (s) await service.check(s.folder, [s.monitor.id]);
    }),
    registerCommand(COMMANDS.openMonitorDrift, async (arg?: unknown) => {
      const a = argOf(arg);
      const s = stateOf(a);
      if (!a || !s) return;
      const m = s.monitor;
      // The panel draws batches over time oldest first; the tree lists them newest first.
      const files = a.file ? [a.file] : s.batches.map((b) => b.file).reverse();
      if (!files.length) return void vscode.window.showInformationMessage(`Lineage: no batch matches ${m.batches} yet.`);
      const { DriftPanel } = await import('../panels/driftPanel');
      DriftPanel.show(lineage, {
        folder: s.folder,
        reference: m.run !== undefined ? { runId: m.run } : { file: path.join(s.folder, m.reference!) },
        batches: files.map((f) => path.join(s.folder, f)),
        options: { prediction: m.prediction, actual: m.actual, overrides: m.overrides },
      });
    }),
    registerCommand(COMMANDS.removeMonitor, async (arg?: unknown) => {
      const s = stateOf(argOf(arg));
      if (!s) return;
      const ok = await vscode.window.showWarningMessage(
        `Remove the monitor "${s.monitor.name}" and its stored results? The batch files stay.`,
        { modal: true },
        'Remove',
      );
      if (ok !== 'Remove') return;
      const { removeMonitor } = await core();
      try {
        removeMonitor(lineagePaths(s.folder).root, s.monitor.id);
      } catch (err) {
        return void vscode.window.showErrorMessage(`Lineage: ${(err as Error).message}`);
      }
      await service.load(s.folder);
    }),
  ];
}

/** Pick a run (or a file), the batches' glob (folders holding tables are offered), the prediction and actual columns; add and check. */
async function newMonitor(lineage: Lineage, service: MonitorService): Promise<void> {
  const title = 'Lineage: New Monitor';
  const kind = await vscode.window.showQuickPick(
    [
      { label: "$(beaker) A run's training data", detail: 'The model in production: the data its run recorded is the reference.', run: true },
      { label: '$(file) A file', detail: 'Any CSV, TSV or JSON Lines file as the reference.', run: false },
    ],
    { title: `${title}: compare live batches with…` },
  );
  if (!kind) return;
  let folder: string | undefined;
  const def: Partial<Omit<Monitor, 'id'>> = {};
  let label: string;
  if (kind.run) {
    const picked = await pickRun(lineage, `${title}: which run's model is in production?`);
    if (!picked) return;
    folder = picked.folder;
    def.run = picked.id;
    const ws = await lineage.workspace(folder);
    const { getRun } = await engine();
    label = getRun(ws.store, picked.id).name;
  } else {
    const uris = await vscode.window.showOpenDialog({
      title: `${title}: the reference file`,
      canSelectMany: false,
      filters: { 'Tables (CSV, TSV, JSON Lines, gzip)': ['csv', 'tsv', 'tab', 'jsonl', 'ndjson', 'gz'] },
    });
    if (!uris?.[0]) return;
    folder = vscode.workspace.getWorkspaceFolder(uris[0])?.uri.fsPath;
    if (!folder) return void vscode.window.showErrorMessage('Lineage: pick a reference file inside a workspace folder (the monitor lives in its .lineage).');
    def.reference = path.relative(folder, uris[0].fsPath).split(path.sep).join('/');
    label = path.basename(uris[0].fsPath);
  }
  const batches = await pickGlob(folder, title);
  if (!batches) return;
  def.batches = batches;
  const { listBatches, addMonitor } = await core();
  const newest = listBatches(folder, batches)[0];
  const columns = newest ? await batchColumns(newest.abs) : [];
  const column = async (what: string, skip: string[]): Promise<string | undefined | null> => {
    const items: Array<{ label: string; col?: string }> = [
      { label: `No ${what} column` },
      ...columns.filter((c) => !skip.includes(c)).map((c) => ({ label: c, col: c })),
    ];
    const p = await vscode.window.showQuickPick(items, {
      title: `${title}: the ${what} column${newest ? ` (columns of ${path.basename(newest.rel)})` : ''}`,
      placeHolder: columns.length ? undefined : 'No batch yet to read columns from: choose none, or edit .lineage/monitors.json later',
    });
    return p ? (p.col ?? null) : undefined;
  };
  const prediction = await column('prediction', []);
  if (prediction === undefined) return;
  const actual = await column('actual (outcome or feedback)', prediction ? [prediction] : []);
  if (actual === undefined) return;
  if (prediction) def.prediction = prediction;
  if (actual) def.actual = actual;
  const name = await vscode.window.showInputBox({
    title: `${title}: name`,
    value: `${label} live`,
    validateInput: (v) =>
      v.trim() ? (service.states(folder).some((s) => s.monitor.name === v.trim()) ? 'A monitor has this name already.' : undefined) : 'Give it a name.',
  });
  if (!name) return;
  def.name = name.trim();
  try {
    addMonitor(lineagePaths(folder).root, def as Omit<Monitor, 'id'>);
  } catch (err) {
    return void vscode.window.showErrorMessage(`Lineage: ${(err as Error).message}`);
  }
  await vscode.commands.executeCommand(`${VIEWS.monitors}.focus`);
  await service.load(folder);
}

/** Globs offered: each folder holding table files, by extension ("monitoring/batches/*.jsonl · 4 files"), or one typed. */
async function pickGlob(folder: string, title: string): Promise<string | undefined> {
  const found = await vscode.workspace.findFiles(
    new vscode.RelativePattern(folder, '**/*.{csv,tsv,tab,jsonl,ndjson,gz}'),
    '{**/.lineage/**,**/node_modules/**,**/.git/**,**/.venv/**}',
    5000,
  );
  const groups = new Map<string, number>();
  for (const u of found) {
    const rel = path.relative(folder, u.fsPath).split(path.sep).join('/');
    const m = TABLES.exec(rel);
    if (!m) continue;
    const dir = path.posix.dirname(rel);
    const glob = `${dir === '.' ? '' : `${dir}/`}*${m[0].toLowerCase()}`;
    groups.set(glob, (groups.get(glob) ?? 0) + 1);
  }
  const items: Array<vscode.QuickPickItem & { glob?: string }> = [...groups]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([glob, n]) => ({ label: glob, description: `${n} file${n === 1 ? '' : 's'}`, glob }));
  items.push({ label: '$(edit) Type a glob…', detail: '* and ? within a name, ** for any folders, relative to the workspace folder' });
  const p = await vscode.window.showQuickPick(items, { title: `${title}: which files are the batches of live data?` });
  if (!p) return undefined;
  if (p.glob) return p.glob;
  return (
    (
      await vscode.window.showInputBox({
        title: `${title}: the batches' glob`,
        placeHolder: 'monitoring/batches/*.jsonl',
        validateInput: (v) =>
          !v.trim() ? 'Give a glob.' : v.startsWith('/') || v.split('/').includes('..') ? 'A path inside the workspace folder, relative to it.' : undefined,
      })
    )?.trim() || undefined
  );
}
