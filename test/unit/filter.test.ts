import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineageWorkspace } from '../../src/core/workspace';
import { parseFilter, describeFilter, filterRuns, filterQuery, FilterSyntaxError, FilterExpr } from '../../src/core/runs/filter';
import { timeValue } from '../../src/core/runs/filterParser';
import { makeRunFolder, metricLine, tmpDir } from '../helpers/tmp';

// ---------------------------------------------------------------------------------------------------------
// Parser

const cmp = (field: string, op: string, value: unknown): FilterExpr => {
  const f = parseFilter(`${field} exists`) as Extract<FilterExpr, { kind: 'exists' }>;
  return { kind: 'compare', field: f.field, op, value } as FilterExpr;
};
const num = (value: number, text = String(value)) => ({ type: 'number', value, text });
const str = (value: string) => ({ type: 'string', value });

function syntaxError(text: string): FilterSyntaxError {
  try {
    parseFilter(text);
  } catch (err) {
    assert.ok(err instanceof FilterSyntaxError, `expected a FilterSyntaxError for ${text}, got ${err}`);
    return err;
  }
  assert.fail(`"${text}" parsed, but should not have`);
}

test('fields: params, tags, metrics with aggregates, run attributes, key characters and backquotes', () => {
  const field = (t: string) => (parseFilter(`${t} exists`) as Extract<FilterExpr, { kind: 'exists' }>).field;
  assert.deepEqual(field('params.lr'), { kind: 'param', key: 'lr' });
  assert.deepEqual(field('params.opt/lr-decay.v2_x'), { kind: 'param', key: 'opt/lr-decay.v2_x' });
  assert.deepEqual(field('params.`my key`'), { kind: 'param', key: 'my key' });
  assert.deepEqual(field('params.`a\\`b\\\\c`'), { kind: 'param', key: 'a`b\\c' });
  assert.deepEqual(field('tags.note'), { kind: 'tag', key: 'note' });
  assert.deepEqual(field('metrics.val_rmse'), { kind: 'metric', key: 'val_rmse', agg: 'last' });
  for (const agg of ['min', 'max', 'first', 'last', 'count']) assert.deepEqual(field(`metrics.val/rmse.${agg}`), { kind: 'metric', key: 'val/rmse', agg });
  assert.deepEqual(field('metrics.a.b'), { kind: 'metric', key: 'a.b', agg: 'last' }, 'a dotted key that is no aggregate');
  assert.deepEqual(field('metrics.`acc.min`'), { kind: 'metric', key: 'acc.min', agg: 'last' });
  assert.deepEqual(field('metrics.`acc.min`.max'), { kind: 'metric', key: 'acc.min', agg: 'max' });
  for (const a of ['name', 'status', 'experiment', 'id', 'duration', 'started', 'git.branch', 'git.commit'])
    assert.deepEqual(field(a), { kind: 'attr', name: a });
  assert.deepEqual(field('Params.lr'), { kind: 'param', key: 'lr' }, 'prefixes are case-insensitive');
});

