import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, copyExample, gitInit, PYTHON, REPO } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

interface Cell {
  cell_type: 'code' | 'markdown';
  /** One string, or its lines (nbformat writes lines). */
  source: string | string[];
  metadata: { tags?: string[] };
  outputs?: Array<{ output_type: string; text?: string | string[]; data?: Record<string, unknown>; ename?: string }>;
  execution_count?: number | null;
}

/** An nbformat 4 notebook, as Jupyter and VS Code save it. */
function notebook(cells: Array<string | { source: string; tags?: string[]; markdown?: boolean }>): string {
  const out: Cell[] = cells.map((c) => {
    const o = typeof c === 'string' ? { source: c } : c;
    return o.markdown
      ? { cell_type: 'markdown', source: o.source, metadata: {} }
      : { cell_type: 'code', source: o.source, metadata: o.tags ? { tags: o.tags } : {}, outputs: [], execution_count: null };
  });
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: out.map((c, i) => ({ id: `c${i}`, ...c })),
  });
}

const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

function workspace(): string {
  const ws = tmpDir('lineage-notebook-');
  fs.writeFileSync(path.join(ws, 'houses.csv'), 'area,price\n50,100\n70,150\n90,170\n');
  fs.writeFileSync(
    path.join(ws, 'analysis.ipynb'),
    notebook([
      { source: '# Prices', markdown: true },
      { source: 'alpha = 0.5\nname = "baseline"\nrows_limit = 10\n', tags: ['parameters'] },
      [
        'import csv, lineage',
        'rows = list(csv.DictReader(open("houses.csv")))[:rows_limit]',
        'mean = sum(float(r["price"]) for r in rows) / len(rows)',
        'lineage.log_metric("mean_price", mean * alpha)',
        'print("rows", len(rows), "alpha", alpha, "name", name)',
      ].join('\n'),
      `from IPython.display import Image, display\nimport base64\ndisplay(Image(data=base64.b64decode("${PNG_1X1}")))`,
      'open("summary.txt", "w").write(str(mean))',
    ]),
  );
  fs.writeFileSync(
    path.join(ws, 'broken.ipynb'),
    notebook(['x = 1', { source: 'text', markdown: true }, 'print("before")\nfloat("not a number")', 'print("never")']),
  );
  gitInit(ws);
  return ws;
}

interface Shown {
  status: string;
  exitCode: number | null;
  error: string | null;
  params: Record<string, unknown>;
  tags: Record<string, string>;
  metrics: Record<string, { last: number; count: number }>;
  artifacts: Array<{ path: string; kind: string; size: number | null }>;
  datasets: Array<{ path: string; role: string; sha256: string | null }>;
}

function lastRun(ws: string): { id: string; dir: string; shown: Shown } {
  const ids = fs.readdirSync(path.join(ws, '.lineage', 'runs')).sort();
  const id = ids[ids.length - 1];
  const show = cli(['show', id, '--json'], ws);
  assert.equal(show.status, 0, show.stderr);
  return { id, dir: path.join(ws, '.lineage', 'runs', id), shown: JSON.parse(show.stdout) as Shown };
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('lineage run analysis.ipynb -p: params (defaults + overrides), a metric from a cell, the data read with its sha256, the executed notebook with its outputs, exit 0', () => {
  const ws = workspace();
  const r = cli(['run', 'analysis.ipynb', '-p', 'alpha=2', '-p', 'name=tuned'], ws);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /rows 3 alpha 2 name tuned/, 'cell output streams to the terminal');
  const { dir, shown } = lastRun(ws);
  assert.equal(shown.status, 'finished');
  assert.equal(shown.exitCode, 0);
  assert.deepEqual(shown.params, { alpha: 2, name: 'tuned', rows_limit: 10 });
  assert.equal(shown.tags.notebook, 'analysis.ipynb');
  assert.equal(shown.metrics.mean_price.last, (420 / 3) * 2);
  const input = shown.datasets.find((d) => d.path === 'houses.csv');
  assert.equal(input?.role, 'input');
  assert.equal(input?.sha256, sha256(path.join(ws, 'houses.csv')));
  assert.ok(
    shown.datasets.some((d) => d.path === 'summary.txt' && d.role === 'output'),
    JSON.stringify(shown.datasets),
  );
  assert.ok(!shown.datasets.some((d) => d.path.endsWith('.ipynb')), 'the notebook is the code, not data');
  const artifact = shown.artifacts.find((a) => a.path === 'artifacts/analysis.ipynb');
  assert.ok(artifact && artifact.size! > 0, JSON.stringify(shown.artifacts));
  assert.match(fs.readFileSync(path.join(dir, 'console.log'), 'utf8'), /rows 3 alpha 2 name tuned/);

  const executed = JSON.parse(fs.readFileSync(path.join(dir, 'artifacts', 'analysis.ipynb'), 'utf8')) as { cells: Cell[] };
  assert.deepEqual(
    executed.cells.map((c) => c.metadata.tags ?? []),
    [[], ['parameters'], ['injected-parameters'], [], [], []],
  );
  const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join('') : v);
  assert.match(text(executed.cells[2].source)!, /alpha = 2\nname = 'tuned'/);
  assert.equal(text(executed.cells[3].outputs![0].text), 'rows 3 alpha 2 name tuned\n');
  assert.equal(String(executed.cells[4].outputs![0].data!['image/png']).trim(), PNG_1X1);
  // The user's notebook is left as it was.
  assert.equal((JSON.parse(fs.readFileSync(path.join(ws, 'analysis.ipynb'), 'utf8')) as { cells: Cell[] }).cells.length, 5);

  const plain = cli(['run', 'analysis.ipynb'], ws);
  assert.equal(plain.status, 0, plain.stderr);
  assert.deepEqual(lastRun(ws).shown.params, { alpha: 0.5, name: 'baseline', rows_limit: 10 });
});

