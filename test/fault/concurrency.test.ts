import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, cliAsync, queryDbFile } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

function exited(child: ReturnType<typeof cliAsync>): Promise<{ code: number | null; stderr: string }> {
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

test('two CLIs recording runs at the same time: no run is lost from the saved database', async () => {
  const ws = tmpDir('lineage-conc-');
  fs.mkdirSync(path.join(ws, '.lineage'));
  fs.writeFileSync(
    path.join(ws, 'job.py'),
    'import lineage, sys, time\nfor i in range(300):\n    lineage.log_metric("loss", 1.0 / (i + 1))\n    if i % 50 == 0: time.sleep(0.01)\nlineage.log_param("worker", sys.argv[1])\n',
  );
  const rounds = 4;
  const worker = async (name: string) => {
    for (let i = 0; i < rounds; i++) {
      const r = await exited(cliAsync(['run', '--name', `${name}-${i}`, 'job.py', name], ws));
      assert.equal(r.code, 0, r.stderr);
    }
  };
  await Promise.all([worker('a'), worker('b')]);
  // The file as saved, not re-synced: both writers' runs must be in it.
  const rows = await queryDbFile(
    path.join(ws, '.lineage', 'lineage.db'),
    'SELECT r.name, s.count FROM runs r JOIN metric_summaries s ON s.run_id = r.id ORDER BY r.name',
  );
  assert.deepEqual(
    rows.map((r) => r.name),
    ['a-0', 'a-1', 'a-2', 'a-3', 'b-0', 'b-1', 'b-2', 'b-3'],
  );
  assert.ok(rows.every((r) => r.count === 300));
  assert.ok(!fs.existsSync(path.join(ws, '.lineage', 'lineage.db.lock')), 'the lock is released');
});

test('a corrupted lineage.db: the CLI says so, keeps the bad file aside and lists every run', async () => {
  const ws = tmpDir('lineage-corrupt-');
  fs.writeFileSync(path.join(ws, 'job.py'), 'import lineage\nlineage.log_metric("acc", 0.9)\n');
  for (let i = 0; i < 3; i++) assert.equal(cli(['run', 'job.py'], ws).status, 0);
  const db = path.join(ws, '.lineage', 'lineage.db');
  const bytes = fs.readFileSync(db);
  bytes.write('garbage garbage garbage', 0);
  fs.writeFileSync(db, bytes);
  const ls = cli(['ls', '--json'], ws);
  assert.equal(ls.status, 0);
  assert.match(ls.stderr, /The Lineage database was damaged .* rebuilt from the run folders; the damaged file was kept as .*lineage\.db\.corrupt-/);
  assert.equal(JSON.parse(ls.stdout).length, 3);
  assert.equal(fs.readdirSync(path.join(ws, '.lineage')).filter((f) => f.startsWith('lineage.db.corrupt-')).length, 1);
  const again = cli(['ls'], ws);
  assert.equal(again.stderr, '', 'told once, not on every command');
});

test('an events file with garbage lines: readable warnings, the rest of the run kept', async () => {
  const ws = tmpDir('lineage-garbage-');
  fs.writeFileSync(
    path.join(ws, 'job.py'),
    [
      'import lineage, os',
      'lineage.log_metric("loss", 0.5)',
      'lineage.log_param("lr", 0.1)',
      'lineage.log_metric("loss", float("nan"))',
      'lineage.log_metric("loss", 1e308 * 10)',
      'lineage._flush() if hasattr(lineage, "_flush") else None',
      'with open(os.path.join(os.environ["LINEAGE_RUN_DIR"], "events.jsonl"), "a") as f:',
      '    f.write("this is not json\\n")',
      '    f.write(\'{"type":"metric","key":"loss","value":"oops"}\\n\')',
      '    f.write(\'{"type":"artifact","path":"../../../etc/passwd"}\\n\')',
      'lineage.log_metric("loss", 0.25)',
    ].join('\n') + '\n',
  );
  const r = cli(['run', 'job.py'], ws);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /3 event line\(s\) were skipped/);
  const id = /recording run (\S+)/.exec(r.stderr)![1];
  const show = cli(['show', id], ws);
  assert.match(show.stdout, /3 event line\(s\) skipped/);
  assert.match(show.stdout, /not JSON: "this is not json"/);
  assert.match(show.stdout, /value must be a number, got the string "oops"/);
  assert.match(show.stdout, /escapes the run folder/);
  const j = JSON.parse(cli(['show', id, '--json'], ws).stdout);
  assert.equal(j.metrics.loss.count, 4);
  assert.equal(j.metrics.loss.nanCount, 1);
  assert.equal(j.metrics.loss.max, 'Infinity');
  assert.equal(j.metrics.loss.last, 0.25);
  assert.equal(j.params.lr, 0.1);
});
