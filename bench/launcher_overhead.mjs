/**
 * What `lineage run` adds to a script, against running the same script directly, in the same run:
 *
 *   node scripts/build.mjs && node bench/launcher_overhead.mjs      (BENCH_RUNS=7 by default)
 *
 * A one-second Python script writes the wall-clock time of its first and last statements to a file. "before"
 * is the time from spawning the command to the first statement, "after" the time from the last statement
 * to the command's exit; the launcher's own overhead is each of them under `lineage run` minus the same
 * figure for `python3 script.py` (which includes the interpreter's own start and exit). The workspace is a
 * git repository with a small store (20 earlier runs). Prints one line per pair and a JSON summary last, with
 * the load average before and after (the machine's other work shows in every figure) and whether
 * NODE_EXTRA_CA_CERTS is set (Node then reads the certificates at every start: ~45 ms on a 2 vCPU machine,
 * which `lineage run`'s own Node process pays and the script does not).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// BENCH_CLI: a copy of dist/cli.js elsewhere (with its runKeeper.js and sql-wasm.wasm), so a rebuild of dist/
// during the measurement cannot disturb it.
const CLI = process.env.BENCH_CLI ? path.resolve(process.env.BENCH_CLI) : path.join(ROOT, 'dist', 'cli.js');
const PYTHON = process.env.BENCH_PYTHON || process.env.LINEAGE_TEST_PYTHON || '/usr/bin/python3';
const RUNS = Number(process.env.BENCH_RUNS || 7);

const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-bench-launch-'));
const stamps = path.join(ws, 'stamps.txt');
fs.writeFileSync(
  path.join(ws, 'train.py'),
  [
    'import sys, time',
    'open(sys.argv[1], "w").write("%.6f\\n" % time.time())',
    'time.sleep(1.0)',
    'open(sys.argv[1], "a").write("%.6f\\n" % time.time())',
    '',
  ].join('\n'),
);
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
for (const a of [
  ['init', '-q'],
  ['add', '.'],
  ['commit', '-qm', 'bench'],
])
  spawnSync('git', a, { cwd: ws, env: gitEnv });
fs.writeFileSync(path.join(ws, '.gitignore'), '.lineage/\nstamps.txt\n');
const env = { ...process.env, LINEAGE_PYTHON: PYTHON, LINEAGE_SDK_DIR: path.join(ROOT, 'sdk', 'python'), NO_COLOR: '1' };
for (let i = 0; i < 20; i++) spawnSync(process.execPath, [CLI, 'run', '--quiet', '--', 'true'], { cwd: ws, env, stdio: 'ignore' });

function timeOne(cmd, args) {
  fs.rmSync(stamps, { force: true });
  const t0 = Date.now() / 1000;
  const r = spawnSync(cmd, args, { cwd: ws, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const t1 = Date.now() / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const [first, last] = fs.readFileSync(stamps, 'utf8').trim().split('\n').map(Number);
  return { before: (first - t0) * 1000, after: (t1 - last) * 1000, total: (t1 - t0) * 1000 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const loadBefore = os.loadavg()[0];
const rows = [];
for (let i = 0; i < RUNS; i++) {
  const direct = timeOne(PYTHON, ['train.py', stamps]);
  const lineage = timeOne(process.execPath, [CLI, 'run', 'train.py', stamps]);
  rows.push({ direct, lineage });
  const f = (x) => x.toFixed(0).padStart(5);
  console.log(
    `direct: before ${f(direct.before)} ms, after ${f(direct.after)} ms, total ${f(direct.total)} ms | lineage run: before ${f(lineage.before)} ms, after ${f(lineage.after)} ms, total ${f(lineage.total)} ms`,
  );
}
const summary = {
  runs: RUNS,
  directTotalMs: Math.round(median(rows.map((r) => r.direct.total))),
  lineageTotalMs: Math.round(median(rows.map((r) => r.lineage.total))),
  overheadBeforeMs: Math.round(median(rows.map((r) => r.lineage.before - r.direct.before))),
  overheadAfterMs: Math.round(median(rows.map((r) => r.lineage.after - r.direct.after))),
  overheadTotalMs: Math.round(median(rows.map((r) => r.lineage.total - r.direct.total))),
};
summary.ratio = Number((summary.lineageTotalMs / summary.directTotalMs).toFixed(3));
summary.load = [loadBefore, os.loadavg()[0]].map((l) => Number(l.toFixed(2)));
summary.nodeExtraCaCerts = Boolean(process.env.NODE_EXTRA_CA_CERTS);
fs.rmSync(ws, { recursive: true, force: true });
console.log(JSON.stringify(summary));
