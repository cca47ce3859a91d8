/**
 * Notebooks in a real VS Code (issue 16 section 1): a .ipynb open in VS Code's notebook editor, run with
 * "Lineage: Run Notebook as Experiment" as its toolbar button does (the command on the active notebook), is
 * recorded like a script run: the run appears in the Experiments tree with the notebook's params and a cell's
 * metric, and its executed notebook is listed with the run's artifacts and opens in the notebook editor. A live
 * kernel (a real ipykernel this suite starts) that calls lineage.start_run() shows in the status bar as a
 * launched run does, until lineage.end_run() or the kernel's death.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LineageApi } from '../../../src/extension/main';
import type { ExperimentNode } from '../../../src/extension/views/experimentsTree';
import { EXTENSION_ID, PYTHON, startCommand, waitFor, workspaceDir } from './helpers';

type RunNode = Extract<ExperimentNode, { kind: 'run' }>;

const FOLDER = 'notebook-suite';

const code = (source: string, tags?: string[]) => ({ cell_type: 'code', source, metadata: tags ? { tags } : {}, outputs: [], execution_count: null });
const NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [code('factor = 3\n', ['parameters']), code('import lineage\nlineage.log_metric("nb_score", factor * 2)\nprint("score", factor * 2)')],
};

describe('Notebooks: Run Notebook as Experiment', () => {
  it('runs the open notebook: the run in the tree with its params and metric, the executed notebook among its artifacts, opened as a notebook', async function () {
    this.timeout(180_000);
    const ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID)!;
    const api = await ext.activate();
    fs.mkdirSync(path.join(ws, FOLDER), { recursive: true });
    const file = path.join(ws, FOLDER, 'scores.ipynb');
    fs.writeFileSync(file, JSON.stringify(NOTEBOOK));
    const doc = await vscode.workspace.openNotebookDocument(vscode.Uri.file(file));
    await vscode.window.showNotebookDocument(doc);
    assert.equal(doc.notebookType, 'jupyter-notebook', 'the toolbar button shows for this notebook type');

    const cmd = startCommand('lineage.runNotebook');
    // The experiment is the notebook's folder, as for a script; the tree finds the run by itself.
    const row = await waitFor('the notebook run, finished, in the Experiments tree', 120_000, async () => {
      if (cmd.error()) throw cmd.error();
      const exp = (await api.experimentsTree.getChildren()).find((n) => n.kind === 'experiment' && n.name === FOLDER);
      if (!exp) return undefined;
      const rows = (await api.experimentsTree.getChildren(exp)).filter((n): n is RunNode => n.kind === 'run');
      return rows.length === 1 && rows[0].run.status === 'finished' ? rows[0] : undefined;
    });
    assert.ok(
      row.run.metrics.some((m) => m.key === 'nb_score' && m.last === 6),
      JSON.stringify(row.run.metrics),
    );
    const runDir = path.join(ws, '.lineage', 'runs', row.run.id);
    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { command: string[]; createdBy: string };
    assert.equal(record.createdBy, 'vscode');
    assert.deepEqual(record.command.slice(1, 4), ['-m', 'lineage.notebook', file]);
    assert.match(fs.readFileSync(path.join(runDir, 'console.log'), 'utf8'), /score 6/);

    // The run's detail lists the executed notebook (the same index query as `lineage show`), and the Run
    // panel's artifact link (its very message handler) opens it in the notebook editor.
    const executed = path.join(runDir, 'artifacts', 'scores.ipynb');
    const show = spawnSync(process.execPath, [path.join(ext.extensionPath, 'dist', 'cli.js'), 'show', row.run.id, '--json'], { cwd: ws, encoding: 'utf8' });
    assert.equal(show.status, 0, show.stderr);
    const detail = JSON.parse(show.stdout) as { params: Record<string, unknown>; artifacts: Array<{ path: string }> };
    assert.equal(detail.params.factor, 3);
    assert.ok(
      detail.artifacts.some((a) => a.path === 'artifacts/scores.ipynb'),
      JSON.stringify(detail.artifacts),
    );
    await vscode.commands.executeCommand('lineage.openRun', row.run.id);
    const panel = await waitFor('the Run panel', 30_000, () => api.testPanels.runDetail(row.run.id));
    await panel.receive({ type: 'runDetail/action', action: 'openArtifact', path: 'artifacts/scores.ipynb' });
    const shown = await waitFor('the executed notebook open in the notebook editor', 30_000, () =>
      vscode.window.activeNotebookEditor?.notebook.uri.fsPath === executed ? vscode.window.activeNotebookEditor.notebook : undefined,
    );
    const outputs = shown.cellAt(1).outputs.flatMap((o) => o.items.map((i) => new TextDecoder().decode(i.data)));
    assert.ok(
      outputs.some((t) => t.includes('score 6')),
      JSON.stringify(outputs),
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});

describe('Notebooks: the lineage.autolog.frameworks setting', () => {
  it('reaches the kernel of a notebook run from the editor: a scikit-learn fit in a cell records its params and model', async function () {
    this.timeout(180_000);
    const ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID)!;
    const api = await ext.activate();
    const folder = path.join(ws, 'notebook-autolog');
    fs.mkdirSync(folder, { recursive: true });
    const file = path.join(folder, 'fit.ipynb');
    const fit =
      'from sklearn.datasets import make_regression\nfrom sklearn.linear_model import Ridge\nX, y = make_regression(n_samples=60, n_features=3, random_state=0)\nmodel = Ridge(alpha=strength).fit(X, y)';
    fs.writeFileSync(file, JSON.stringify({ ...NOTEBOOK, cells: [code('strength = 0.25\n', ['parameters']), code(fit)] }));
    const config = vscode.workspace.getConfiguration('lineage', vscode.Uri.file(ws));
    await config.update('autolog.frameworks', true, vscode.ConfigurationTarget.Workspace);
    try {
      const cmd = startCommand('lineage.runNotebook', vscode.Uri.file(file));
      const row = await waitFor('the notebook run, finished, in the Experiments tree', 120_000, async () => {
        if (cmd.error()) throw cmd.error();
        const exp = (await api.experimentsTree.getChildren()).find((n) => n.kind === 'experiment' && n.name === 'notebook-autolog');
        const rows = exp ? (await api.experimentsTree.getChildren(exp)).filter((n): n is RunNode => n.kind === 'run') : [];
        return rows.length === 1 && rows[0].run.status !== 'running' ? rows[0] : undefined;
      });
      assert.equal(row.run.status, 'finished');
      const show = spawnSync(process.execPath, [path.join(ext.extensionPath, 'dist', 'cli.js'), 'show', row.run.id, '--json'], { cwd: ws, encoding: 'utf8' });
      assert.equal(show.status, 0, show.stderr);
      const detail = JSON.parse(show.stdout) as { params: Record<string, unknown>; tags: Record<string, string>; artifacts: Array<{ path: string }> };
      assert.equal(detail.params.strength, 0.25);
      assert.equal(detail.params.alpha, 0.25, `the Ridge's params, logged by framework autolog in the kernel: ${JSON.stringify(detail.params)}`);
      assert.equal(detail.tags.estimator_name, 'Ridge');
      assert.ok(
        detail.artifacts.some((a) => a.path === 'artifacts/models/Ridge.pkl'),
        JSON.stringify(detail.artifacts),
      );
    } finally {
      await config.update('autolog.frameworks', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });
});

/**
 * A real ipykernel of /usr/bin/python3 driven by jupyter_client, as a notebook editor drives its kernel: each
 * line on stdin is a cell to execute, each line on stdout the cell's outcome.
 */
