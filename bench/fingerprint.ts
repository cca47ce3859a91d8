/**
 * Dataset fingerprint benchmark: one big file, a folder of many small files, the stat-cache re-check and a
 * one-file change, each next to an anchor measured in the same run.
 *
 *   node scripts/build.mjs && node dist-bench/fingerprint.js
 *
 * Environment (all optional):
 *   BENCH_BIG_MIB      size of the big file in MiB              (default 1024; 256 if /tmp has < 3 GB free)
 *   BENCH_FILES        small files in the folder                (default 100000, in folders of 1000)
 *   BENCH_REPS         repetitions, alternating ours / anchor; medians reported (default 3)
 *   BENCH_TMP          where to write the data                  (default os.tmpdir())
 *   BENCH_KEEP=1       keep the temp data (its path is printed)
 *   BENCH_CPU_PROFILE=f  write a V8 CPU profile of the timed second (cached) folder fingerprints to f
 *
 * 1. Big file: `fingerprint(file)` (hashed on the calling thread) vs `sha256sum file`, file warm in the page
 *    cache for both; same hash checked.
 * 2. Folder, first fingerprint: fresh workspace + StatCache(ws.store), everything hashed on the worker pool
 *    (pool start-up included, as in the CLI) vs `find DIR -type f -print0 | xargs -0 sha256sum > /dev/null`.
 *    Per-file hashes are cross-checked against sha256sum's output.
 * 3. Folder, second fingerprint, nothing changed: a new StatCache(ws.store) on the same workspace (so it
 *    reloads from the index) vs a plain readdirSync + statSync walk (the floor). Also the same after
 *    ws.save() and re-opening the workspace from disk (what a new CLI process sees).
 * 4. One file rewritten: third fingerprint must hash exactly 1 file.
 *
 * The last line of output is one JSON object with every figure and the machine.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as crypto from 'node:crypto';
import * as inspector from 'node:inspector';
import { spawnSync } from 'node:child_process';
import { LineageWorkspace } from '../src/core/workspace';
import { fingerprint, Fingerprint } from '../src/core/datasets/fingerprint';
import { StatCache } from '../src/core/datasets/statCache';
import type { Store } from '../src/core/store/store';
import { envInt, now, median } from './lib/measure';

const MiB = 1024 * 1024;
const REPS = Math.max(1, envInt('BENCH_REPS', 3));
const FILES = Math.max(1000, envInt('BENCH_FILES', 100_000));
const PER_DIR = 1000;
const KEEP = process.env.BENCH_KEEP === '1';
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE;
const TMP_BASE = process.env.BENCH_TMP || os.tmpdir();
const TARGET = { bigRatio: 1.0, cachedMs: 1000, changedHashed: 1 };

// ---------------------------------------------------------------- helpers

const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

function sh(cmd: string, args: string[], opts: { input?: string } = {}): { stdout: string; ms: number } {
  const t0 = now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * MiB, input: opts.input });
  const ms = now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { stdout: r.stdout, ms };
}

function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

function readWhole(file: string): void {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(8 * MiB);
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0) {
      /* pull into the page cache */
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** StatCache that times its own load and flush, so the cached path can be split without touching src. */
class TimedStatCache extends StatCache {
  loadMs = 0;
  flushMs = 0;
  loaded = 0;
  constructor(store: Store) {
    super(store);
  }
  override load(prefix: string): void {
    const t0 = now();
    super.load(prefix);
    this.loadMs += now() - t0;
  }
  override flush(): void {
    const t0 = now();
    super.flush();
    this.flushMs += now() - t0;
  }
}

interface Timed {
  ms: number;
  fp: Fingerprint;
  /** From the call to the moment hashing starts: stat of the root + walk + cache load + lookups. */
  scanMs: number;
  loadMs: number;
  flushMs: number;
  /** From hashing start to return: hashing (pool start-up included) + cache.remember + flush + manifest. */
  restMs: number;
}