test('lineage run broken.ipynb: the run fails with the cell number and its traceback, exit 1', () => {
  const ws = workspace();
  const r = cli(['run', 'broken.ipynb'], ws);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /before/);
  assert.doesNotMatch(r.stdout, /never/);
  assert.match(r.stderr, /ValueError: could not convert string to float: 'not a number' \(cell 3 of 4 in broken\.ipynb, In \[2\]\)/);
  const { dir, shown } = lastRun(ws);
  assert.equal(shown.status, 'failed');
  assert.equal(shown.exitCode, 1);
  assert.match(shown.error!, /^Cell 3 of 4 in broken\.ipynb, In \[2\] failed:/);
  assert.match(shown.error!, /float\("not a number"\)/);
  assert.match(shown.error!, /ValueError: could not convert string to float/);
  assert.ok(fs.existsSync(path.join(dir, 'artifacts', 'broken.ipynb')), 'the notebook is kept up to the failed cell');

  const missing = cli(['run', 'nope.ipynb'], ws);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /The notebook nope\.ipynb does not exist/);
});

test('a live kernel: start_run … end_run records each executed cell, in order, with its sha256', () => {
  const ws = workspace();
  const cells = [
    'x = 1',
    'import lineage\nrun = lineage.start_run(name="live")',
    'lineage.log_metric("m", 3)\ndata = open("houses.csv").read()',
    'y = x * 2',
    'lineage.end_run()',
    'z = 0',
  ];
  fs.writeFileSync(path.join(ws, 'live.ipynb'), notebook(cells));
  // The kernel a notebook editor starts: the user's interpreter with the SDK importable, no launcher.
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: path.join(REPO, 'sdk', 'python'), PYDEVD_DISABLE_FILE_VALIDATION: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('LINEAGE_')) delete env[k];
  fs.mkdirSync(path.join(ws, '.lineage'));
  const code =
    'import nbformat, sys\nfrom nbclient import NotebookClient\nnb = nbformat.read("live.ipynb", as_version=4)\nNotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": "."}}).execute()';
  const p = spawnSync(PYTHON, ['-c', code], { cwd: ws, env, encoding: 'utf8', timeout: 120000 });
  assert.equal(p.status, 0, p.stderr);

  const { dir, shown } = lastRun(ws);
  assert.equal(shown.status, 'finished');
  assert.equal(shown.metrics.m.last, 3);
  assert.equal(shown.metrics.cells_executed.count, 4);
  assert.equal(shown.datasets.find((d) => d.path === 'houses.csv')?.role, 'input');
  assert.ok(shown.artifacts.some((a) => a.path === 'artifacts/cells.jsonl'));
  const recorded = fs
    .readFileSync(path.join(dir, 'artifacts', 'cells.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { order: number; sha256: string; execution_count: number });
  const hash = (s: string) => crypto.createHash('sha256').update(s).digest('hex');
  assert.deepEqual(
    recorded.map((c) => c.sha256),
    cells.slice(1, 5).map(hash),
  );
  assert.deepEqual(
    recorded.map((c) => [c.order, c.execution_count]),
    [
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ],
  );
});

test("the example's explore.ipynb runs as documented: its data read as the input, the metrics of the chosen location", () => {
  const ws = tmpDir('lineage-notebook-example-');
  copyExample(ws);
  gitInit(ws);
  const r = cli(['run', 'explore.ipynb', '-p', 'location=waterfront', '-p', 'min_bedrooms=3'], ws);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const { shown } = lastRun(ws);
  assert.deepEqual(shown.params, { location: 'waterfront', min_bedrooms: 3 });
  assert.equal(shown.datasets.find((d) => d.path === 'data/houses.csv')?.sha256, sha256(path.join(ws, 'data', 'houses.csv')));
  const houses = fs
    .readFileSync(path.join(ws, 'data', 'houses.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .filter((f) => f[2] === 'waterfront' && Number(f[0]) >= 3);
  assert.equal(shown.metrics.houses.last, houses.length);
  assert.ok(houses.length > 0);
});