test('operators, values and quoting', () => {
  assert.deepEqual(parseFilter('params.a = 1'), cmp('params.a', '=', num(1)));
  assert.deepEqual(parseFilter('params.a == 1'), cmp('params.a', '=', num(1)));
  for (const op of ['!=', '<', '<=', '>', '>=', '~', '!~']) assert.deepEqual(parseFilter(`params.a${op}"x"`), cmp('params.a', op, str('x')), op);
  assert.deepEqual(parseFilter('metrics.lr < 1e-3'), cmp('metrics.lr', '<', num(0.001, '1e-3')));
  assert.deepEqual(parseFilter('metrics.lr >= -2.5'), cmp('metrics.lr', '>=', num(-2.5, '-2.5')));
  assert.deepEqual(parseFilter('metrics.lr>-.5'), cmp('metrics.lr', '>', num(-0.5, '-.5')));
  assert.deepEqual(parseFilter('metrics.lr = 1E+21'), cmp('metrics.lr', '=', num(1e21, '1E+21')));
  assert.deepEqual(parseFilter('metrics.loss = inf'), cmp('metrics.loss', '=', num(Infinity, 'inf')));
  assert.deepEqual(parseFilter('metrics.loss = -Infinity'), cmp('metrics.loss', '=', num(-Infinity, '-infinity')));
  assert.deepEqual(parseFilter('status = failed'), cmp('status', '=', str('failed')));
  assert.deepEqual(parseFilter('git.commit = 3f2a91c'), cmp('git.commit', '=', str('3f2a91c')));
  assert.deepEqual(parseFilter('params.v = 1.2.3'), cmp('params.v', '=', str('1.2.3')));
  assert.deepEqual(parseFilter('params.a = TRUE'), cmp('params.a', '=', { type: 'boolean', value: true }));
  assert.deepEqual(parseFilter('params.a = false'), cmp('params.a', '=', { type: 'boolean', value: false }));
  assert.deepEqual(parseFilter('params.a = "true"'), cmp('params.a', '=', str('true')), 'quoted: text');
  assert.deepEqual(parseFilter('params.a = "3"'), cmp('params.a', '=', str('3')), 'quoted: text');
  assert.deepEqual(parseFilter(String.raw`tags.n = "say \"hi\"\n\tand \\ \u00e9"`), cmp('tags.n', '=', str('say "hi"\n\tand \\ é')));
  assert.deepEqual(parseFilter(String.raw`tags.n = 'it\'s "fine"'`), cmp('tags.n', '=', str(`it's "fine"`)));
  assert.deepEqual(parseFilter('tags.n = "and"'), cmp('tags.n', '=', str('and')));
  assert.deepEqual(parseFilter('params.model in ("a", \'b\', 3, c)'), {
    kind: 'in',
    field: { kind: 'param', key: 'model' },
    values: [str('a'), str('b'), num(3), str('c')],
    negated: false,
  });
  assert.deepEqual(parseFilter('params.model NOT IN (a)'), { kind: 'in', field: { kind: 'param', key: 'model' }, values: [str('a')], negated: true });
  assert.deepEqual(parseFilter('metrics.val_r2 exists'), { kind: 'exists', field: { kind: 'metric', key: 'val_r2', agg: 'last' }, negated: false });
  assert.deepEqual(parseFilter('metrics.val_r2 Not Exists'), { kind: 'exists', field: { kind: 'metric', key: 'val_r2', agg: 'last' }, negated: true });
  assert.deepEqual(parseFilter('  \n '), { kind: 'all' }, 'the empty filter');
});

test('precedence: not > and > or; parentheses; keyword and symbol forms', () => {
  const a = cmp('params.a', '=', num(1));
  const b = cmp('params.b', '=', num(2));
  const c = cmp('params.c', '=', num(3));
  const d = cmp('params.d', '=', num(4));
  assert.deepEqual(parseFilter('params.a = 1 or params.b = 2 and not params.c = 3'), {
    kind: 'or',
    items: [a, { kind: 'and', items: [b, { kind: 'not', expr: c }] }],
  });
  assert.deepEqual(parseFilter('params.a = 1 || params.b = 2 && !params.c = 3'), parseFilter('params.a = 1 OR params.b = 2 AND NOT params.c = 3'));
  assert.deepEqual(parseFilter('(params.a = 1 or params.b = 2) and params.c = 3'), {
    kind: 'and',
    items: [{ kind: 'or', items: [a, b] }, c],
  });
  assert.deepEqual(parseFilter('not (params.a = 1 and params.b = 2)'), { kind: 'not', expr: { kind: 'and', items: [a, b] } });
  assert.deepEqual(parseFilter('params.a = 1 and params.b = 2 and (params.c = 3 and params.d = 4)'), { kind: 'and', items: [a, b, c, d] }, 'flattened');
  assert.deepEqual(parseFilter('((params.a=1))'), a);
  assert.deepEqual(parseFilter('!!params.a = 1'), { kind: 'not', expr: { kind: 'not', expr: a } });
  assert.deepEqual(parseFilter('params.a != 1'), cmp('params.a', '!=', num(1)), '"!=" is not "not"');
  // "or"/"and" inside a word are not keywords
  assert.deepEqual(parseFilter('params.color = orange'), cmp('params.color', '=', str('orange')));
  assert.deepEqual(parseFilter('params.order = 1'), cmp('params.order', '=', num(1)));
});

