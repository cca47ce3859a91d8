import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { getRun, listExplanations, runsWithExplanations } from '../../src/core/runs/queries';
import { deleteRun } from '../../src/core/runs/deleteRun';
import { parseEventLines } from '../../src/core/events/parseEvents';
import { SCHEMA_VERSION } from '../../src/core/store/schema';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';
import { writeExplanation, type ExplanationSpec } from '../helpers/explanationFixture';

const SPEC: ExplanationSpec = {
  features: ['a', 'b', 'c'],
  values: [
    [1, 2, 3],
    [4, 5, 6],
  ],
  data: [
    [0, 0, 0],
    [1, 1, 1],
  ],
  base: 10,
};

test('the explanation event: parsed with its fields, bad ones skipped with a reason', () => {
  const good = JSON.stringify({
    type: 'explanation',
    name: 'default',
    path: 'explanations/default/explanation.json',
    method: 'kernel',
    exact: false,
    rows: 2000,
    features: 4,
    additivity_error: 'NaN',
  });
  const lines = [
    good,
    '{"type":"explanation","name":"../x","path":"explanations/x/explanation.json","method":"kernel","rows":1,"features":1}',
    '{"type":"explanation","name":"x","path":"../../etc/passwd","method":"kernel","rows":1,"features":1}',
    '{"type":"explanation","name":"x","path":"explanations/x/explanation.json","method":"lime","rows":1,"features":1}',
    '{"type":"explanation","name":"x","path":"explanations/x/explanation.json","method":"kernel","rows":-1,"features":1}',
  ];
  const b = parseEventLines(lines.join('\n') + '\n', 1);
  assert.deepEqual(b.events, [
    {
      type: 'explanation',
      name: 'default',
      path: 'explanations/default/explanation.json',
      method: 'kernel',
      exact: false,
      rows: 2000,
      features: 4,
      additivity_error: null,
    },
  ]);
  assert.deepEqual(
    b.warnings.map((w) => [w.line, w.message.replace(/:.*$/, '')]),
    [
      [2, 'explanation'],
      [3, 'explanation "x"'],
      [4, 'explanation "x"'],
      [5, 'explanation "x"'],
    ],
  );
  assert.match(b.warnings[2].message, /method the string "lime" is not one this Lineage knows.*update Lineage/);
});

test('ingest indexes an explanation; a later line with the same name replaces it; delete drops it; rebuild brings it back', async () => {
  const ws = tmpDir('lineage-explain-store-');
  const dir = makeRunFolder(ws, { events: [metricLine('loss', 1, 0)] });
  const id = path.basename(dir);
  const other = path.basename(makeRunFolder(ws, { events: [metricLine('loss', 2, 0)] }));
  writeExplanation(dir, SPEC);
  let lw = await LineageWorkspace.open(ws);
  try {
    assert.deepEqual(listExplanations(lw.store, id), [
      {
        runId: id,
        name: 'default',
        path: 'explanations/default/explanation.json',
        method: 'tree_path_dependent',
        exact: true,
        rows: 2,
        features: 3,
        additivityError: 0,
      },
    ]);
    assert.deepEqual([...runsWithExplanations(lw.store)], [id]);
    assert.deepEqual(listExplanations(lw.store, other), []);

    // The script explains again under the same name (and adds another): read incrementally, one row per name.
    writeExplanation(dir, {
      ...SPEC,
      method: 'kernel',
      exact: false,
      values: [
        [1, 1, 1],
        [1, 1, 1],
      ],
    });
    writeExplanation(dir, { ...SPEC, name: 'ridge', method: 'linear_interventional' });
    await lw.sync();
    assert.deepEqual(
      listExplanations(lw.store, id).map((e) => [e.name, e.method, e.exact]),
      [
        ['default', 'kernel', false],
        ['ridge', 'linear_interventional', true],
      ],
    );
    await lw.save();
  } finally {
    lw.close();
  }

  const { ws: rebuilt } = await LineageWorkspace.rebuild(ws);
  try {
    assert.deepEqual(
      listExplanations(rebuilt.store, id).map((e) => [e.name, e.method]),
      [
        ['default', 'kernel'],
        ['ridge', 'linear_interventional'],
      ],
    );
    deleteRun(rebuilt, id, { permanent: true });
    assert.deepEqual(listExplanations(rebuilt.store, id), []);
    assert.equal(rebuilt.store.get<{ c: number }>('SELECT count(*) AS c FROM explanations')!.c, 0);
    await rebuilt.save();
  } finally {
    rebuilt.close();
  }
  lw = await LineageWorkspace.open(ws);
  assert.deepEqual([...runsWithExplanations(lw.store)], []);
  lw.close();
});

test('an event whose manifest is missing is indexed with a warning (the reader then says what is wrong)', async () => {
  const ws = tmpDir('lineage-explain-store-');
  const dir = makeRunFolder(ws);
  const { dir: exDir } = writeExplanation(dir, SPEC);
  fs.rmSync(path.join(exDir, 'explanation.json'));
  const lw = await LineageWorkspace.open(ws);
  try {
    const run = getRun(lw.store, path.basename(dir));
    assert.equal(listExplanations(lw.store, run.id).length, 1);
    assert.match(run.warnings.first.map((w) => w.message).join('\n'), /explanation "default": explanations\/default\/explanation\.json is listed but missing/);
  } finally {
    lw.close();
  }
});

test('migration 7: a v6 index that skipped explanation lines reads those runs again, once, and leaves the others alone', async () => {
  const ws = tmpDir('lineage-explain-migrate-');
  const dir = makeRunFolder(ws, { name: 'explained', events: [metricLine('loss', 1, 0), metricLine('loss', 2, 1)] });
  const id = path.basename(dir);
  writeExplanation(dir, SPEC);
  const plain = path.basename(makeRunFolder(ws, { name: 'plain', events: [metricLine('loss', 3, 0)] }));
  let lw = await LineageWorkspace.open(ws);
  // The index as schema 6 left it: no explanations table, the line skipped with the old reader's warning.
  lw.store.db.exec('DROP TABLE explanations; PRAGMA user_version = 6;');
  lw.store.run('INSERT INTO run_warnings (run_id, line, message) VALUES (?, 3, ?)', [id, 'unknown event type the string "explanation"']);
  lw.store.run('UPDATE runs SET warnings_count = 1 WHERE id = ?', [id]);
  const plainRow = lw.store.get<Record<string, unknown>>('SELECT * FROM runs WHERE id = ?', [plain]);
  lw.store.markDirty();
  await lw.save();
  lw.close();

  lw = await LineageWorkspace.open(ws);
  try {
    assert.equal(lw.store.get<{ v: number }>('SELECT user_version AS v FROM pragma_user_version')?.v, SCHEMA_VERSION);
    assert.equal(listExplanations(lw.store, id).length, 1);
    const run = getRun(lw.store, id);
    assert.equal(run.warnings.count, 0, 'the old warning went with the rows it explained');
    assert.equal(run.metrics.find((m) => m.key === 'loss')?.count, 2, 'metrics read once, not twice');
    assert.deepEqual(lw.store.get('SELECT * FROM runs WHERE id = ?', [plain]), plainRow, 'a run without such a line is not touched');
  } finally {
    lw.close();
  }
});
