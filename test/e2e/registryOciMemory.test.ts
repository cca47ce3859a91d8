import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createOciClient } from '../../src/core/registry/oci';
import { startRegistry } from '../helpers/registry';
import { tmpDir } from '../helpers/tmp';

// A big model pushes with bounded memory: a 1 GiB (sparse) file pushed by a child process (this same file run
// with LINEAGE_OCI_MEMORY_CHILD set), whose resident memory is sampled during the push. bench/push_oci.mjs
// does the same with 2 GiB.

const CHILD = 'LINEAGE_OCI_MEMORY_CHILD';

async function child(args: { url: string; file: string }): Promise<void> {
  const size = fs.statSync(args.file).size;
  const client = createOciClient({ name: 'mem', kind: 'oci', url: args.url });
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
  const res = await client.push({
    target: { kind: 'oci', url: args.url, repository: 'models/big', tag: 'v1' },
    files: [{ path: 'big.bin', absPath: args.file, size }],
    lineage: { runId: 'r', runName: 'r', params: {}, metrics: {}, datasets: [] },
  });
  clearInterval(timer);
  const hwm = Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
  process.stdout.write(JSON.stringify({ before, peak: Math.max(peak, hwm), bytesSent: res.bytesSent }) + '\n');
}

if (process.env[CHILD]) {
  void child(JSON.parse(process.env[CHILD]) as { url: string; file: string });
} else {
  test('a 1 GiB model pushes with less than 100 MB of resident memory growth', async () => {
    const reg = await startRegistry();
    const dir = tmpDir('lineage-oci-mem-');
    const file = path.join(dir, 'big.bin');
    execFileSync('truncate', ['-s', String(1 << 30), file]);
    try {
      // Async spawn: the registry harness lives in this process's event loop.
      const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const p = spawn(process.execPath, [__filename], { env: { ...process.env, [CHILD]: JSON.stringify({ url: reg.url, file }) } });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        p.on('exit', (status) => resolve({ status, stdout, stderr }));
      });
      assert.equal(r.status, 0, r.stderr);
      const m = JSON.parse(r.stdout.trim()) as { before: number; peak: number; bytesSent: number };
      assert.ok(m.bytesSent >= 1 << 30);
      const growthMB = (m.peak - m.before) / 1e6;
      assert.ok(growthMB < 100, `resident memory grew by ${growthMB.toFixed(1)} MB`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await reg.stop();
    }
  });
}
