/**
 * Registry push, OCI (issue 15): Lineage's OCI client against `curl` on Debian's real docker-registry 2.8.2,
 * started here on 127.0.0.1 (open, no TLS), measured in the same run.
 *
 *   node bench/push_oci.mjs                      (bundles what it needs with esbuild; no build step)
 *   BENCH_MIB=256 BENCH_REPS=1 node bench/push_oci.mjs     a quick look
 *
 * Environment (all optional):
 *   BENCH_MIB        size of the pushed file in MiB (default 1024); generated once, untimed, in BENCH_OCI_DIR
 *   BENCH_BIG_MIB    size of the sparse file for the memory figure (default 2048)
 *   BENCH_REPS       repetitions of the throughput pair, medians reported (default 3)
 *   BENCH_CHUNK_MIB  first PATCH chunk size (default 64, the client's default; chunks then grow to 256 MiB
 *                    while each takes under 2 s)
 *   BENCH_OCI_DIR    scratch folder (default /tmp/lineage-oci-bench)
 *
 * Measured:
 *   1. throughput: `curl -T file -X PUT <upload URL>&digest=…` (monolithic, digest computed beforehand and not
 *      timed) against a Lineage push of the same file in its own process (chunked; sha256 computed while
 *      uploading; manifest PUT and read-back verification included). Each side gets a fresh registry, so
 *      nothing is deduplicated; the order alternates by rep. Goal: Lineage ≥ 0.8× curl's throughput. A third
 *      side, Lineage given the digest beforehand as curl is, shows the cost of hashing on the way.
 *   2. resume: through a TCP proxy counting the bytes the registry receives, (a) Cancel at 50 % then a new
 *      client re-runs the push; (b) the connection cut as the chunk after 50 % starts; (c) the connection cut
 *      in the middle of a chunk at 50 %. Figure: bytes sent after the interruption minus the bytes not yet
 *      acknowledged. Goal: at most one chunk.
 *   3. memory: a push of a BENCH_BIG_MIB sparse file in its own process: peak RSS (sampled and VmHWM) minus RSS
 *      before the push. Goal: ≤ 100 MB.
 * Last line: one JSON object with every figure.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const MiB = 1 << 20;
const SIZE = Number(process.env.BENCH_MIB || 1024) * MiB;
const BIG = Number(process.env.BENCH_BIG_MIB || 2048) * MiB;
const REPS = Math.max(1, Number(process.env.BENCH_REPS || 3));
const CHUNK = Number(process.env.BENCH_CHUNK_MIB || 64) * MiB;
const DIR = process.env.BENCH_OCI_DIR || '/tmp/lineage-oci-bench';
fs.mkdirSync(DIR, { recursive: true });

// Bundle the client, the registry harness and the worker once (the bench runs on plain node, like the tests).
const { build } = await import(path.join(ROOT, 'node_modules/esbuild/lib/main.js'));
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-oci-bench-js-'));
await build({
  entryPoints: {
    harness: path.join(ROOT, 'test/helpers/registry/index.ts'),
    client: path.join(ROOT, 'src/core/registry/oci/index.ts'),
    worker: path.join(ROOT, 'bench/lib/oci_push_worker.ts'),
  },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outdir: out,
  logLevel: 'warning',
});
const require = createRequire(import.meta.url);
const { startRegistry, startCuttingProxy, writeRandomFile } = require(path.join(out, 'harness.js'));
const { createOciClient } = require(path.join(out, 'client.js'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mbps = (bytes, ms) => bytes / MiB / (ms / 1000);
const load = () => os.loadavg()[0].toFixed(2);

function sha256File(file) {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(4 * MiB);
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  fs.closeSync(fd);
  return `sha256:${h.digest('hex')}`;
}

const file = path.join(DIR, `model-${SIZE / MiB}MiB.bin`);
if (!fs.existsSync(file) || fs.statSync(file).size !== SIZE) {
  console.log(`generating ${file} …`);
  writeRandomFile(file, SIZE, 15);
}
const digestFile = `${file}.sha256`;
const digest = fs.existsSync(digestFile) ? fs.readFileSync(digestFile, 'utf8').trim() : sha256File(file);
fs.writeFileSync(digestFile, digest);

function openUpload(url, repo) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': 0 } }, (res) => {
      res.resume();
      if (res.statusCode !== 202) reject(new Error(`POST upload: ${res.statusCode}`));
      else resolve(new URL(res.headers.location, url).toString());
    });
    req.on('error', reject);
    req.end();
  });
}

function timed(cmd, args) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code) =>
      code === 0 ? resolve({ ms: performance.now() - t0, stdout, stderr }) : reject(new Error(`${cmd} exited ${code}: ${stderr.slice(-500)}`)),
    );
  });
}

/** CPU time (user + system, ms) a process has used so far, from /proc. */
function cpuMsOf(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
}

