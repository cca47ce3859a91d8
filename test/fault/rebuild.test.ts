import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, queryDbFile } from '../helpers/cli';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

const EVENTS = [
  JSON.stringify({ type: 'header', schema: 1 }),
  JSON.stringify({ type: 'param', key: 'lr', value: 0.1 }),
  metricLine('loss', 1, 0, 1795756323.5),
  metricLine('loss', 0.5, 1, 1795756324.5),
  JSON.stringify({ type: 'status', status: 'finished' }),
];

function runIds(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `20260101-0000${String(i).padStart(2, '0')}-abc${String(i).padStart(3, '0')}`);
}

// Issue 11 item 6: a damaged run.json (not an object, no id, wrong types, very deep) lost the run and its points.
test('db rebuild keeps runs whose run.json is {}, [], without an id, of wrong types or 100k deep, recovered from the events', async () => {
  const ws = tmpDir('lineage-rebuild-');
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  const bodies: Record<string, string> = {
    empty: '{}',
    array: '[]',
    noId: JSON.stringify({ schema: 1, name: 'no-id', experiment: 'exp', startedAt: new Date().toISOString(), command: ['python3', 'x.py'] }),
    wrongTypes: JSON.stringify({ schema: 1, id: 42, name: ['x'], experiment: { a: 1 }, status: 7, startedAt: 5, command: 'python3', git: 'yes', python: [] }),
    deep: `{"schema":1,"name":"deep","command":${deep},"git":${deep}}`,
  };
  const ids = runIds(Object.keys(bodies).length);
  const byKind = new Map<string, string>();
  Object.entries(bodies).forEach(([kind, body], i) => {
    const dir = makeRunFolder(ws, { id: ids[i], events: EVENTS });
    fs.writeFileSync(path.join(dir, 'run.json'), body);
    byKind.set(kind, ids[i]);
  });

  const r = cli(['db', 'rebuild'], ws);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /undefined/);
  assert.match(r.stdout, /from 5 run folder/);
  const db = path.join(ws, '.lineage', 'lineage.db');
  for (const [kind, id] of byKind) {
    const [run] = await queryDbFile(db, 'SELECT id, status, warnings_count FROM runs WHERE id = ?', [id]);
    assert.ok(run, `${kind}: the run is in the index`);
    assert.equal(run.status, 'finished', `${kind}: the status comes from the events' end event`);
    const [{ n }] = await queryDbFile(db, 'SELECT sum(count) AS n FROM metric_summaries WHERE run_id = ?', [id]);
    assert.equal(n, 2, `${kind}: its points are kept`);
    const warnings = await queryDbFile(db, 'SELECT message FROM run_warnings WHERE run_id = ?', [id]);
    assert.ok(
      warnings.some((w) => /^run\.json/.test(String(w.message))),
      `${kind}: a warning says what was recovered (${JSON.stringify(warnings)})`,
    );
  }
  const show = cli(['show', byKind.get('wrongTypes')!, '--json'], ws);
  assert.equal(show.status, 0, show.stderr);
  const detail = JSON.parse(show.stdout) as { id: string; name: string; params: Record<string, unknown>; warnings: { first: Array<{ message: string }> } };
  assert.equal(detail.id, byKind.get('wrongTypes'));
  assert.equal(detail.params.lr, 0.1);
  assert.ok(detail.warnings.first.some((w) => /run\.json/.test(w.message)));
});

test("db rebuild: a run.json that claims another run's id neither renames nor drops that run", async () => {
  const ws = tmpDir('lineage-rebuild-');
  const [a, b] = runIds(2);
  makeRunFolder(ws, { id: a, name: 'real-a', events: EVENTS });
  const dirB = makeRunFolder(ws, { id: b, name: 'impostor', events: EVENTS });
  const record = JSON.parse(fs.readFileSync(path.join(dirB, 'run.json'), 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(path.join(dirB, 'run.json'), JSON.stringify({ ...record, id: a }));

  const r = cli(['db', 'rebuild'], ws);
  assert.equal(r.status, 0, r.stderr);
  const db = path.join(ws, '.lineage', 'lineage.db');
  const rows = await queryDbFile(db, 'SELECT id, name FROM runs ORDER BY id');
  assert.deepEqual(
    rows.map((x) => [x.id, x.name]),
    [
      [a, 'real-a'],
      [b, 'impostor'],
    ],
  );
  for (const id of [a, b]) {
    const [{ n }] = await queryDbFile(db, 'SELECT sum(count) AS n FROM metric_summaries WHERE run_id = ?', [id]);
    assert.equal(n, 2, `${id} keeps its points`);
  }
  const warnings = await queryDbFile(db, 'SELECT message FROM run_warnings WHERE run_id = ?', [b]);
  assert.ok(warnings.some((w) => String(w.message).includes(a) && String(w.message).includes('folder name')));
  // A second sync (ls) changes nothing: no UNIQUE error, both runs still there.
  const ls = cli(['ls', '--json'], ws);
  assert.equal(ls.status, 0, ls.stderr);
  assert.equal((JSON.parse(ls.stdout) as unknown[]).length, 2);
});
