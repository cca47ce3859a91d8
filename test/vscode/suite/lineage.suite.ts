/**
 * The extension in a real VS Code (code-server 4.100.3 = VS Code 1.100.3), with real Python and scikit-learn:
 * no mocks. The workspace is a fresh git-committed copy of examples/house-prices made by run.mjs.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import initSqlJs from 'sql.js';
import * as vscode from 'vscode';
import { EXTENSION_ID, PYTHON, startCommand, waitFor, workspaceDir } from './helpers';

function sha256Of(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

async function queryDb(dbFile: string, sql: string, params: (string | number)[] = []): Promise<Record<string, unknown>[]> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(fs.readFileSync(dbFile));
  try {
    const stmt = db.prepare(sql);
    stmt.bind(params);
    const rows: Record<string, unknown>[] = [];
    while (stmt.step()) rows.push(stmt.getAsObject());
    stmt.free();
    return rows;
  } finally {
    db.close();
  }
}

describe('Lineage in a real VS Code', () => {
  let ws: string;

  before(() => {
    ws = workspaceDir();
    assert.ok(fs.existsSync(path.join(ws, 'train.py')), `train.py in ${ws}`);
    // cliRuns.suite.ts ran first and recorded runs of scripts outside the workspace: nothing here is a dataset yet.
    const fingerprints = path.join(ws, '.lineage', 'fingerprints');
    assert.ok(!fs.existsSync(fingerprints) || fs.readdirSync(fingerprints).length === 0, 'no dataset fingerprinted yet');
  });

  after(async () => {
    // Settles the commands still waiting on their notification.
    await vscode.commands.executeCommand('notifications.clearAll');
  });

  it('activates and registers its commands', async () => {
    const ext = vscode.extensions.getExtension<{ activationMs: number }>(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is loaded`);
    const api = await ext.activate();
    assert.ok(ext.isActive);
    assert.equal(typeof api?.activationMs, 'number', 'activate() returns { activationMs }');
    assert.ok(Number.isFinite(api.activationMs) && api.activationMs >= 0, `activationMs ${api.activationMs}`);
    console.log(`    Lineage activationMs: ${api.activationMs.toFixed(1)} ms`);
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['lineage.runCurrentFile', 'lineage.fingerprintDataset', 'lineage.showDataStatus']) {
      assert.ok(commands.includes(c), `${c} is registered`);
    }
  });

  it("fingerprints a dataset: .lineage/fingerprints/<sha256>.json.gz with the file's own sha256", async () => {
    const csv = path.join(ws, 'data', 'houses.csv');
    const sha = sha256Of(csv);
    const versionFile = path.join(ws, '.lineage', 'fingerprints', `${sha}.json.gz`);
    assert.ok(!fs.existsSync(versionFile), 'no fingerprint before the command');
    const cmd = startCommand('lineage.fingerprintDataset', vscode.Uri.file(csv));
    await waitFor(`${path.relative(ws, versionFile)}`, 120_000, () => {
      if (cmd.error()) throw cmd.error();
      return fs.existsSync(versionFile) ? true : undefined;
    });
    const body = JSON.parse(gunzipSync(fs.readFileSync(versionFile)).toString('utf8')) as {
      sha256: string;
      kind: string;
      size: number;
      profile?: { rows?: number; columns?: unknown[] };
    };
    assert.equal(body.sha256, sha, "the recorded sha256 is the file's sha256 (node crypto)");
    assert.equal(body.kind, 'file');
    assert.equal(body.size, fs.statSync(csv).size);
    const dataRows = fs.readFileSync(csv, 'utf8').trim().split('\n').length - 1;
    assert.equal(body.profile?.rows, dataRows, "the profile counts the CSV's rows");
    assert.equal(body.profile?.columns?.length, 5, 'bedrooms, floor_area_m2, location, age_years, price');
  });

  it('runs the active train.py as an experiment: a finished run in .lineage/runs and in lineage.db', async () => {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ws, encoding: 'utf8' }).trim();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(ws, 'train.py')));
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.languageId, 'python');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, doc.uri.fsPath);

    const runsDir = path.join(ws, '.lineage', 'runs');
    const listRuns = () => (fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : []);
    const before = new Set(listRuns());
    const cmd = startCommand('lineage.runCurrentFile');

    type Record = {
      id: string;
      status: string;
      exitCode?: number | null;
      createdBy?: string;
      git?: { commit?: string; branch?: string };
      python?: { path?: string };
    };
    const record = await waitFor('the run to end (run.json status other than running)', 120_000, () => {
      if (cmd.error()) throw cmd.error();
      for (const id of listRuns()) {
        if (before.has(id)) continue;
        const file = path.join(runsDir, id, 'run.json');
        if (!fs.existsSync(file)) continue;
        const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Record;
        if (r.status !== 'running') return r;
      }
      return undefined;
    });
    const runDir = path.join(runsDir, record.id);
    const consoleLog = () => (fs.existsSync(path.join(runDir, 'console.log')) ? fs.readFileSync(path.join(runDir, 'console.log'), 'utf8') : '(no console.log)');
    assert.equal(record.status, 'finished', `run ${record.id} ended ${record.status}; console:\n${consoleLog().slice(-2000)}`);
    assert.equal(record.exitCode, 0);
    assert.equal(record.createdBy, 'vscode');
    assert.equal(record.git?.commit, head, 'the git commit is captured');
    assert.equal(record.python?.path, PYTHON, 'lineage.pythonPath is used');
    console.log(`    run ${record.id} finished`);

    const events = fs
      .readFileSync(path.join(runDir, 'events.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; key?: string });
    const valRmse = events.filter((e) => e.type === 'metric' && e.key === 'val_rmse');
    assert.ok(valRmse.length >= 10, `val_rmse logged per stage (${valRmse.length} points)`);
    assert.ok(
      events.some((e) => e.type === 'param' && e.key === 'n_estimators'),
      'argparse params logged',
    );
    assert.match(consoleLog(), /val_rmse/);

    assert.ok(
      vscode.window.terminals.some((t) => t.name === 'Lineage: train.py'),
      'the run\'s terminal "Lineage: train.py" is open',
    );

    const dbFile = path.join(ws, '.lineage', 'lineage.db');
    const row = await waitFor('the run in .lineage/lineage.db', 60_000, async () => {
      if (!fs.existsSync(dbFile)) return undefined;
      const rows = await queryDb(dbFile, 'SELECT status, exit_code, git_commit, python FROM runs WHERE id = ?', [record.id]);
      return rows[0]?.status === 'finished' ? rows[0] : undefined;
    });
    assert.equal(row.exit_code, 0);
    assert.equal(row.git_commit, head);
    const summary = await waitFor(
      'val_rmse in metric_summaries',
      30_000,
      async () => (await queryDb(dbFile, "SELECT count, last FROM metric_summaries WHERE run_id = ? AND key = 'val_rmse'", [record.id]))[0],
    );
    assert.equal(summary.count, valRmse.length, 'every val_rmse point is indexed');
  });
});
