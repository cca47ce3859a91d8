import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { createOciClient } from '../../src/core/registry/oci';
import type { RegistryTarget } from '../../src/core/registry/types';
import { makeModel, sampleLineage, startRegistry, TestRegistry } from '../helpers/registry';
import { tmpDir as makeTmpDir } from '../helpers/tmp';

const made: string[] = [];
after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function tmpDir(prefix: string): string {
  const d = makeTmpDir(prefix);
  made.push(d);
  return d;
}

// Pushes to Debian's real docker-registry (open, Basic, token, TLS), reads the artifact back with skopeo and
// with our pull, and checks every digest against the files on disk.

const run = promisify(execFile);
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function pushAndReadBack(reg: TestRegistry, label: string) {
  const ws = tmpDir(`lineage-oci-${label}-`);
  const { files, sha256 } = makeModel(path.join(ws, 'model'), 3 << 20);
  const client = createOciClient({ name: label, kind: 'oci', url: reg.url, caFile: reg.caFile }, { chunkSize: 1 << 20 });
  const credentials = reg.username ? { username: reg.username, password: reg.password } : undefined;
  const target: RegistryTarget = { kind: 'oci', url: reg.url, repository: 'models/house-prices', tag: 'v1' };
  const progress: number[] = [];
  const res = await client.push({
    target,
    files,
    lineage: sampleLineage(),
    credentials,
    stateDir: path.join(ws, 'state'),
    onProgress: (p) => progress.push(p.bytesDone),
  });
  assert.match(res.digest!, /^sha256:[0-9a-f]{64}$/);
  assert.equal(res.reference, `oci://${reg.host}/models/house-prices@${res.digest}`);
  const total = files.reduce((s, f) => s + f.size, 0);
  assert.ok(res.bytesSent >= total, `sent ${res.bytesSent} of ${total}`);
  assert.equal(res.bytesSkipped, 0);
  assert.ok(progress.length > 3 && progress[progress.length - 1] > total, 'progress reported in bytes');
  for (const f of files) assert.equal(f.sha256, sha256[f.path], 'the client fills in each file digest');
  assert.equal(await client.getAlias(target, 'v1', credentials), res.digest);

  const out = path.join(ws, 'pulled');
  const pulled = await client.pull(target, out, { credentials });
  assert.deepEqual(pulled.files.map((f) => f.path).sort(), Object.keys(sha256).sort());
  for (const p of Object.keys(sha256)) assert.equal(sha(path.join(out, ...p.split('/'))), sha256[p], `${p} restored byte for byte`);
  assert.deepEqual(pulled.lineage, sampleLineage());
  return { ws, files, sha256, client, target, credentials, res };
}

test('open registry: a ModelPack artifact that skopeo reads and copies with the same digests; a second push skips every blob', async () => {
  const reg = await startRegistry({ auth: 'none' });
  try {
    const { files, sha256, client, target, res, ws } = await pushAndReadBack(reg, 'open');
    const { stdout: raw } = await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/models/house-prices:v1`]);
    assert.equal(`sha256:${crypto.createHash('sha256').update(raw).digest('hex')}`, res.digest, 'skopeo sees exactly the manifest pushed');
    const m = JSON.parse(raw) as {
      artifactType: string;
      config: { mediaType: string; digest: string };
      layers: Array<{ mediaType: string; digest: string; size: number; annotations: Record<string, string> }>;
      annotations: Record<string, string>;
    };
    assert.equal(m.artifactType, 'application/vnd.cncf.model.manifest.v1+json');
    assert.equal(m.config.mediaType, 'application/vnd.cncf.model.config.v1+json');
    const byTitle = Object.fromEntries(m.layers.map((l) => [l.annotations['org.opencontainers.image.title'], l]));
    assert.equal(byTitle['model.pkl'].mediaType, 'application/vnd.cncf.model.weight.v1.raw');
    assert.equal(byTitle['meta/config.json'].mediaType, 'application/vnd.cncf.model.weight.config.v1.raw');
    assert.equal(byTitle['README.md'].mediaType, 'application/vnd.cncf.model.doc.v1.raw');
    assert.equal(byTitle['meta/config.json'].annotations['org.cncf.model.filepath'], 'meta/config.json');
    assert.equal(byTitle['lineage-run.json'].mediaType, 'application/vnd.lineage.run.v1+json');
    for (const p of Object.keys(sha256)) assert.equal(byTitle[p].digest, `sha256:${sha256[p]}`);
    assert.equal(m.annotations['org.opencontainers.image.revision'], sampleLineage().gitCommit);
    assert.equal(m.annotations['dev.lineage.run-id'], 'run-0001');
    assert.equal(m.annotations['dev.lineage.git-dirty'], 'false');
    assert.deepEqual(JSON.parse(m.annotations['dev.lineage.metrics']), { rmse: 0.42, r2: 0.91 });
    assert.deepEqual(JSON.parse(m.annotations['dev.lineage.datasets']), { 'data/houses.csv': `sha256:${'a'.repeat(64)}` });
    assert.ok(m.annotations['org.opencontainers.image.created']);

    const layout = path.join(ws, 'oci-layout');
    await run('skopeo', ['copy', '--src-tls-verify=false', `docker://${reg.host}/models/house-prices:v1`, `oci:${layout}:v1`]);
    for (const p of Object.keys(sha256)) {
      const blob = path.join(layout, 'blobs', 'sha256', sha256[p]);
      assert.equal(sha(blob), sha256[p], `skopeo copied ${p} with its digest`);
    }
    const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
    assert.equal(index.manifests[0].digest, res.digest);

    // Same files again, new tag: every blob is already there (HEAD), nothing is uploaded but the small ones.
    const again = await client.push({
      target: { ...target, tag: 'v2' },
      files: files.map((f) => ({ ...f, sha256: undefined })),
      lineage: sampleLineage(),
      stateDir: path.join(ws, 'state'),
    });
    assert.equal(again.bytesSkipped, files.reduce((s, f) => s + f.size, 0) + JSON.stringify(sampleLineage(), null, 2).length);
    assert.ok(again.bytesSent < 1024, `only the config is sent again (${again.bytesSent} bytes)`);

    // Another repository on the same registry: the blobs are mounted from the first one, not uploaded.
    const mounted = await client.push({
      target: { ...target, repository: 'team/house-copy' },
      files,
      lineage: sampleLineage(),
      stateDir: path.join(ws, 'state'),
    });
    assert.equal(
      mounted.bytesSkipped,
      files.reduce((s, f) => s + f.size, 0),
      'every file blob mounted',
    );
    assert.equal(mounted.stats.retries, 0);
    assert.ok(mounted.bytesSent < 4096, `only the lineage layer and config are uploaded (${mounted.bytesSent} bytes)`);
    const { stdout: tags } = await run('skopeo', ['list-tags', '--tls-verify=false', `docker://${reg.host}/models/house-prices`]);
    assert.deepEqual((JSON.parse(tags) as { Tags: string[] }).Tags.sort(), ['v1', 'v2']);
  } finally {
    await reg.stop();
  }
});

