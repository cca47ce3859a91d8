/**
 * `pull` from an MLflow server whose artifact listing names files that would land outside the destination
 * on some system (a backslash is a separator on Windows, `C:` a drive): refused before anything is written.
 * The server here is a few lines answering the three calls a pull makes, not MLflow.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { createMlflowClient } from '../../src/core/registry/mlflow';
import { RegistryError } from '../../src/core/registry/types';
import { tmpDir } from '../helpers/tmp';

const DIR = '1/models/m-0123/artifacts';

async function serve(names: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (u.pathname === '/api/2.0/mlflow/model-versions/get-download-uri') return json({ artifact_uri: `mlflow-artifacts:/${DIR}` });
    if (u.pathname === '/api/2.0/mlflow-artifacts/artifacts' && u.searchParams.get('path') === DIR)
      return json({ files: names.map((n) => ({ path: n, is_dir: false, file_size: 5 })) });
    if (u.pathname.startsWith('/api/2.0/mlflow-artifacts/artifacts/')) return res.writeHead(200).end('owned');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

test('MLflow pull refuses listed file names with a backslash or a drive letter, and writes nothing', async () => {
  for (const bad of ['..\\..\\evil.txt', 'C:evil.txt']) {
    const s = await serve(['model.pkl', bad]);
    try {
      const root = tmpDir('lineage-mlflow-paths-');
      const dest = path.join(root, 'out');
      const client = createMlflowClient({ name: 'team', kind: 'mlflow', url: s.url });
      await assert.rejects(client.pull({ kind: 'mlflow', url: s.url, modelName: 'm', version: '1' }, dest), (e: unknown) => {
        assert.ok(e instanceof RegistryError, String(e));
        assert.equal(e.kind, 'protocol');
        assert.match(e.message, /unsafe path/);
        return true;
      });
      const written = fs.existsSync(dest) ? fs.readdirSync(dest) : [];
      assert.deepEqual(written, [], 'nothing written, not even the safe model.pkl listed first');
    } finally {
      await s.close();
    }
  }
});
