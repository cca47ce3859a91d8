/**
 * The MLflow endpoint against the rest of the real MLflow 3.6 client's recordings (test/fixtures/mlflow-traffic):
 * c_registry (a logged model, then the Model Registry, which is answered 501 NOT_IMPLEMENTED request by request,
 * as docs/mlflow-endpoint.md says), d_reads (searches, metric history, artifact listing and download, over what
 * a_tracking, b_autolog and c_registry logged, replayed first as they were recorded) and e_limits (batch limits, validation and error codes). Every exchange is
 * replayed and checked; then what landed in the Lineage run folders is checked.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { answerTo, eventLines, openSession, replayInto, type Session } from './mlflowEndpointReplay';
import type { Exchange } from '../helpers/mlflowStandin/traffic';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';
import { startMlflowEndpoint } from '../../src/core/mlflowEndpoint/server';

/** The registry endpoints the endpoint answers 501 (src/core/mlflowEndpoint/registry.ts). */
const isRegistry = (ex: Exchange) => /^\/api\/2\.0\/mlflow\/(registered-models|model-versions)\//.test(ex.path);
const registry501 = (ex: Exchange) => (isRegistry(ex) ? { status: 501, errorCode: 'NOT_IMPLEMENTED' } : undefined);

async function closed<T>(s: Session, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await s.ep.close();
  }
}

type Json = Record<string, unknown>;
const names = (runs: unknown) => ((runs ?? []) as Array<{ info: { run_name: string } }>).map((r) => r.info.run_name);

test('c_registry: the logged model is answered as MLflow did and kept with its run; each Model Registry request is answered 501 NOT_IMPLEMENTED', async () => {
  const s = await openSession();
  const failures = await closed(s, () => replayInto(s, 'c_registry.jsonl', registry501));
  assert.deepEqual(failures, [], failures.join('\n'));
  const answered501 = s.answers.filter((a) => a.expected).map((a) => `${a.ex.seq} ${a.ex.method} ${a.ex.path.replace('/api/2.0/mlflow/', '')}`);
  assert.deepEqual(
    answered501.sort((x, y) => parseInt(x) - parseInt(y)),
    [
      '19 POST registered-models/create',
      '20 POST model-versions/create',
      '26 POST registered-models/create',
      '27 POST model-versions/create',
      '28 GET registered-models/get',
      '29 POST registered-models/alias',
      '30 GET registered-models/alias',
      '31 GET model-versions/search',
      '32 GET model-versions/search',
      '33 POST registered-models/create',
      '34 GET registered-models/get',
      '35 GET registered-models/alias',
      '36 GET registered-models/alias',
      '37 GET registered-models/get',
      '38 GET model-versions/get-download-uri',
    ],
  );
  assert.equal(s.answers.length, 47, 'every recorded exchange was replayed');
  assert.match((answerTo(s, 'c_registry.jsonl', 19).json as Json).message as string, /lineage push <run> --to/, 'the message says what to do instead');

  // The run that logged the model is the launched run: its param, and the model's files with it.
  const events = eventLines(s.dir);
  assert.ok(events.some((e) => e.type === 'param' && e.key === 'alpha' && e.value === '1.0'));
  const modelId = ((answerTo(s, 'c_registry.jsonl', 7).json as Json).model as { info: { model_id: string } }).info.model_id;
  const modelDir = path.join(s.dir, 'artifacts', 'mlflow-models', modelId);
  assert.equal(fs.statSync(path.join(modelDir, 'model.pkl')).size, 638);
  assert.ok(fs.statSync(path.join(modelDir, 'MLmodel')).isFile());
  assert.ok(events.some((e) => e.type === 'artifact' && e.path === `artifacts/mlflow-models/${modelId}/MLmodel`));
  assert.ok(!JSON.stringify(events).includes('fixture-manual'), 'the refused registry calls wrote nothing');
  // pyfunc.load_model's listing (#39) saw the model's 7 files.
  const listed = (answerTo(s, 'c_registry.jsonl', 39).json as { files: Array<{ path: string }> }).files.map((f) => f.path);
  assert.deepEqual(listed, ['MLmodel', 'conda.yaml', 'input_example.json', 'model.pkl', 'python_env.yaml', 'requirements.txt', 'serving_input_example.json']);
});

