/**
 * Table profiler throughput.
 *
 *   node scripts/build.mjs && node dist-bench/profile.js
 *
 * Environment (all optional):
 *   BENCH_ROWS   rows of the generated CSV          (default 1,000,000)
 *   BENCH_REPS   timed profiles; the median is reported (default 3)
 *   BENCH_KEEP=1 keep the temp dir (its path is printed)
 *
 * Generates a house-prices shaped CSV (bedrooms int, floor_area float, location category, age int, price int,
 * listed date) in a temp dir, then, in this one process and on the warm page cache: times profileTable on it,
 * and as anchors `wc -l` on the file and a plain Node read of it in 4 MiB chunks doing nothing. MB = 10^6
 * bytes. The last line of output is one JSON object.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { profileTable } from '../src/core/datasets/profile';
import { envInt, median } from './lib/measure';

const ROWS = envInt('BENCH_ROWS', 1_000_000);
const REPS = Math.max(1, envInt('BENCH_REPS', 3));
const KEEP = process.env.BENCH_KEEP === '1';
const TARGET_MB_S = 50;

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generate(file: string, rows: number): void {
  const rand = rng(42);
  const locations = ['north', 'south', 'east', 'west', 'centre', 'harbour', 'old town', 'riverside'];
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'bedrooms,floor_area,location,age,price,listed\n');
  let batch: string[] = [];
  for (let i = 0; i < rows; i++) {
    const bedrooms = 1 + Math.floor(rand() * 6);
    const area = Math.round((30 + bedrooms * 22 + rand() * 60) * 10) / 10;
    const loc = locations[Math.floor(rand() * rand() * locations.length)];
    const age = Math.floor(rand() * 100);
    const price = Math.round(40000 + area * 2500 + (100 - age) * 800 + rand() * 50000);
    const day = 1 + Math.floor(rand() * 28);
    const month = 1 + Math.floor(rand() * 12);
    const listed = `20${10 + Math.floor(rand() * 15)}-${month < 10 ? '0' : ''}${month}-${day < 10 ? '0' : ''}${day}`;
    // a few missing values, and a quoted field now and then
    const areaText = rand() < 0.01 ? '' : String(area);
    const locText = rand() < 0.02 ? `"${loc}, quay"` : loc;
    batch.push(`${bedrooms},${areaText},${locText},${age},${price},${listed}\n`);
    if (batch.length === 10000) {
      fs.writeSync(fd, batch.join(''));
      batch = [];
    }
  }
  fs.writeSync(fd, batch.join(''));
  fs.closeSync(fd);
}

async function plainRead(file: string): Promise<number> {
  const fh = await fs.promises.open(file, 'r');
  const buf = Buffer.allocUnsafe(4 * 1024 * 1024);
  let total = 0;
  let pos = 0;
  for (;;) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    total += bytesRead;
  }
  await fh.close();
  return total;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-bench-profile-'));
  const file = path.join(dir, 'houses.csv');
  try {
    let t = performance.now();
    generate(file, ROWS);
    const bytes = fs.statSync(file).size;
    const mb = bytes / 1e6;
    console.log(
      `generated ${ROWS.toLocaleString('en')} rows, ${mb.toFixed(1)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s${KEEP ? ` (${file})` : ''}`,
    );

    // warm the page cache (not timed); the first profile in this process is timed on its own ("cold": the
    // code not yet optimised by V8, as in a CLI run that profiles one file)
    await plainRead(file);
    t = performance.now();
    let profile = await profileTable(file);
    const coldMs = performance.now() - t;

    const profileMs: number[] = [];
    for (let i = 0; i < REPS; i++) {
      t = performance.now();
      profile = await profileTable(file);
      profileMs.push(performance.now() - t);
    }
    const wcMs: number[] = [];
    const readMs: number[] = [];
    for (let i = 0; i < REPS; i++) {
      t = performance.now();
      execFileSync('wc', ['-l', file]);
      wcMs.push(performance.now() - t);
      t = performance.now();
      await plainRead(file);
      readMs.push(performance.now() - t);
    }
    const pMs = median(profileMs);
    const wMs = median(wcMs);
    const rMs = median(readMs);
    const mbps = mb / (pMs / 1000);
    console.log(
      `profileTable   ${pMs.toFixed(0).padStart(6)} ms  ${mbps.toFixed(1).padStart(7)} MB/s  (median of ${REPS}: ${profileMs.map((x) => x.toFixed(0)).join(', ')} ms)`,
    );
    console.log(`  first call   ${coldMs.toFixed(0).padStart(6)} ms  ${(mb / (coldMs / 1000)).toFixed(1).padStart(7)} MB/s  (cold: unoptimised code)`);
    console.log(`  peak RSS     ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (whole process, generator included)`);
    console.log(
      `wc -l          ${wMs.toFixed(0).padStart(6)} ms  ${(mb / (wMs / 1000)).toFixed(1).padStart(7)} MB/s  → profile takes ${(pMs / wMs).toFixed(1)}× wc -l`,
    );
    console.log(
      `plain read     ${rMs.toFixed(0).padStart(6)} ms  ${(mb / (rMs / 1000)).toFixed(1).padStart(7)} MB/s  → profile takes ${(pMs / rMs).toFixed(1)}× a plain chunked read`,
    );
    console.log(`rows ${profile!.rows}, columns ${profile!.columns.map((c) => `${c.name}:${c.type}`).join(' ')}, warnings ${profile!.warnings.length}`);
    console.log(`target ≥ ${TARGET_MB_S} MB/s: ${mbps >= TARGET_MB_S ? 'met' : 'MISSED'}`);
    console.log(
      JSON.stringify({
        bench: 'profile',
        rows: ROWS,
        bytes,
        profileMs: Math.round(pMs),
        profileMBps: Math.round(mbps * 10) / 10,
        coldMs: Math.round(coldMs),
        coldMBps: Math.round((mb / (coldMs / 1000)) * 10) / 10,
        maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
        wcMs: Math.round(wMs),
        plainReadMs: Math.round(rMs),
        ratioToWc: Math.round((pMs / wMs) * 100) / 100,
        ratioToPlainRead: Math.round((pMs / rMs) * 100) / 100,
        targetMBps: TARGET_MB_S,
        met: mbps >= TARGET_MB_S,
        node: process.version,
        cpus: os.cpus().length,
      }),
    );
  } finally {
    if (!KEEP) fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