const KERNEL_DRIVER = `
import json, sys
from jupyter_client.manager import KernelManager
km = KernelManager(kernel_name="python3")
km.start_kernel(cwd=sys.argv[1])
kc = km.client()
kc.start_channels()
kc.wait_for_ready(timeout=60)
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    out = []
    def hook(msg):
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append(msg["content"]["ename"] + ": " + msg["content"]["evalue"])
    reply = kc.execute_interactive(json.loads(line), timeout=60, output_hook=hook)
    print(json.dumps({"status": reply["content"]["status"], "out": "".join(out)}), flush=True)
kc.stop_channels()
km.shutdown_kernel(now=True)
`;

function startKernel(cwd: string, sdk: string) {
  // The kernel a user's notebook editor starts: the SDK importable, no launcher's variables.
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: sdk, PYDEVD_DISABLE_FILE_VALIDATION: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('LINEAGE_') || k.startsWith('ELECTRON_')) delete env[k];
  const p = spawn(PYTHON, ['-c', KERNEL_DRIVER, cwd], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const next = (what: string) =>
    waitFor(
      `${what} (kernel stderr: ${stderr.slice(-500)})`,
      90_000,
      () => (lines.length ? (JSON.parse(lines.shift()!) as { status?: string; out?: string }) : undefined),
      50,
    );
  return {
    ready: () => next('the kernel to start'),
    async execute(code: string) {
      p.stdin.write(JSON.stringify(code) + '\n');
      const r = await next(`the cell ${JSON.stringify(code.slice(0, 40))}`);
      assert.equal(r.status, 'ok', r.out);
      return r.out ?? '';
    },
    stop: () => p.kill('SIGKILL'),
  };
}

