/**
 * lineage push / pushes / promote / rollback / pull / model-card end to end: the example trained by real
 * Python (a real sklearn pickle), pushed to Debian's real docker-registry started here on 127.0.0.1, read back
 * by an independent client (skopeo), and to the MLflow stand-in.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, cliAsync, copyExample, gitInit } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';
import { startRegistry } from '../helpers/registry';
import { startMlflowStandin } from '../helpers/mlflowStandin/server';

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function trainedWorkspace(prefix: string): string {
  const ws = tmpDir(prefix);
  copyExample(ws);
  gitInit(ws);
  for (const [name, n] of [
    ['first', '20'],
    ['second', '30'],
  ]) {
    const r = cli(['run', '--name', name, 'train.py', '--n-estimators', n], ws);
    assert.equal(r.status, 0, r.stderr);
  }
  return ws;
}

/** The manifest's digest as skopeo, an independent client, reads it: sha256 of the raw bytes. */
function skopeoDigest(ref: string): string {
  const r = spawnSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`], { encoding: 'buffer' });
  assert.equal(r.status, 0, r.stderr.toString());
  return `sha256:${sha256(r.stdout)}`;
}

/** The CLI in a child process without blocking this one: the MLflow stand-in answers from this process. */
function cliA(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = cliAsync(args, cwd);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

function lastEntry(ws: string): Record<string, unknown> {
  const lines = fs.readFileSync(path.join(ws, '.lineage/registry/history.jsonl'), 'utf8').trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

test('OCI: push the example model, skopeo reads it, promote to production, a second run promoted then rolled back, flags on changed data, pull, model card', async () => {
  const ws = trainedWorkspace('lineage-oci-cli-');
  const reg = await startRegistry();
  try {
    const host = `127.0.0.1:${reg.port}`;
    const p1 = cli(['push', 'first', '--to', `oci://${host}/models/house:v1`, '--plain-http'], ws);
    assert.equal(p1.status, 0, p1.stderr + p1.stdout);
    const d1 = /digest\s+(sha256:[a-f0-9]{64})/.exec(p1.stdout)?.[1];
    assert.ok(d1, p1.stdout);
    assert.equal(p1.stderr.includes('\r'), false, 'no progress line when stderr is not a terminal');

    const list = cli(['pushes', '--json'], ws);
    assert.equal(list.status, 0, list.stderr);
    const entries = JSON.parse(list.stdout) as Array<Record<string, unknown>>;
    assert.equal(entries.length, 1);
    assert.equal(entries[0].type, 'push');
    assert.equal(entries[0].digest, d1);
    assert.match(String(entries[0].runId), /^\d{8}-\d{6}-[0-9a-f]{6}$/);
    assert.match(cli(['pushes'], ws).stdout, new RegExp(d1.slice(0, 20)));

    // An independent client sees the same manifest under the tag, and the model's bytes as a layer.
    assert.equal(skopeoDigest(`${host}/models/house:v1`), d1);
    const layout = path.join(tmpDir('lineage-skopeo-'), 'oci');
    const copy = spawnSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${host}/models/house:v1`, `oci:${layout}`], { encoding: 'utf8' });
    assert.equal(copy.status, 0, copy.stderr);
    const model = fs.readFileSync(path.join(ws, '.lineage/runs', String(entries[0].runId), 'artifacts/model.pkl'));
    assert.ok(fs.existsSync(path.join(layout, 'blobs/sha256', sha256(model))), 'the pickle is a blob, by its sha256');

    const noNote = cli(['promote', 'first', 'production'], ws);
    assert.equal(noNote.status, 2);
    assert.match(noNote.stderr, /needs --note/);
    const pr1 = cli(['promote', 'first', 'production', '--note', 'baseline, checked on the holdout'], ws);
    assert.equal(pr1.status, 0, pr1.stderr + pr1.stdout);
    assert.equal(skopeoDigest(`${host}/models/house:production`), d1);

    const p2 = cli(['push', 'second', '--to', `oci://${host}/models/house:v2`, '--plain-http'], ws);
    assert.equal(p2.status, 0, p2.stderr);
    const d2 = /digest\s+(sha256:[a-f0-9]{64})/.exec(p2.stdout)![1];
    assert.notEqual(d2, d1);
    assert.equal(cli(['promote', 'second', 'production', '--note', 'more trees'], ws).status, 0);
    assert.equal(skopeoDigest(`${host}/models/house:production`), d2);

    const rb = cli(['rollback', 'second', 'production'], ws);
    assert.equal(rb.status, 0, rb.stderr + rb.stdout);
    assert.equal(skopeoDigest(`${host}/models/house:production`), d1, 'production points at the first model again');
    const back = lastEntry(ws);
    assert.equal(back.type, 'rollback');
    assert.equal(back.digest, d1);
    assert.equal(back.previous, d2);
    assert.equal(back.runId, entries[0].runId, "the rollback names the restored model's run");
    assert.match(cli(['pushes'], ws).stdout, /production\s+sha256:/);
    const again = cli(['rollback', 'second', 'production'], ws);
    assert.equal(again.status, 2, 'only one holder left in the history');
    assert.match(again.stderr, /nothing to roll back to/);

    // The training data changes: promotion is flagged (exit 3) until forced; the flag is in the history.
    fs.appendFileSync(path.join(ws, 'data/prepared.csv'), fs.readFileSync(path.join(ws, 'data/prepared.csv'), 'utf8').split('\n')[1] + '\n');
    const flagged = cli(['promote', 'first', 'staging', '--note', 'try'], ws);
    assert.equal(flagged.status, 3, flagged.stderr);
    assert.match(flagged.stderr, /data-changed: .*data\/prepared\.csv/);
    assert.match(flagged.stderr, /--force/);
    const forced = cli(['promote', 'first', 'staging', '--note', 'known change', '--force'], ws);
    assert.equal(forced.status, 0, forced.stderr);
    assert.deepEqual(
      (lastEntry(ws).flags as Array<{ code: string }>).map((f) => f.code),
      ['data-changed'],
    );

    const out = path.join(tmpDir('lineage-pull-'), 'model');
    const pull = cli(['pull', `oci://${host}/models/house@${d1}`, '--plain-http', '--to', out], ws);
    assert.equal(pull.status, 0, pull.stderr + pull.stdout);
    assert.deepEqual(fs.readFileSync(path.join(out, 'model.pkl')), model);

    const card = cli(['model-card', 'first'], ws);
    assert.equal(card.status, 0, card.stderr);
    const commit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ws, encoding: 'utf8' }).stdout.trim();
    assert.match(card.stdout, /^# Model card: first/);
    assert.match(card.stdout, new RegExp(`\`${commit}\``));
    assert.match(card.stdout, /`data\/prepared\.csv` \| `[0-9a-f]{64}`/);
    assert.match(card.stdout, /`n_estimators` \| `20`/);
    assert.match(card.stdout, new RegExp(`${d1}`));
    assert.match(card.stdout, /promote \| `production`.*baseline, checked on the holdout/);
    assert.match(card.stdout, /rollback \| `production`/);
    assert.match(card.stdout, /## Intended use\n\n✎/);
  } finally {
    await reg.stop();
  }
});

