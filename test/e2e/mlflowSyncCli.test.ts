/**
 * `lineage sync` and `lineage import` end to end: the CLI (dist/cli.js) against the MLflow stand-in
 * (test/helpers/mlflowStandin, not MLflow; checked against real traffic). Runs synced twice stay one MLflow
 * run each and the second sync sends only the new points; with the sync state gone, the server's history
 * says what it has; a team member's MLflow runs imported, once, and compared with local runs.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliAsync } from '../helpers/cli';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';
import { startMlflowStandin } from '../helpers/mlflowStandin/server';
import { MlflowHttp } from '../../src/core/registry/mlflow/http';
import { createRun, ensureExperiment, logBatches, updateRun } from '../../src/core/registry/mlflow/tracking';

async function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const p = cliAsync(args, cwd, env);
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((r) => p.on('close', r));
  return { status, stdout, stderr };
}

function events(n: number, from = 0): string[] {
  const out = [
    JSON.stringify({ type: 'header', schema: 1 }),
    JSON.stringify({ type: 'param', key: 'lr', value: 0.1 }),
    JSON.stringify({ type: 'param', key: 'depth', value: 4 }),
  ];
  for (let i = from; i < from + n; i++) out.push(metricLine('loss', 1 / (i + 1), i, 1796000000 + i));
  out.push(metricLine('acc', 0.8, 0, 1796000000));
  return out;
}

test('lineage sync twice is one MLflow run per run and sends only new points; import brings team runs once; compare spans both', async () => {
  const server = await startMlflowStandin({ token: 'team-token' });
  const env = { MLFLOW_TRACKING_TOKEN: 'team-token' };
  const remote = `mlflow://127.0.0.1:${server.port}`;
  try {
    const ws = tmpDir('lineage-sync-');
    const a = makeRunFolder(ws, { name: 'alpha', experiment: 'houses', events: events(50) });
    makeRunFolder(ws, { name: 'beta', experiment: 'houses', events: events(30) });
    const idA = path.basename(a);

    const first = await run(['sync', '--to', remote, '--json'], ws, env);
    assert.equal(first.status, 0, first.stderr);
    const r1 = JSON.parse(first.stdout) as { runs: Array<{ runId: string; created: boolean; pointsSent: number }>; pointsSent: number; requests: number };
    assert.equal(r1.runs.length, 2);
    assert.ok(r1.runs.every((r) => r.created));
    assert.equal(r1.pointsSent, 50 + 1 + 30 + 1);
    assert.equal(server.state.runs.size, 2);
    const mirrored = [...server.state.runs.values()].find((r) => r.tags.get('lineage.run_id') === idA);
    assert.equal(mirrored?.history.get('loss')?.length, 50);
    assert.equal(mirrored?.params.get('lr'), '0.1');
    assert.equal(mirrored?.status, 'FINISHED');
    assert.ok(fs.existsSync(path.join(ws, '.lineage', 'registry', 'sync', `127.0.0.1_${server.port}.json`)));

    // Ten more points on alpha, appended as a script writes them (run.json says how the run ended).
    const more = Array.from({ length: 10 }, (_, i) => metricLine('loss', 1 / (51 + i), 50 + i, 1796000050 + i));
    fs.appendFileSync(path.join(a, 'events.jsonl'), more.join('\n') + '\n');
    const batchesBefore = server.counts.get('POST runs/log-batch') ?? 0;
    const second = await run(['sync', '--to', remote, '--json'], ws, env);
    assert.equal(second.status, 0, second.stderr);
    const r2 = JSON.parse(second.stdout) as typeof r1;
    assert.equal(server.state.runs.size, 2, 'a run synced twice is one MLflow run');
    assert.equal(r2.pointsSent, 10);
    assert.ok(r2.runs.every((r) => !r.created));
    assert.equal((server.counts.get('POST runs/log-batch') ?? 0) - batchesBefore, 1, 'one log-batch with the ten new points');
    assert.equal(mirrored?.history.get('loss')?.length, 60);

    // A registry named in .lineage/config.json, with its own token variable, is the same server.
    fs.writeFileSync(path.join(ws, '.lineage', 'config.json'), JSON.stringify({ registries: [{ name: 'team', kind: 'mlflow', url: server.url }] }));
    const named = await run(['sync', '--to', 'team', '--json'], ws, { LINEAGE_REGISTRY_TEAM_TOKEN: 'team-token' });
    assert.equal(named.status, 0, named.stderr);
    assert.equal((JSON.parse(named.stdout) as typeof r1).pointsSent, 0);
    const unknown = await run(['sync', '--to', 'nobody'], ws, env);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /"nobody" is not a configured registry \(MLflow registries: team\)/);

    // Without the sync state, the server's metric history says what it has: nothing is sent twice.
    fs.rmSync(path.join(ws, '.lineage', 'registry', 'sync'), { recursive: true });
    const third = await run(['sync', '--to', remote, '--json'], ws, env);
    assert.equal(third.status, 0, third.stderr);
    assert.equal((JSON.parse(third.stdout) as typeof r1).pointsSent, 0);
    assert.equal(server.state.runs.size, 2);
    assert.equal(mirrored?.history.get('loss')?.length, 60);

    // A team member's run, logged straight to the server.
    const http = new MlflowHttp(server.url, { token: 'team-token' });
    const exp = await ensureExperiment(http, 'team');
    const theirs = await createRun(http, {
      experimentId: exp,
      userId: 'ana',
      runName: 'ana-gbm',
      startTime: Date.UTC(2026, 11, 4, 9, 30),
      tags: [{ key: 'mlflow.runName', value: 'ana-gbm' }],
    });
    const pts = Array.from({ length: 25 }, (_, i) => ({
      key: 'loss',
      value: i === 3 ? NaN : 2 / (i + 1),
      step: i,
      timestamp: Date.UTC(2026, 11, 4, 9, 30) + i * 1000,
    }));
    await logBatches(
      http,
      theirs.run_id,
      pts,
      [
        { key: 'lr', value: '0.05' },
        { key: 'depth', value: '6' },
        { key: 'booster', value: 'gbtree' },
      ],
      [],
    );
    await updateRun(http, theirs.run_id, 'FINISHED', Date.UTC(2026, 11, 4, 9, 45));

    const imp = await run(['import', '--from', remote, '--experiment', 'team', '--json'], ws, env);
    assert.equal(imp.status, 0, imp.stderr);
    const ir = JSON.parse(imp.stdout) as { imported: Array<{ runId: string; points: number }>; existing: unknown[] };
    assert.equal(ir.imported.length, 1);
    assert.equal(ir.imported[0].points, 25);
    const importedId = ir.imported[0].runId;
    assert.match(importedId, /^20261204-093000-[0-9a-f]{6}$/);
    const runJson = JSON.parse(fs.readFileSync(path.join(ws, '.lineage', 'runs', importedId, 'run.json'), 'utf8')) as {
      importedFrom: string;
      command: string[];
    };
    assert.equal(runJson.importedFrom, `127.0.0.1:${server.port}/${theirs.run_id}`);
    // A read-only copy: reproduce says where it came from instead of "no command line".
    const rep = await run(['reproduce', importedId], ws, env);
    assert.equal(rep.status, 1, rep.stdout + rep.stderr);
    assert.match(rep.stdout + rep.stderr, /imported from MLflow \(127\.0\.0\.1:\d+\/[0-9a-f]+\)/);

    const again = await run(['import', '--from', remote, '--experiment', 'team', '--json'], ws, env);
    assert.equal(again.status, 0, again.stderr);
    const ir2 = JSON.parse(again.stdout) as { imported: unknown[]; existing: unknown[] };
    assert.equal(ir2.imported.length, 0, 'importing twice does not duplicate');
    assert.equal(ir2.existing.length, 1);
    assert.equal(fs.readdirSync(path.join(ws, '.lineage', 'runs')).length, 3);

    // Our own synced runs on the server are not imported back as copies.
    const own = await run(['import', '--from', remote, '--experiment', 'houses', '--json'], ws, env);
    assert.equal(own.status, 0, own.stderr);
    assert.equal((JSON.parse(own.stdout) as { imported: unknown[]; skipped: unknown[] }).skipped.length, 2);

    const show = await run(['show', importedId, '--json'], ws);
    assert.equal(show.status, 0, show.stderr);
    const detail = JSON.parse(show.stdout) as {
      tags: Record<string, string>;
      metrics: Record<string, { count: number; nanCount: number }>;
      params: Record<string, unknown>;
    };
    assert.equal(detail.tags['lineage.imported_from'], runJson.importedFrom);
    assert.equal(detail.metrics.loss?.count, 25);
    assert.equal(detail.metrics.loss?.nanCount, 1);
    assert.equal(detail.params.lr, 0.05, 'a numeric MLflow param is a number again');

    const cmp = await run(['compare', idA, importedId, '--json'], ws);
    assert.equal(cmp.status, 0, cmp.stderr);
    const c = JSON.parse(cmp.stdout) as { params: Array<{ key: string; values: unknown[] }>; metrics: Array<{ key: string; values: unknown[] }> };
    assert.deepEqual(c.params.find((p) => p.key === 'lr')?.values, [0.1, 0.05]);
    assert.ok(c.params.some((p) => p.key === 'booster'));
    assert.equal(c.metrics.find((m) => m.key === 'loss')?.values.length, 2);

    // The imported run is a normal run folder: a rebuilt index keeps it; sync never sends it back.
    const rebuilt = await run(['db', 'rebuild'], ws);
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    const ls = await run(['ls', '--json'], ws);
    assert.ok((JSON.parse(ls.stdout) as Array<{ id: string }>).some((r) => r.id === importedId));
    const runsBefore = server.state.runs.size;
    const back = await run(['sync', '--to', remote, '--json'], ws, env);
    assert.equal(back.status, 0, back.stderr);
    assert.equal(server.state.runs.size, runsBefore);
    assert.deepEqual(
      (JSON.parse(back.stdout) as { skipped: Array<{ runId: string }> }).skipped.map((s) => s.runId),
      [importedId],
    );

    // A wrong token: exit 1, the message says what to set, and never the token.
    const denied = await run(['sync', '--to', remote], ws, { MLFLOW_TRACKING_TOKEN: 'not-the-token-123' });
    assert.equal(denied.status, 1);
    assert.match(denied.stderr, /refused the credentials.*MLFLOW_TRACKING_TOKEN/s);
    assert.doesNotMatch(denied.stderr + denied.stdout, /not-the-token-123|team-token/);
  } finally {
    await server.close();
  }
});

test('three lineage sync processes at once still make one MLflow run per run, each point once', async () => {
  const server = await startMlflowStandin({ token: 'team-token' });
  const env = { MLFLOW_TRACKING_TOKEN: 'team-token' };
  const remote = `mlflow://127.0.0.1:${server.port}`;
  try {
    const ws = tmpDir('lineage-sync-race-');
    for (const name of ['alpha', 'beta', 'gamma']) makeRunFolder(ws, { name, experiment: 'houses', events: events(40) });
    // Index the workspace once, so the three processes race on the server, not on the first indexing.
    const ls = await run(['ls'], ws, env);
    assert.equal(ls.status, 0, ls.stderr);
    const results = await Promise.all([1, 2, 3].map(() => run(['sync', '--to', remote, '--json'], ws, env)));
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    const ids = [...server.state.runs.values()].map((r) => r.tags.get('lineage.run_id'));
    assert.equal(ids.length, 3, `one MLflow run per Lineage run, got ${ids.length}: ${ids.join(', ')}`);
    assert.equal(new Set(ids).size, 3);
    for (const r of server.state.runs.values()) assert.equal(r.history.get('loss')?.length, 40);
    const sent = results.map((r) => (JSON.parse(r.stdout) as { pointsSent: number }).pointsSent);
    assert.equal(
      sent.reduce((a, b) => a + b, 0),
      3 * 41,
      `points sent in all: ${sent.join(' + ')}`,
    );
  } finally {
    await server.close();
  }
});

test('two syncs at once against a slow server: the second waits for the first, one MLflow run per run', async () => {
  // runs/search answered as of arrival but sent 1.5 s later: without a lock both processes see no run and
  // each creates one.
  const server = await startMlflowStandin({ token: 'team-token', delayMs: { 'POST runs/search': 1500 } });
  const env = { MLFLOW_TRACKING_TOKEN: 'team-token' };
  const remote = `mlflow://127.0.0.1:${server.port}`;
  try {
    const ws = tmpDir('lineage-sync-lock-');
    for (const name of ['alpha', 'beta']) makeRunFolder(ws, { name, experiment: 'houses', events: events(20) });
    const ls = await run(['ls'], ws, env);
    assert.equal(ls.status, 0, ls.stderr);
    const results = await Promise.all([1, 2].map(() => run(['sync', '--to', remote, '--json'], ws, env)));
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    const ids = [...server.state.runs.values()].map((r) => r.tags.get('lineage.run_id'));
    assert.equal(ids.length, 2, `one MLflow run per Lineage run, got ${ids.length}: ${ids.join(', ')}`);
    assert.equal(new Set(ids).size, 2);
    for (const r of server.state.runs.values()) assert.equal(r.history.get('loss')?.length, 20);
    assert.ok(!fs.existsSync(path.join(ws, '.lineage', 'registry', 'sync', 'sync.lock')), 'the lock is released');

    // A sync still holding the lock (a live pid: this test's own): the next one waits, then says so.
    const lock = path.join(ws, '.lineage', 'registry', 'sync', 'sync.lock');
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() }));
    const before = server.counts.get('POST runs/create');
    const busy = await run(['sync', '--to', remote], ws, { ...env, LINEAGE_SYNC_WAIT_MS: '400' });
    assert.notEqual(busy.status, 0);
    assert.match(busy.stderr, /Another sync of this workspace is running/);
    assert.equal(server.counts.get('POST runs/create'), before);
    assert.ok(fs.existsSync(lock), "another process's lock is left alone");
  } finally {
    await server.close();
  }
});
