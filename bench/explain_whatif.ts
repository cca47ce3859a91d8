/**
 * What-if latency (issue 12: "what-if answers in ≤ 300 ms after the scorer started"), on the examples' real
 * models, next to the cost of the model's own one-row prediction measured in the same run.
 *
 *   node scripts/build.mjs && node dist-bench/explain_whatif.js
 *
 * Environment (all optional):
 *   BENCH_PYTHON    the interpreter with scikit-learn (default LINEAGE_PYTHON or /usr/bin/python3)
 *   BENCH_REQUESTS  what-if requests per model (default 60; median, p95 and worst reported)
 *
 * Untimed set-up: each example is copied into a fresh workspace and trained with `lineage run` (house prices:
 * gbr, rf, ridge; credit decisions: logistic, gbc), so each run has the explanation and model.pkl the panel uses.
 * Then, per model:
 *   - start: Scorer.start → the ready line (loading the interpreter, numpy, scikit-learn and the model);
 *   - what-if: scorer.explain of a row with one input changed each time (a new prediction and its exact
 *     attributions), round trip over the pipes as the panel sees it;
 *   - counterfactual: the smallest change of ≤ 2 inputs past a target 10 % above the prediction;
 *   - anchor: the model's own predict() of one row, timed inside Python with the same interpreter and pickle
 *     (what any what-if must pay at least); the ratio says what the explanation and the protocol add.
 * The last line is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadExplanation } from '../src/core/explain/load';
import { rowView } from '../src/core/explain/views';
import { Scorer } from '../src/core/explain/scorer';
import { envInt, median, now } from './lib/measure';

const ROOT = path.resolve(__dirname, '..');
const PYTHON = process.env.BENCH_PYTHON || process.env.LINEAGE_PYTHON || '/usr/bin/python3';
const REQUESTS = envInt('BENCH_REQUESTS', 60);
const CLI = path.join(ROOT, 'dist', 'cli.js');

interface Case {
  example: 'house-prices' | 'credit-decisions';
  model: string;
}
const CASES: Case[] = [
  { example: 'house-prices', model: 'gbr' },
  { example: 'house-prices', model: 'rf' },
  { example: 'house-prices', model: 'ridge' },
  { example: 'credit-decisions', model: 'logistic' },
  { example: 'credit-decisions', model: 'gbc' },
];

function trainedRun(c: Case): string {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), `lineage-whatif-${c.example}-`));
  fs.cpSync(path.join(ROOT, 'examples', c.example), ws, {
    recursive: true,
    filter: (src) => !/[\\/](outputs|\.lineage|__pycache__)$/.test(src),
  });
  fs.mkdirSync(path.join(ws, '.lineage'));
  execFileSync(process.execPath, [CLI, 'run', '--name', c.model, 'train.py', '--model', c.model], {
    cwd: ws,
    env: { ...process.env, LINEAGE_PYTHON: PYTHON },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const runs = path.join(ws, '.lineage', 'runs');
  return path.join(runs, fs.readdirSync(runs)[0]);
}

/** The model's own one-row predict, median of 200, in the interpreter the scorer uses. */
function predictAnchorMs(runDir: string, row: Record<string, number | string>, features: string[]): number {
  const script = String.raw`
import json, pickle, sys, time
import numpy as np
run, row, features, kind = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4]
with open(run + "/explanations/default/model.pkl", "rb") as f:
    model = pickle.load(f)
x = np.array([[row[f] for f in features]], dtype=object if kind == "ndarray-object" else float)
model.predict(x)
times = []
for _ in range(200):
    t = time.perf_counter(); model.predict(x); times.append(time.perf_counter() - t)
times.sort()
print(times[100] * 1000)
`;
  const manifest = JSON.parse(fs.readFileSync(path.join(runDir, 'explanations', 'default', 'explanation.json'), 'utf8')) as {
    model: { input: string };
  };
  const out = execFileSync(PYTHON, ['-c', script, runDir, JSON.stringify(row), JSON.stringify(features), manifest.model.input], { encoding: 'utf8' });
  return Number(out.trim());
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

async function main(): Promise<void> {
  const results: Array<Record<string, unknown>> = [];
  console.log(`what-if latency: ${REQUESTS} requests per model, interpreter ${PYTHON}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
  console.log('model                          start    what-if median / p95 / worst    counterfactual   anchor: predict(1 row)   ratio');
  for (const c of CASES) {
    const runDir = trainedRun(c);
    const ex = await loadExplanation(runDir, 'default');
    const row0 = rowView(ex, 0);
    const row: Record<string, number | string> = {};
    for (const i of row0.inputs) row[i.feature] = i.value ?? 0;
    const numeric = ex.manifest.features.find((f, j) => ex.manifest.featureKinds[j] === 'numeric')!;
    const [lo, hi] = ex.manifest.featureRanges[numeric] ?? [0, 1];

    const t0 = now();
    const scorer = await Scorer.start({
      python: PYTHON,
      sdkPath: path.join(ROOT, 'sdk', 'python'),
      runDir,
      name: 'default',
      cwd: path.dirname(path.dirname(path.dirname(runDir))),
    });
    const startMs = now() - t0;
    const lat: number[] = [];
    let first = 0;
    try {
      for (let i = 0; i < REQUESTS; i++) {
        const t = now();
        const r = await scorer.explain({ ...row, [numeric]: lo + ((hi - lo) * (i % 20)) / 19 });
        lat.push(now() - t);
        if (i === 0) first = r.prediction;
      }
      const target = ex.manifest.link === 'logit' ? Math.min(0.99, first + 0.1) : first * 1.1;
      const cfs: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = now();
        await scorer.counterfactual(row, target, 2);
        cfs.push(now() - t);
      }
      const anchor = predictAnchorMs(runDir, row, ex.manifest.features);
      const m = median(lat);
      const res = {
        example: c.example,
        model: c.model,
        method: ex.manifest.method,
        startMs: Math.round(startMs),
        whatIfMedianMs: +m.toFixed(2),
        whatIfP95Ms: +pct(lat, 0.95).toFixed(2),
        whatIfWorstMs: +Math.max(...lat).toFixed(2),
        counterfactualMedianMs: +median(cfs).toFixed(1),
        predictOneRowMs: +anchor.toFixed(3),
        ratio: +(m / anchor).toFixed(1),
      };
      results.push(res);
      console.log(
        `${`${c.example} ${c.model}`.padEnd(30)} ${`${res.startMs} ms`.padStart(7)}    ${`${res.whatIfMedianMs} / ${res.whatIfP95Ms} / ${res.whatIfWorstMs} ms`.padEnd(28)}    ${`${res.counterfactualMedianMs} ms`.padStart(10)}       ${`${res.predictOneRowMs} ms`.padStart(10)}         ${res.ratio}×`,
      );
    } finally {
      await scorer.stop();
      fs.rmSync(path.dirname(path.dirname(path.dirname(runDir))), { recursive: true, force: true });
    }
  }
  const worst = Math.max(...results.map((r) => r.whatIfWorstMs as number));
  console.log(`goal: what-if ≤ 300 ms after the scorer started; worst of all ${results.length * REQUESTS} requests: ${worst} ms`);
  console.log(JSON.stringify({ bench: 'explain_whatif', date: new Date().toISOString(), cpus: os.cpus().length, requests: REQUESTS, results, worstMs: worst }));
  if (worst > 300) process.exitCode = 1;
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