test('syntax errors: position, length, "expected …" message with the column, and pretty()', () => {
  let e = syntaxError('metrics.val_rmse < and params.x = 1');
  assert.equal(e.position, 19);
  assert.equal(e.length, 3);
  assert.match(e.message, /^expected a value after "<" at column 20\b/);
  assert.equal(e.pretty(), 'metrics.val_rmse < and params.x = 1\n                   ^^^');

  e = syntaxError('params.model = "gbr" and metrics.x <');
  assert.equal(e.position, 36);
  assert.equal(e.message, 'expected a value after "<" at column 37');
  assert.equal(e.pretty(), 'params.model = "gbr" and metrics.x <\n                                    ^');

  e = syntaxError('metric.val_rmse < 3');
  assert.equal(e.position, 0);
  assert.equal(e.length, 'metric.val_rmse'.length);
  assert.equal(e.message, 'unknown field "metric.val_rmse" at column 1 — did you mean metrics.val_rmse?');
  assert.equal(e.suggestion, 'metrics.val_rmse');
  assert.equal(e.pretty(), 'metric.val_rmse < 3\n^^^^^^^^^^^^^^^');
  assert.equal(syntaxError('status = x and param.lr = 1').suggestion, 'params.lr');
  assert.equal(syntaxError('tag.note ~ a').suggestion, 'tags.note');
  assert.equal(syntaxError('metircs.a > 1').suggestion, 'metrics.a');
  assert.equal(syntaxError('stauts = failed').suggestion, 'status');
  assert.equal(syntaxError('git.brnch = main').suggestion, 'git.branch');
  assert.equal(syntaxError('branch = main').suggestion, 'git.branch');
  e = syntaxError('val_rmse < 3');
  assert.match(e.message, /^unknown field "val_rmse" at column 1; fields are params\.<key>, metrics\.<key>/);

  e = syntaxError('params.x 3');
  assert.equal(e.position, 9);
  assert.match(e.message, /^expected an operator \(=, !=, <, <=, >, >=, ~, !~, in, not in, exists or not exists\) after "params\.x" at column 10$/);

  e = syntaxError('tags.note = "unfinished and x');
  assert.equal(e.position, 12);
  assert.equal(e.length, 17);
  assert.equal(e.message, 'unterminated string at column 13: expected a closing "');

  e = syntaxError('(params.a = 1 or params.b = 2');
  assert.equal(e.position, 29);
  assert.equal(e.message, 'expected ")" at column 30 to close the "(" from column 1');
  e = syntaxError('(params.a = 1 params.b = 2)');
  assert.equal(e.position, 14);
  assert.equal(e.message, 'expected "and", "or" or ")" after "1" at column 15 (to close the "(" from column 1)');

  e = syntaxError('params.a = 1 params.b = 2');
  assert.equal(e.position, 13);
  assert.equal(e.length, 8);
  assert.equal(e.message, 'expected "and", "or" or the end of the filter after "1" at column 14');

  e = syntaxError('params.a = 1 and');
  assert.equal(e.position, 16);
  assert.match(e.message, /^expected a condition such as metrics\.val_rmse < 30000 after "and" at column 17$/);

  e = syntaxError('params.a = 1)');
  assert.equal(e.position, 12);
  assert.equal(e.message, 'unmatched ")" at column 13');

  e = syntaxError('params.model in "a"');
  assert.equal(e.position, 16);
  assert.match(e.message, /^expected "\(" after "in" at column 17/);

  e = syntaxError('params.model in ("a" "b")');
  assert.equal(e.position, 21);
  assert.match(e.message, /^expected "," or "\)" after "\\"a\\"" in the list at column 22$/);

  e = syntaxError('started > yesterday');
  assert.equal(e.position, 10);
  assert.equal(e.length, 9);
  assert.match(e.message, /^expected a date\/time such as 2026-01-31 or 2026-01-31T14:30 for "started" at column 11/);

  e = syntaxError('duration > forever');
  assert.match(e.message, /^expected a duration in seconds \(or 90s, 5m, 1\.5h, 2d\) for "duration" at column 12/);

  e = syntaxError('params.`never closed = 1');
  assert.equal(e.position, 7);
  assert.equal(e.message, 'unterminated key at column 8: expected a closing `');

  e = syntaxError('params. = 1');
  assert.match(e.message, /^expected a key after "params\." at column 8/);

  e = syntaxError('params.x = `y`');
  assert.match(e.message, /^backquotes are for keys/);

  e = syntaxError('"gbr" = params.model');
  assert.match(e.message, /^expected a field at column 1: a condition starts with the field/);

  // The caret goes under the right line, keeping tabs, in a multi-line filter.
  e = syntaxError('params.a = 1 and\n\tmetrics.x ! 3');
  assert.equal(e.pretty(), '\tmetrics.x ! 3\n\t          ^');

  // Deep nesting is refused, not a stack overflow.
  e = syntaxError('('.repeat(500) + 'params.a = 1' + ')'.repeat(500));
  assert.match(e.message, /nests more than 100 levels/);
});

