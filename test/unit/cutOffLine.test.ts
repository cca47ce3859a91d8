import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { getRun } from '../../src/core/runs/queries';
import { isProcessAlive } from '../../src/core/util/fsx';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';
import { waitFor } from '../helpers/cli';

// Issue 11 item 10: a half-written last line left by a killed writer was silently ignored.
test('a half-written last line is waited for while the writer lives, and counted as a warning once it is killed', async () => {
  const ws = tmpDir();
  const dir = makeRunFolder(ws, { status: 'running', events: [] });
  const id = path.basename(dir);
  const events = path.join(dir, 'events.jsonl');
  // A real writer: two whole lines and half of a third, then it waits to be killed.
  const writer = spawn(
    process.execPath,
    [
      '-e',
      `const fs = require('fs'); fs.appendFileSync(${JSON.stringify(events)}, ${JSON.stringify(
        metricLine('loss', 1, 0) + '\n' + metricLine('loss', 2, 1) + '\n' + '{"type":"metric","key":"loss","val',
      )}); process.stdout.write('ready\\n'); setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  writer.stdout.on('data', (b: Buffer) => (out += b.toString()));
  await waitFor(() => out.includes('ready'), 20000, 'the writer to write');
  const rec = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...rec, pid: writer.pid, host: undefined }));

  const lw = await LineageWorkspace.open(ws);
  try {
    let r = getRun(lw.store, id);
    assert.equal(r.status, 'running');
    assert.equal(r.metrics[0].count, 2);
    assert.equal(r.warnings.count, 0, 'while the writer lives, the rest of the line may still come');

    writer.kill('SIGKILL');
    await waitFor(() => writer.exitCode !== null || writer.signalCode !== null || !isProcessAlive(writer.pid!), 20000, 'the writer to die');
    const report = await lw.sync();
    r = getRun(lw.store, id);
    assert.equal(r.status, 'killed');
    assert.equal(r.warnings.count, 1, JSON.stringify(r.warnings));
    assert.equal(r.warnings.first[0].line, 3);
    assert.match(r.warnings.first[0].message, /^cut off: "\{\\"type\\":\\"metric\\",\\"key\\":\\"loss\\",\\"val" \(/);
    assert.ok(report.changed.some((c) => c.newWarnings.some((w) => w.line === 3)));

    await lw.sync();
    await lw.sync();
    assert.equal(getRun(lw.store, id).warnings.count, 1, 'counted once, however often the folder is read');

    // If the line is completed after all, it is read and the warning goes away.
    fs.appendFileSync(events, 'ue":3,"step":2}\n');
    await lw.sync();
    r = getRun(lw.store, id);
    assert.equal(r.metrics[0].count, 3);
    assert.equal(r.warnings.count, 0);
  } finally {
    lw.close();
    if (writer.exitCode === null && writer.signalCode === null) writer.kill('SIGKILL');
  }
});

test('db rebuild of a finished run with a cut-off last line counts it', async () => {
  const ws = tmpDir();
  const dir = makeRunFolder(ws, { status: 'finished', events: [metricLine('acc', 0.5, 0)] });
  fs.appendFileSync(path.join(dir, 'events.jsonl'), '{"type":"param","key":"lr","value":0.');
  const { ws: lw } = await LineageWorkspace.rebuild(ws);
  try {
    const r = getRun(lw.store, path.basename(dir));
    assert.equal(r.status, 'finished');
    assert.equal(r.warnings.count, 1);
    assert.equal(r.warnings.first[0].line, 2);
    assert.match(r.warnings.first[0].message, /^cut off: .*lr/);
  } finally {
    lw.close();
  }
});
