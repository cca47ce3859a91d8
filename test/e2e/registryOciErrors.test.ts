import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { createOciClient } from '../../src/core/registry/oci';
import { RegistryError, RegistryTarget } from '../../src/core/registry/types';
import { freePort, makeModel, sampleLineage, startRegistry } from '../helpers/registry';
import { tmpDir as makeTmpDir } from '../helpers/tmp';

const made: string[] = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function tmpDir(prefix: string): string {
  const d = makeTmpDir(prefix);
  made.push(d);
  return d;
}

// What the user sees when a push cannot work (against the real docker-registry), path traversal refused on pull,
// and credentials never following a redirect to blob storage on another host.

const target = (url: string, repository = 'models/errors', tag = 'v1'): RegistryTarget => ({ kind: 'oci', url, repository, tag });

function isError(kind: string, extra: (e: RegistryError) => boolean = () => true) {
  return (e: unknown) => {
    assert.ok(e instanceof RegistryError, String(e));
    assert.equal(e.kind, kind, `${e.kind}: ${e.message}`);
    assert.ok(e.hint.length > 10, 'says what to do next');
    return extra(e);
  };
}

test('wrong password (Basic and token auth): an "auth" error with a hint, and the password is in no message', async () => {
  for (const auth of ['basic', 'token'] as const) {
    const reg = await startRegistry({ auth });
    try {
      const { files } = makeModel(tmpDir('lineage-oci-err-'), 1024);
      const secret = 'hunter2-not-this-one';
      const client = createOciClient({ name: 'r', kind: 'oci', url: reg.url });
      await assert.rejects(
        client.push({ target: target(reg.url), files, lineage: sampleLineage(), credentials: { username: reg.username, password: secret } }),
        isError('auth', (e) => !`${e.message} ${e.hint} ${e.stack}`.includes(secret) && /credentials/.test(e.message) && /password or token/.test(e.hint)),
      );
      assert.equal(await client.getAlias(target(reg.url), 'v1', { username: reg.username, password: reg.password }), undefined);
    } finally {
      await reg.stop();
    }
  }
});

