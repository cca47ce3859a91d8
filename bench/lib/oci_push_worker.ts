/**
 * One measured OCI push in its own process, for bench/push_oci.mjs (bundled by it with esbuild): pushes one
 * file and prints one JSON line — wall time, bytes sent, and resident memory before the push, sampled peak
 * during it, and the kernel's high-water mark (VmHWM).
 *   node oci_push_worker.js '{"url":…,"repository":…,"tag":…,"file":…,"chunkSize":…}'
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createOciClient } from '../../src/core/registry/oci';

function vmHwmBytes(): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2]) as {
    url: string;
    repository: string;
    tag: string;
    file: string;
    chunkSize?: number;
    stateDir?: string;
    sha256?: string;
  };
  const client = createOciClient({ name: 'bench', kind: 'oci', url: args.url }, { chunkSize: args.chunkSize });
  const size = fs.statSync(args.file).size;
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const res = await client.push({
    target: { kind: 'oci', url: args.url, repository: args.repository, tag: args.tag },
    files: [{ path: path.basename(args.file), absPath: args.file, size, sha256: args.sha256 }],
    lineage: { runId: 'bench', runName: 'bench', params: {}, metrics: {}, datasets: [] },
    stateDir: args.stateDir,
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  process.stdout.write(
    JSON.stringify({ ms, size, bytesSent: res.bytesSent, digest: res.digest, rssBefore, rssPeak, hwm: vmHwmBytes(), cpuMs: (cpu.user + cpu.system) / 1000 }) +
      '\n',
  );
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