async function curlOnce() {
  const reg = await startRegistry();
  try {
    const loc = new URL(await openUpload(reg.url, 'bench/curl'));
    loc.searchParams.set('digest', digest);
    const reg0 = cpuMsOf(reg.pid);
    // bash's `time` gives curl's own CPU time (TIMEFORMAT: user and system seconds) on stderr.
    const script = `TIMEFORMAT='%U %S'; time curl -sS -o /dev/null -w '%{http_code}' -T "$0" -X PUT -H 'Content-Type: application/octet-stream' "$1"`;
    const { ms, stdout, stderr } = await timed('bash', ['-c', script, file, loc.toString()]);
    if (stdout.trim() !== '201') throw new Error(`curl PUT answered ${stdout}`);
    const [u, sy] = stderr.trim().split('\n').pop().split(' ').map(Number);
    return { ms, clientCpuMs: (u + sy) * 1000, registryCpuMs: cpuMsOf(reg.pid) - reg0 };
  } finally {
    await reg.stop();
  }
}

async function workerPush(url, target, f, extra = {}) {
  const { stdout } = await timed(process.execPath, [
    path.join(out, 'worker.js'),
    JSON.stringify({ url, repository: target, tag: 'v1', file: f, chunkSize: CHUNK, ...extra }),
  ]);
  return JSON.parse(stdout.trim().split('\n').pop());
}

async function lineageOnce(known) {
  const reg = await startRegistry();
  try {
    const reg0 = cpuMsOf(reg.pid);
    const r = await workerPush(reg.url, 'bench/lineage', file, known ? { sha256: digest } : {});
    if (r.bytesSent < SIZE) throw new Error('push skipped bytes');
    return { ...r, clientCpuMs: r.cpuMs, registryCpuMs: cpuMsOf(reg.pid) - reg0 };
  } finally {
    await reg.stop();
  }
}

// 1. Throughput
const curlMs = [];
const lineageMs = [];
const knownMs = [];
const cpu = { curl: [], lineage: [], known: [] };
for (let rep = 0; rep < REPS; rep++) {
  const order = rep % 2 === 0 ? ['curl', 'lineage', 'known'] : ['known', 'lineage', 'curl'];
  for (const side of order) {
    const l = load();
    const r = side === 'curl' ? await curlOnce() : await lineageOnce(side === 'known');
    ({ curl: curlMs, lineage: lineageMs, known: knownMs })[side].push(r.ms);
    cpu[side].push({ client: r.clientCpuMs, registry: r.registryCpuMs });
    console.log(
      `rep ${rep + 1} ${side.padEnd(7)} ${(r.ms / 1000).toFixed(2)} s  ${mbps(SIZE, r.ms).toFixed(0)} MiB/s  CPU client ${(r.clientCpuMs / 1000).toFixed(2)} s registry ${(r.registryCpuMs / 1000).toFixed(2)} s  (load ${l})`,
    );
  }
}
const throughput = {
  bytes: SIZE,
  curlMsMedian: median(curlMs),
  lineageMsMedian: median(lineageMs),
  curlMiBps: mbps(SIZE, median(curlMs)),
  lineageMiBps: mbps(SIZE, median(lineageMs)),
  ratio: median(curlMs) / median(lineageMs),
  pairRatios: curlMs.map((c, i) => c / lineageMs[i]),
  knownDigestMiBps: mbps(SIZE, median(knownMs)),
  knownDigestRatio: median(curlMs) / median(knownMs),
  cpuMsMedians: Object.fromEntries(
    Object.entries(cpu).map(([k, v]) => [k, { client: median(v.map((x) => x.client)), registry: median(v.map((x) => x.registry)) }]),
  ),
  curlMs,
  lineageMs,
  knownMs,
};
console.log(
  `throughput: lineage ${throughput.lineageMiBps.toFixed(0)} MiB/s vs curl ${throughput.curlMiBps.toFixed(0)} MiB/s = ${throughput.ratio.toFixed(2)}× (goal ≥ 0.8); digest given: ${throughput.knownDigestRatio.toFixed(2)}×; pair ratios ${throughput.pairRatios.map((x) => x.toFixed(2)).join(' ')}`,
);
const c = throughput.cpuMsMedians;
throughput.cpuRatio = (c.curl.client + c.curl.registry) / (c.lineage.client + c.lineage.registry);
console.log(
  `CPU per push (client + registry, medians): curl ${((c.curl.client + c.curl.registry) / 1000).toFixed(2)} s, lineage ${((c.lineage.client + c.lineage.registry) / 1000).toFixed(2)} s, ratio ${throughput.cpuRatio.toFixed(2)}`,
);