describe('Notebooks: a live kernel in the status bar', () => {
  it("a kernel's lineage.start_run() shows in the status bar (name, time, latest metric; click opens the run) until end_run, and until the kernel dies", async function () {
    this.timeout(180_000);
    const ws = workspaceDir();
    const ext = vscode.extensions.getExtension<LineageApi>(EXTENSION_ID)!;
    const api = await ext.activate();
    const cwd = path.join(ws, FOLDER);
    fs.mkdirSync(cwd, { recursive: true });
    fs.mkdirSync(path.join(ws, '.lineage', 'runs'), { recursive: true });
    const kernel = startKernel(cwd, path.join(ext.extensionPath, 'sdk', 'python'));
    try {
      await kernel.ready();
      const started = await kernel.execute('import lineage, os\nrun = lineage.start_run(name="kernel-live")\nprint(run.id, os.getpid())');
      const [runId] = started.trim().split(' ');
      await kernel.execute('lineage.log_metric("loss", 0.25)');
      const shown = await waitFor('the kernel run with its metric in the status bar', 30_000, () => {
        const s = api.testStatusBar.kernelRuns();
        return s.visible && s.text.includes('loss 0.25') ? s : undefined;
      });
      assert.match(shown.text, /^\$\(sync~spin\) kernel-live · \d+:\d\d · loss 0\.25$/);
      assert.equal(shown.command, 'lineage.openRun');
      assert.deepEqual(shown.arguments, [runId]);
      assert.match(shown.tooltip, /lineage\.end_run\(\)/);
      // The elapsed time ticks while the kernel idles.
      const first = shown.text;
      await waitFor('the elapsed time to move on', 5_000, () => (api.testStatusBar.kernelRuns().text !== first ? true : undefined));

      await kernel.execute('lineage.end_run()');
      await waitFor('the status bar item to clear after end_run', 30_000, () => (api.testStatusBar.kernelRuns().visible ? undefined : true));

      // A kernel that dies writes no end: its pid, recorded in run.json, tells.
      const again = await kernel.execute('run = lineage.start_run(name="kernel-dies")\nprint(run.id, os.getpid())');
      const [deadId, pid] = again.trim().split(' ');
      await waitFor('the second kernel run in the status bar', 30_000, () => (api.testStatusBar.kernelRuns().text.includes('kernel-dies') ? true : undefined));
      process.kill(Number(pid), 'SIGKILL');
      await waitFor('the status bar item to clear when the kernel dies', 30_000, () => (api.testStatusBar.kernelRuns().visible ? undefined : true));
      const record = await waitFor('the dead kernel run, killed, in the Experiments tree', 30_000, async () => {
        const exp = (await api.experimentsTree.getChildren()).find((n) => n.kind === 'experiment' && n.name === FOLDER);
        const rows = exp ? (await api.experimentsTree.getChildren(exp)).filter((n): n is RunNode => n.kind === 'run') : [];
        return rows.find((r) => r.run.id === deadId && r.run.status === 'killed');
      });
      assert.equal(record.run.name, 'kernel-dies');
    } finally {
      kernel.stop();
    }
  });
});