test('d_reads: searches, metric history and artifact reads over what a_tracking, b_autolog and c_registry logged are answered as MLflow did, with the same runs and values', async () => {
  const s = await openSession();
  const failures: string[] = [];
  await closed(s, async () => {
    failures.push(...(await replayInto(s, 'a_tracking.jsonl')));
    failures.push(...(await replayInto(s, 'b_autolog.jsonl')));
    failures.push(...(await replayInto(s, 'c_registry.jsonl', registry501)));
    failures.push(...(await replayInto(s, 'd_reads.jsonl')));
    assert.deepEqual(failures, [], failures.join('\n'));

    const d = (seq: number) => answerTo(s, 'd_reads.jsonl', seq).json as Json;
    assert.deepEqual(names(d(2).runs), ['failed-run', 'child-run', 'parent-run'], "experiment 1's runs, newest first");
    assert.deepEqual(names(d(3).runs), ['parent-run'], "filter: metrics.rmse < 1 and params.solver = 'auto'");
    assert.deepEqual(names(d(4).runs), ['failed-run', 'child-run']);
    assert.equal(typeof d(4).next_page_token, 'string');
    assert.deepEqual([...names(d(7).runs), ...names(d(8).runs)], ['failed-run', 'child-run'], 'page 2 (its token from page 1) goes on where page 1 ended');
    assert.deepEqual(
      (d(6).metrics as Array<{ value: number; step: number }>).map((m) => [m.step, m.value]),
      [
        [0, 1],
        [1, 0.5],
        [2, 1 / 3],
      ],
      "loss's history, as logged",
    );
    assert.deepEqual(
      (d(9).experiments as Array<{ name: string }>).map((e) => e.name),
      ['fixture-registry', 'fixture-autolog', 'fixture-tracking', 'Default'],
    );
    assert.deepEqual(
      (d(11).files as Array<{ path: string }>).map((f) => f.path),
      ['docs', 'notes.txt', 'outputs'],
    );
    assert.deepEqual(d(17), {}, 'listing a file answers {} as MLflow does');
    assert.deepEqual(d(15), {}, 'no logged model named outputs');
    assert.deepEqual(
      (d(22).models as Array<{ info: { name: string } }>).map((m) => m.info.name),
      ['model'],
    );

    // History is read from the run folder: a point the script's own Lineage SDK wrote is in it too.
    const runId = ((d(5).run as Json).info as Json).run_id as string;
    assert.equal(runId, s.id, 'parent-run is the launched run');
    fs.appendFileSync(path.join(s.dir, 'events.jsonl'), '{"type":"metric","key":"sdk_loss","value":0.25,"step":3,"ts":1796440600.5}\n');
    const res = await fetch(`${s.ep.url}/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=sdk_loss`);
    assert.deepEqual(await res.json(), { metrics: [{ key: 'sdk_loss', value: 0.25, timestamp: 1796440600500, step: 3 }] });
    const search = async (filter: string, order_by?: string[]) => {
      const r = await fetch(`${s.ep.url}/api/2.0/mlflow/runs/search`, { method: 'POST', body: JSON.stringify({ experiment_ids: ['1'], filter, order_by }) });
      assert.equal(r.status, 200, filter);
      return names(((await r.json()) as Json).runs);
    };
    assert.deepEqual(await search(`tags."mlflow.runName" = 'child-run'`), ['child-run']);
    assert.deepEqual(await search(`attributes.status = 'FAILED'`), ['failed-run']);
    assert.deepEqual(await search(`run_name LIKE '%-run' and params.alpha = '0.5'`), ['parent-run']);
    assert.deepEqual(await search(`attributes.run_id IN ('${runId}')`), ['parent-run']);
    assert.deepEqual(await search(`tags.team = 'salt and pepper'`), [], 'AND inside quotes is part of the value');
    assert.deepEqual(await search('', ['attributes.run_name ASC']), ['child-run', 'failed-run', 'parent-run']);
    const bad = await fetch(`${s.ep.url}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      body: JSON.stringify({ experiment_ids: ['0'], page_token: 'not a token' }),
    });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as Json).error_code, 'INVALID_PARAMETER_VALUE');
    const unparsable = await fetch(`${s.ep.url}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      body: JSON.stringify({ experiment_ids: ['0'], filter: 'metrics.x <> 1' }),
    });
    assert.equal(unparsable.status, 400);
  });
});

