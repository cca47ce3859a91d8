/**
 * Kept data (issue 14), each figure next to its anchor measured in the same run:
 *
 *   1. keeping a new 1 GiB input, right after its hash (objects/hashAndKeep.ts), two ways: by the kernel's copy
 *      (`fs.copyFile`: clone or copy_file_range) trusted by the source's identity — forced here, since by
 *      default only a file system that clones uses it — and copied in the read that hashes it (what a file
 *      system without clones does, and any file system for a racy file). Measured: `fingerprint` alone, with
 *      each way of keeping, and `cp` of the same file on the same file system; a keep cost is
 *      (fingerprint + keep) − (fingerprint alone), rep by rep, against `cp` — goal ≥ 0.9× cp's speed; also
 *      against `cp` run where the keep's copy runs, right after a fingerprint has read the file (only the
 *      `cp` timed). The file is left alone past the racy margin first (RACY_MS), as an input written before
 *      its run is. And the verified copy (`putObject`: copy, read the copy back, rename) used for files the
 *      stat cache answered (fingerprinted earlier, kept only now). Says whether the file system clones
 *      (`cp --reflink=always`).
 *   2. `lineage run` of a small script reading a large-ish file, the second run over unchanged data with
 *      keeping on (nothing new is copied) against keeping off (.lineage/config.json data.keep=false):
 *      goal ≤ 5 % more. Interleaved reps, medians.
 *
 *   flock /tmp/lineage-build.lock node scripts/build.mjs && node bench/keep_objects.mjs
 *
 * Environment: BENCH_KEEP_MB (1024), BENCH_KEEP_REPS (7), BENCH_RUN_MB (256), BENCH_RUN_REPS (15),
 * BENCH_DIR (a temporary folder on the file system to measure; default under the repository's file system).
 * Last line: one JSON.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const KEEP_MB = Number(process.env.BENCH_KEEP_MB || 1024);
const KEEP_REPS = Number(process.env.BENCH_KEEP_REPS || 7);
const RUN_MB = Number(process.env.BENCH_RUN_MB || 256);
const RUN_REPS = Number(process.env.BENCH_RUN_REPS || 15);
const PYTHON = process.env.LINEAGE_TEST_PYTHON || '/usr/bin/python3';
const DIR = fs.mkdtempSync(path.join(process.env.BENCH_DIR || os.tmpdir(), 'lineage-bench-keep-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

// The store's own code, bundled from source now (a .mjs cannot import TypeScript).
const bundle = path.join(DIR, 'objectStore.cjs');
await build({
  stdin: {
    contents: [
      "export { putObject, hashFileAsync } from './src/core/datasets/objects/objectStore';",
      "export { KeepPlan } from './src/core/datasets/objects/keepPlan';",
      "export { RACY_MS } from './src/core/datasets/objects/hashAndKeep';",
      "export { fingerprint } from './src/core/datasets/fingerprint';",
      "export { StatCache } from './src/core/datasets/statCache';",
      "export { lineagePaths } from './src/core/util/lineagePaths';",
    ].join('\n'),
    resolveDir: ROOT,
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: bundle,
  logLevel: 'warning',
});
const { putObject, hashFileAsync, KeepPlan, RACY_MS, fingerprint, StatCache, lineagePaths } = createRequire(import.meta.url)(bundle);

// A private copy of the CLI bundle: a rebuild of dist/ by other work cannot change it mid-measurement.
const cliDir = path.join(DIR, 'dist');
fs.cpSync(path.join(ROOT, 'dist'), cliDir, { recursive: true, filter: (s) => !s.includes(`${path.sep}webview`) });
const CLI = path.join(cliDir, 'cli.js');

function writeFile(file, mb) {
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mb; i++) {
    // Different bytes in every MiB (not sparse, not one repeated block a file system could dedupe).
    for (let j = 0; j < block.length; j += 4096) block.writeUInt32LE((i * 256 + j / 4096) >>> 0, j);
    fs.writeSync(fd, block);
  }
  fs.closeSync(fd);
}

const probe = path.join(DIR, 'probe');
fs.writeFileSync(probe, 'x');
const clones = spawnSync('cp', ['--reflink=always', probe, probe + '.clone']).status === 0;
const fsType = execFileSync('df', ['-T', DIR], { encoding: 'utf8' }).trim().split('\n')[1].split(/\s+/)[1];
console.log(
  `file system: ${fsType} at ${DIR}; copy-on-write clones: ${clones ? 'yes' : 'no (cp --reflink=always fails)'}; load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

// 1. keep vs cp
const keepWs = path.join(DIR, 'ws');
fs.mkdirSync(keepWs);
const src = path.join(keepWs, 'input.bin');
writeFile(src, KEEP_MB);
const { sha256 } = await hashFileAsync(src);
const paths = lineagePaths(keepWs);
const big = { keepMaxBytes: 4 * KEEP_MB * 1024 * 1024 };
// An input is written before the run that reads it: wait until this one is no longer racy (see RACY_MS).
const settled = fs.statSync(src).ctimeMs + RACY_MS + 100 - Date.now();
if (settled > 0) await new Promise((r) => setTimeout(r, settled));
const times = { cp: [], cpAfterFp: [], fp: [], kernel: [], racy: [], verified: [], keepCost: [], racyCost: [] };
const keepWith = async (how, by) => {
  const plan = new KeepPlan(paths, big, how);
  const fp = await fingerprint(src, { cache: new StatCache(undefined), keepWhileHashing: plan.forDataset('input.bin', 'input', src) });
  if (fp.sha256 !== sha256 || plan.stored.get(sha256) !== KEEP_MB * 1024 * 1024 || plan.verifiedBy[by] !== 1)
    throw new Error(`the keep did not store the object by ${by}: ${JSON.stringify(plan.verifiedBy)} ${fp.warnings}`);
};
const measure = {
  cp: () => execFileSync('cp', [src, path.join(DIR, 'copy.bin')]),
  // A second anchor: `cp` where the keep's copy happens, right after a fingerprint has read the file (only the cp timed).
  cpAfterFp: async () => {
    await fingerprint(src, { cache: new StatCache(undefined) });
    const t0 = process.hrtime.bigint();
    execFileSync('cp', [src, path.join(DIR, 'copy.bin')]);
    return ms(t0);
  },
  // A fresh stat cache each time: the file is new to it, as on a run's first read of new data.
  fp: () => fingerprint(src, { cache: new StatCache(undefined) }),
  // Forced where the file system does not clone (by default such a file system copies in the read).
  kernel: () => keepWith({ clones: true }, 'identity'),
  // What a file system without clones does for every file, and any file system for a racy one.
  racy: () => keepWith({ clones: false }, 'hash'),
  verified: async () => {
    const r = await putObject(paths, src, sha256, KEEP_MB * 1024 * 1024);
    if (r.state !== 'stored') throw new Error(`keep did not store the object: ${JSON.stringify(r)}`);
  },
};
const order = ['cp', 'cpAfterFp', 'fp', 'kernel', 'racy', 'verified'];
for (let rep = 0; rep < KEEP_REPS; rep++) {
  for (const which of rep % 2 ? [...order].reverse() : order) {
    fs.rmSync(paths.objects, { recursive: true, force: true });
    fs.rmSync(path.join(DIR, 'copy.bin'), { force: true });
    execFileSync('sync');
    const t0 = process.hrtime.bigint();
    const own = await measure[which]();
    times[which].push(typeof own === 'number' ? own : ms(t0));
  }
  times.keepCost.push(times.kernel.at(-1) - times.fp.at(-1));
  times.racyCost.push(times.racy.at(-1) - times.fp.at(-1));
  const f = (k) => times[k].at(-1).toFixed(0);
  console.log(
    `rep ${rep + 1}: cp ${f('cp')} ms (right after a fingerprint: ${f('cpAfterFp')} ms); fingerprint alone ${f('fp')} ms; fingerprint + kernel copy (forced) ${f('kernel')} ms (keep cost ${f('keepCost')} ms); ` +
      `copied in the read (no clones, or racy) ${f('racy')} ms (keep cost ${f('racyCost')} ms); verified copy ${f('verified')} ms`,
  );
}
const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
// A keep cost at or below zero (within noise of the fingerprint alone) is "free": the ratio is then unbounded.
const ratioTo = (t) => (t > 0 ? med.cp / t : Infinity);
const show = (r) => (Number.isFinite(r) ? r.toFixed(2) : '∞');
const keepRatio = ratioTo(med.keepCost);
const racyRatio = ratioTo(med.racyCost);
const passRatio = med.cp / med.kernel;
const verifiedRatio = med.cp / med.verified;
// The headline is the way this file system keeps a new file by default: the kernel's copy (a clone) where it
// clones, else the copy in the read; the other way is printed for comparison.
const usedHere = clones ? { how: "the kernel's copy (clones here)", ratio: keepRatio } : { how: 'the copy in the read (no clones here)', ratio: racyRatio };
console.log(
  `keep ${KEEP_MB} MiB as this file system does by default, by ${usedHere.how}: ${show(usedHere.ratio)}× cp's speed (goal ≥ 0.9×: ${usedHere.ratio >= 0.9 ? 'met' : 'not met'})`,
);
console.log(
  `keep ${KEEP_MB} MiB by the kernel's copy: keep cost ${med.keepCost.toFixed(0)} ms (median of per-rep (fingerprint + keep) − fingerprint alone) vs cp ${med.cp.toFixed(0)} ms: ` +
    `${show(keepRatio)}× cp's speed; whole pass ${med.kernel.toFixed(0)} ms (${passRatio.toFixed(2)}× cp, fingerprint alone ${med.fp.toFixed(0)} ms); ` +
    `against cp right after a fingerprint (${med.cpAfterFp.toFixed(0)} ms): ${show(med.cpAfterFp / med.keepCost)}×; copied in the read (no clones, or racy): keep cost ${med.racyCost.toFixed(0)} ms (${show(racyRatio)}× cp); verified copy ${med.verified.toFixed(0)} ms (${verifiedRatio.toFixed(2)}× cp)`,
);
fs.rmSync(paths.objects, { recursive: true, force: true });
fs.rmSync(path.join(DIR, 'copy.bin'), { force: true });
fs.rmSync(src);

// 2. a second run over unchanged data, keeping on vs off
const ws = (name) => {
  const w = path.join(DIR, name);
  fs.mkdirSync(path.join(w, 'data'), { recursive: true });
  fs.mkdirSync(path.join(w, '.lineage'), { recursive: true });
  fs.writeFileSync(path.join(w, 'read.py'), 'with open("data/big.bin", "rb") as f:\n    n = len(f.read(1 << 20))\nprint(n)\n');
  return w;
};
const on = ws('on');
const off = ws('off');
writeFile(path.join(on, 'data', 'big.bin'), RUN_MB);
fs.copyFileSync(path.join(on, 'data', 'big.bin'), path.join(off, 'data', 'big.bin'));
fs.writeFileSync(path.join(off, '.lineage', 'config.json'), JSON.stringify({ data: { keep: false } }));
const env = { ...process.env, LINEAGE_PYTHON: PYTHON, LINEAGE_SDK_DIR: path.join(ROOT, 'sdk', 'python'), NO_COLOR: '1' };
const run = (w) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, 'run', '--quiet', PYTHON, 'read.py'], { cwd: w, env, encoding: 'utf8' });
  const t = ms(t0);
  if (r.status !== 0) throw new Error(`lineage run failed in ${w}: ${r.stderr}`);
  return t;
};
// First runs: keeping copies the file once (on); both stat caches warm up.
run(on);
run(off);
const objectsBefore = fs.readdirSync(path.join(on, '.lineage', 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d)).length;
const onMs = [];
const offMs = [];
for (let rep = 0; rep < RUN_REPS; rep++) {
  for (const which of rep % 2 ? ['on', 'off'] : ['off', 'on']) (which === 'on' ? onMs : offMs).push(run(which === 'on' ? on : off));
}
const objectsAfter = fs.readdirSync(path.join(on, '.lineage', 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d)).length;
const runs = fs.readdirSync(path.join(on, '.lineage', 'runs'));
const last = JSON.parse(fs.readFileSync(path.join(on, '.lineage', 'runs', runs.sort().at(-1), 'kept.json'), 'utf8'));
const overhead = median(onMs) / median(offMs) - 1;
console.log(
  `lineage run over unchanged ${RUN_MB} MiB, ${RUN_REPS} reps: keeping on ${median(onMs).toFixed(0)} ms, off ${median(offMs).toFixed(0)} ms: ` +
    `${(overhead * 100).toFixed(1)} % (goal ≤ 5 %); new objects: ${objectsAfter - objectsBefore}, last run's keep: ${last.entries[0].how}, copied ${last.copiedBytes} B`,
);
const load = os.loadavg();
console.log(`load average at the end: ${load.map((l) => l.toFixed(1)).join(' ')}`);
fs.rmSync(DIR, { recursive: true, force: true });
console.log(
  JSON.stringify({
    fs: fsType,
    clones,
    keep: {
      mb: KEEP_MB,
      reps: KEEP_REPS,
      medians: med,
      racyMs: RACY_MS,
      keepCostRatio: Number.isFinite(keepRatio) ? keepRatio : null,
      keepCostRatioToCpAfterFingerprint: med.keepCost > 0 ? med.cpAfterFp / med.keepCost : null,
      racyKeepCostRatio: Number.isFinite(racyRatio) ? racyRatio : null,
      wholePassRatio: passRatio,
      verifiedRatio,
      all: times,
    },
    secondRun: {
      mb: RUN_MB,
      reps: RUN_REPS,
      onMs: median(onMs),
      offMs: median(offMs),
      overhead,
      newObjects: objectsAfter - objectsBefore,
      lastHow: last.entries[0].how,
      allOn: onMs,
      allOff: offMs,
    },
    load,
  }),
);
