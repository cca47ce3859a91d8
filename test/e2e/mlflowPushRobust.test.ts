/**
 * `lineage push --to mlflow://…` run by real CLI processes (dist/cli.js) against the MLflow stand-in
 * (test/helpers/mlflowStandin, not MLflow; checked against real traffic): two pushes of one run at once hold
 * the workspace's sync lock, so the run is mirrored once and no point is logged twice; a push killed with
 * SIGKILL mid-upload, run again, sends only the files the server does not have (asking it, not trusting the
 * local record) and registers a whole model.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cliAsync } from '../helpers/cli';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';
import { startMlflowStandin } from '../helpers/mlflowStandin/server';

async function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const p = cliAsync(args, cwd, env);
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const status = await new Promise<number | null>((r) => p.on('close', r));
  return { status, stdout, stderr };
}

function events(n: number): string[] {
  const out = [JSON.stringify({ type: 'header', schema: 1 }), JSON.stringify({ type: 'param', key: 'lr', value: 0.1 })];
  for (let i = 0; i < n; i++) out.push(metricLine('loss', 1 / (i + 1), i, 1796000000 + i));
  return out;
}

function workspaceWithModel(prefix: string, sizes: Record<string, number>): { ws: string; runId: string; model: string } {
  const ws = tmpDir(prefix);
  const runId = path.basename(makeRunFolder(ws, { name: 'alpha', experiment: 'houses', events: events(40) }));
  const model = path.join(ws, 'model');
  fs.mkdirSync(model);
  for (const [name, size] of Object.entries(sizes)) fs.writeFileSync(path.join(model, name), crypto.randomBytes(size));
  return { ws, runId, model };
}

test('two pushes of one run to MLflow at once: one MLflow run, no point logged twice; a push behind a held lock waits, then says what to do', async () => {
  // runs/search answered as of arrival but sent 1.5 s later: without the lock both pushes see no run and each creates one.
  const server = await startMlflowStandin({ token: 'team-token', delayMs: { 'POST runs/search': 1500 } });
  const env = { MLFLOW_TRACKING_TOKEN: 'team-token' };
  try {
    const { ws, runId, model } = workspaceWithModel('lineage-push-lock-', { 'model.bin': 4096 });
    const ls = await run(['ls'], ws, env);
    assert.equal(ls.status, 0, ls.stderr + ls.stdout);
    const to = `mlflow://127.0.0.1:${server.port}/house-prices`;
    const results = await Promise.all([1, 2].map(() => run(['push', runId, '--to', to, '--model', model], ws, env)));
    for (const r of results) assert.equal(r.status, 0, r.stderr);
    const runs = [...server.state.runs.values()];
    assert.equal(runs.length, 1, `one MLflow run for the Lineage run, got ${runs.length}`);
    assert.equal(runs[0].tags.get('lineage.run_id'), runId);
    assert.equal(runs[0].history.get('loss')?.length, 40, 'every point once');
    assert.equal(server.state.registered.get('house-prices')?.versions.length, 2, 'two pushes, two versions');
    assert.ok(
      results.some((r) => /Waiting for another sync or push/.test(r.stderr)),
      'the push that waited said so',
    );
    const lock = path.join(ws, '.lineage', 'registry', 'sync', 'sync.lock');
    assert.ok(!fs.existsSync(lock), 'the lock is released');

    // A push and a sync of the same run at once: still one MLflow run.
    const both = await Promise.all([
      run(['push', runId, '--to', to, '--model', model], ws, env),
      run(['sync', '--to', `mlflow://127.0.0.1:${server.port}`], ws, env),
    ]);
    for (const r of both) assert.equal(r.status, 0, r.stderr);
    assert.equal(server.state.runs.size, 1);
    assert.equal([...server.state.runs.values()][0].history.get('loss')?.length, 40);

    // The lock held by a live process (this test's own): the push waits, then refuses and sends nothing.
    fs.writeFileSync(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), at: Date.now() }));
    const before = server.counts.get('POST runs/create');
    const busy = await run(['push', runId, '--to', to, '--model', model], ws, { ...env, LINEAGE_SYNC_WAIT_MS: '400' });
    assert.notEqual(busy.status, 0);
    assert.match(busy.stderr, /Another sync of this workspace is running \(or a push to MLflow\) .* Wait for it and push again; if none is running, delete /);
    assert.equal(server.counts.get('POST runs/create'), before);
    assert.ok(fs.existsSync(lock), "another process's lock is left alone");
  } finally {
    await server.close();
  }
});

test('a push killed with SIGKILL mid-upload, run again, sends only the files the server does not have and registers the whole model', async () => {
  const MB = 1 << 20;
  let hold: ((rel: string) => Promise<void>) | undefined;
  const puts: string[] = [];
  const paths: string[] = [];
  const server = await startMlflowStandin({
    token: 'team-token',
    onArtifactPut: async (rel) => {
      paths.push(rel);
      puts.push(rel.split('/').pop() as string);
      await hold?.(rel);
    },
  });
  const env = { MLFLOW_TRACKING_TOKEN: 'team-token' };
  try {
    const sizes = { 'a.bin': 12 * MB, 'b.bin': 9 * MB, 'c.bin': 10 * MB, 'd.bin': 11 * MB };
    const { ws, runId, model } = workspaceWithModel('lineage-push-crash-', sizes);
    const to = `mlflow://127.0.0.1:${server.port}/house-prices`;

    // The third upload is held on arrival; the push is killed while it waits.
    let reached!: () => void;
    const third = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    hold = async () => {
      if (puts.length !== 3) return;
      reached();
      await released;
    };
    const p = cliAsync(['push', runId, '--to', to, '--model', model], ws, env);
    let stderr = '';
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => p.on('close', (_code, sig) => r(sig)));
    await Promise.race([third, exited.then(() => assert.fail(`the push ended before its third upload: ${stderr}`))]);
    p.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    hold = undefined;
    release();
    const landed = puts.slice(0, 2);
    assert.ok(
      landed.every((n) => n in sizes),
      `the first two uploads were model files: ${puts.join(', ')}`,
    );
    assert.equal(server.state.registered.get('house-prices')?.versions.length ?? 0, 0, 'no version for a push that did not finish');

    // The server loses the second file (overwritten with 10 bytes): the listing says so, and it goes again.
    const lost = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${paths[1]}`, {
      method: 'PUT',
      headers: { authorization: 'Bearer team-token' },
      body: Buffer.alloc(10),
    });
    assert.equal(lost.status, 200);

    const before = puts.length;
    const again = await run(['push', runId, '--to', to, '--model', model], ws, env);
    assert.equal(again.status, 0, again.stderr);
    const resent = puts.slice(before);
    assert.ok(!resent.includes(landed[0]), `${landed[0]} landed before the kill and was sent again: ${resent.join(', ')}`);
    for (const n of Object.keys(sizes).filter((x) => x !== landed[0])) assert.equal(resent.filter((x) => x === n).length, 1, `${n} sent once`);
    assert.ok(resent.includes('lineage.json') && resent.includes('MLmodel'));
    assert.match(again.stdout, new RegExp(` ${sizes[landed[0] as 'a.bin']} already in the registry`));
    assert.equal(server.counts.get('GET mlflow-artifacts') ?? 0, 1, 'the server was asked which files it has');

    // The result is whole: one logged model, READY, the version's manifest naming every file with its sha256;
    // a pull brings back the very bytes.
    assert.equal(server.state.runs.size, 1);
    const models = [...server.state.models.values()];
    assert.equal(models.length, 1, 'the re-run filled the logged model the killed push started');
    assert.equal(models[0].status, 'LOGGED_MODEL_READY');
    assert.equal(server.state.registered.get('house-prices')?.versions.length, 1);
    const out = path.join(ws, 'pulled');
    const pulled = await run(['pull', `mlflow://127.0.0.1:${server.port}/house-prices/1`, '--to', out], ws, env);
    assert.equal(pulled.status, 0, pulled.stderr);
    for (const n of Object.keys(sizes)) assert.ok(fs.readFileSync(path.join(out, n)).equals(fs.readFileSync(path.join(model, n))), `${n} pulled back whole`);
    assert.deepEqual(fs.readdirSync(path.join(ws, '.lineage', 'registry', 'state')), [], 'the push state goes once the push succeeded');
  } finally {
    await server.close();
  }
});