test('e_limits: batch limits, validation and error codes are answered as MLflow did, and only what MLflow accepted is in the run', async () => {
  const s = await openSession();
  const failures = await closed(s, () => replayInto(s, 'e_limits.jsonl'));
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.equal(s.answers.length, 23, 'every recorded exchange was replayed');
  const errors = s.answers
    .filter((a) => a.status >= 400)
    .map((a) => `${a.ex.seq} ${a.status} ${a.json ? (a.json as { error_code: string }).error_code : 'html'}`);
  assert.deepEqual(errors, [
    '1 404 RESOURCE_DOES_NOT_EXIST',
    '8 400 INVALID_PARAMETER_VALUE',
    '9 400 INVALID_PARAMETER_VALUE',
    '12 400 INVALID_PARAMETER_VALUE',
    '13 400 INVALID_PARAMETER_VALUE',
    '14 400 INVALID_PARAMETER_VALUE',
    '15 400 INVALID_PARAMETER_VALUE',
    '16 404 RESOURCE_DOES_NOT_EXIST',
    '17 400 BAD_REQUEST',
    '18 404 html',
    '20 400 RESOURCE_ALREADY_EXISTS',
  ]);

  const events = eventLines(s.dir);
  const metrics = events.filter((e) => e.type === 'metric');
  assert.equal(metrics.filter((e) => e.key === 'm').length, 1500, "the client's split log_batch: all 1,500 points");
  assert.deepEqual([...new Set(metrics.map((e) => e.key))], ['m'], 'the refused batch (x) and metrics (bad, no_ts, "bad key!") left nothing');
  const params = new Map(events.filter((e) => e.type === 'param').map((e) => [e.key as string, e.value as string]));
  assert.equal([...params.keys()].filter((k) => /^p\d+$/.test(k)).length, 150);
  assert.ok(![...params.keys()].some((k) => k.startsWith('q')), 'the 101-param batch was refused whole');
  assert.equal(params.get('long')?.length, 6000, 'a 6,001-character value is kept cut to 6,000, as MLflow 3.6 keeps it');
  assert.equal(params.get('ok_long')?.length, 6000);
  assert.deepEqual(
    events.filter((e) => e.type === 'tag' && /^t\d$/.test(e.key as string)).map((e) => e.key),
    ['t0', 't1', 't2', 't3', 't4'],
  );
  const history = answerTo(s, 'e_limits.jsonl', 21).json as { metrics: Array<{ step: number }>; next_page_token: string };
  assert.deepEqual(
    history.metrics.map((m) => m.step),
    [0, 1],
  );
  assert.equal(typeof history.next_page_token, 'string');
});

test("MLflow reads also see the launched run's other run folders: the launched run before MLflow claims it, and child runs Lineage made", async () => {
  const ws = tmpDir('lineage-mlflow-ep-');
  const dir = makeRunFolder(ws, {
    name: 'launched',
    status: 'running',
    events: ['{"type":"param","key":"lr","value":0.1}', metricLine('loss', 0.9, 0, 1796440600)],
  });
  const id = path.basename(dir);
  // A child run Lineage's own autolog made (run.json parentRunId), with steps left to their default, and a run that is not this launch's.
  const child = makeRunFolder(ws, {
    name: 'fold-1',
    events: ['{"type":"param","key":"fold","value":[1,2]}', metricLine('rmse', 3), metricLine('rmse', 2), '{"type":"metric","key":"rm'],
  });
  const rec = JSON.parse(fs.readFileSync(path.join(child, 'run.json'), 'utf8')) as Json;
  fs.writeFileSync(path.join(child, 'run.json'), JSON.stringify({ ...rec, parentRunId: id }));
  makeRunFolder(ws, { name: 'someone-else' });
  const ep = await startMlflowEndpoint(dir, id);
  const call = async (method: string, endpoint: string, body?: unknown) => {
    const r = await fetch(`${ep.url}/api/2.0/mlflow/${endpoint}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Json };
  };
  try {
    const before = await call('POST', 'runs/search', { experiment_ids: ['0'] });
    assert.deepEqual(names(before.json.runs).sort(), ['fold-1', 'launched']);
    const runs = before.json.runs as Array<{ info: Json; data: { params?: Json[]; metrics?: Json[]; tags?: Json[] } }>;
    const kid = runs.find((r) => r.info.run_name === 'fold-1')!;
    assert.deepEqual(kid.data.params, [{ key: 'fold', value: '[1,2]' }]);
    assert.deepEqual(
      kid.data.metrics?.map((m) => [m.key, m.value, m.step]),
      [['rmse', 2, 1]],
      'the latest point; the half-written last line is not read',
    );
    assert.ok(kid.data.tags?.some((t) => t.key === 'mlflow.parentRunId' && t.value === id));
    assert.equal(kid.info.status, 'FINISHED');
    const launched = runs.find((r) => r.info.run_name === 'launched')!;
    assert.equal(launched.info.run_id, id);
    assert.deepEqual(launched.data.params, [{ key: 'lr', value: '0.1' }]);
    const hist = await call('GET', `metrics/get-history?run_id=${path.basename(child)}&metric_key=rmse`);
    assert.deepEqual(
      (hist.json.metrics as Json[]).map((m) => [m.step, m.value]),
      [
        [0, 3],
        [1, 2],
      ],
    );
    assert.equal((await call('GET', `runs/get?run_id=${path.basename(child)}`)).status, 200);

    // Once MLflow claims the launched run it is that MLflow run, in its experiment.
    const exp = await call('POST', 'experiments/create', { name: 'mine' });
    const created = await call('POST', 'runs/create', { experiment_id: exp.json.experiment_id, start_time: Date.now() });
    assert.equal(((created.json.run as Json).info as Json).run_id, id);
    assert.deepEqual(names((await call('POST', 'runs/search', { experiment_ids: ['0'] })).json.runs), ['fold-1']);
    const mine = (await call('POST', 'runs/search', { experiment_ids: [exp.json.experiment_id] })).json.runs as Array<{ info: Json }>;
    assert.deepEqual(
      mine.map((r) => r.info.run_id),
      [id],
    );
  } finally {
    await ep.close();
  }
});
