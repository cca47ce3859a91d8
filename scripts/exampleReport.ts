/**
 * Writes docs/example-explanation-report.md from a real run: copies examples/house-prices to a temporary git
 * workspace, records `lineage run train.py` with Debian's Python (scikit-learn), picks one validation house
 * (the one at the 75th percentile of predicted price: above average, so there is something to explain), asks the
 * real what-if scorer for the smallest change that would have raised its price by about 10%, and renders the
 * report exactly as `lineage explain --report` and the Explain panel do.
 *
 *   flock /tmp/lineage-build.lock node scripts/build.mjs     # dist/cli.js and the run keeper
 *   node scripts/example-report.mjs                          # bundles this file and runs it
 *
 * LINEAGE_PYTHON chooses the interpreter (default /usr/bin/python3); `--html FILE` also writes the HTML page.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LineageWorkspace } from '../src/core/workspace';
import { listRuns } from '../src/core/runs/queries';
import { loadExplanation } from '../src/core/explain/load';
import { rowView } from '../src/core/explain/views';
import { reportInputFor } from '../src/core/explain/reportRun';
import { reportHtml, reportMarkdown } from '../src/core/explain/report';
import { Scorer } from '../src/core/explain/scorer';

const REPO = path.resolve(__dirname, '..', '..', '..');
const PYTHON = process.env.LINEAGE_PYTHON || '/usr/bin/python3';
const OUT = path.join(REPO, 'docs', 'example-explanation-report.md');

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

async function main(): Promise<void> {
  const cli = path.join(REPO, 'dist', 'cli.js');
  if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run `node scripts/build.mjs` first.');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-example-report-'));
  // The folder's name is the run's experiment, as for a user who cloned the example.
  const ws = path.join(tmp, 'house-prices');
  try {
    fs.cpSync(path.join(REPO, 'examples', 'house-prices'), ws, {
      recursive: true,
      filter: (src) => !/(outputs|__pycache__|\.lineage)/.test(path.relative(REPO, src)),
    });
    const gitEnv = {
      GIT_AUTHOR_NAME: 'example',
      GIT_AUTHOR_EMAIL: 'example@example.invalid',
      GIT_COMMITTER_NAME: 'example',
      GIT_COMMITTER_EMAIL: 'example@example.invalid',
    };
    run('git', ['init', '-q', '-b', 'main'], ws, gitEnv);
    run('git', ['add', '.'], ws, gitEnv);
    run('git', ['commit', '-qm', 'house-prices example'], ws, gitEnv);
    run(process.execPath, [cli, 'run', '--name', 'baseline', 'train.py'], ws, { LINEAGE_PYTHON: PYTHON, NO_COLOR: '1' });

    const lw = await LineageWorkspace.open(ws, { create: false });
    const id = listRuns(lw.store, { limit: 1 })[0].id;
    const runDir = path.join(lw.paths.runs, id);
    const ex = await loadExplanation(runDir, 'default');
    const order = Array.from({ length: ex.manifest.rows }, (_, i) => i).sort((a, b) => ex.output[a] - ex.output[b]);
    const index = order[Math.floor(order.length * 0.75)];
    const row = rowView(ex, index);

    const scorer = await Scorer.start({ python: PYTHON, sdkPath: path.join(REPO, 'sdk', 'python'), runDir, name: 'default', cwd: ws });
    let counterfactual = null;
    try {
      const inputs = Object.fromEntries(row.inputs.map((i) => [i.feature, i.value ?? NaN]));
      const target = Math.ceil((row.prediction * 1.1) / 10_000) * 10_000;
      const cf = await scorer.counterfactual(inputs, target);
      counterfactual = { target, changes: cf.changes, prediction: cf.prediction ?? NaN, reason: cf.reason };
    } finally {
      await scorer.stop();
    }
    const input = await reportInputFor(lw.store, id, 'default', index, { counterfactual, subject: 'house' });
    const python = run(PYTHON, ['-c', 'import sklearn, sys; print(sys.version.split()[0], sklearn.__version__)'], ws).trim().split(' ');
    const header = [
      `> **An example report, generated from a real run** by \`node scripts/example-report.mjs\` (scripts/exampleReport.ts), not written`,
      `> by hand: examples/house-prices/train.py (default \`--model gbr\`) recorded with \`lineage run\` in a fresh git workspace, with`,
      `> Python ${python[0]} and scikit-learn ${python[1]}. It explains row ${index} of the logged explanation (the house at the 75th`,
      '> percentile of predicted price); the counterfactual comes from the real what-if scorer (`python -m lineage.serve`).',
      '> Everything below the line is the report writer’s output (src/core/explain/report.ts), as `lineage explain --report` writes it.',
      '',
      '---',
      '',
    ].join('\n');
    fs.writeFileSync(OUT, header + reportMarkdown(input));
    const html = process.argv.indexOf('--html');
    if (html > 0 && process.argv[html + 1]) fs.writeFileSync(process.argv[html + 1], reportHtml(input));
    console.log(`wrote ${path.relative(REPO, OUT)} (run ${id}, row ${index})`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
