/**
 * The lineage.autolog.frameworks setting (LINEAGE_AUTOLOG_FRAMEWORKS=1, as the editor's launcher sets it)
 * reaches a notebook's kernel (issue 16 §1): a scikit-learn fit in a cell of `lineage run fit.ipynb`, and in
 * a live kernel that calls lineage.start_run(), records the estimator's params, fit metrics and the model,
 * as the same fit in a script does. Real nbclient and ipykernel, real scikit-learn.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, PYTHON, REPO } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

const code = (source: string, tags?: string[]) => ({ cell_type: 'code', source, metadata: tags ? { tags } : {}, outputs: [], execution_count: null });
const notebook = (cells: object[]) =>
  JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } }, cells });

const FIT = [
  'from sklearn.datasets import make_regression\nfrom sklearn.linear_model import Ridge',
  'X, y = make_regression(n_samples=60, n_features=3, random_state=0)\nmodel = Ridge(alpha=strength).fit(X, y)\nprint("fitted", model.alpha)',
].join('\n');

interface Shown {
  status: string;
  params: Record<string, unknown>;
  tags: Record<string, string>;
  metrics: Record<string, { last: number }>;
  artifacts: Array<{ path: string }>;
}

function lastRun(ws: string): Shown {
  const ids = fs.readdirSync(path.join(ws, '.lineage', 'runs')).sort();
  const show = cli(['show', ids[ids.length - 1], '--json'], ws);
  assert.equal(show.status, 0, show.stderr);
  return JSON.parse(show.stdout) as Shown;
}

function assertAutologged(shown: Shown, alpha: number): void {
  assert.equal(shown.params.alpha, alpha, JSON.stringify(shown.params));
  assert.equal(shown.params.solver, 'auto', 'every param of the estimator, as autolog logs them');
  assert.equal(shown.tags.estimator_name, 'Ridge');
  assert.ok('training_r2_score' in shown.metrics, JSON.stringify(Object.keys(shown.metrics)));
  assert.ok(
    shown.artifacts.some((a) => a.path === 'artifacts/models/Ridge.pkl'),
    JSON.stringify(shown.artifacts),
  );
}

test('lineage run fit.ipynb with LINEAGE_AUTOLOG_FRAMEWORKS=1: the fit in a cell records the estimator params, metrics and model; without it, only the notebook params', () => {
  const ws = tmpDir('lineage-notebook-autolog-');
  fs.writeFileSync(path.join(ws, 'fit.ipynb'), notebook([code('strength = 0.5\n', ['parameters']), code(FIT)]));

  const on = cli(['run', 'fit.ipynb', '-p', 'strength=0.25'], ws, { LINEAGE_AUTOLOG_FRAMEWORKS: '1' });
  assert.equal(on.status, 0, on.stderr + on.stdout);
  assert.match(on.stdout, /fitted 0\.25/);
  const shown = lastRun(ws);
  assert.equal(shown.status, 'finished');
  assert.equal(shown.params.strength, 0.25, 'the notebook params are kept beside the estimator params');
  assertAutologged(shown, 0.25);

  const off = cli(['run', 'fit.ipynb'], ws, { LINEAGE_AUTOLOG_FRAMEWORKS: '0' });
  assert.equal(off.status, 0, off.stderr + off.stdout);
  assert.deepEqual(lastRun(ws).params, { strength: 0.5 }, 'the setting off: nothing is patched in the kernel');
});

test('a live kernel with LINEAGE_AUTOLOG_FRAMEWORKS=1 in its environment: lineage.start_run() turns framework autolog on for its run', () => {
  const ws = tmpDir('lineage-notebook-autolog-live-');
  fs.mkdirSync(path.join(ws, '.lineage'));
  fs.writeFileSync(
    path.join(ws, 'live.ipynb'),
    notebook([code('import lineage\nrun = lineage.start_run(name="live-fit")'), code('strength = 0.75\n' + FIT), code('lineage.end_run()')]),
  );
  // A kernel as one started from a VS Code terminal gets it: the SDK importable, the setting's variable, no launcher.
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: path.join(REPO, 'sdk', 'python'), PYDEVD_DISABLE_FILE_VALIDATION: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('LINEAGE_')) delete env[k];
  env.LINEAGE_AUTOLOG_FRAMEWORKS = '1';
  const run =
    'import nbformat\nfrom nbclient import NotebookClient\nnb = nbformat.read("live.ipynb", as_version=4)\nNotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()';
  const p = spawnSync(PYTHON, ['-c', run], { cwd: ws, env, encoding: 'utf8', timeout: 120000 });
  assert.equal(p.status, 0, p.stderr);
  const shown = lastRun(ws);
  assert.equal(shown.status, 'finished');
  assert.equal(shown.tags.kernel, 'ipykernel');
  assertAutologged(shown, 0.75);
});
