/**
 * Lineage's MLflow client against the MLflow stand-in (test/helpers/mlflowStandin, not MLflow; checked
 * against real traffic by mlflowStandin.test.ts): a real pickled scikit-learn model pushed with its run,
 * read back (run, params, metric steps, MLmodel, logged model, version, alias), pulled and verified, and the
 * failures a user meets (wrong token, server down, a file altered on the server) said without secrets.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMlflowClient } from '../../src/core/registry/mlflow';
import { RegistryError, type RegistryTarget } from '../../src/core/registry/types';
import { startMlflowStandin } from '../helpers/mlflowStandin/server';
import { lineageFor, predict, trainSklearnModel } from '../helpers/mlflowStandin/sklearnModel';
import { tmpDir } from '../helpers/tmp';

const config = (url: string) => ({ name: 'team', kind: 'mlflow' as const, url });

test('push a real sklearn model: run, params, metric steps, MLmodel, logged model, version and alias read back; pull restores and verifies it', async () => {
  const server = await startMlflowStandin({ token: 'tok-s3cret', record: true });
  try {
    const dir = tmpDir('lineage-mlflow-push-');
    const file = trainSklearnModel(dir);
    const client = createMlflowClient(config(server.url));
    const target: RegistryTarget = { kind: 'mlflow', url: server.url, modelName: 'house-prices', alias: 'candidate', experiment: 'houses' };
    const lineage = lineageFor('20261205-100000-abcdef', { points: 2500, params: 150 });
    const progress: number[] = [];
    const res = await client.push({
      target,
      files: [{ ...file }],
      lineage,
      credentials: { token: 'tok-s3cret' },
      onProgress: (p) => progress.push(p.bytesDone),
    });
    const host = new URL(server.url).host;
    assert.equal(res.version, '1');
    assert.equal(res.reference, `mlflow://${host}/house-prices/1`);
    assert.equal(progress.at(-1), file.size);

    // The run: one, found by its lineage.run_id tag, with the git commit, the name, every param and every point.
    const runs = [...server.state.runs.values()];
    assert.equal(runs.length, 1);
    const run = runs[0];
    assert.equal(run.tags.get('lineage.run_id'), lineage.runId);
    assert.equal(run.tags.get('mlflow.source.git.commit'), lineage.gitCommit);
    assert.equal(run.tags.get('mlflow.runName'), 'baseline');
    assert.match(run.tags.get('mlflow.note.content') ?? '', /data \(input\): data\/houses\.csv sha256:abab/);
    assert.equal(run.status, 'FINISHED');
    assert.equal(run.params.size, 153);
    assert.equal(run.params.get('layers'), '[64,32]');
    const loss = run.history.get('loss') ?? [];
    assert.equal(loss.length, 2500);
    assert.deepEqual(
      loss.slice(0, 3).map((p) => p.step),
      [0, 1, 2],
    );
    assert.ok(Number.isNaN(loss[5].value), 'NaN travels (as the string "NaN")');
    assert.equal(loss[6].value, Infinity);
    assert.equal(loss[2499].timestamp, lineage.metricSeries?.find((p) => p.key === 'loss' && p.step === 2499)?.timestamp);
    const batches = server.requests
      .filter((r) => r.path.endsWith('/runs/log-batch'))
      .map((r) => r.body as { metrics?: unknown[]; params?: unknown[]; tags?: unknown[] });
    for (const b of batches) {
      assert.ok((b.metrics?.length ?? 0) <= 1000);
      assert.ok((b.params?.length ?? 0) + (b.tags?.length ?? 0) <= 100);
    }
    assert.equal(batches.length, 3, '2,502 points and 153 params fit in three requests');
    const nanBody = batches.flatMap((b) => (b.metrics ?? []) as Array<{ value: unknown }>).find((m) => typeof m.value === 'string');
    assert.equal(nanBody?.value, 'NaN');

    // The logged model: READY, linked to the run, holding the files, an MLmodel for sklearn + python_function.
    const models = [...server.state.models.values()];
    assert.equal(models.length, 1);
    const model = models[0];
    assert.equal(model.status, 'LOGGED_MODEL_READY');
    assert.deepEqual(run.outputs, [{ model_id: model.model_id, step: 0 }]);
    const artifactBase = `${server.url}/api/2.0/mlflow-artifacts/artifacts/${model.artifact_uri.replace('mlflow-artifacts:/', '')}`;
    const auth = { headers: { authorization: 'Bearer tok-s3cret' } };
    const mlmodel = await (await fetch(`${artifactBase}/MLmodel`, auth)).text();
    assert.match(mlmodel, /^flavors:\n {2}python_function:\n/m);
    assert.match(mlmodel, /loader_module: mlflow\.sklearn/);
    assert.match(mlmodel, /python_version: 3\.\d+\.\d+/);
    assert.match(mlmodel, /^ {2}sklearn:\n(.|\n)*pickled_model: model\.pkl/m);
    assert.match(mlmodel, /sklearn_version: 1\.2\.1/);
    assert.match(mlmodel, new RegExp(`^run_id: ${run.run_id}$`, 'm'));
    assert.match(mlmodel, new RegExp(`^model_uuid: ${model.model_id}$`, 'm'));
    assert.match(mlmodel, /^utc_time_created: '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}'$/m);

    // The registered version points at the logged model, the alias at the version.
    const reg = server.state.registered.get('house-prices');
    assert.equal(reg?.versions[0].source, `models:/${model.model_id}`);
    assert.equal(reg?.versions[0].run_id, run.run_id);
    assert.match(reg?.versions[0].description ?? '', /git 0123456789abcdef/);
    const creds = { token: 'tok-s3cret' };
    assert.equal(await client.getAlias(target, 'candidate', creds), '1');
    await client.setAlias(target, 'production', '1', creds);
    assert.equal(await client.getAlias(target, 'production', creds), '1');
    assert.equal(await client.getAlias(target, 'no-such-alias', creds), undefined);

    // Pull by alias: the same bytes, verified, and the model still predicts.
    const dest = path.join(dir, 'pulled');
    const pulled = await client.pull({ ...target, alias: 'production' }, dest, { credentials: creds });
    const pkl = pulled.files.find((f) => f.path === 'model.pkl');
    assert.equal(pkl?.size, file.size);
    assert.deepEqual(fs.readFileSync(path.join(dest, 'model.pkl')), fs.readFileSync(file.absPath));
    assert.equal(pulled.lineage?.runId, lineage.runId);
    assert.ok(Math.abs(predict(path.join(dest, 'model.pkl'), 10) - 21) < 1e-9, 'the pulled model predicts y = 2x + 1');

    // The same run pushed again: still one MLflow run, no point sent twice, a second version.
    const before = server.counts.get('POST runs/log-batch');
    const again = await client.push({ target: { ...target, alias: undefined }, files: [{ ...file }], lineage, credentials: creds });
    assert.equal(again.version, '2');
    assert.equal(server.state.runs.size, 1);
    assert.equal(server.counts.get('POST runs/log-batch'), before, 'nothing new to log');
    assert.equal(run.history.get('loss')?.length, 2500);
    assert.equal(await client.getAlias(target, 'candidate', creds), '1', 'a push without an alias leaves the alias alone');

    // A file altered on the server after the push: pull refuses it.
    const mv2 = server.state.registered.get('house-prices')?.versions[1];
    const model2 = server.state.models.get((mv2?.source ?? '').replace('models:/', ''));
    const put = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${model2?.artifact_uri.replace('mlflow-artifacts:/', '')}/model.pkl`, {
      method: 'PUT',
      headers: auth.headers,
      body: 'not the model',
    });
    assert.equal(put.status, 200);
    await assert.rejects(
      client.pull({ ...target, alias: undefined, version: '2' }, path.join(dir, 'tampered'), { credentials: creds }),
      (e: RegistryError) => e.kind === 'protocol' && /model\.pkl does not match the sha256/.test(e.message),
    );
    // Refused means nothing on disk that looks like the model: no file with the altered bytes, no temporary.
    const left = fs.existsSync(path.join(dir, 'tampered')) ? fs.readdirSync(path.join(dir, 'tampered'), { recursive: true }).map(String) : [];
    assert.deepEqual(
      left.filter((f) => f.endsWith('.lineage-partial')),
      [],
      `temporaries left: ${left.join(', ')}`,
    );
    for (const f of left) {
      const p = path.join(dir, 'tampered', f);
      if (fs.statSync(p).isFile()) assert.notEqual(fs.readFileSync(p, 'utf8'), 'not the model', `${f} holds the refused bytes`);
    }
    assert.ok(!left.includes('model.pkl'), `the refused model.pkl was left in place (${left.join(', ')})`);
  } finally {
    await server.close();
  }
});

test('a wrong token is an auth error that names no secret; a server that is down is unreachable', async () => {
  const server = await startMlflowStandin({ token: 'right-token' });
  const dir = tmpDir('lineage-mlflow-auth-');
  const file = trainSklearnModel(dir);
  const target: RegistryTarget = { kind: 'mlflow', url: server.url, modelName: 'm' };
  try {
    const client = createMlflowClient(config(server.url));
    await assert.rejects(
      client.push({ target, files: [file], lineage: lineageFor('20261205-100000-000001', { points: 3 }), credentials: { token: 'wrong-token-xyz' } }),
      (e: RegistryError) => {
        assert.equal(e.kind, 'auth');
        assert.equal(e.status, 401);
        assert.doesNotMatch(e.message + e.hint, /wrong-token-xyz|right-token/);
        assert.match(e.hint, /MLFLOW_TRACKING_TOKEN/);
        return true;
      },
    );
    const basic = createMlflowClient(config(server.url));
    await assert.rejects(
      basic.getAlias(target, 'x', { username: 'u', password: 'pa55word' }),
      (e: RegistryError) => e.kind === 'auth' && !/pa55word/.test(e.message),
    );
  } finally {
    await server.close();
  }
  // A port nobody listens on: take one, then close it.
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const down = createMlflowClient(config(`http://127.0.0.1:${port}`));
  await assert.rejects(
    down.push({
      target: { ...target, url: `http://127.0.0.1:${port}` },
      files: [file],
      lineage: lineageFor('20261205-100000-000002', { points: 3 }),
      credentials: { token: 'tok' },
    }),
    (e: RegistryError) => e.kind === 'unreachable' && /ECONNREFUSED/.test(e.message) && /server is running/.test(e.hint),
  );
});

test('an MLflow 2.x server (no logged models): the files go under the run as model/, the version from runs:/<id>/model, and pull still verifies them', async () => {
  const server = await startMlflowStandin({ mlflow2: true });
  try {
    const dir = tmpDir('lineage-mlflow2-');
    const file = trainSklearnModel(dir);
    const client = createMlflowClient(config(server.url));
    const target: RegistryTarget = { kind: 'mlflow', url: server.url, modelName: 'legacy', alias: 'staging' };
    const res = await client.push({ target, files: [{ ...file }], lineage: lineageFor('20261205-120000-cccccc', { points: 10 }) });
    assert.equal(res.version, '1');
    const run = [...server.state.runs.values()][0];
    assert.equal(server.state.models.size, 0);
    assert.equal(server.state.registered.get('legacy')?.versions[0].source, `runs:/${run.run_id}/model`);
    const pulled = await client.pull({ ...target }, path.join(dir, 'pulled'));
    assert.ok(pulled.files.some((f) => f.path === 'MLmodel'));
    assert.deepEqual(fs.readFileSync(path.join(dir, 'pulled', 'model.pkl')), fs.readFileSync(file.absPath));
  } finally {
    await server.close();
  }
});

test('a connection cut halfway through a model file: the file is sent again and the pushed model is whole', async () => {
  const server = await startMlflowStandin({ cutUploadOver: 1_000_000 });
  try {
    const dir = tmpDir('lineage-mlflow-cut-');
    const big = path.join(dir, 'weights.bin');
    const bytes = Buffer.alloc(4_000_000);
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
    fs.writeFileSync(big, bytes);
    const client = createMlflowClient(config(server.url));
    const target: RegistryTarget = { kind: 'mlflow', url: server.url, modelName: 'big' };
    const progress: number[] = [];
    const res = await client.push({
      target,
      files: [{ path: 'weights.bin', absPath: big, size: bytes.length }],
      lineage: { ...lineageFor('20261205-130000-dddddd', { points: 3 }), flavor: 'custom' },
      onProgress: (p) => progress.push(p.bytesDone),
    });
    assert.equal(res.version, '1');
    assert.equal(server.counts.get('PUT mlflow-artifacts'), 4, 'weights.bin twice, then MLmodel and lineage.json');
    assert.ok(
      progress.some((p, i) => i > 0 && p < progress[i - 1]),
      'progress stepped back after the cut',
    );
    assert.equal(progress.at(-1), bytes.length);
    const pulled = await client.pull(target, path.join(dir, 'pulled'));
    assert.equal(pulled.files.find((f) => f.path === 'weights.bin')?.size, bytes.length);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'pulled', 'weights.bin')), bytes);
  } finally {
    await server.close();
  }
});
