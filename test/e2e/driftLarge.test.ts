// A 2 GiB batch (issue 13's bad-input check): `lineage drift` evaluates a 2 GiB CSV in bounded memory (its
// numeric values exceed the default budget, so they go to temporary files, which are gone afterwards), and
// refuses a 2 GiB file that is one endless line with a message naming the file and the line, in bounded
// memory too. Never a crash or an out-of-memory. Each process's peak RSS comes from a preload script that
// prints process.resourceUsage().maxRSS at exit. The files are made fast (a repeated buffer; a sparse file)
// in a temp folder and deleted after. About 25 s on the 2-vCPU machine (generation 2 s, evaluation 18 s).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

const GIB = 1024 ** 3;
const HEADER = 'n,v,w,city,comment\n';
/** Default budget (256 MiB) + Node itself + read buffers, with room to spare; the values alone are ~310 MB. */
const RSS_LIMIT_MB = 700;

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  maxRssMB: number;
  seconds: number;
  /** The temporary folder held something while the process ran (polled every 50 ms). */
  spilled: boolean;
}

async function run(args: string[], cwd: string, spill: string): Promise<Ran> {
  const preload = path.join(cwd, 'maxrss.cjs');
  fs.writeFileSync(preload, "process.on('exit', () => process.stderr.write('\\nMAXRSS_KB ' + process.resourceUsage().maxRSS + '\\n'));\n");
  const started = Date.now();
  const child = spawn(process.execPath, ['--require', preload, CLI, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', LINEAGE_DRIFT_TMPDIR: spill },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let spilled = false;
  const poll = setInterval(() => {
    if (fs.readdirSync(spill).length > 0) spilled = true;
  }, 50);
  const killer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  clearInterval(poll);
  clearTimeout(killer);
  const m = /MAXRSS_KB (\d+)/.exec(stderr);
  assert.ok(m, `no peak RSS reported (status ${status}): ${stderr.slice(-2000)}`);
  return { status, stdout, stderr, maxRssMB: Number(m[1]) / 1024, seconds: (Date.now() - started) / 1000, spilled };
}

function row(i: number, shift: number, city: string, comment: string): string {
  return `${i},${(((i * 7919) % 10007) / 100 + shift).toFixed(2)},${(i % 977) * 1.5},${city},${comment}\n`;
}

/** The header, then a 1 MiB block of distinct rows repeated until the file passes `bytes`; returns the rows. */
function writeBig(file: string, bytes: number, shift: number): number {
  const comments = ['a fairly long free-text note about this house, kept to make the rows wide: ', 'another note, also wide: ', 'n/a'];
  const cities = ['north', 'south', 'east', 'west', 'centre'];
  const rows: string[] = [];
  let size = 0;
  for (let i = 0; size < 1024 * 1024; i++) {
    const line = row(i, shift, cities[i % 5], `"${comments[i % 3]}${'x'.repeat(80 + (i % 40))}"`);
    rows.push(line);
    size += line.length;
  }
  const block = Buffer.from(rows.join(''), 'utf8');
  const fd = fs.openSync(file, 'w');
  let blocks = 0;
  let written = 0;
  try {
    written += fs.writeSync(fd, HEADER);
    for (; written < bytes; blocks++) written += fs.writeSync(fd, block);
  } finally {
    fs.closeSync(fd);
  }
  return rows.length * blocks;
}

test('a 2 GiB batch is evaluated in bounded memory (its values go to temporary files, removed after); a 2 GiB single line is refused by name and line', async () => {
  const ws = tmpDir('lineage-drift-2g-');
  const spill = path.join(ws, 'spill');
  fs.mkdirSync(spill);
  try {
    const ref = path.join(ws, 'ref.csv');
    const cities = ['north', 'south', 'east', 'west'];
    fs.writeFileSync(ref, HEADER + Array.from({ length: 5000 }, (_, i) => row(i, 0, cities[i % 4], 'note')).join(''));
    const big = path.join(ws, 'big.csv');
    const t0 = Date.now();
    const rows = writeBig(big, 2 * GIB, 30);
    const size = fs.statSync(big).size;
    assert.ok(size >= 2 * GIB, `the batch is ${size} bytes`);
    console.log(`# wrote ${(size / GIB).toFixed(2)} GiB (${rows.toLocaleString('en')} rows) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const r = await run(['drift', ref, big, '--json', '--fail-on', 'drift'], ws, spill);
    console.log(`# evaluated in ${r.seconds.toFixed(1)} s, peak RSS ${r.maxRssMB.toFixed(0)} MB`);
    assert.equal(r.status, 3, `drift is found (exit 3): ${r.stderr.slice(-2000)}`);
    const b = JSON.parse(r.stdout).batches[0];
    assert.equal(b.batch.rows, rows, 'every row was read');
    assert.equal(b.batch.bytes, size);
    const col = (name: string) => b.columns.find((c: { name: string }) => c.name === name);
    assert.equal(col('v').drifted, true, 'v is shifted by 30');
    assert.ok(col('v').outOfRange.count > 0);
    assert.equal(col('w').drifted, false, 'w has the same distribution on both sides');
    assert.deepEqual(
      col('city').newCategories.values.map((x: { value: string }) => x.value),
      ['centre'],
    );
    assert.ok(r.spilled, 'the values (3 numeric columns × 13 million rows, ~310 MB) went past the default budget to temporary files');
    assert.ok(r.maxRssMB < RSS_LIMIT_MB, `peak RSS ${r.maxRssMB.toFixed(0)} MB for a 2 GiB batch (limit ${RSS_LIMIT_MB} MB)`);
    assert.deepEqual(fs.readdirSync(spill), [], 'no temporary file is left');
    fs.rmSync(big);

    // A sparse 2 GiB file: a header, then zero bytes and no line end, ever.
    const endless = path.join(ws, 'endless.csv');
    fs.writeFileSync(endless, HEADER);
    fs.truncateSync(endless, 2 * GIB);
    const e = await run(['drift', ref, endless], ws, spill);
    console.log(`# endless line refused in ${e.seconds.toFixed(1)} s, peak RSS ${e.maxRssMB.toFixed(0)} MB`);
    assert.equal(e.status, 1, e.stderr);
    assert.match(e.stdout + e.stderr, /endless\.csv, line 2: a record longer than 64 MiB/);
    assert.ok(e.maxRssMB < RSS_LIMIT_MB, `peak RSS ${e.maxRssMB.toFixed(0)} MB`);
    assert.deepEqual(fs.readdirSync(spill), []);
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
