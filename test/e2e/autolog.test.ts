/**
 * Framework autolog end to end (issue 16 section 2): `lineage run` a real scikit-learn grid search with
 * framework autolog turned on the way the editor does it (LINEAGE_AUTOLOG_FRAMEWORKS=1), then the index, `lineage ls`
 * and a rebuilt index all show the search's run with one child run per candidate.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, queryDbFile } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

const SCRIPT = `
import json
from sklearn.datasets import make_regression
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

X, y = make_regression(n_samples=200, n_features=5, noise=4.0, random_state=0)
pipe = Pipeline([("scale", StandardScaler()), ("ridge", Ridge())])
search = GridSearchCV(pipe, {"ridge__alpha": [0.1, 1.0, 10.0], "scale__with_std": [True, False]}, cv=3).fit(X, y)
print(json.dumps({"params": search.cv_results_["params"], "rank": search.cv_results_["rank_test_score"].tolist()}))
`;

const CANDIDATES = 6;

test('lineage run of a grid search: the index links 6 child runs to the search run; ls shows them; a rebuild keeps the links', async () => {
  const ws = tmpDir('lineage-e2e-autolog-');
  fs.writeFileSync(path.join(ws, 'search.py'), SCRIPT);
  const env = { LINEAGE_AUTOLOG_FRAMEWORKS: '1', LINEAGE_WORKSPACE: '' };
  const run = cli(['run', 'search.py'], ws, env);
  assert.equal(run.status, 0, run.stderr);
  const truth = JSON.parse(run.stdout.split('\n').find((l) => l.startsWith('{"params"'))!) as { params: object[]; rank: number[] };
  assert.equal(truth.params.length, CANDIDATES);

  const top = JSON.parse(cli(['ls', '--json'], ws, env).stdout) as Array<{ id: string; parentRunId: string | null; children: number }>;
  assert.equal(top.length, 1, 'children are not listed as runs of their own');
  const parent = top[0];
  assert.equal(parent.children, CANDIDATES);
  assert.equal(parent.parentRunId, null);

  const db = path.join(ws, '.lineage', 'lineage.db');
  const links = async () =>
    (await queryDbFile(db, 'SELECT id, parent_run_id AS parent FROM runs WHERE parent_run_id IS NOT NULL ORDER BY started_at')).map((r) => r.parent);
  assert.deepEqual(await links(), Array(CANDIDATES).fill(parent.id));

  // Each child's params are its candidate's, its rank the search's.
  const children = await queryDbFile(
    db,
    `SELECT r.id, r.name, (SELECT last FROM metric_summaries m WHERE m.run_id = r.id AND m.key = 'rank_test_score') AS rank
     FROM runs r WHERE r.parent_run_id = ? ORDER BY r.started_at`,
    [parent.id],
  );
  for (const [i, c] of children.entries()) {
    assert.match(String(c.name), new RegExp(`^#${i + 1} `));
    assert.equal(c.rank, truth.rank[i]);
    const shown = JSON.parse(cli(['show', String(c.id), '--json'], ws, env).stdout) as { params: Record<string, unknown> };
    assert.deepEqual(shown.params, truth.params[i]);
  }

  // The training arrays are a dataset of the search's run, named by their sha256 and indexed with it.
  const data = await queryDbFile(
    db,
    `SELECT rd.path, rd.role, d.fingerprint FROM run_datasets rd LEFT JOIN datasets d ON d.id = rd.dataset_id WHERE rd.run_id = ?`,
    [parent.id],
  );
  const memory = data.filter((d) => String(d.path).startsWith('memory:sha256:'));
  assert.equal(memory.length, 1, JSON.stringify(data));
  assert.equal(memory[0].role, 'train');
  assert.equal(memory[0].fingerprint, String(memory[0].path).slice('memory:sha256:'.length));
  // The candidates name the same version (their datasets.json, written by the SDK), with the arrays' size.
  const versions = await queryDbFile(
    db,
    `SELECT DISTINCT d.id, d.size, d.warnings FROM run_datasets rd JOIN datasets d ON d.id = rd.dataset_id WHERE rd.path = ?`,
    [String(memory[0].path)],
  );
  assert.equal(versions.length, 1, JSON.stringify(versions));
  assert.equal(versions[0].size, 200 * 5 * 8 + 200 * 8, 'X and y as float64');
  assert.equal(versions[0].warnings, null);
  const users = await queryDbFile(db, `SELECT count(DISTINCT run_id) AS n FROM run_datasets WHERE path = ? AND dataset_id IS NOT NULL`, [
    String(memory[0].path),
  ]);
  assert.equal(users[0].n, CANDIDATES + 1);

  const plain = cli(['ls'], ws, env);
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout, /\(\+6 child runs\)/);
  assert.doesNotMatch(plain.stdout, /└ #1 /);
  const expanded = cli(['ls', '--children'], ws, env).stdout;
  const childLines = expanded.split('\n').filter((l) => l.includes('└ #'));
  assert.equal(childLines.length, CANDIDATES, expanded);
  assert.ok(expanded.indexOf(parent.id) < expanded.indexOf(childLines[0]), 'children come after their parent');
  assert.equal((JSON.parse(cli(['ls', '--json', '--children'], ws, env).stdout) as unknown[]).length, CANDIDATES + 1);

  const rebuilt = cli(['db', 'rebuild'], ws, env);
  assert.equal(rebuilt.status, 0, rebuilt.stderr);
  assert.deepEqual(await links(), Array(CANDIDATES).fill(parent.id));
  const listed = cli(['ls', '--json'], ws, env);
  assert.equal(listed.status, 0, listed.stderr);
  const after = JSON.parse(listed.stdout) as Array<{ id: string; children: number }>;
  assert.deepEqual(
    after.map((r) => [r.id, r.children]),
    [[parent.id, CANDIDATES]],
  );
});