test('describeFilter: canonical text that parses back to the same filter', () => {
  const cases: Array<[string, string]> = [
    [
      'METRICS.val_rmse<30000 AND (params.model="gbr" || tags.note~\'baseline\')',
      'metrics.val_rmse < 30000 and (params.model = "gbr" or tags.note ~ "baseline")',
    ],
    ['!(params.a == 1 && params.b = x) or status = failed', 'not (params.a = 1 and params.b = "x") or status = "failed"'],
    ['params.a=1 or (params.b=2 or params.c=3)', 'params.a = 1 or params.b = 2 or params.c = 3'],
    ['(params.a=1 and params.b=2) or params.c=3', 'params.a = 1 and params.b = 2 or params.c = 3'],
    ['not not params.a = 1E-3', 'not not params.a = 1E-3'],
    ['metrics.`acc.min` >= -INF and metrics.acc.max exists', 'metrics.`acc.min` >= -inf and metrics.acc.max exists'],
    ['metrics.x < +Infinity', 'metrics.x < +infinity'],
    ['params.`my key` in (a, "b c", 3, true) and params.x NOT IN (1)', 'params.`my key` in ("a", "b c", 3, true) and params.x not in (1)'],
    ['tags.`a\\`b` !~ "q\\"uote" and git.branch not exists', 'tags.`a\\`b` !~ "q\\"uote" and git.branch not exists'],
    ['metrics.loss.last < 1', 'metrics.loss < 1'],
    ['', ''],
  ];
  for (const [input, canonical] of cases) {
    const e = parseFilter(input);
    assert.equal(describeFilter(e), canonical);
    assert.deepEqual(parseFilter(canonical), e, `round trip of ${canonical}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// filterRuns against a real index

interface RunSpec {
  name: string;
  experiment?: string;
  status?: string;
  params?: Record<string, unknown>;
  tags?: Record<string, string>;
  metrics?: Record<string, Array<number | string>>;
  git?: { commit: string; branch: string };
  durationS?: number;
  running?: boolean;
}

const HOUR = 3600_000;
/** Run i starts i hours after BASE, so ids and start times both order the runs. */
const BASE = Date.UTC(2026, 0, 10, 8, 0, 0);

function runId(i: number): string {
  const d = new Date(BASE + i * HOUR);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}0000-${String(i).padStart(6, 'a')}`;
}

function writeRun(ws: string, i: number, spec: RunSpec): string {
  const id = runId(i);
  const events: string[] = [];
  for (const [key, value] of Object.entries(spec.params ?? {})) events.push(JSON.stringify({ type: 'param', key, value }));
  for (const [key, value] of Object.entries(spec.tags ?? {})) events.push(JSON.stringify({ type: 'tag', key, value }));
  for (const [key, values] of Object.entries(spec.metrics ?? {})) values.forEach((v, step) => events.push(metricLine(key, v, step)));
  const dir = makeRunFolder(ws, {
    id,
    name: spec.name,
    experiment: spec.experiment ?? 'house',
    status: spec.running ? 'running' : (spec.status ?? 'finished'),
    events,
  });
  const runJson = path.join(dir, 'run.json');
  const record = JSON.parse(fs.readFileSync(runJson, 'utf8'));
  record.startedAt = new Date(BASE + i * HOUR).toISOString();
  if (spec.running) delete record.endedAt;
  else record.endedAt = new Date(BASE + i * HOUR + (spec.durationS ?? 60) * 1000).toISOString();
  if (spec.git) record.git = { ...spec.git, dirty: false };
  if (spec.running) record.pid = process.pid; // alive, so the index keeps it "running"
  fs.writeFileSync(runJson, JSON.stringify(record));
  return id;
}

const RUNS: RunSpec[] = [
  /* 1 */ {
    name: 'gbr-base',
    params: { model: 'gbr', lr: 0.05, n_estimators: 200, max_depth: '3' },
    tags: { note: 'Baseline run' },
    metrics: { val_rmse: [50000, 28000], val_r2: [0.9] },
    git: { commit: '3f2a91c0d4e1', branch: 'main' },
  },
  /* 2 */ {
    name: 'rf-1',
    params: { model: 'rf', lr: '0.1' },
    tags: { note: 'tuned from the baseline' },
    metrics: { val_rmse: [29000] },
    git: { commit: 'aa11bb22cc33', branch: 'feature/rf' },
  },
  /* 3 */ { name: 'gbr-2', status: 'failed', params: { model: 'gbr', lr: '0.050' }, tags: { note: 'BASELINE v2' }, metrics: { val_rmse: [40000, 35000] } },
  /* 4 */ { name: 'nan-run', params: { model: 'gbr', lr: 0.01 }, metrics: { val_rmse: [31000, 'NaN'] } },
  /* 5 */ { name: 'inf-run', params: { lr: 0.2 }, metrics: { val_rmse: [20000, 'Infinity'] } },
  /* 6 */ { name: 'neg-inf', params: { model: 'rf' }, metrics: { val_rmse: ['-Infinity'] } },
  /* 7 */ { name: 'linear', experiment: 'other', status: 'killed', params: { model: 'linear' } },
  /* 8 */ { name: 'bools', params: { early_stop: true, model: null }, tags: { 'my key': 'x' } },
  /* 9 */ {
    name: 'weird-keys',
    params: { 'opt/lr.decay': 0.9, 'a b': 'c' },
    metrics: { 'acc.min': [0.5], acc: [0.1, 0.7, 0.4] },
  },
  /* 10 */ { name: 'text-num', params: { seed: '42', version: '1.10' }, tags: { epoch: '7' } },
  /* 11 */ { name: 'still-running', running: true },
  /* 12 */ { name: 'long', experiment: 'other', durationS: 7200 },
];

test('filterRuns returns the exact runs, newest first', async () => {
  const ws = tmpDir();
  const ids = RUNS.map((spec, k) => writeRun(ws, k + 1, spec));
  const lw = await LineageWorkspace.open(ws);
  try {
    const store = lw.store;
    const r = (...ns: number[]) => ns.map((n) => ids[n - 1]);
    const check = (filter: string, expected: string[], opts?: Parameters<typeof filterRuns>[2]) =>
      assert.deepEqual(filterRuns(store, filter, opts), expected, filter);
    assert.equal(store.get<{ s: string }>('SELECT status AS s FROM runs WHERE id = ?', [ids[10]])!.s, 'running');

    // The example from the docs.
    check('metrics.val_rmse < 30000 and (params.model = "gbr" or tags.note ~ "baseline")', r(2, 1));
    check('metrics.val_rmse < 30000', r(6, 2, 1));

    // Numbers stored as text compare as numbers; quoting forces text.
    check('params.lr = 0.05', r(3, 1));
    check('params.lr = "0.05"', r(1));
    check('params.lr < 0.06', r(4, 3, 1));
    check('params.lr > 0.06', r(5, 2));
    check('params.max_depth >= 3', r(1));
    check('params.seed > 9', r(10)); // as text "42" < "9"
    check('params.version = 1.1', r(10));
    check('params.version = "1.1"', []);
    check('tags.epoch >= 7 and tags.epoch < 7.5', r(10));
    check('params.model > 5', r(7, 6, 4, 3, 2, 1)); // text vs number: as text ("gbr" > "5"); null never matches

    // NaN never matches; ±Infinity order beyond every number.
    check('metrics.val_rmse > 1e308', r(5));
    check('metrics.val_rmse = inf', r(5));
    check('metrics.val_rmse = -inf', r(6));
    check('metrics.val_rmse != 0', r(6, 5, 3, 2, 1));
    check('metrics.val_rmse exists', r(6, 5, 4, 3, 2, 1));
    check('not metrics.val_rmse < 1e308', r(12, 11, 10, 9, 8, 7, 5, 4));
    check('metrics.val_rmse.max > 1e308', r(5));
    check('metrics.val_rmse.min < 25000', r(6, 5));
    check('metrics.val_rmse.min = 31000', r(4)); // NaN skipped by min
    check('metrics.val_rmse.first = 31000', r(4));
    check('metrics.val_rmse.count = 2', r(5, 4, 3, 1));
    check('metrics.val_rmse.first exists', r(6, 5, 4, 3, 2, 1)); // exists: the metric was logged

    // in / not in / exists / not exists; missing fields and !=.
    check('params.model in ("rf", linear)', r(7, 6, 2));
    check('params.model not in (gbr)', r(7, 6, 2));
    check('status in (failed, killed)', r(7, 3));
    check('params.model exists', r(8, 7, 6, 4, 3, 2, 1));
    check('params.model not exists', r(12, 11, 10, 9, 5));
    check('params.model != "gbr"', r(7, 6, 2)); // missing and null: false
    check('not params.model = "gbr"', r(12, 11, 10, 9, 8, 7, 6, 5, 2));
    check('params.lr in (0.05, 0.2)', r(5, 3, 1));

    // Booleans, odd keys, aggregates.
    check('params.early_stop = true', r(8));
    check('params.early_stop != false', r(8));
    check('tags.`my key` = x', r(8));
    check('params.opt/lr.decay > 0.5 and params.`a b` = "c"', r(9));
    check('metrics.`acc.min` = 0.5', r(9));
    check('metrics.acc = 0.4 and metrics.acc.min = 0.1 and metrics.acc.first = 0.1 and metrics.acc.max >= 0.7 and metrics.acc.count = 3', r(9));

    // Run attributes.
    check('status = failed', r(3));
    check('status = FAILED', []); // = is exact
    check('name ~ GBR', r(3, 1));
    check('name !~ "-"', r(12, 8, 7));
    check('experiment = other', r(12, 7));
    check('status = killed or status = finished', r(12, 7), { experiment: 'other' });
    check(`id = "${ids[4]}"`, r(5));
    check('git.branch = main or git.branch ~ feature', r(2, 1));
    check('git.commit ~ 3F2A', r(1));
    check('git.branch not exists', r(12, 11, 10, 9, 8, 7, 6, 5, 4, 3));
    check('duration > 1h', r(12, 11));
    check('duration >= 7200 and duration <= 2h', r(12));
    check('duration < 61', r(10, 9, 8, 7, 6, 5, 4, 3, 2, 1));
    check(`started >= "${new Date(BASE + 10 * HOUR).toISOString()}"`, r(12, 11, 10));
    check(`started < ${new Date(BASE + 3 * HOUR).toISOString()}`, r(2, 1));
    check('started ~ "2026-01-10T09"', r(1));

    // Paging, the empty filter, and user text never reaching the SQL.
    check('metrics.val_rmse exists', r(5, 4), { limit: 2, offset: 1 });
    check('', r(12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1));
    const evil = `x'); DROP TABLE runs; --`;
    check(`params.model = "${evil}" or params.\`${evil}\` exists`, []);
    const { sql } = filterQuery(parseFilter(`params.model = "${evil}" or tags.\`${evil}\` ~ "${evil}"`));
    assert.ok(!sql.includes('DROP'), sql);
    assert.equal(filterRuns(store, '').length, 12, 'runs table still there');
  } finally {
    lw.close();
  }
});

test('started: a date alone is local midnight, like a date-time without an offset', () => {
  assert.equal(timeValue({ type: 'string', value: '2026-01-31' }), new Date(2026, 0, 31).getTime());
  assert.equal(timeValue({ type: 'string', value: '2026-01-31T14:30' }), new Date(2026, 0, 31, 14, 30).getTime());
  assert.equal(timeValue({ type: 'string', value: '2026-01-31 14:30' }), new Date(2026, 0, 31, 14, 30).getTime());
  assert.equal(timeValue({ type: 'string', value: '2026-01-31T14:30:00Z' }), Date.UTC(2026, 0, 31, 14, 30));
  assert.equal(timeValue({ type: 'string', value: '2026-01-31T14:30:00+02:00' }), Date.UTC(2026, 0, 31, 12, 30));
  assert.equal(timeValue({ type: 'number', value: 2026, text: '2026' }), new Date(2026, 0, 1).getTime());
  assert.equal(timeValue({ type: 'string', value: 'Jan 31' }), undefined);
});

test('timing: 10,000 runs (printed, not asserted)', async () => {
  const ws = tmpDir();
  const lw = await LineageWorkspace.open(ws);
  try {
    const store = lw.store;
    const N = 10_000;
    const models = ['gbr', 'rf', 'linear', 'mlp'];
    store.transaction(() => {
      store.run('INSERT INTO experiments (id, name, created_at) VALUES (1, ?, 0), (2, ?, 0)', ['house', 'other']);
      for (let i = 0; i < N; i++) {
        const id = `run-${String(i).padStart(5, '0')}`;
        store.run('INSERT INTO runs (id, experiment_id, name, status, started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?)', [
          id,
          1 + (i % 2),
          `name-${i}`,
          i % 10 === 0 ? 'failed' : 'finished',
          BASE + i * 1000,
          BASE + i * 1000 + (i % 600) * 1000,
        ]);
        store.run('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)', [id, 'model', models[i % 4]]);
        store.run('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)', [id, 'lr', i % 3 === 0 ? String(0.01 * (i % 7)) : 0.01 * (i % 7)]);
        for (const k of ['n_estimators', 'max_depth', 'subsample', 'seed'])
          store.run('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)', [id, k, i % 97]);
        store.run('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)', [id, 'note', i % 13 === 0 ? 'Baseline' : 'sweep']);
        for (const [k, v] of [
          ['val_rmse', 20000 + ((i * 7919) % 20000)],
          ['val_r2', (i % 100) / 100],
          ['train_rmse', 15000 + (i % 5000)],
        ] as const)
          store.run(
            'INSERT INTO metric_summaries (run_id, key, count, nan_count, first, last, last_nonfinite, min, max) VALUES (?, ?, 200, 0, ?, ?, NULL, ?, ?)',
            [id, k, v * 2, v, v, v * 2],
          );
      }
    });
    const filters = [
      'metrics.val_rmse < 30000 and (params.model = "gbr" or tags.note ~ "baseline")',
      'params.lr >= 0.03 and params.lr < 0.05 and status != failed',
      'metrics.val_r2.max > 0.5 and params.model in (rf, mlp) and duration < 5m',
      'not params.missing exists or metrics.val_rmse > inf',
    ];
    for (const f of filters) {
      filterRuns(store, f); // warm-up
      const t0 = performance.now();
      const reps = 5;
      let n = 0;
      for (let k = 0; k < reps; k++) n = filterRuns(store, f).length;
      const ms = (performance.now() - t0) / reps;
      console.log(`filterRuns over ${N} runs: ${ms.toFixed(1)} ms, ${n} matches — ${f}`);
    }
    // Sanity of the example on the synthetic data, against a plain JS evaluation.
    const expected = new Set<string>();
    for (let i = 0; i < N; i++) {
      const rmse = 20000 + ((i * 7919) % 20000);
      if (rmse < 30000 && (models[i % 4] === 'gbr' || i % 13 === 0)) expected.add(`run-${String(i).padStart(5, '0')}`);
    }
    const got = filterRuns(store, filters[0]);
    assert.equal(got.length, expected.size);
    assert.ok(got.every((id) => expected.has(id)));
    assert.deepEqual(got, [...got].sort().reverse(), 'newest first');
  } finally {
    lw.close();
  }
});