async function timedFingerprint(target: string, cache: TimedStatCache): Promise<Timed> {
  let hashStart = 0;
  const t0 = now();
  const fp = await fingerprint(target, {
    cache,
    onProgress: (phase, done) => {
      if (phase === 'hash' && done === 0 && !hashStart) hashStart = now();
    },
  });
  const t1 = now();
  if (!hashStart) hashStart = t1;
  return { ms: t1 - t0, fp, scanMs: hashStart - t0, loadMs: cache.loadMs, flushMs: cache.flushMs, restMs: t1 - hashStart };
}

/** The floor for a re-check: list every folder and stat every entry, nothing else. */
function plainWalk(root: string): number {
  let files = 0;
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop()!;
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const abs = path.join(dir, d.name);
      const s = fs.statSync(abs);
      if (s.isDirectory()) stack.push(abs);
      else if (s.isFile()) files++;
    }
  }
  return files;
}

async function profiled<T>(file: string | undefined, fn: () => Promise<T>): Promise<T> {
  if (!file) return fn();
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<{ profile?: object }>((resolve, reject) =>
      session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as { profile?: object }))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await post('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    log(`CPU profile written to ${file}`);
  }
}

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

// ---------------------------------------------------------------- data

function writeBigFile(file: string, bytes: number): void {
  const block = crypto.randomBytes(Math.min(64 * MiB, bytes));
  const fd = fs.openSync(file, 'w');
  try {
    let written = 0;
    for (let i = 0; written < bytes; i++) {
      // A per-block counter every 4 KiB, so no two blocks (or pages) are the same.
      for (let off = 0; off < block.length; off += 4096) block.writeUInt32LE(i, off);
      const n = Math.min(block.length, bytes - written);
      fs.writeSync(fd, block, 0, n);
      written += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function writeSmallFiles(root: string, count: number): number {
  const pool = crypto.randomBytes(8 * MiB);
  let bytes = 0;
  fs.mkdirSync(root, { recursive: true });
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `d${String(Math.floor(i / PER_DIR)).padStart(3, '0')}`);
    if (i % PER_DIR === 0) fs.mkdirSync(dir, { recursive: true });
    const size = 1024 + (((i * 2654435761) >>> 0) % 3073); // 1–4 KiB
    const off = ((i * 40503) >>> 0) % (pool.length - size);
    const buf = Buffer.from(pool.subarray(off, off + size));
    buf.writeUInt32LE(i, 0);
    fs.writeFileSync(path.join(dir, `f${String(i % PER_DIR).padStart(4, '0')}.bin`), buf);
    bytes += size;
  }
  return bytes;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const tStart = now();
  fs.mkdirSync(TMP_BASE, { recursive: true });
  const free = freeBytes(TMP_BASE);
  const lowDisk = free < 3e9;
  const bigMiB = envInt('BENCH_BIG_MIB', lowDisk ? 256 : 1024);
  if (lowDisk) log(`only ${(free / 1e9).toFixed(1)} GB free in ${TMP_BASE}: big file is ${bigMiB} MiB`);
  const tmp = fs.mkdtempSync(path.join(TMP_BASE, 'lineage-fp-bench-'));
  const cleanup = () => {
    if (KEEP) {
      log(`kept ${tmp}`);
      return;
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const openWs: LineageWorkspace[] = [];
  try {
    const sha256sumVersion = sh('bash', ['-c', 'sha256sum --version | head -1']).stdout.trim();

    // ------------------------------------------------------------ 1. big file
    const bigFile = path.join(tmp, 'big.bin');
    const bigBytes = bigMiB * MiB;
    log(`writing ${bigMiB} MiB file`);
    let t0 = now();
    writeBigFile(bigFile, bigBytes);
    log(`  written in ${fmtMs(now() - t0)}; reading it once to warm the page cache`);
    readWhole(bigFile);

    const oursBig: number[] = [];
    const anchorBig: number[] = [];
    let oursBigSha = '';
    let anchorBigSha = '';
    for (let i = 0; i < REPS; i++) {
      t0 = now();
      const fp = await fingerprint(bigFile);
      oursBig.push(now() - t0);
      oursBigSha = fp.sha256 ?? '';
      if (fp.stats.hashed !== 1) throw new Error(`big file: expected 1 hashed, got ${JSON.stringify(fp.stats)}`);
      const a = sh('sha256sum', [bigFile]);
      anchorBig.push(a.ms);
      anchorBigSha = a.stdout.split(/\s+/)[0];
      log(`  rep ${i + 1}: ours ${fmtMs(oursBig[i])}, sha256sum ${fmtMs(anchorBig[i])}`);
    }
    const bigSame = oursBigSha === anchorBigSha;
    const mbps = (ms: number) => bigBytes / 1e6 / (ms / 1000);
    const big = {
      bytes: bigBytes,
      oursMs: r1(median(oursBig)),
      anchorMs: r1(median(anchorBig)),
      oursMBps: r1(mbps(median(oursBig))),
      anchorMBps: r1(mbps(median(anchorBig))),
      ratio: r2(mbps(median(oursBig)) / mbps(median(anchorBig))),
      sameHash: bigSame,
      oursAllMs: oursBig.map(r1),
      anchorAllMs: anchorBig.map(r1),
    };
    fs.rmSync(bigFile);

    // ------------------------------------------------------------ 2. folder, first fingerprint
    const dataDir = path.join(tmp, 'data');
    log(`writing ${FILES} small files`);
    t0 = now();
    const folderBytes = writeSmallFiles(dataDir, FILES);
    log(`  written in ${fmtMs(now() - t0)} (${(folderBytes / 1e6).toFixed(1)} MB)`);

    const anchorCmd = `find '${dataDir}' -type f -print0 | xargs -0 sha256sum > /dev/null`;
    // Warm-up anchor (untimed); its output is kept to cross-check every per-file hash.
    const warm = sh('bash', ['-c', `find '${dataDir}' -type f -print0 | xargs -0 sha256sum`]);
    const expected = new Map<string, string>();
    for (const line of warm.stdout.split('\n')) {
      if (!line) continue;
      const sha = line.slice(0, 64);
      const abs = line.slice(66);
      expected.set(path.relative(dataDir, abs).split(path.sep).join('/'), sha);
    }
    log(`  warm-up anchor ${fmtMs(warm.ms)}`);

    const oursFirst: Timed[] = [];
    const anchorFolder: number[] = [];
    let ws: LineageWorkspace | undefined;
    let mismatches = 0;
    for (let i = 0; i < REPS; i++) {
      anchorFolder.push(sh('bash', ['-c', anchorCmd]).ms);
      const wsDir = path.join(tmp, `ws${i}`);
      fs.mkdirSync(wsDir);
      if (ws) {
        ws.close();
        openWs.length = 0;
      }
      ws = await LineageWorkspace.open(wsDir);
      openWs.push(ws);
      const cache = new TimedStatCache(ws.store);
      const t = await timedFingerprint(dataDir, cache);
      oursFirst.push(t);
      if (t.fp.stats.hashed !== FILES || t.fp.fileCount !== FILES)
        throw new Error(`first fingerprint: expected ${FILES} hashed, got ${JSON.stringify(t.fp.stats)} (${t.fp.fileCount} files)`);
      if (i === 0) {
        for (const f of t.fp.files ?? []) if (expected.get(f.rel) !== f.sha256) mismatches++;
        if (expected.size !== FILES) mismatches += Math.abs(expected.size - FILES);
      }
      log(
        `  rep ${i + 1}: anchor ${fmtMs(anchorFolder[i])}, ours ${fmtMs(t.ms)} (scan ${fmtMs(t.scanMs)}, hash+rest ${fmtMs(t.restMs)}, flush ${fmtMs(t.flushMs)})`,
      );
    }
    const folderSha = oursFirst[0].fp.sha256;
    const folderShaStable = oursFirst.every((t) => t.fp.sha256 === folderSha);
    const firstMs = median(oursFirst.map((t) => t.ms));
    const first = {
      files: FILES,
      bytes: folderBytes,
      oursMs: r1(firstMs),
      anchorMs: r1(median(anchorFolder)),
      ratioTime: r2(firstMs / median(anchorFolder)),
      oursFilesPerS: Math.round(FILES / (firstMs / 1000)),
      anchorFilesPerS: Math.round(FILES / (median(anchorFolder) / 1000)),
      split: {
        scanMs: r1(median(oursFirst.map((t) => t.scanMs))),
        hashAndRestMs: r1(median(oursFirst.map((t) => t.restMs))),
        flushMs: r1(median(oursFirst.map((t) => t.flushMs))),
      },
      perFileHashMismatches: mismatches,
      sameFolderHashEveryRep: folderShaStable,
      oursAllMs: oursFirst.map((t) => r1(t.ms)),
      anchorAllMs: anchorFolder.map(r1),
    };

    // ------------------------------------------------------------ 3. second fingerprint, nothing changed
    const oursCached: Timed[] = [];
    const walkMs: number[] = [];
    await profiled(CPU_PROFILE, async () => {
      for (let i = 0; i < REPS; i++) {
        t0 = now();
        const n = plainWalk(dataDir);
        walkMs.push(now() - t0);
        if (n !== FILES) throw new Error(`plain walk found ${n} files`);
        const t = await timedFingerprint(dataDir, new TimedStatCache(ws!.store));
        oursCached.push(t);
        log(
          `  cached rep ${i + 1}: walk ${fmtMs(walkMs[i])}, ours ${fmtMs(t.ms)} (scan+load+lookup ${fmtMs(t.scanMs)}, of which load ${fmtMs(t.loadMs)}) hashed=${t.fp.stats.hashed} cached=${t.fp.stats.cached}`,
        );
      }
    });
    const cachedMs = median(oursCached.map((t) => t.ms));
    const last = oursCached[oursCached.length - 1].fp;
    const cached = {
      oursMs: r1(cachedMs),
      anchorWalkMs: r1(median(walkMs)),
      ratioTime: r2(cachedMs / median(walkMs)),
      hashed: last.stats.hashed,
      cached: last.stats.cached,
      sameFolderHash: last.sha256 === folderSha,
      split: {
        scanLoadLookupMs: r1(median(oursCached.map((t) => t.scanMs))),
        cacheLoadMs: r1(median(oursCached.map((t) => t.loadMs))),
        afterLookupMs: r1(median(oursCached.map((t) => t.restMs))),
      },
      oursAllMs: oursCached.map((t) => r1(t.ms)),
      anchorAllMs: walkMs.map(r1),
    };

    // 3b. The same after saving and re-opening the workspace (a new CLI process).
    t0 = now();
    await ws!.save();
    const saveMs = now() - t0;
    const dbBytes = fs.statSync(ws!.paths.db).size;
    const wsDir = ws!.paths.workspace;
    ws!.close();
    openWs.length = 0;
    t0 = now();
    ws = await LineageWorkspace.open(wsDir);
    openWs.push(ws);
    const reopenMs = now() - t0;
    const reopened = await timedFingerprint(dataDir, new TimedStatCache(ws.store));
    const persisted = {
      saveMs: r1(saveMs),
      dbBytes,
      reopenMs: r1(reopenMs),
      oursMs: r1(reopened.ms),
      hashed: reopened.fp.stats.hashed,
      cached: reopened.fp.stats.cached,
      cacheLoadMs: r1(reopened.loadMs),
    };
    log(
      `  after save (${fmtMs(saveMs)}, ${(dbBytes / 1e6).toFixed(1)} MB) + reopen (${fmtMs(reopenMs)}): ${fmtMs(reopened.ms)} hashed=${reopened.fp.stats.hashed}`,
    );

    // ------------------------------------------------------------ 4. one file changed
    const vi = Math.floor(FILES / 2) + 20;
    const victim = path.join(dataDir, `d${String(Math.floor(vi / PER_DIR)).padStart(3, '0')}`, `f${String(vi % PER_DIR).padStart(4, '0')}.bin`);
    fs.writeFileSync(victim, crypto.randomBytes(2000));
    const changedT = await timedFingerprint(dataDir, new TimedStatCache(ws.store));
    const changed = {
      oursMs: r1(changedT.ms),
      hashed: changedT.fp.stats.hashed,
      cached: changedT.fp.stats.cached,
      folderHashChanged: changedT.fp.sha256 !== folderSha,
      flushMs: r1(changedT.flushMs),
    };
    log(`  one changed: ${fmtMs(changedT.ms)} hashed=${changed.hashed} cached=${changed.cached}`);

    // ------------------------------------------------------------ report
    const ok = (b: boolean) => (b ? 'ok' : 'MISSED');
    const rows: string[][] = [
      [
        `1. ${bigMiB} MiB file, fingerprint()`,
        `${big.oursMBps} MB/s`,
        `sha256sum ${big.anchorMBps} MB/s`,
        `${big.ratio}x throughput`,
        `>= ${TARGET.bigRatio}x`,
        ok(big.ratio >= TARGET.bigRatio && bigSame),
      ],
      [
        `2. ${FILES} files, first (pool)`,
        fmtMs(first.oursMs),
        `find|xargs sha256sum ${fmtMs(first.anchorMs)}`,
        `${first.ratioTime}x time`,
        'report',
        first.perFileHashMismatches === 0 ? 'hashes agree' : `${first.perFileHashMismatches} MISMATCHES`,
      ],
      [
        `3. second, unchanged (cached)`,
        fmtMs(cached.oursMs),
        `readdir+stat walk ${fmtMs(cached.anchorWalkMs)}`,
        `${cached.ratioTime}x time`,
        `<= ${fmtMs(TARGET.cachedMs)}`,
        ok(cached.oursMs <= TARGET.cachedMs && cached.hashed === 0 && cached.cached === FILES),
      ],
      [`   hashed / cached`, `${cached.hashed} / ${cached.cached}`, '', '', `0 / ${FILES}`, ok(cached.hashed === 0 && cached.cached === FILES)],
      [
        `3b. after save + reopen`,
        fmtMs(persisted.oursMs),
        `save ${fmtMs(persisted.saveMs)}, open ${fmtMs(persisted.reopenMs)}`,
        '',
        'report',
        `hashed ${persisted.hashed}`,
      ],
      [`4. one file changed`, fmtMs(changed.oursMs), '', '', `hashed = 1`, `${ok(changed.hashed === 1)} (hashed ${changed.hashed}, cached ${changed.cached})`],
    ];
    console.log('');
    console.log(table(['case', 'Lineage', 'anchor (same run)', 'ratio', 'target', 'result'], rows));
    console.log('');
    console.log(
      `big file same hash as sha256sum: ${bigSame}; folder hash stable across reps: ${folderShaStable}; changed file changes folder hash: ${changed.folderHashChanged}`,
    );
    console.log(
      `first fingerprint split (median): scan ${fmtMs(first.split.scanMs)}, hashing+rest ${fmtMs(first.split.hashAndRestMs)} (cache flush ${fmtMs(first.split.flushMs)})`,
    );
    console.log(
      `cached fingerprint split (median): walk+load+lookup ${fmtMs(cached.split.scanLoadLookupMs)} (cache load ${fmtMs(cached.split.cacheLoadMs)}), after lookup ${fmtMs(cached.split.afterLookupMs)}`,
    );
    console.log(`medians of ${REPS}; all reps in the JSON below. Total bench time ${fmtMs(now() - tStart)}.`);

    const cpus = os.cpus();
    const result = {
      bench: 'fingerprint',
      reps: REPS,
      big,
      folderFirst: first,
      folderCached: cached,
      folderPersisted: persisted,
      oneChanged: changed,
      targets: TARGET,
      pass: {
        bigRatio: big.ratio >= TARGET.bigRatio && bigSame,
        cachedMs: cached.oursMs <= TARGET.cachedMs,
        cachedCounts: cached.hashed === 0 && cached.cached === FILES,
        changedHashed: changed.hashed === 1,
        perFileHashes: mismatches === 0,
      },
      machine: {
        cpuModel: cpus[0]?.model,
        cpus: cpus.length,
        availableParallelism: os.availableParallelism?.(),
        memGB: r1(os.totalmem() / 1e9),
        node: process.version,
        openssl: process.versions.openssl,
        sha256sum: sha256sumVersion,
        kernel: os.release(),
        tmp: TMP_BASE,
        tmpFreeGB: r1(free / 1e9),
      },
      totalMs: r1(now() - tStart),
    };
    for (const w of openWs) w.close();
    openWs.length = 0;
    cleanup();
    console.log(JSON.stringify(result));
  } catch (err) {
    for (const w of openWs) {
      try {
        w.close();
      } catch {
        /* already closed */
      }
    }
    cleanup();
    throw err;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
