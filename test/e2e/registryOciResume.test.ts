import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
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

// Interrupted pushes against the real docker-registry behind a TCP proxy that counts the bytes the registry
// receives and cuts connections: the push resumes from the offset the registry acknowledged, never re-sends it,
// and no tag exists until the model is complete.

const MiB = 1 << 20;
const CHUNK = 2 * MiB;

function model(size: number, seed: number) {
  const dir = tmpDir('lineage-oci-resume-');
  const abs = path.join(dir, 'model.bin');
  const sha256 = writeRandomFile(abs, size, seed);
  const files: ModelFile[] = [{ path: 'model.bin', absPath: abs, size }];
  return { dir, sha256, files };
}

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

test('a connection cut as a chunk starts: the push asks the registry where it stands and resumes from the acknowledged offset', async () => {
  const reg = await startRegistry();
  const proxy = await startCuttingProxy({ host: '127.0.0.1', port: reg.port });
  try {
    const size = 12 * MiB;
    const m = model(size, 7);
    const url = `http://${proxy.host}`;
    const client = createOciClient({ name: 'cut', kind: 'oci', url }, { chunkSize: CHUNK, maxChunkSize: CHUNK, backoffMs: 20, prehashLimit: 0 });
    const target: RegistryTarget = { kind: 'oci', url, repository: 'models/cut', tag: 'v1' };
    proxy.armBeforeRequest('PATCH', 3); // chunks 1 and 2 acknowledged, the third never reaches the registry
    const before = proxy.bytesUp;
    const res = await client.push({ target, files: m.files, lineage: sampleLineage(), stateDir: path.join(m.dir, 'state') });
    assert.equal(proxy.cuts, 1);
    assert.deepEqual(res.stats.resumedFromOffset, [2 * CHUNK], 'resumed at the offset the registry acknowledged');
    assert.equal(res.stats.sessionsRestarted, 0);
    const received = proxy.bytesUp - before;
    assert.ok(received >= size && received < size + 64 * 1024, `the registry received each byte once (+ headers): ${received - size} extra bytes`);
    assert.ok(res.bytesSent <= size + CHUNK + 4096, `at most one chunk sent twice from here: ${res.bytesSent - size}`);
    assert.equal(m.files[0].sha256, m.sha256, 'digest computed while uploading, across the resume');
    const out = tmpDir('lineage-oci-cut-out-');
    await client.pull(target, out);
    assert.equal(sha(path.join(out, 'model.bin')), m.sha256);
  } finally {
    await proxy.stop();
    await reg.stop();
  }
});

test('a connection cut halfway through a chunk: docker-registry drops that upload session, the push starts the blob again and still completes', async () => {
  const reg = await startRegistry();
  const proxy = await startCuttingProxy({ host: '127.0.0.1', port: reg.port });
  try {
    const size = 8 * MiB;
    const m = model(size, 8);
    const url = `http://${proxy.host}`;
    const client = createOciClient({ name: 'cut', kind: 'oci', url }, { chunkSize: CHUNK, maxChunkSize: CHUNK, backoffMs: 20 });
    const target: RegistryTarget = { kind: 'oci', url, repository: 'models/cut-mid', tag: 'v1' };
    proxy.arm(Math.round(size / 2 + CHUNK / 2)); // inside the third chunk's body
    const res = await client.push({ target, files: m.files, lineage: sampleLineage() });
    assert.equal(proxy.cuts, 1);
    // Distribution 2.8.2 cancels an upload whose stored size no longer matches the acknowledged offset (part of
    // the cut chunk landed), so the status request finds no session: the client opens a new one.
    assert.equal(res.stats.sessionsRestarted, 1, JSON.stringify(res.stats));
    const out = tmpDir('lineage-oci-cut-out-');
    await client.pull(target, out);
    assert.equal(sha(path.join(out, 'model.bin')), m.sha256);
  } finally {
    await proxy.stop();
    await reg.stop();
  }
});

test('Cancel at 50 %: no tag exists; a new client re-running the push resumes from the saved offset without re-sending acknowledged bytes', async () => {
  const reg = await startRegistry();
  const proxy = await startCuttingProxy({ host: '127.0.0.1', port: reg.port });
  try {
    const size = 16 * MiB;
    const m = model(size, 9);
    const url = `http://${proxy.host}`;
    const stateDir = path.join(m.dir, 'state');
    const target: RegistryTarget = { kind: 'oci', url, repository: 'models/cancelled', tag: 'v1' };
    const first = createOciClient({ name: 'c', kind: 'oci', url }, { chunkSize: CHUNK, maxChunkSize: CHUNK, prehashLimit: 0 });
    const ac = new AbortController();
    await assert.rejects(
      first.push({
        target,
        files: m.files,
        lineage: sampleLineage(),
        stateDir,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.bytesDone >= size / 2) ac.abort();
        },
      }),
      (e: Error & { kind?: string; hint?: string }) => e.kind === 'cancelled' && /again/.test(e.hint ?? ''),
    );
    assert.equal(await first.getAlias(target, 'v1'), undefined, 'a cancelled push leaves no tag');
    const saved = JSON.parse(fs.readFileSync(path.join(stateDir, 'oci-push-state.json'), 'utf8')) as {
      uploads: Record<string, { offset: number; location: string }>;
    };
    const acked = Object.values(saved.uploads)[0].offset;
    assert.ok(acked >= size / 2 - CHUNK && acked < size, `offset ${acked} saved`);
    assert.ok(!JSON.stringify(saved).includes('authorization'), 'no credentials in the state');

    const before = proxy.bytesUp;
    const second = createOciClient({ name: 'c', kind: 'oci', url }, { chunkSize: CHUNK, maxChunkSize: CHUNK, prehashLimit: 0 });
    const res = await second.push({ target, files: m.files.map((f) => ({ ...f })), lineage: sampleLineage(), stateDir });
    assert.deepEqual(res.stats.resumedFromOffset, [acked]);
    const received = proxy.bytesUp - before;
    assert.ok(received < size - acked + 64 * 1024, `re-run sent ${received} bytes for ${size - acked} not acknowledged`);
    assert.ok(received >= size - acked);
    assert.equal(await second.getAlias(target, 'v1'), res.digest);
    const out = tmpDir('lineage-oci-cancel-out-');
    await second.pull(target, out);
    assert.equal(sha(path.join(out, 'model.bin')), m.sha256, 'the digest hashed in two processes is the file digest');
    const left = JSON.parse(fs.readFileSync(path.join(stateDir, 'oci-push-state.json'), 'utf8')) as { uploads: object };
    assert.deepEqual(left.uploads, {}, 'finished uploads are forgotten');
  } finally {
    await proxy.stop();
    await reg.stop();
  }
});
