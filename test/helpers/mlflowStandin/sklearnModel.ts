/** A real scikit-learn model, trained and pickled by Debian's Python, and a lineage summary for pushing it. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LineageSummary, ModelFile } from '../../../src/core/registry/types';

export const PYTHON = process.env.LINEAGE_TEST_PYTHON || '/usr/bin/python3';

export function trainSklearnModel(dir: string): ModelFile {
  const file = path.join(dir, 'model.pkl');
  const r = spawnSync(
    PYTHON,
    [
      '-c',
      'import pickle,sys\nfrom sklearn.linear_model import LinearRegression\nm=LinearRegression().fit([[0.0],[1.0],[2.0]],[1.0,3.0,5.0])\npickle.dump(m,open(sys.argv[1],"wb"))',
      file,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`training failed: ${r.stderr}`);
  return { path: 'model.pkl', absPath: file, size: fs.statSync(file).size };
}

/** What the pickled model predicts for x, computed by Python from the file at `file`. */
export function predict(file: string, x: number): number {
  const r = spawnSync(
    PYTHON,
    ['-c', 'import pickle,sys\nm=pickle.load(open(sys.argv[1],"rb"))\nprint(m.predict([[float(sys.argv[2])]])[0])', file, String(x)],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`predict failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

export function pythonVersion(): string {
  return spawnSync(PYTHON, ['-c', 'import platform;print(platform.python_version())'], { encoding: 'utf8' }).stdout.trim();
}

/** A run with `points` points of `loss` (NaN and Infinity among them), `acc` at two steps and `params` params. */
export function lineageFor(runId: string, opts: { points?: number; params?: number } = {}): LineageSummary {
  const n = opts.points ?? 2500;
  const start = Date.UTC(2026, 11, 5, 10, 0, 0);
  const series: NonNullable<LineageSummary['metricSeries']> = [];
  for (let i = 0; i < n; i++) series.push({ key: 'loss', value: i === 5 ? NaN : i === 6 ? Infinity : 1 / (i + 1), step: i, timestamp: start + i });
  series.push({ key: 'acc', value: 0.5, step: 0, timestamp: start }, { key: 'acc', value: 0.9, step: 1, timestamp: start + 1 });
  const params: Record<string, unknown> = { lr: 0.1, layers: [64, 32], name: 'ridge' };
  for (let i = 0; i < (opts.params ?? 0); i++) params[`p${i}`] = i;
  return {
    runId,
    runName: 'baseline',
    experiment: 'houses',
    command: 'python train.py --lr 0.1',
    gitCommit: '0123456789abcdef0123456789abcdef01234567',
    gitBranch: 'main',
    gitDirty: false,
    startedAt: start,
    endedAt: start + n,
    params,
    metrics: { loss: 1 / n, acc: 0.9 },
    metricSeries: series,
    datasets: [{ path: 'data/houses.csv', role: 'input', sha256: 'ab'.repeat(32) }],
    python: { version: pythonVersion(), packages: { 'scikit-learn': '1.2.1', numpy: '1.24.2' } },
    flavor: 'sklearn',
  };
}
