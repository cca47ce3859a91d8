/** The registry code above the clients: references, configuration, credentials, history, alias holders, the model card. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseReference, formatReference } from '../../src/core/registry/reference';
import { RegistryUsageError } from '../../src/core/registry/referenceError';
import { mergeRegistries, readConfigRegistries, validateRegistry } from '../../src/core/registry/config';
import { credentialsFromEnv, envPrefix } from '../../src/core/registry/credentials';
import { appendHistory, historyFile, historyNotice, readHistory, type HistoryEntry } from '../../src/core/registry/history';
import { aliasHolders, promotionFlags } from '../../src/core/registry/promote';
import { modelCard } from '../../src/core/registry/modelCard';
import { mdCode, mdText } from '../../src/core/registry/markdown';
import { chooseModel } from '../../src/core/registry/modelFiles';
import { lineagePaths } from '../../src/core/util/lineagePaths';
import { LineageWorkspace } from '../../src/core/workspace';
import { makeRunFolder, tmpDir } from '../helpers/tmp';
import type { RegistryTarget } from '../../src/core/registry/types';

const usage = (f: () => unknown, re: RegExp) => assert.throws(f, (e: Error) => e instanceof RegistryUsageError && re.test(e.message), re.source);

test('references: oci with port, plain http, digests; mlflow with alias, version and TLS; configured names', () => {
  const a = parseReference('oci://localhost:5000/models/house:v1');
  assert.deepEqual(a.target, { kind: 'oci', url: 'https://localhost:5000', repository: 'models/house', tag: 'v1' });
  assert.equal(a.registry.name, 'localhost:5000');
  assert.equal(parseReference('oci://127.0.0.1:5000/house:v1', { plainHttp: true }).target.url, 'http://127.0.0.1:5000');
  const d = parseReference(`oci://r.example.com/a/b@sha256:${'ab'.repeat(32)}`);
  assert.equal(d.pinned, `sha256:${'ab'.repeat(32)}`);
  assert.equal(formatReference(d.target), `oci://r.example.com/a/b@sha256:${'ab'.repeat(32)}`);
  assert.equal(formatReference(a.target), 'oci://localhost:5000/models/house:v1');

  const m = parseReference('mlflow://localhost:5001/house-prices@staging');
  assert.deepEqual(m.target, { kind: 'mlflow', url: 'http://localhost:5001', modelName: 'house-prices', alias: 'staging' });
  assert.equal(parseReference('mlflow+https://ml.example.com/house').target.url, 'https://ml.example.com');
  const v = parseReference('mlflow://h/house%20prices/3');
  assert.equal(v.pinned, '3');
  assert.equal(v.target.kind === 'mlflow' && v.target.modelName, 'house prices');
  assert.equal(formatReference(v.target, '3'), 'mlflow://h/house%20prices/3');

  const registries = [{ name: 'team', kind: 'oci' as const, url: 'https://reg.example.com' }];
  const c = parseReference('team/models/house:prod', { registries });
  assert.deepEqual(c.target, { kind: 'oci', url: 'https://reg.example.com', repository: 'models/house', tag: 'prod' });
  assert.equal(c.registry, registries[0]);

  usage(() => parseReference('oci://localhost:5000/models/house'), /add a tag/);
  usage(() => parseReference('oci://localhost:5000/Models/House:v1'), /not a valid repository name/);
  usage(() => parseReference('oci://localhost:5000/house:-bad'), /not a valid tag/);
  usage(() => parseReference('oci://user:pw@host/house:v1'), /credentials come from the environment/);
  usage(() => parseReference('https://host/house:v1'), /say which kind of registry/);
  usage(() => parseReference('s3://bucket/x'), /unknown scheme/);
  usage(() => parseReference('oci://host:99999/a:b'), /port 99999 is out of range/);
  usage(() => parseReference('other/house:v1', { registries }), /"other" is not a configured registry \(configured: team\)/);
  usage(() => parseReference('house:v1'), /none are configured/);
  usage(() => parseReference('mlflow://h/m@v3'), /reserves aliases like "v3"/);
  usage(() => parseReference(''), /give a reference/);
});

test('configuration: registries from .lineage/config.json, secret-looking keys refused with where secrets go, settings win by name', () => {
  const ws = tmpDir('lineage-regcfg-');
  const root = path.join(ws, '.lineage');
  fs.mkdirSync(root);
  assert.deepEqual(readConfigRegistries(root), []);
  fs.writeFileSync(
    path.join(root, 'config.json'),
    JSON.stringify({ other: 1, registries: [{ name: 'local', kind: 'oci', url: 'http://127.0.0.1:5000/', caFile: 'certs/ca.pem' }] }),
  );
  const [r] = readConfigRegistries(root);
  assert.deepEqual(r, { name: 'local', kind: 'oci', url: 'http://127.0.0.1:5000', caFile: path.join(ws, 'certs/ca.pem') });
  for (const key of ['password', 'token', 'apiKey', 'secret', 'auth', 'credentials']) {
    fs.writeFileSync(path.join(root, 'config.json'), JSON.stringify({ registries: [{ name: 'x', kind: 'oci', url: 'https://h', [key]: 'hunter2' }] }));
    assert.throws(
      () => readConfigRegistries(root),
      (e: Error) => /looks like a secret/.test(e.message) && /LINEAGE_REGISTRY_<NAME>_TOKEN/.test(e.message) && !e.message.includes('hunter2'),
      key,
    );
  }
  usage(() => validateRegistry({ name: 'x', kind: 'oci', url: 'https://u:p@h' }, 'settings'), /no user name or password/);
  usage(() => validateRegistry({ name: 'x', kind: 'docker', url: 'https://h' }, 'settings'), /"kind" is "oci" or "mlflow"/);
  usage(() => validateRegistry({ name: 'a b', kind: 'oci', url: 'https://h' }, 'settings'), /"name" must be/);
  usage(() => validateRegistry({ name: 'x', kind: 'oci', url: 'ftp://h' }, 'settings'), /must start with https/);
  fs.writeFileSync(
    path.join(root, 'config.json'),
    JSON.stringify({
      registries: [
        { name: 'a', kind: 'oci', url: 'https://a' },
        { name: 'a', kind: 'oci', url: 'https://b' },
      ],
    }),
  );
  usage(() => readConfigRegistries(root), /two registries are named "a"/);
  fs.writeFileSync(path.join(root, 'config.json'), '{ broken');
  usage(() => readConfigRegistries(root), /not valid JSON/);
  const merged = mergeRegistries(
    [
      { name: 'a', kind: 'oci', url: 'https://file' },
      { name: 'b', kind: 'oci', url: 'https://b' },
    ],
    [{ name: 'a', kind: 'oci', url: 'https://settings' }],
  );
  assert.deepEqual(
    merged.map((x) => x.url),
    ['https://settings', 'https://b'],
  );
});

test('credentials: LINEAGE_REGISTRY_<NAME>_* first, then MLFLOW_TRACKING_* for MLflow; the source names variables, never values', () => {
  assert.equal(envPrefix('team-reg.1'), 'LINEAGE_REGISTRY_TEAM_REG_1_');
  assert.equal(envPrefix('127.0.0.1:5000'), 'LINEAGE_REGISTRY_127_0_0_1_5000_');
  const env = { LINEAGE_REGISTRY_TEAM_TOKEN: 'tok', MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' };
  assert.deepEqual(credentialsFromEnv({ name: 'team', kind: 'oci' }, env), { credentials: { token: 'tok' }, source: 'LINEAGE_REGISTRY_TEAM_TOKEN' });
  assert.deepEqual(credentialsFromEnv({ name: 'other', kind: 'oci' }, env), {});
  const ml = credentialsFromEnv({ name: 'ml', kind: 'mlflow' }, env);
  assert.deepEqual(ml.credentials, { username: 'u', password: 'p' });
  assert.doesNotMatch(ml.source!, /\bu\b|\bp\b/);
});

const target: RegistryTarget = { kind: 'oci', url: 'http://127.0.0.1:5000', repository: 'models/house', tag: 'v1' };
const base = { registry: { name: 'local', kind: 'oci' as const, url: 'http://127.0.0.1:5000' }, target, reference: 'oci://127.0.0.1:5000/models/house:v1' };

test('history: whole lines appended, a torn last line left out and said, and the next entry still readable after it', () => {
  const paths = lineagePaths(tmpDir('lineage-hist-'));
  assert.deepEqual(readHistory(paths), { entries: [], tornLastLine: false, badLines: [] });
  appendHistory(paths, { ...base, type: 'push', runId: 'r1', digest: 'sha256:1' });
  appendHistory(paths, { ...base, type: 'promote', runId: 'r1', digest: 'sha256:1', alias: 'production', note: 'first' });
  const file = historyFile(paths);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.length, 3, 'one line each, newline-terminated');
  for (const l of lines.slice(0, 2)) {
    const e = JSON.parse(l) as HistoryEntry;
    assert.equal(typeof e.runId, 'string');
    assert.match(e.at, /^\d{4}-\d\d-\d\dT/);
    assert.ok(e.by);
  }
  // A crash mid-write: half a line at the end.
  fs.appendFileSync(file, '{"type":"promote","runId":"r2","at":"2026');
  const torn = readHistory(paths);
  assert.equal(torn.entries.length, 2);
  assert.equal(torn.tornLastLine, true);
  assert.match(historyNotice(torn)!, /last line was cut short/);
  appendHistory(paths, { ...base, type: 'push', runId: 'r3', digest: 'sha256:3' });
  const after = readHistory(paths);
  assert.deepEqual(
    after.entries.map((e) => e.runId),
    ['r1', 'r1', 'r3'],
  );
  assert.equal(after.tornLastLine, false);
  assert.deepEqual(after.badLines, [3]);
  assert.match(historyNotice(after)!, /line 3 could not be read/);
});

test('alias holders: promotions stack, a rollback restores the one below, repeated rollbacks walk back', () => {
  const e = (type: HistoryEntry['type'], digest: string, alias = 'production'): HistoryEntry => ({ ...base, type, runId: 'r', at: '', by: 'u', digest, alias });
  const other: HistoryEntry = { ...e('promote', 'sha256:X'), target: { ...target, repository: 'models/other' } };
  assert.deepEqual(aliasHolders([e('promote', 'A'), e('promote', 'B')], target, 'production'), ['A', 'B']);
  assert.deepEqual(aliasHolders([e('promote', 'A'), e('promote', 'B'), e('rollback', 'A')], target, 'production'), ['A']);
  assert.deepEqual(aliasHolders([e('promote', 'A'), e('promote', 'B'), e('promote', 'C'), e('rollback', 'B')], target, 'production'), ['A', 'B']);
  assert.deepEqual(aliasHolders([e('promote', 'A'), e('promote', 'A'), e('promote', 'S', 'staging'), other], target, 'production'), ['A']);
  // The tag a model was pushed under is not a promotion of another model's alias.
  assert.deepEqual(aliasHolders([e('push', 'A'), e('promote', 'B')], target, 'production'), ['B']);
});

test('model card: sections, tables and the lineage; hostile run names, params and paths cannot become markup', async () => {
  const ws = tmpDir('lineage-card-');
  const id = '20260101-000001-abcdef';
  const hostile = '<script>alert(1)</script> | **bold** [x](javascript:alert(1))\n# heading';
  const dir = makeRunFolder(ws, {
    id,
    name: hostile,
    events: [
      '{"type":"header","schema":1}',
      JSON.stringify({ type: 'param', key: 'lr|`x`', value: 'a|b`c' }),
      JSON.stringify({ type: 'param', key: 'n_estimators', value: 40 }),
      '{"type":"metric","key":"rmse","value":1.25,"step":1}',
      '{"type":"model","path":"artifacts/model.pkl","flavor":"sklearn"}',
      JSON.stringify({ type: 'dataset', path: 'data/a|b.csv', role: 'train' }),
    ],
  });
  fs.writeFileSync(path.join(dir, 'artifacts', 'model.pkl'), 'pickle bytes');
  const lw = await LineageWorkspace.open(ws);
  try {
    const entries: HistoryEntry[] = [
      { ...base, type: 'push', runId: id, at: '2026-01-02T00:00:00Z', by: 'ana', digest: 'sha256:aaa' },
      {
        ...base,
        type: 'promote',
        runId: id,
        at: '2026-01-03T00:00:00Z',
        by: 'ana',
        digest: 'sha256:aaa',
        alias: 'production',
        note: 'ok <img src=x>',
        flags: [{ code: 'no-git', message: 'not in git' }],
      },
      { ...base, type: 'push', runId: 'someone-else', at: '2026-01-02T00:00:00Z', by: 'bo', digest: 'sha256:bbb' },
    ];
    const md = await modelCard(lw.store, lw.paths, id, entries, new Date('2026-02-01T00:00:00Z'));
    for (const h of [
      '# Model card:',
      '## Intended use',
      '## Model',
      '## Lineage',
      '### Code',
      '### Data',
      '### Parameters',
      '### Metrics (final values)',
      '### Environment',
      '## Pushes',
      '## Promotions and rollbacks',
    ])
      assert.ok(md.includes(`\n${h}`) || md.startsWith(h), h);
    assert.match(md, /✎ _To be written by the model’s owner\._/);
    assert.doesNotMatch(md, /<script>|<img/);
    assert.match(md, /&lt;script&gt;/);
    assert.doesNotMatch(md, /\n# heading/, 'a newline in a name cannot start a heading');
    assert.doesNotMatch(md, /[^\\]\[x\]\(javascript/, 'no live link');
    // Every table row has as many cells as its header: a | in a value cannot add a column.
    const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    for (const block of md.split('\n\n')) {
      const rows = block.split('\n').filter((l) => l.startsWith('| '));
      if (rows.length) for (const r of rows) assert.equal(cells(r), cells(rows[0]), r);
    }
    assert.match(md, /sha256:aaa/);
    assert.doesNotMatch(md, /sha256:bbb/, "another run's push is not on this card");
    assert.match(md, /\| `production` \|/);
    assert.match(md, /not in git/);
    assert.match(md, /not recorded in a git repository/);
    assert.match(md, /`n_estimators` \| `40`/);
    assert.match(md, /`rmse` \| 1\.25/);
    assert.match(md, /`data\/a\\\|b\.csv`/);

    // No git, and data never fingerprinted (not a change): one flag.
    assert.deepEqual(
      (await promotionFlags(lw.store, lw.paths, id)).map((f) => f.code),
      ['no-git'],
    );
    assert.deepEqual(
      (await promotionFlags(lw.store, lw.paths, '')).map((f) => f.code),
      ['not-from-here'],
    );
    const chosen = chooseModel(lw.store, lw.paths, id);
    assert.deepEqual(
      chosen.files.map((f) => f.path),
      ['model.pkl'],
    );
    assert.equal(chosen.flavor, 'sklearn');
  } finally {
    lw.close();
  }
  assert.equal(mdText('1. item'), '1\\. item');
  // Only a number that would start an ordered list is escaped: a version stays as people write it.
  assert.equal(mdText('1.'), '1\\.');
  assert.equal(mdText('3.11.2'), '3.11.2');
  assert.equal(mdCode('a`b'), '``a`b``');
});

test('model files: a folder becomes relative paths, links are refused, an unknown --model is named', async () => {
  const ws = tmpDir('lineage-modelfiles-');
  const id = '20260101-000002-abcdef';
  const dir = makeRunFolder(ws, { id, events: ['{"type":"header","schema":1}', '{"type":"model","path":"artifacts/model","flavor":"sklearn"}'] });
  fs.mkdirSync(path.join(dir, 'artifacts', 'model', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'artifacts', 'model', 'MLmodel'), 'x');
  fs.writeFileSync(path.join(dir, 'artifacts', 'model', 'sub', 'w.bin'), 'yy');
  const lw = await LineageWorkspace.open(ws);
  try {
    const c = chooseModel(lw.store, lw.paths, id);
    assert.deepEqual(
      c.files.map((f) => [f.path, f.size]),
      [
        ['MLmodel', 1],
        ['sub/w.bin', 2],
      ],
    );
    assert.equal(c.bytes, 3);
    fs.symlinkSync('/etc/passwd', path.join(dir, 'artifacts', 'model', 'leak'));
    usage(() => chooseModel(lw.store, lw.paths, id), /symbolic link/);
    usage(() => chooseModel(lw.store, lw.paths, id, 'nope.pkl'), /--model nope\.pkl: no such file/);
  } finally {
    lw.close();
  }
});
