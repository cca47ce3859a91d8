/**
 * Registry push, hashing off the event loop: the longest event-loop block while Lineage's OCI client pushes a
 * ~200 MB model (a 192 MiB weights file and an 8 MiB tokenizer, random bytes) to Debian's real docker-registry
 * started here on 127.0.0.1. In the extension host every such block freezes the editor.
 *
 *   node scripts/build.mjs && node dist-bench/registry_push_block.js
 *
 * Environment (all optional): BENCH_MIB (weights file, default 192), BENCH_REPS (default 3, medians),
 * BENCH_TMP (scratch folder, default os.tmpdir()).
 *
 * Each rep pushes to a fresh repository with fresh client state (so every byte is hashed and sent) while a
 * 1 ms timer chain records the largest gap between its callbacks beyond the 1 ms asked for. Anchors measured
 * in the same run, on the same files: (a) the same timer chain on an idle loop for as long (the floor), and
 * (b) the files hashed on the main thread as the client did before (read in 4 MiB pieces, each hashed where
 * it was read; a file ≤ 64 MiB read in 1 MiB pieces first). The last line is one JSON object with every figure.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createOciClient } from '../src/core/registry/oci';
import { startRegistry } from '../test/helpers/registry';
import { envInt, median, now } from './lib/measure';

const MiB = 1 << 20;

/** Runs `work` while a 1 ms timer chain measures the longest gap beyond 1 ms (the loop was blocked that long). */
async function longestBlock<T>(work: () => Promise<T>): Promise<{ ms: number; blockMs: number; value: T }> {
  let last = now();
  let worst = 0;
  let running = true;
  const tick = () => {
    const t = now();
    worst = Math.max(worst, t - last - 1);
    last = t;
    if (running) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  const t0 = now();
  try {
    const value = await work();
    return { ms: now() - t0, blockMs: Math.max(0, worst), value };
  } finally {
    running = false;
  }
}

/**
 * Every sha256 update on this (the main) thread, timed while `on`: a worker thread has its own crypto, so what is
 * counted here is exactly the hashing that held the event loop.
 */
const mainHashing = { on: false, longestMs: 0, totalMs: 0, bytes: 0 };
{
  const proto = Object.getPrototypeOf(crypto.createHash('sha256')) as { update: (...a: unknown[]) => unknown };
  const update = proto.update;
  proto.update = function (this: unknown, ...a: unknown[]) {
    if (!mainHashing.on) return update.apply(this, a);
    const t = now();
    const r = update.apply(this, a);
    const ms = now() - t;
    mainHashing.longestMs = Math.max(mainHashing.longestMs, ms);
    mainHashing.totalMs += ms;
    mainHashing.bytes += typeof a[0] === 'string' ? a[0].length : ((a[0] as Uint8Array | undefined)?.byteLength ?? 0);
    return r;
  };
}

/** The old client's main-thread hashing: a small file in 1 MiB reads, a big one in the 4 MiB pieces it sent. */
async function hashOnMainThread(file: string): Promise<string> {
  const size = fs.statSync(file).size;
  const h = crypto.createHash('sha256');
  if (size <= 64 * MiB) {
    for await (const c of fs.createReadStream(file, { highWaterMark: MiB }) as AsyncIterable<Buffer>) h.update(c);
    return h.digest('hex');
  }
  const fh = await fs.promises.open(file, 'r');
  const buf = Buffer.allocUnsafe(4 * MiB);
  try {
    for (let pos = 0; pos < size;) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
      h.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

async function main(): Promise<void> {
  const reps = Math.max(1, envInt('BENCH_REPS', 3));
  const tmp = fs.mkdtempSync(path.join(process.env.BENCH_TMP || os.tmpdir(), 'lineage-push-block-'));
  const files = [
    { path: 'model.safetensors', size: envInt('BENCH_MIB', 192) * MiB },
    { path: 'tokenizer.json', size: 8 * MiB },
  ].map((f) => {
    const absPath = path.join(tmp, f.path);
    const fd = fs.openSync(absPath, 'w');
    for (let left = f.size; left > 0; left -= 8 * MiB) fs.writeSync(fd, crypto.randomBytes(Math.min(8 * MiB, left)));
    fs.closeSync(fd);
    return { ...f, absPath };
  });
  const registry = await startRegistry();
  const client = createOciClient({ name: 'bench', kind: 'oci', url: registry.url });
  const digests = await Promise.all(files.map((f) => hashOnMainThread(f.absPath)));
  const push: Array<{ ms: number; blockMs: number }> = [];
  const given: number[] = [];
  const hashed: Array<typeof mainHashing> = [];
  const anchorHashed: Array<typeof mainHashing> = [];
  const idle: number[] = [];
  const mainHash: number[] = [];
  try {
    for (let rep = 0; rep < reps; rep++) {
      const pushOnce = (repository: string, withDigests: boolean) =>
        longestBlock(() =>
          client.push({
            target: { kind: 'oci', url: registry.url, repository, tag: 'v1' },
            files: files.map((f, i) => ({ path: f.path, absPath: f.absPath, size: f.size, ...(withDigests ? { sha256: digests[i] } : {}) })),
            lineage: { runId: 'bench', runName: 'bench', params: {}, metrics: {}, datasets: [] },
            stateDir: fs.mkdtempSync(path.join(tmp, 'state-')),
          }),
        );
      // A fresh repository and fresh client state each time: nothing is skipped (bytesSent checked below).
      Object.assign(mainHashing, { on: true, longestMs: 0, totalMs: 0, bytes: 0 });
      const r = await pushOnce(`bench/block${rep}`, false);
      mainHashing.on = false;
      hashed.push({ ...mainHashing });
      const g = await pushOnce(`bench/given${rep}`, true);
      given.push(g.blockMs);
      for (const x of [r, g]) if (x.value.bytesSent < files.reduce((n, f) => n + f.size, 0)) throw new Error('the push skipped bytes: not a fair measure');
      push.push({ ms: r.ms, blockMs: r.blockMs });
      idle.push((await longestBlock(() => new Promise<void>((res) => setTimeout(res, Math.min(r.ms, 3000))))).blockMs);
      Object.assign(mainHashing, { on: true, longestMs: 0, totalMs: 0, bytes: 0 });
      mainHash.push((await longestBlock(async () => Promise.all(files.map((f) => hashOnMainThread(f.absPath))))).blockMs);
      mainHashing.on = false;
      anchorHashed.push({ ...mainHashing });
      process.stderr.write(`rep ${rep + 1}/${reps}: push ${r.ms.toFixed(0)} ms, longest block ${r.blockMs.toFixed(1)} ms\n`);
    }
  } finally {
    await registry.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const out = {
    bench: 'registry_push_block',
    modelMiB: files.reduce((s, f) => s + f.size, 0) / MiB,
    reps,
    pushMs: median(push.map((p) => p.ms)),
    pushLongestBlockMs: median(push.map((p) => p.blockMs)),
    pushLongestBlockMaxMs: Math.max(...push.map((p) => p.blockMs)),
    anchorIdleLongestBlockMs: median(idle),
    anchorMainThreadHashLongestBlockMs: median(mainHash),
    anchorDigestsGivenLongestBlockMs: median(given),
    pushMainThreadSha256LongestCallMs: median(hashed.map((h) => h.longestMs)),
    pushMainThreadSha256TotalMs: median(hashed.map((h) => h.totalMs)),
    pushMainThreadSha256Bytes: median(hashed.map((h) => h.bytes)),
    anchorMainThreadSha256LongestCallMs: median(anchorHashed.map((h) => h.longestMs)),
    anchorMainThreadSha256TotalMs: median(anchorHashed.map((h) => h.totalMs)),
    node: process.version,
    cpus: os.cpus().length,
  };
  console.log(
    `longest event-loop block during a ${out.modelMiB} MiB OCI push: ${out.pushLongestBlockMs.toFixed(1)} ms (median of ${reps}; worst ${out.pushLongestBlockMaxMs.toFixed(1)} ms)\n` +
      `  anchor, idle loop:                 ${out.anchorIdleLongestBlockMs.toFixed(1)} ms\n` +
      `  anchor, main-thread sha256 of the same files as the client did before: ${out.anchorMainThreadHashLongestBlockMs.toFixed(1)} ms` +
      ` (push/anchor ${(out.pushLongestBlockMs / Math.max(0.1, out.anchorMainThreadHashLongestBlockMs)).toFixed(2)}×)\n` +
      `  anchor, the same push with every sha256 given (nothing to hash): ${out.anchorDigestsGivenLongestBlockMs.toFixed(1)} ms` +
      ` (push/anchor ${(out.pushLongestBlockMs / Math.max(0.1, out.anchorDigestsGivenLongestBlockMs)).toFixed(2)}×)\n` +
      `sha256 on the main thread during the push: longest call ${out.pushMainThreadSha256LongestCallMs.toFixed(2)} ms, ` +
      `${out.pushMainThreadSha256TotalMs.toFixed(1)} ms in all over ${(out.pushMainThreadSha256Bytes / MiB).toFixed(2)} MiB\n` +
      `  anchor, the old main-thread hashing of the same files: longest call ${out.anchorMainThreadSha256LongestCallMs.toFixed(2)} ms, ` +
      `${out.anchorMainThreadSha256TotalMs.toFixed(1)} ms in all`,
  );
  console.log(JSON.stringify(out));
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});