test('OCI: wrong reference, unknown run, a registry that is down: messages that say what to do, exit codes as documented', async () => {
  const ws = trainedWorkspace('lineage-oci-err-');
  const bad = cli(['push', 'first', '--to', 'oci://127.0.0.1:1/Models:v1'], ws);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /not a valid repository name/);
  const norun = cli(['push', 'nope', '--to', 'oci://127.0.0.1:1/m:v1', '--plain-http'], ws);
  assert.notEqual(norun.status, 0);
  assert.match(norun.stderr, /No run "nope"/);
  const nomodel = cli(['push', 'first', '--model', 'missing.bin', '--to', 'oci://127.0.0.1:1/m:v1', '--plain-http'], ws);
  assert.equal(nomodel.status, 2, nomodel.stderr);
  assert.match(nomodel.stderr, /--model missing\.bin: no such file or folder/);
  const down = cli(['push', 'first', '--to', 'oci://127.0.0.1:1/m:v1', '--plain-http'], ws);
  assert.equal(down.status, 1, down.stderr);
  assert.match(down.stderr, /refused the connection.*\. Is the registry running/, 'what happened, then what to do');
  assert.equal(down.stderr.trim().split('\n').length, 1, down.stderr);
  assert.equal(fs.existsSync(path.join(ws, '.lineage/registry/history.jsonl')), false, 'a failed push leaves no history line');
});

test('MLflow (stand-in): push with an alias, promote, a second version promoted and rolled back, pull a version', async () => {
  const ws = trainedWorkspace('lineage-mlflow-cli-');
  const ml = await startMlflowStandin();
  try {
    const host = new URL(ml.url).host;
    const p1 = await cliA(['push', 'first', '--to', `mlflow://${host}/house-prices`, '--alias', 'candidate'], ws);
    assert.equal(p1.status, 0, p1.stderr + p1.stdout);
    assert.match(p1.stdout, /version 1\b/);
    const p2 = await cliA(['push', 'second', '--to', `mlflow://${host}/house-prices`], ws);
    assert.equal(p2.status, 0, p2.stderr);
    assert.match(p2.stdout, /version 2\b/);

    assert.equal((await cliA(['promote', 'first', 'production', '--note', 'v1 ok'], ws)).status, 0);
    assert.equal((await cliA(['promote', 'second', 'production', '--note', 'v2 better'], ws)).status, 0);
    const rb = await cliA(['rollback', 'second', 'production'], ws);
    assert.equal(rb.status, 0, rb.stderr + rb.stdout);
    const e = lastEntry(ws);
    assert.equal(e.type, 'rollback');
    assert.equal(e.version, '1');
    assert.equal(e.previous, '2');
    // The server agrees: the alias points at version 1.
    const res = await fetch(`${ml.url}/api/2.0/mlflow/registered-models/alias?name=house-prices&alias=production`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { model_version: { version: string } }).model_version.version, '1');

    const out = path.join(tmpDir('lineage-mlpull-'), 'm');
    const pull = await cliA(['pull', `mlflow://${host}/house-prices/1`, '--to', out], ws);
    assert.equal(pull.status, 0, pull.stderr + pull.stdout);
    assert.ok(
      fs.readdirSync(out, { recursive: true }).some((f) => String(f).endsWith('model.pkl')),
      fs.readdirSync(out).join(','),
    );
  } finally {
    await ml.close();
  }
});
