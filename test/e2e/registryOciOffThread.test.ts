/**
 * The OCI push hashes model files off the main thread: against Debian's real docker-registry, a push of a
 * model with a file hashed before upload (under prehashLimit) and one hashed while it uploads (over it) runs no
 * sha256 over the model's bytes on the calling thread (the extension host's event loop), and the digests it
 * records and the registry holds are still each file's sha256.
 */
import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createOciClient } from '../../src/core/registry/oci';
import type { ModelFile, RegistryTarget } from '../../src/core/registry/types';
import { sampleLineage, startRegistry } from '../helpers/registry';
import { tmpDir } from '../helpers/tmp';

const made: string[] = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** Bytes passed to sha256 on this thread while `on` (a worker thread has its own crypto and is not counted). */
const mainThread = { on: false, bytes: 0 };
const proto = Object.getPrototypeOf(crypto.createHash('sha256')) as { update: (...a: unknown[]) => unknown };
const update = proto.update;
proto.update = function (this: unknown, ...a: unknown[]) {
  if (mainThread.on) mainThread.bytes += typeof a[0] === 'string' ? a[0].length : ((a[0] as Uint8Array | undefined)?.byteLength ?? 0);
  return update.apply(this, a);
};

test('an OCI push hashes the model files on a worker thread: no model bytes through sha256 on the calling thread, digests still right', async () => {
  const reg = await startRegistry({ auth: 'none' });
  try {
    const ws = tmpDir('lineage-oci-offthread-');
    made.push(ws);
    const MiB = 1 << 20;
    const files: ModelFile[] = [
      { path: 'weights.bin', size: 24 * MiB },
      { path: 'tokenizer.bin', size: 6 * MiB },
      { path: 'config.json', size: 1024 },
    ].map((f) => {
      const absPath = path.join(ws, f.path);
      fs.writeFileSync(absPath, crypto.randomBytes(f.size));
      return { ...f, absPath };
    });
    const want = Object.fromEntries(files.map((f) => [f.path, crypto.createHash('sha256').update(fs.readFileSync(f.absPath)).digest('hex')]));
    // weights.bin (over prehashLimit) is hashed while its chunks go out, tokenizer.bin before its HEAD.
    const client = createOciClient({ name: 'r', kind: 'oci', url: reg.url }, { chunkSize: 4 * MiB, prehashLimit: 8 * MiB });
    const target: RegistryTarget = { kind: 'oci', url: reg.url, repository: 'models/offthread', tag: 'v1' };
    mainThread.on = true;
    mainThread.bytes = 0;
    const res = await client.push({ target, files, lineage: sampleLineage(), stateDir: path.join(ws, 'state') });
    mainThread.on = false;
    assert.ok(
      mainThread.bytes < 64 * 1024,
      `${mainThread.bytes} bytes hashed on the calling thread (the manifest, config, lineage and config.json are allowed)`,
    );
    for (const f of files) assert.equal(f.sha256, want[f.path], `${f.path}: the recorded digest is the file's sha256`);

    // What the registry holds under those digests is each file, byte for byte.
    const pulled = await client.pull(target, path.join(ws, 'pulled'));
    for (const f of pulled.files) assert.equal(f.sha256, want[f.path]);
    assert.equal(pulled.files.length, files.length);
    assert.equal(await client.getAlias(target, 'v1'), res.digest);
  } finally {
    await reg.stop();
  }
});
