/**
 * Lineage's MLflow client sends what the real MLflow 3.6 Python client sends: every request it makes in a
 * push (twice, so the "already mirrored" path runs), an alias move, a pull and a sync is compared, by method,
 * endpoint, query parameter names and JSON body key structure, with the recorded requests of the same
 * endpoint in ../shared/fixtures/mlflow-traffic.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { createMlflowClient } from '../../src/core/registry/mlflow';
import type { RegistryTarget } from '../../src/core/registry/types';
import { startMlflowStandin } from '../helpers/mlflowStandin/server';
import { lineageFor, trainSklearnModel } from '../helpers/mlflowStandin/sklearnModel';
import { endpointOf, loadTraffic, misfit, recordedJson, type Exchange } from '../helpers/mlflowStandin/traffic';
import { tmpDir } from '../helpers/tmp';
import { MlflowHttp } from '../../src/core/registry/mlflow/http';
import { syncLineageRun } from '../../src/core/registry/mlflow/sync';

const FILES = ['a_tracking.jsonl', 'b_autolog.jsonl', 'c_registry.jsonl', 'd_reads.jsonl', 'e_limits.jsonl'];

test("the requests Lineage's MLflow client sends have the shapes of the real MLflow client's requests", async () => {
  const recorded = new Map<string, Exchange[]>();
  for (const f of FILES)
    for (const ex of loadTraffic(f)) {
      if (ex.status >= 400) continue; // a request the real server refused is no model to follow
      const key = endpointOf(ex.method, ex.path);
      recorded.set(key, [...(recorded.get(key) ?? []), ex]);
    }

  const server = await startMlflowStandin({ record: true });
  try {
    const dir = tmpDir('lineage-mlflow-shapes-');
    const file = trainSklearnModel(dir);
    const client = createMlflowClient({ name: 't', kind: 'mlflow', url: server.url });
    const target: RegistryTarget = { kind: 'mlflow', url: server.url, modelName: 'shapes', alias: 'candidate', experiment: 'shapes' };
    const lineage = lineageFor('20261205-110000-aaaaaa', { points: 1200, params: 120 });
    await client.push({ target, files: [{ ...file }], lineage });
    await client.push({ target, files: [{ ...file }], lineage });
    await client.setAlias(target, 'production', '1');
    await client.getAlias(target, 'production');
    await client.pull({ ...target, alias: undefined }, path.join(dir, 'pulled'));
    // Sync with no local state: finds the run by its tag and reads the server's metric history.
    const http = new MlflowHttp(server.url);
    await syncLineageRun(http, { lineage: { ...lineage, runId: '20261205-110000-bbbbbb' }, status: 'FINISHED', experiment: 'shapes' });
    await syncLineageRun(http, { lineage: { ...lineage, runId: '20261205-110000-bbbbbb' }, status: 'FINISHED', experiment: 'shapes' });

    const problems: string[] = [];
    const checked = new Map<string, number>();
    for (const r of server.requests) {
      const key = endpointOf(r.method, r.path);
      const real = recorded.get(key);
      checked.set(key, (checked.get(key) ?? 0) + 1);
      if (!real) {
        problems.push(`${key}: the real client never calls it`);
        continue;
      }
      const q = misfit(
        r.query,
        real.map((ex) => ex.query ?? {}),
      );
      if (q) problems.push(`${key} query ${q}`);
      if (r.body !== undefined) {
        const samples = real.map(recordedJson).filter((b) => b !== undefined);
        const d = misfit(r.body, samples);
        if (d) problems.push(`${key} body ${d}`);
      }
    }
    console.log([...checked].map(([k, n]) => `${k}: ${n}`).join('\n'));
    assert.deepEqual(problems, [], problems.join('\n'));
    for (const must of [
      'POST runs/create',
      'POST runs/log-batch',
      'POST runs/update',
      'POST logged-models',
      'PUT artifact',
      'POST model-versions/create',
      'POST runs/search',
      'GET metrics/get-history',
    ])
      assert.ok(checked.has(must), `${must} was exercised`);
  } finally {
    await server.close();
  }
});