test('unknown CA gives "tls" with a hint to set the CA file; a registry that is down gives "unreachable"', async () => {
  const reg = await startRegistry({ tls: true });
  try {
    const { files } = makeModel(tmpDir('lineage-oci-err-'), 1024);
    const untrusting = createOciClient({ name: 'r', kind: 'oci', url: reg.url });
    await assert.rejects(
      untrusting.push({ target: target(reg.url), files, lineage: sampleLineage() }),
      isError('tls', (e) => /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|ISSUER/.test(e.message) && /CA file/.test(e.hint)),
    );
  } finally {
    await reg.stop();
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { files } = makeModel(tmpDir('lineage-oci-err-'), 1024);
  const started = Date.now();
  await assert.rejects(
    createOciClient({ name: 'down', kind: 'oci', url }).push({ target: target(url), files, lineage: sampleLineage() }),
    isError('unreachable', (e) => /refused/.test(e.message) && /running/.test(e.hint)),
  );
  assert.ok(Date.now() - started < 5000, 'said at once, not after retries');
});

test('pull refuses a manifest whose file title escapes the destination, before writing anything', async () => {
  const reg = await startRegistry();
  try {
    const client = createOciClient({ name: 'r', kind: 'oci', url: reg.url });
    const { files } = makeModel(tmpDir('lineage-oci-trav-'), 1024);
    const pushed = await client.push({ target: target(reg.url, 'models/evil'), files, lineage: sampleLineage() });
    // A hostile publisher rewrites the titles (same blobs, so the registry accepts the manifest).
    const rawRes = await fetch(`${reg.url}/v2/models/evil/manifests/${pushed.digest}`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    const manifest = (await rawRes.json()) as { layers: Array<{ annotations: Record<string, string> }> };
    for (const [i, title] of ['../../outside.txt', '/etc/lineage-evil', 'a/../../b'].entries()) {
      manifest.layers[0].annotations['org.opencontainers.image.title'] = title;
      const put = await fetch(`${reg.url}/v2/models/evil/manifests/bad${i}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
        body: JSON.stringify(manifest),
      });
      assert.equal(put.status, 201);
      const parent = tmpDir('lineage-oci-trav-out-');
      const dest = path.join(parent, 'inner', 'dest');
      await assert.rejects(
        client.pull(target(reg.url, 'models/evil', `bad${i}`), dest),
        isError('protocol', (e) => /outside the destination/.test(e.message)),
      );
      assert.ok(!fs.existsSync(dest), 'nothing written');
      assert.deepEqual(fs.readdirSync(parent), []);
    }
    // And a push whose own file path would do the same is refused.
    await assert.rejects(
      client.push({ target: target(reg.url, 'models/evil', 'v2'), files: [{ ...files[0], path: '../model.pkl' }], lineage: sampleLineage() }),
      isError('protocol'),
    );
  } finally {
    await reg.stop();
  }
});

test('blob downloads redirected to storage on another host get no credentials; the files still verify', async () => {
  const seenAuth: Array<string | undefined> = [];
  let rootDir = '';
  const storage = http.createServer((req, res) => {
    seenAuth.push(req.headers.authorization);
    const file = path.join(rootDir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(rootDir) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': fs.statSync(file).size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => storage.listen(0, '127.0.0.1', r));
  const reg = await startRegistry({ auth: 'basic', redirectBlobsTo: `http://127.0.0.1:${(storage.address() as AddressInfo).port}/` });
  rootDir = reg.rootDir;
  try {
    const client = createOciClient({ name: 'r', kind: 'oci', url: reg.url });
    const credentials = { username: reg.username, password: reg.password };
    const ws = tmpDir('lineage-oci-redirect-');
    const { files, sha256 } = makeModel(path.join(ws, 'm'), 2 << 20);
    await client.push({ target: target(reg.url), files, lineage: sampleLineage(), credentials });
    const out = path.join(ws, 'out');
    await client.pull(target(reg.url), out, { credentials });
    for (const [p, h] of Object.entries(sha256))
      assert.equal(
        crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(out, p)))
          .digest('hex'),
        h,
      );
    assert.ok(seenAuth.length >= 4, `blob reads went to the storage host (${seenAuth.length})`);
    assert.deepEqual(
      seenAuth.filter((a) => a !== undefined),
      [],
      'no Authorization header ever reached the other host',
    );
  } finally {
    await reg.stop();
    await new Promise((r) => storage.close(r));
  }
});

test('a registry whose disk is full (a 4 MiB tmpfs under it) gives "full" at once, and no tag', async () => {
  const reg = await startRegistry({ storageLimitBytes: 4 << 20 });
  try {
    const dir = tmpDir('lineage-oci-full-');
    const { files } = makeModel(dir, 8 << 20);
    const client = createOciClient({ name: 'r', kind: 'oci', url: reg.url }, { chunkSize: 1 << 20, backoffMs: 20 });
    await assert.rejects(
      client.push({ target: target(reg.url), files, lineage: sampleLineage() }),
      isError('full', (e) => /no room/.test(e.message) && /Free space/.test(e.hint)),
    );
    assert.equal(await client.getAlias(target(reg.url), 'v1'), undefined);
  } finally {
    await reg.stop();
  }
});

test('an upload Location on another host (the registry behind a proxy, http.host set elsewhere) gets no credentials, and no tag is left', async () => {
  const seenAuth: Array<string | undefined> = [];
  // The other host answers as the registry would without credentials: 401 with a Basic challenge.
  const other = http.createServer((req, res) => {
    seenAuth.push(req.headers.authorization);
    req.resume();
    res.writeHead(401, { 'www-authenticate': 'Basic realm="lineage-test"', 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
  });
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
  const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
  const reg = await startRegistry({ auth: 'basic', publicUrl: otherUrl });
  try {
    const client = createOciClient({ name: 'r', kind: 'oci', url: reg.url }, { retries: 0, backoffMs: 10 });
    const credentials = { username: reg.username, password: reg.password };
    const { files } = makeModel(tmpDir('lineage-oci-location-'), 1 << 20);
    await assert.rejects(
      client.push({ target: target(reg.url, 'models/elsewhere'), files, lineage: sampleLineage(), credentials }),
      isError('auth', (e) => e.message.includes(new URL(otherUrl).host) && /public URL/.test(e.hint) && !`${e.message} ${e.hint}`.includes(reg.password!)),
    );
    assert.ok(seenAuth.length >= 1, 'the upload went to the other host');
    assert.deepEqual(
      seenAuth.filter((a) => a !== undefined),
      [],
      'no Authorization header reached the other host',
    );
    assert.equal(await client.getAlias(target(reg.url, 'models/elsewhere'), 'v1', credentials), undefined);
  } finally {
    await reg.stop();
    await new Promise((r) => other.close(r));
  }
});
