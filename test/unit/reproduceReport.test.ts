import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { reportMarkdown, type ReproductionReport } from '../../src/core/reproduce/report';

test('the report says when a param is the same path, in the worktree, instead of a bare "yes" beside two different strings', () => {
  const report: ReproductionReport = {
    schema: 1,
    verdict: 'identical',
    tolerance: 1e-6,
    original: { id: '20261205-000001-aaaaaa', name: 'first' },
    reproduction: { id: '20261205-000002-bbbbbb', name: 'again', status: 'finished', exitCode: 0 },
    code: { commit: 'c'.repeat(40), diffSha256: null, diffFiles: [], reproductionCommit: 'c'.repeat(40), reproductionDiffSha256: null, identical: true },
    data: [],
    environment: {
      interpreter: { original: '/usr/bin/python3', reproduction: '/usr/bin/python3' },
      pythonVersion: { original: '3.11.2', reproduction: '3.11.2' },
      packages: [],
      variables: {},
      variableDifferences: [],
    },
    params: [
      { key: 'data', original: '/repo/data/prepared.csv', reproduction: '/tmp/lineage-reproduce-x/tree/data/prepared.csv', equal: true },
      { key: 'seed', original: 42, reproduction: 42, equal: true },
      { key: 'lr', original: 0.1, reproduction: 0.2, equal: false },
    ],
    metrics: [],
    models: [],
    problems: [],
  };
  const md = reportMarkdown(report);
  assert.match(
    md,
    /\| data \| \/repo\/data\/prepared\.csv \| \/tmp\/lineage-reproduce-x\/tree\/data\/prepared\.csv \| yes \(the same path, in the worktree\) \|/,
  );
  assert.match(md, /\| seed \| 42 \| 42 \| yes \|/);
  assert.match(md, /\| lr \| 0\.1 \| 0\.2 \| \*\*no\*\* \|/);
});
