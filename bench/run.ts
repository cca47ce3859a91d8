/**
 * Runs every benchmark under bench/ in sequence: `npm run bench` (which builds first), or after a build
 *
 *   node dist-bench/run.js [name ...]
 *
 * with names (ingest, compare, sdk_overhead, ...) to run only those. Each benchmark stays runnable on its own
 * (`node dist-bench/<name>.js`, `/usr/bin/python3 bench/<name>.py`, `node bench/<name>.mjs`; see the comment at
 * the top of each). Found here by file name, so a new bench/*.ts, *.py or *.mjs is picked up without a list:
 *   bench/<name>.ts  -> node dist-bench/<name>.js   (bundled by scripts/build.mjs)
 *   bench/<name>.py  -> $BENCH_PYTHON, else $LINEAGE_TEST_PYTHON, else /usr/bin/python3
 *   bench/<name>.mjs -> node bench/<name>.mjs
 * Their own environment variables (BENCH_RUNS, BENCH_REPS, ...) pass through. BENCH_SKIP=a,b leaves some out
 * (e.g. BENCH_SKIP=vscode_latency without code-server). Output is streamed; at the end, one line per benchmark
 * with its status, time and last output line (each prints its figures as one JSON object last). Exits 1 if any
 * benchmark failed, after running the rest.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

// __dirname is dist-bench once bundled
const ROOT = path.resolve(__dirname, '..');
const BENCH = path.join(ROOT, 'bench');
const PYTHON = process.env.BENCH_PYTHON || process.env.LINEAGE_TEST_PYTHON || '/usr/bin/python3';
const NOT_BENCHMARKS = new Set(['run']);

interface Bench {
  name: string;
  command: string;
  args: string[];
}

function benchmarks(): Bench[] {
  const out: Bench[] = [];
  for (const file of fs.readdirSync(BENCH).sort()) {
    const full = path.join(BENCH, file);
    if (!fs.statSync(full).isFile()) continue;
    const ext = path.extname(file);
    const name = path.basename(file, ext);
    if (NOT_BENCHMARKS.has(name) || file.endsWith('.d.ts')) continue;
    if (ext === '.ts') out.push({ name, command: process.execPath, args: [path.join(ROOT, 'dist-bench', `${name}.js`)] });
    else if (ext === '.py') out.push({ name, command: PYTHON, args: [full] });
    else if (ext === '.mjs') out.push({ name, command: process.execPath, args: [full] });
  }
  return out;
}

/** Runs one benchmark from the repo root, streaming its output; resolves with its exit status and last output line. */
function runOne(b: Bench): Promise<{ ok: boolean; status: string; last: string }> {
  return new Promise((resolve) => {
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-64 * 1024);
    };
    const child = spawn(b.command, b.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => {
      process.stdout.write(d);
      keep(d);
    });
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.on('error', (err) => resolve({ ok: false, status: `could not start: ${err.message}`, last: '' }));
    child.on('close', (code, signal) => {
      const last = tail.trimEnd().split('\n').pop() ?? '';
      resolve({ ok: code === 0, status: code === 0 ? 'ok' : signal ? `killed by ${signal}` : `exit ${code}`, last });
    });
  });
}

async function main(): Promise<number> {
  const all = benchmarks();
  const wanted = process.argv.slice(2);
  const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
  const unknown = [...wanted, ...skip].filter((n) => !all.some((b) => b.name === n));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; there are: ${all.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const chosen = all.filter((b) => (wanted.length === 0 || wanted.includes(b.name)) && !skip.has(b.name));
  const results: { name: string; ok: boolean; status: string; seconds: number; last: string }[] = [];
  for (const b of chosen) {
    const shown = [b.command === process.execPath ? 'node' : b.command, ...b.args.map((a) => path.relative(ROOT, a))];
    console.log(`\n==> bench ${b.name}: ${shown.join(' ')}`);
    const t0 = performance.now();
    const r = await runOne(b);
    results.push({ name: b.name, ...r, seconds: (performance.now() - t0) / 1000 });
  }
  console.log('\n==> benchmarks');
  const width = Math.max(...results.map((r) => r.name.length));
  for (const r of results) console.log(`${r.name.padEnd(width)}  ${r.status.padEnd(6)} ${r.seconds.toFixed(1).padStart(7)} s  ${r.ok ? r.last : ''}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} ran, ${failed} failed`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