test('Basic auth (htpasswd bcrypt): push, pull and a second tag set with setAlias', async () => {
  const reg = await startRegistry({ auth: 'basic' });
  try {
    const { client, target, credentials, res } = await pushAndReadBack(reg, 'basic');
    assert.equal(await client.getAlias(target, 'production', credentials), undefined);
    await client.setAlias(target, 'production', res.digest!, credentials);
    assert.equal(await client.getAlias(target, 'production', credentials), res.digest);
    const { stdout } = await run('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      `${reg.username}:${reg.password}`,
      `docker://${reg.host}/models/house-prices:production`,
    ]);
    assert.equal(`sha256:${crypto.createHash('sha256').update(stdout).digest('hex')}`, res.digest);
  } finally {
    await reg.stop();
  }
});

test('token auth: tokens fetched from the realm once per scope set; a pull-only account cannot push; anonymous needs credentials', async () => {
  const reg = await startRegistry({ auth: 'token', tokenUsers: { reader: { password: 'read only', actions: ['pull'] } } });
  try {
    const { client, target, res } = await pushAndReadBack(reg, 'token');
    const pushTokens = reg.tokenServer!.requests.filter((r) => r.scopes.some((s) => s.endsWith(':pull,push')));
    assert.ok(pushTokens.length <= 2, `tokens are cached (${pushTokens.length} token requests for push)`);

    const reader = { username: 'reader', password: 'read only' };
    const pulled = await client.pull({ ...target, tag: res.digest! }, tmpDir('lineage-oci-reader-'), { credentials: reader });
    assert.equal(pulled.files.length, 3, 'the pull-only account can pull by digest');
    const { files } = makeModel(tmpDir('lineage-oci-m2-'), 1024, 2);
    await assert.rejects(
      client.push({ target: { ...target, tag: 'v9' }, files, lineage: sampleLineage(), credentials: reader }),
      (e: Error & { kind?: string; hint?: string }) => e.kind === 'permission' && /access/.test(e.hint ?? '') && !e.message.includes('read only'),
    );
    await assert.rejects(
      client.push({ target: { ...target, tag: 'v9' }, files, lineage: sampleLineage() }),
      (e: Error & { kind?: string }) => e.kind === 'auth' && /needs credentials/.test(e.message),
    );
    assert.equal(await client.getAlias(target, 'v9', { username: reg.username, password: reg.password }), undefined, 'no tag from refused pushes');
  } finally {
    await reg.stop();
  }
});

test('TLS with a generated CA: trusted through the registry config caFile', async () => {
  const reg = await startRegistry({ auth: 'none', tls: true });
  try {
    assert.match(reg.url, /^https:/);
    await pushAndReadBack(reg, 'tls');
  } finally {
    await reg.stop();
  }
});

test('a big file hashed while it uploaded is skipped by the next push through the digest kept in cacheDir (stateDir fresh each time)', async () => {
  const reg = await startRegistry();
  try {
    const ws = tmpDir('lineage-oci-cache-');
    const { files } = makeModel(path.join(ws, 'model'), 3 << 20);
    const cacheDir = path.join(ws, 'cache');
    // prehashLimit 0: no file is hashed before it is sent, as for files over 64 MiB by default.
    const client = createOciClient({ name: 'c', kind: 'oci', url: reg.url }, { prehashLimit: 0 });
    const target: RegistryTarget = { kind: 'oci', url: reg.url, repository: 'models/cached', tag: 'v1' };
    const first = await client.push({ target, files, lineage: sampleLineage(), stateDir: path.join(ws, 's1'), cacheDir });
    assert.equal(first.bytesSkipped, 0);
    const fresh = files.map((f) => ({ path: f.path, absPath: f.absPath, size: f.size }));
    const second = await client.push({ target: { ...target, tag: 'v2' }, files: fresh, lineage: sampleLineage(), stateDir: path.join(ws, 's2'), cacheDir });
    assert.equal(second.bytesSkipped, files.reduce((s, f) => s + f.size, 0) + JSON.stringify(sampleLineage(), null, 2).length);
    assert.ok(!fs.existsSync(path.join(ws, 's2', 'oci-cache.json')), 'what is kept goes to cacheDir, not the per-push stateDir');
  } finally {
    await reg.stop();
  }
});
