/**
 * A second push of the same model sends only what the registry lacks. The OCI client learns a large file's
 * digest while uploading it (so it cannot HEAD it first); it remembers digests in the push's cache folder, and
 * `lineage push` removes the per-push state folder after a success, so the cache must live elsewhere.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';
import { startRegistry } from '../helpers/registry';

const BIG = 72 * 1024 * 1024; // over the client's 64 MiB first chunk, where it hashes while it uploads

test('pushing a large model again to another tag sends no file bytes the registry already holds', async () => {
  const ws = tmpDir('lineage-push-cache-');
  fs.writeFileSync(
    path.join(ws, 'make_model.py'),
    ['import lineage, os', 'with open("model.bin", "wb") as f:', `    f.write(os.urandom(${BIG}))`, 'lineage.log_model("model.bin", flavor="raw")', ''].join(
      '\n',
    ),
  );
  const run = cli(['run', '--name', 'big', 'make_model.py'], ws);
  assert.equal(run.status, 0, run.stderr);
  const reg = await startRegistry();
  try {
    const host = `127.0.0.1:${reg.port}`;
    const first = cli(['push', 'big', '--to', `oci://${host}/models/big:v1`, '--plain-http'], ws);
    assert.equal(first.status, 0, first.stderr);
    const second = cli(['push', 'big', '--to', `oci://${host}/models/big:v2`, '--plain-http'], ws);
    assert.equal(second.status, 0, second.stderr);
    const lines = fs.readFileSync(path.join(ws, '.lineage/registry/history.jsonl'), 'utf8').trim().split('\n');
    const entries = lines.map((l) => JSON.parse(l) as { bytesSent: number; bytesSkipped: number });
    assert.ok(entries[0].bytesSent >= BIG, `the first push sent the file (${entries[0].bytesSent} bytes)`);
    assert.ok(entries[1].bytesSent < 1024 * 1024, `the second push re-sent ${entries[1].bytesSent} bytes`);
    assert.ok(entries[1].bytesSkipped >= BIG, `the second push skipped ${entries[1].bytesSkipped} bytes`);
  } finally {
    await reg.stop();
  }
});