// 2. Resume
async function resumeCase(kind) {
  const reg = await startRegistry();
  const proxy = await startCuttingProxy({ host: '127.0.0.1', port: reg.port });
  const url = `http://${proxy.host}`;
  const stateDir = fs.mkdtempSync(path.join(DIR, 'state-'));
  const target = { kind: 'oci', url, repository: `bench/resume-${kind}`, tag: 'v1' };
  const files = () => [{ path: 'model.bin', absPath: file, size: SIZE }];
  const lineage = { runId: 'bench', runName: 'bench', params: {}, metrics: {}, datasets: [] };
  // Fixed chunks here, so "one chunk" is a known size; the default growth only makes chunks bigger.
  const opts = { chunkSize: CHUNK, maxChunkSize: CHUNK };
  const half = Math.ceil(SIZE / 2 / CHUNK); // the chunk that starts at or after 50 %
  try {
    let acked;
    let before;
    let stats;
    if (kind === 'cancel') {
      const ac = new AbortController();
      const first = createOciClient({ name: 'b', kind: 'oci', url }, opts);
      await first
        .push({ target, files: files(), lineage, stateDir, signal: ac.signal, onProgress: (p) => p.bytesDone >= SIZE / 2 && ac.abort() })
        .then(() => {
          throw new Error('the push was not cancelled');
        })
        .catch((e) => {
          if (e.kind !== 'cancelled') throw e;
        });
      if ((await first.getAlias(target, 'v1')) !== undefined) throw new Error('a tag exists after Cancel');
      acked = Object.values(JSON.parse(fs.readFileSync(path.join(stateDir, 'oci-push-state.json'), 'utf8')).uploads)[0].offset;
      before = proxy.bytesUp;
      const res = await createOciClient({ name: 'b', kind: 'oci', url }, opts).push({ target, files: files(), lineage, stateDir });
      stats = res.stats;
    } else {
      if (kind === 'boundary') proxy.armBeforeRequest('PATCH', half + 1);
      else proxy.arm(Math.round(half * CHUNK + CHUNK / 2));
      const res = await createOciClient({ name: 'b', kind: 'oci', url }, { ...opts, backoffMs: 100 }).push({
        target,
        files: files(),
        lineage,
        stateDir,
      });
      stats = res.stats;
      // Whole run through the proxy: what went up beyond the file itself is what was sent twice.
      acked = half * CHUNK;
      before = 0;
    }
    const sentAfter = proxy.bytesUp - before;
    const notAcked = kind === 'cancel' ? SIZE - acked : SIZE;
    const extra = sentAfter - notAcked;
    return {
      kind,
      chunk: CHUNK,
      ackedAtInterruption: acked,
      bytesSentAfter: sentAfter,
      bytesNotAcknowledged: notAcked,
      extraBytes: extra,
      extraChunks: extra / CHUNK,
      stats,
    };
  } finally {
    await proxy.stop();
    await reg.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}
const resume = [];
for (const kind of ['cancel', 'boundary', 'midchunk']) {
  const r = await resumeCase(kind);
  resume.push(r);
  console.log(
    `resume ${kind.padEnd(8)}: ${(r.extraBytes / MiB).toFixed(2)} MiB beyond the bytes not acknowledged = ${r.extraChunks.toFixed(3)} chunk (goal ≤ 1); sessions restarted ${r.stats.sessionsRestarted}, resumed at ${r.stats.resumedFromOffset.map((o) => (o / MiB).toFixed(0) + ' MiB').join(', ') || '—'}`,
  );
}

// 3. Memory: a sparse file of BIG bytes (zeros read from no disk; the upload is real).
const bigFile = path.join(DIR, `sparse-${BIG / MiB}MiB.bin`);
if (!fs.existsSync(bigFile) || fs.statSync(bigFile).size !== BIG) execFileSync('truncate', ['-s', String(BIG), bigFile]);
const memReg = await startRegistry();
let memory;
try {
  const r = await workerPush(memReg.url, 'bench/memory', bigFile);
  memory = {
    bytes: BIG,
    rssBeforeMB: r.rssBefore / 1e6,
    peakSampledMB: r.rssPeak / 1e6,
    vmHwmMB: r.hwm / 1e6,
    growthMB: (Math.max(r.rssPeak, r.hwm) - r.rssBefore) / 1e6,
    seconds: r.ms / 1000,
  };
  console.log(
    `memory: ${BIG / MiB} MiB push, RSS ${memory.rssBeforeMB.toFixed(0)} MB before, peak ${(Math.max(r.rssPeak, r.hwm) / 1e6).toFixed(0)} MB: growth ${memory.growthMB.toFixed(1)} MB (goal ≤ 100)`,
  );
} finally {
  await memReg.stop();
}
fs.rmSync(out, { recursive: true, force: true });

const result = {
  bench: 'push_oci',
  date: new Date().toISOString(),
  machine: `${os.cpus().length} vCPU ${os.cpus()[0]?.model}`,
  node: process.version,
  throughput,
  resume,
  memory,
};
fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
if (SIZE === 1024 * MiB) fs.writeFileSync(path.join(ROOT, 'bench/results/push_oci.json'), JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result));
