/**
 * The MLflow client against the stand-in (test/helpers/mlflowStandin, not MLflow) served over HTTPS with a
 * certificate from a throwaway CA: the registry's caFile is trusted for push, pull and sync, and without it
 * the failure says to set the CA file.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createMlflowClient } from '../../src/core/registry/mlflow';
import { MlflowHttp } from '../../src/core/registry/mlflow/http';
import { RegistryError, type RegistryTarget } from '../../src/core/registry/types';
import { makeTestCerts } from '../helpers/registry/tls';
import { startMlflowStandin } from '../helpers/mlflowStandin/server';
import { lineageFor, trainSklearnModel } from '../helpers/mlflowStandin/sklearnModel';
import { tmpDir } from '../helpers/tmp';

test('an MLflow server behind a private CA: the registry caFile is trusted for push, pull and JSON calls; without it the error names the CA file', async () => {
  const dir = tmpDir('lineage-mlflow-tls-');
  const certs = makeTestCerts(path.join(dir, 'certs'));
  const server = await startMlflowStandin({ token: 'tls-s3cret', tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
  try {
    assert.match(server.url, /^https:/);
    const file = trainSklearnModel(dir);
    const target: RegistryTarget = { kind: 'mlflow', url: server.url, modelName: 'tls-model', alias: 'candidate' };
    const lineage = lineageFor('20261205-120000-abcdef', { points: 10, params: 3 });

    const untrusted = createMlflowClient({ name: 'team', kind: 'mlflow', url: server.url });
    const err = await untrusted.push({ target, files: [{ ...file }], lineage, credentials: { token: 'tls-s3cret' } }).then(
      () => assert.fail('the push should not trust an unknown CA'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof RegistryError, String(err));
    assert.equal(err.kind, 'tls');
    assert.match(err.hint, /CA file/);
    assert.doesNotMatch(`${err.message} ${err.hint}`, /tls-s3cret/);

    const client = createMlflowClient({ name: 'team', kind: 'mlflow', url: server.url, caFile: certs.caFile });
    const res = await client.push({ target, files: [{ ...file }], lineage, credentials: { token: 'tls-s3cret' } });
    assert.equal(res.version, '1');
    assert.match(res.reference, /^mlflow\+https:\/\//);
    const out = path.join(dir, 'pulled');
    const pulled = await client.pull({ kind: 'mlflow', url: server.url, modelName: 'tls-model', version: '1' }, out, {
      credentials: { token: 'tls-s3cret' },
    });
    assert.equal(pulled.files.find((f) => f.path === file.path)?.sha256, crypto.createHash('sha256').update(fs.readFileSync(file.absPath)).digest('hex'));
    assert.equal(await client.getAlias(target, 'candidate', { token: 'tls-s3cret' }), '1');

    // Sync and import build the same HTTP layer from the registry's caFile.
    const http = new MlflowHttp(server.url, { token: 'tls-s3cret' }, undefined, certs.caFile);
    const got = await http.call<{ experiment: { name: string } }>('GET', 'experiments/get-by-name', {
      query: { experiment_name: 'Default' },
      what: 'read the experiment',
    });
    assert.equal(got.experiment.name, 'Default');
  } finally {
    await server.close();
  }
});
