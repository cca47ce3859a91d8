import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createOciClient } from '../../src/core/registry/oci';
import type { ModelFile, RegistryTarget } from '../../src/core/registry/types';
import { sampleLineage, startCuttingProxy, startRegistry, writeRandomFile } from '../helpers/registry';
import { tmpDir as makeTmpDir } from '../helpers/tmp';

const made: string[] = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function tmpDir(prefix: string): string {
  const d = makeTmpDir(prefix);
  made.push(d);
  return d;
}

// A push whose process is killed (SIGKILL, no cleanup) while a chunk is stuck in the network: the tag does not
// exist, and a new process re-running the push resumes from the offset saved in stateDir, sending only the rest.
// The child is this same file run with LINEAGE_OCI_CRASH_CHILD set.

const CHILD = 'LINEAGE_OCI_CRASH_CHILD';
const MiB = 1 << 20;
const CHUNK = 4 * MiB;

interface ChildArgs {
  url: string;
  target: RegistryTarget;
  files: ModelFile[];
  stateDir: string;
}

if (process.env[CHILD]) {
  const a = JSON.parse(process.env[CHILD]) as ChildArgs;
  void createOciClient({ name: 'crash', kind: 'oci', url: a.url }, { chunkSize: CHUNK, maxChunkSize: CHUNK, prehashLimit: 0 }).push({
    target: a.target,
    files: a.files,
    lineage: sampleLineage(),
    stateDir: a.stateDir,
  });
} else {
  test('a push killed mid-upload leaves no tag; the re-run in a new process resumes from the saved offset', async () => {
    const reg = await startRegistry();
    const proxy = await startCuttingProxy({ host: '127.0.0.1', port: reg.port });
    try {
      const dir = tmpDir('lineage-oci-crash-');
      const size = 32 * MiB;
      const sha256 = writeRandomFile(path.join(dir, 'model.bin'), size, 11);
      const files: ModelFile[] = [{ path: 'model.bin', absPath: path.join(dir, 'model.bin'), size }];
      const url = `http://${proxy.host}`;
      const target: RegistryTarget = { kind: 'oci', url, repository: 'models/crash', tag: 'v1' };
      const stateDir = path.join(dir, 'state');
      const held = proxy.holdBeforeRequest('PATCH', 5); // 4 chunks (16 MiB) acknowledged, the 5th stalls
      const child = spawn(process.execPath, [__filename], {
        env: { ...process.env, [CHILD]: JSON.stringify({ url, target, files, stateDir }) },
        stdio: 'inherit',
      });
      await held;
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      const client = createOciClient({ name: 'crash', kind: 'oci', url }, { chunkSize: CHUNK, maxChunkSize: CHUNK, prehashLimit: 0 });
      assert.equal(await client.getAlias(target, 'v1'), undefined, 'no tag after the crash');
      const saved = JSON.parse(fs.readFileSync(path.join(stateDir, 'oci-push-state.json'), 'utf8')) as { uploads: Record<string, { offset: number }> };
      assert.equal(Object.values(saved.uploads)[0].offset, 4 * CHUNK);

      const before = proxy.bytesUp;
      const res = await client.push({ target, files: files.map((f) => ({ ...f })), lineage: sampleLineage(), stateDir });
      assert.deepEqual(res.stats.resumedFromOffset, [4 * CHUNK]);
      const received = proxy.bytesUp - before;
      assert.ok(received >= size - 4 * CHUNK && received < size - 4 * CHUNK + 64 * 1024, `re-run sent ${received} bytes for ${size - 4 * CHUNK} missing`);
      const out = tmpDir('lineage-oci-crash-out-');
      const pulled = await client.pull(target, out);
      assert.equal(pulled.files[0].sha256, sha256);
    } finally {
      await proxy.stop();
      await reg.stop();
    }
  });
}
