import { after, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { profileTable, type ColumnProfile, type TableProfile } from '../../src/core/datasets/profile';
import { K_DATE, K_FLOAT, K_INF, K_INT, K_MISSING, K_STRING, OUT, classifyCell, parseNumber } from '../../src/core/datasets/profile/cells';
import { sortNumbers } from '../../src/core/datasets/profile/sortValues';

// __dirname is dist-test/unit once bundled
const ROOT = path.resolve(__dirname, '../..');
const FIX = path.join(ROOT, 'test/fixtures/profile');
const PYTHON = process.env.LINEAGE_TEST_PYTHON || '/usr/bin/python3';
/** No test may hang the suite. */
const T = { timeout: 60_000 };

const tmpDirs: string[] = [];
after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmpFile(name: string, content: string | Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-profile-test-'));
  tmpDirs.push(dir);
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function profile(file: string, opts: Parameters<typeof profileTable>[1] = {}): Promise<TableProfile> {
  const p = await profileTable(file, opts);
  assert.ok(p, `no profile for ${file}`);
  return p;
}

function col(p: TableProfile, name: string): ColumnProfile {
  const c = p.columns.find((x) => x.name === name);
  assert.ok(c, `no column ${name} in ${p.columns.map((x) => x.name).join(', ')}`);
  return c;
}

function top(c: ColumnProfile): Array<[string, number]> {
  return (c.topValues ?? []).map((t) => [t.value, t.count]);
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function close(actual: number | undefined, expected: number, what: string, rel = 1e-9): void {
  assert.equal(typeof actual, 'number', `${what}: missing`);
  const a = actual as number;
  const tol = rel * Math.max(Math.abs(a), Math.abs(expected), 1e-300);
  assert.ok(Math.abs(a - expected) <= tol, `${what}: ${a} vs ${expected} (difference ${Math.abs(a - expected)})`);
}

// ---------------------------------------------------------------- fixtures

test('RFC 4180: BOM, CRLF, quoted commas, doubled quotes, line breaks in quotes, no final newline', T, async () => {
  const raw = fs.readFileSync(path.join(FIX, 'quoted.csv'));
  assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'fixture starts with a BOM');
  assert.ok(raw.includes('\r\n'), 'fixture has CRLF line ends');
  assert.notEqual(raw[raw.length - 1], 0x0a, 'fixture has no final newline');
  const p = await profile(path.join(FIX, 'quoted.csv'));
  assert.equal(p.format, 'csv');
  assert.equal(p.rows, 5);
  assert.equal(p.bytes, raw.length);
  assert.equal(p.sampled, false);
  assert.deepEqual(p.warnings, []);
  assert.deepEqual(
    p.columns.map((c) => [c.name, c.type]),
    [
      ['id', 'integer'],
      ['name', 'string'],
      ['note', 'string'],
      ['score', 'number'],
    ],
  );
  const name = col(p, 'name');
  assert.equal(name.missing, 1); // ""
  assert.deepEqual(
    top(name)
      .map(([v]) => v)
      .sort(),
    ['Smith, John', 'plain', 'quoted "only"', 'Ünïcödé'],
  );
  const note = col(p, 'note');
  assert.deepEqual(
    top(note)
      .map(([v]) => v)
      .sort(),
    ['a,b,c', 'multi\nline\nnote', 'said "hi"', 'two\r\nlines'],
  );
  const score = col(p, 'score');
  assert.equal(score.count, 4);
  assert.equal(score.missing, 1);
  assert.equal(score.max, 100); // "1e2" on the last line, which has no newline
  assert.equal(score.min, -1.25);
});

test('missing values: blanks, NA, NaN, null, None in any case; infinities counted but kept out of the stats', T, async () => {
  const p = await profile(path.join(FIX, 'missing.csv'));
  assert.equal(p.rows, 7);
  const a = col(p, 'a');
  assert.deepEqual([a.type, a.count, a.missing, a.min, a.max], ['integer', 3, 4, 1, 7]);
  const b = col(p, 'b');
  assert.deepEqual([b.type, b.count, b.missing], ['string', 3, 4]);
  assert.deepEqual(top(b), [
    ['x', 2],
    [' y ', 1],
  ]); // raw text is kept for categories
  const c = col(p, 'c'); // 2.5, NaN, nan, None, blanks, -nan, 1e999
  assert.deepEqual([c.type, c.count, c.missing, c.nonFinite, c.min, c.max, c.mean], ['number', 2, 5, 1, 2.5, 2.5, 2.5]);
  assert.equal(c.std, undefined, 'one finite value: no sample std');
  const d = col(p, 'd'); // inf, -Infinity, 1, 2, INF, 3, nan
  assert.deepEqual([d.type, d.count, d.missing, d.nonFinite, d.min, d.max, d.mean, d.std], ['number', 6, 1, 3, 1, 3, 2, 1]);
  assert.deepEqual(
    d.histogram!.counts.reduce((x, y) => x + y, 0),
    3,
  );
  assert.deepEqual(top(d).slice(0, 2), [
    ['Infinity', 2],
    ['-Infinity', 1],
  ]);
  assert.ok(
    p.warnings.some((w) => w.includes('"d": 3 infinite values')),
    p.warnings.join('\n'),
  );
});

test('type inference over all rows', T, async () => {
  const p = await profile(path.join(FIX, 'types.csv'));
  assert.deepEqual(
    p.columns.map((c) => [c.name, c.type]),
    [
      ['int', 'integer'],
      ['num', 'number'],
      ['bool', 'boolean'],
      ['date', 'datetime'],
      ['datetime', 'datetime'],
      ['str', 'string'],
      ['mixed', 'string'],
      ['empty', 'empty'],
    ],
  );
  const int = col(p, 'int'); // 1, -2, +3, 0004, 5
  assert.deepEqual([int.min, int.max, int.mean], [-2, 5, 2.2]);
  const date = col(p, 'date');
  assert.deepEqual([date.minDatetime, date.maxDatetime], ['1999-12-31', '2024-02-29']);
  const dt = col(p, 'datetime'); // offsets are applied: 08:30:15.250+02:00 is 06:30:15.250Z
  assert.deepEqual([dt.minDatetime, dt.maxDatetime], ['2023-12-31T23:59:59.999999Z', '2024-03-05T23:59:59']);
  assert.deepEqual(top(col(p, 'str')), [
    ['apple', 3],
    ['banana', 1],
    ['cherry', 1],
  ]);
  // in a mixed column numbers are counted by value: "3.0" is "3"
  assert.deepEqual(top(col(p, 'mixed')), [
    ['1', 1],
    ['3', 1],
    ['4', 1],
    ['two', 1],
  ]);
  const empty = col(p, 'empty');
  assert.deepEqual([empty.count, empty.missing], [0, 5]);
});

test('rows with the wrong number of fields are skipped; the first 20 listed with line numbers, then a total', T, async () => {
  const p = await profile(path.join(FIX, 'bad_rows.csv'));
  assert.equal(p.rows, 27); // 1 + 25 good rows between the bad ones + 1 after a blank line
  assert.equal(p.warnings.length, 21);
  assert.equal(p.warnings[0], 'line 3: 2 fields, expected 3; row skipped');
  assert.equal(p.warnings[1], 'line 5: 4 fields, expected 3; row skipped');
  assert.match(p.warnings[20], /5 more problems not listed \(25 in total\)/);
  assert.equal(col(p, 'a').count, 27);
});

test('TSV: tab delimiter, quoted tab, missing cells', T, async () => {
  const p = await profile(path.join(FIX, 'data.tsv'));
  assert.equal(p.format, 'tsv');
  assert.equal(p.rows, 4);
  assert.ok(top(col(p, 'city')).some(([v]) => v === 'Ber\tgen'));
  const pop = col(p, 'pop');
  assert.deepEqual([pop.type, pop.count, pop.missing, pop.min, pop.max], ['integer', 3, 1, 212660, 709037]);
  assert.deepEqual([col(p, 'area').type, col(p, 'area').missing], ['number', 1]);
});

test('JSON Lines: key order, absent keys and null are missing, nested values as text, bad lines warned', T, async () => {
  const p = await profile(path.join(FIX, 'data.jsonl'));
  assert.equal(p.format, 'jsonl');
  assert.equal(p.rows, 5);
  assert.deepEqual(
    p.columns.map((c) => [c.name, c.type, c.count, c.missing]),
    [
      ['id', 'integer', 5, 0],
      ['price', 'number', 3, 2],
      ['tag', 'string', 4, 1],
      ['ok', 'boolean', 4, 1],
      ['when', 'datetime', 2, 3],
      ['meta', 'string', 1, 4],
      ['extra', 'string', 1, 4], // "NA" is missing
    ],
  );
  assert.deepEqual(top(col(p, 'meta')), [['{"k":1}', 1]]);
  assert.equal(p.warnings.length, 2);
  assert.match(p.warnings[0], /^line 5: not valid JSON/);
  assert.equal(p.warnings[1], 'line 6: not a JSON object; line skipped');
  assert.equal((await profile(path.join(FIX, 'data.jsonl'), { format: 'jsonl' })).rows, 5);
  const nd = tmpFile('x.ndjson', '{"a":1}\n{"a":2}');
  assert.equal((await profile(nd)).rows, 2);
  // JSON numbers too large for a double parse as Infinity: counted, kept out of the stats
  const inf = await profile(tmpFile('inf.jsonl', '{"v":1}\n{"v":1e400}\n{"v":-1e400}\n{"v":3}\n'));
  const v = col(inf, 'v');
  assert.deepEqual([v.type, v.count, v.nonFinite, v.min, v.max, v.mean], ['number', 4, 2, 1, 3, 2]);
});

test('empty file, header only, unterminated quote', T, async () => {
  const e = await profile(path.join(FIX, 'empty.csv'));
  assert.deepEqual([e.rows, e.columns.length, e.bytes], [0, 0, 0]);
  assert.match(e.warnings[0], /no header row/);
  const h = await profile(path.join(FIX, 'header_only.csv'));
  assert.deepEqual(
    h.columns.map((c) => [c.name, c.type, c.count]),
    [
      ['x', 'empty', 0],
      ['y', 'empty', 0],
    ],
  );
  const u = await profile(path.join(FIX, 'unterminated.csv'));
  assert.equal(u.rows, 2);
  assert.deepEqual(u.warnings, ['line 3: quoted field not closed before the end of the file']);
});

test('a record longer than the limit stops reading with a warning instead of eating memory', T, async () => {
  const lines = ['a,b', '1,2', '3,"never closed'];
  for (let i = 0; i < 2000; i++) lines.push(`${i},${i}`);
  const file = tmpFile('long.csv', lines.join('\n') + '\n');
  const p = await profile(file, { chunkSize: 256, maxRecordBytes: 4096 });
  assert.equal(p.rows, 1);
  assert.ok(
    p.warnings.some((w) => /stopped reading at byte 8: a record longer than/.test(w)),
    p.warnings.join('\n'),
  );
});

test('the same profile whatever the chunk size (records, quotes, CRLF and the BOM split across reads)', T, async () => {
  for (const name of ['quoted.csv', 'missing.csv', 'types.csv', 'bad_rows.csv', 'data.tsv', 'data.jsonl', 'unterminated.csv']) {
    const file = path.join(FIX, name);
    const whole = await profile(file);
    for (const chunkSize of [1, 2, 3, 4, 5, 7, 11, 64]) {
      assert.deepEqual(await profile(file, { chunkSize }), whole, `${name} with ${chunkSize}-byte chunks`);
    }
  }
});

test('not a table format: undefined; format option overrides the extension; progress reported', T, async () => {
  assert.equal(await profileTable(path.join(FIX, 'missing.csv.gz')), undefined);
  assert.equal(await profileTable('/nonexistent/model.pkl'), undefined);
  const txt = tmpFile('table.txt', 'a\tb\n1\t2\n');
  assert.equal(await profileTable(txt), undefined);
  const calls: Array<[number, number]> = [];
  const p = await profile(txt, { format: 'tsv', chunkSize: 3, onProgress: (d, t) => calls.push([d, t]) });
  assert.deepEqual(
    p.columns.map((c) => c.name),
    ['a', 'b'],
  );
  assert.ok(calls.length >= 3);
  assert.deepEqual(calls[calls.length - 1], [8, 8]);
  for (let i = 1; i < calls.length; i++) assert.ok(calls[i][0] >= calls[i - 1][0]);
  await assert.rejects(profileTable('/nonexistent/x.csv'));
});

test('huge and tiny values, long integers, mixed-sign zero', T, async () => {
  const file = tmpFile(
    'huge.csv',
    'big,long,tiny\n1.7976931348623157e308,12345678901234567890,5e-324\n-1.7976931348623157e308,-98765432109876543210,-0\n0,1,2.2250738585072014e-308\n',
  );
  const p = await profile(file);
  const big = col(p, 'big');
  assert.deepEqual([big.type, big.min, big.max, big.nonFinite, big.mean], ['number', -1.7976931348623157e308, 1.7976931348623157e308, undefined, 0]);
  close(big.std, 1.7976931348623157e308, 'std of ±max, 0'); // sqrt(2 max² / 2): no overflow on the way
  const same = col(await profile(tmpFile('same.csv', 'x\n1e308\n1e308\n1e308\n')), 'x');
  assert.deepEqual([same.mean, same.std, same.quantiles!.p50], [1e308, 0, 1e308]);
  assert.deepEqual(
    big.histogram!.counts.filter((c) => c > 0),
    [1, 1, 1],
  );
  assert.ok(big.histogram!.edges.every(Number.isFinite), big.histogram!.edges.join(' '));
  const long = col(p, 'long');
  assert.deepEqual([long.type, long.min, long.max], ['integer', Number('-98765432109876543210'), Number('12345678901234567890')]);
  const tiny = col(p, 'tiny');
  assert.deepEqual([tiny.type, tiny.min, tiny.max], ['number', 0, 2.2250738585072014e-308]);
});

test('distinct: exact up to the cap, then an estimate flagged distinctCapped; numbers exact past it', T, async () => {
  const lines = ['s,n'];
  for (let i = 0; i < 30000; i++) lines.push(`id-${i % 15000},${i % 15000}`);
  const p = await profile(tmpFile('ids.csv', lines.join('\n')));
  const s = col(p, 's');
  assert.equal(s.distinctCapped, true);
  assert.ok(Math.abs(s.distinct! - 15000) / 15000 < 0.03, `estimate ${s.distinct}`);
  assert.equal(s.topValues!.length, 20);
  assert.deepEqual(s.topValues![0], { value: 'id-0', count: 2 });
  const n = col(p, 'n');
  assert.deepEqual([n.distinct, n.distinctCapped, n.topValues], [15000, undefined, undefined]);
});

test('past the exact-value cap: sampled quantiles and histogram flagged, count/min/max/mean/std still exact', T, async () => {
  const rand = rng(7);
  const xs: number[] = [];
  for (let i = 0; i < 20000; i++) xs.push(Math.round(rand() * 1e6) / 100);
  const file = tmpFile('many.csv', 'x\n' + xs.join('\n') + '\n');
  const exact = col(await profile(file), 'x');
  const p = await profile(file, { maxExactValues: 2000 });
  const x = col(p, 'x');
  assert.equal(exact.quantilesApproximate, undefined);
  assert.equal(x.quantilesApproximate, true);
  assert.ok(
    p.warnings.some((w) => w.includes('uniform sample')),
    p.warnings.join('\n'),
  );
  assert.deepEqual([x.count, x.min, x.max], [exact.count, exact.min, exact.max]);
  close(x.mean, exact.mean!, 'mean', 1e-12);
  close(x.std, exact.std!, 'std', 1e-9);
  for (const k of ['p05', 'p25', 'p50', 'p75', 'p95'] as const) {
    assert.ok(Math.abs(x.quantiles![k] - exact.quantiles![k]) < 10000 * 0.05, `${k}: ${x.quantiles![k]} vs ${exact.quantiles![k]}`);
  }
  assert.equal(
    x.histogram!.counts.reduce((a, b) => a + b, 0),
    20000,
  );
  assert.deepEqual(x.histogram!.edges, exact.histogram!.edges);
  assert.ok(Math.abs(x.distinct! - exact.distinct!) / exact.distinct! < 0.03);

  // values in increasing order: a reservoir biased to early or late rows would shift every quantile
  const n = 200000;
  const seq = tmpFile('seq.csv', 'i\n' + Array.from({ length: n }, (_, i) => String(i)).join('\n') + '\n');
  const q = col(await profile(seq, { maxExactValues: 5000 }), 'i');
  assert.equal(q.quantilesApproximate, true);
  for (const [k, f] of [
    ['p05', 0.05],
    ['p25', 0.25],
    ['p50', 0.5],
    ['p75', 0.75],
    ['p95', 0.95],
  ] as const) {
    assert.ok(Math.abs(q.quantiles![k] - f * n) < 0.03 * n, `${k}: ${q.quantiles![k]} vs about ${f * n}`);
  }
  const counts = q.histogram!.counts;
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    n,
  );
  for (const c of counts) assert.ok(Math.abs(c - n / 20) < 0.25 * (n / 20), `histogram ${counts.join(' ')}`);
});

// ---------------------------------------------------------------- parsing primitives

test('numbers parse exactly like Number() (so like Python float), with kinds', T, () => {
  const rand = rng(3);
  const enc = (s: string) => Buffer.from(s, 'latin1');
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
  for (let i = 0; i < 50000; i++) {
    const sign = ['', '-', '+'][Math.floor(rand() * 3)];
    const intPart = digits(Math.floor(rand() * 20));
    const frac = rand() < 0.6 ? '.' + digits(Math.floor(rand() * 20)) : '';
    const exp = rand() < 0.3 ? ['e', 'E'][Math.floor(rand() * 2)] + ['', '-', '+'][Math.floor(rand() * 3)] + digits(1 + Math.floor(rand() * 3)) : '';
    const s = sign + intPart + frac + exp;
    if (!/\d/.test(intPart + frac)) continue;
    const b = enc(s);
    const k = parseNumber(b, 0, b.length);
    const want = Number(s);
    if (!Number.isFinite(want)) {
      assert.equal(k, K_INF, s);
      continue;
    }
    assert.equal(k, frac === '' && exp === '' ? K_INT : K_FLOAT, s);
    assert.ok(Object.is(OUT[0], want), `${s}: ${OUT[0]} vs ${want}`);
    // classifyCell has its own fast path for plain digits[.digits]
    OUT[0] = NaN;
    assert.equal(classifyCell(b, 0, b.length), k, s);
    assert.ok(Object.is(OUT[0], want), `classifyCell ${s}: ${OUT[0]} vs ${want}`);
  }
  for (const s of ['', '-', '+', '.', 'e5', '1e', '1e+', '1.2.3', '1,5', '0x10', '1_000', '--1', '1-', 'abc', '٣']) {
    const b = Buffer.from(s);
    assert.equal(parseNumber(b, 0, b.length), -1, JSON.stringify(s));
  }
  const kind = (s: string) => {
    const b = Buffer.from(s);
    return classifyCell(b, 0, b.length);
  };
  for (const s of ['NA', 'na', 'NaN', 'nan', 'NULL', 'null', 'None', 'NONE', '-nan', '+NaN']) assert.equal(kind(s), K_MISSING, s);
  for (const s of ['inf', '-inf', '+Infinity', 'INF', 'infinity', '1e400', '-1e999']) assert.equal(kind(s), K_INF, s);
  for (const s of ['nana', 'n', 'infinite', 'Nonesuch', 'truee', 'yes', '2024-13-01', '2023-02-29', '2024-01-01T25:00', '2024-1-01']) {
    assert.equal(kind(s), K_STRING, s);
  }
  for (const s of [
    '2024-02-29',
    '2024-01-01T00:00',
    '2024-01-01 12:34:56',
    '2024-01-01T12:34:56.789Z',
    '2024-01-01T12:34:56+05:30',
    '2024-01-01T12:34:56-0800',
  ]) {
    assert.equal(kind(s), K_DATE, s);
  }
  // instants: offsets applied, fractions kept
  const at = (s: string) => {
    const b = Buffer.from(s);
    assert.equal(classifyCell(b, 0, b.length), K_DATE, s);
    return OUT[1];
  };
  for (const s of ['1970-01-01', '2024-02-29T23:59:59.123Z', '1900-03-01T00:00:00Z', '2024-06-01T12:00:00+05:30', '0001-01-01']) {
    const iso = s.length === 10 ? s + 'T00:00:00Z' : s;
    assert.equal(at(s), Date.parse(iso.replace(/^0001/, '+000001')), s);
  }
});

test('sorting kept values matches the native sort (counting and radix paths)', T, () => {
  const rand = rng(11);
  const cases: Array<[string, () => number, boolean]> = [
    ['small ints', () => Math.floor(rand() * 50) - 25, true],
    ['wide ints', () => Math.floor((rand() - 0.5) * 1e12), true],
    ['floats', () => (rand() - 0.5) * 1e6, false],
    ['tiny and huge', () => (rand() < 0.5 ? -1 : 1) * 10 ** (rand() * 600 - 300), false],
    ['decimals', () => Math.round(rand() * 1e4) / 10, false],
  ];
  for (const [name, gen, ints] of cases) {
    for (const n of [10, 5000, 100000]) {
      const a = new Float64Array(n + 5);
      for (let i = 0; i < n; i++) a[i] = gen();
      if (!ints) {
        a[0] = 0;
        a[1] = -0;
        a[2] = Number.MIN_VALUE;
        a[3] = -Number.MAX_VALUE;
      }
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        min = Math.min(min, a[i]);
        max = Math.max(max, a[i]);
      }
      const want = a.slice(0, n).sort();
      sortNumbers(a, n, min, max, ints);
      for (let i = 0; i < n; i++) assert.ok(a[i] === want[i], `${name} n=${n} at ${i}: ${a[i]} vs ${want[i]}`);
    }
  }
});

// ---------------------------------------------------------------- against Python

const PY_SCRIPT = String.raw`
import collections, csv, json, statistics, sys
import numpy as np
path, numeric = sys.argv[1], sys.argv[2].split(',')
MISSING = {'', 'na', 'nan', 'null', 'none', '+nan', '-nan'}
with open(path, newline='', encoding='utf-8') as f:
    rows = list(csv.reader(f))
header, data = rows[0], rows[1:]
qs = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
out = {'rows': len(data)}
for j, name in enumerate(header):
    col = [r[j] for r in data]
    present = [v for v in col if v.strip().lower() not in MISSING]
    d = {'count': len(present), 'missing': len(col) - len(present)}
    if name in numeric:
        xs = [float(v) for v in present]
        arr = np.array(xs, dtype=np.float64)
        counts, edges = np.histogram(arr, bins=20)
        d.update(min=min(xs), max=max(xs), mean=statistics.mean(xs), std=statistics.stdev(xs),
                 quantiles=[float(q) for q in np.quantile(arr, qs, method='linear')],
                 hist_counts=[int(c) for c in counts], hist_edges=[float(e) for e in edges],
                 distinct=len(set(xs)))
        if d['distinct'] <= 20:
            c = collections.Counter(xs)
            d['top'] = [[str(int(v)) if v.is_integer() else repr(v), n] for v, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:20]]
    else:
        c = collections.Counter(present)
        d['distinct'] = len(c)
        d['top'] = [[v, n] for v, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:20]]
    out[name] = d
print(json.dumps(out))
`;

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

test('statistics agree with Python (statistics, numpy.quantile linear, numpy.histogram, Counter)', T, async () => {
  const rand = rng(2024);
  const missingTokens = ['', 'NA', 'nan', 'NaN', 'None', 'null', 'NULL', ' '];
  const cats = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'a, b', 'say "x"', 'two\nlines', ' spaced ', 'Ünïcödé', 'zeta', 'eta', 'theta', 'iota', 'kappa'];
  for (let i = 0; i < 20; i++) cats.push(`c${String(i).padStart(2, '0')}`);
  const header = ['id', 'x', 'n', 'cat', 'big', 'flag', 'neg'];
  const lines = [header.join(',')];
  const records: string[][] = [];
  const N = 4000;
  for (let i = 0; i < N; i++) {
    const miss = () => missingTokens[Math.floor(rand() * missingTokens.length)];
    const r = rand();
    let x: string;
    if (r < 0.05) x = miss();
    else if (r < 0.1) x = (rand() * 5000).toExponential(3);
    else if (r < 0.15) x = '+' + (rand() * 100).toFixed(2);
    else if (r < 0.2) x = String(Math.floor(rand() * 100));
    else x = (10 + rand() * 100 + (rand() < 0.1 ? rand() * 1000 : 0)).toFixed(1 + Math.floor(rand() * 6));
    const nv = rand() < 0.04 ? miss() : String(Math.min(9, Math.floor(-Math.log(rand() + 1e-12) * 2)));
    const cat = rand() < 0.03 ? miss() : cats[Math.min(cats.length - 1, Math.floor(-Math.log(rand() + 1e-12) * 6))];
    const big = (1e9 + rand() * 0.01).toFixed(6); // large mean, tiny spread: a test of numerical stability
    const flag = rand() < 0.02 ? miss() : ['true', 'false', 'True', 'FALSE'][Math.floor(rand() * 4)];
    const neg = (-(rand() ** 3) * 1e-3).toPrecision(1 + Math.floor(rand() * 15));
    records.push([String(i + 1), x, nv, cat, big, flag, neg]);
    lines.push(records[i].map(csvField).join(','));
  }
  const file = tmpFile('py.csv', lines.join('\r\n') + '\r\n');
  const numeric = ['id', 'x', 'n', 'big', 'neg'];
  let py: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- numpy's figures, compared field by field below
  try {
    py = JSON.parse(execFileSync(PYTHON, ['-c', PY_SCRIPT, file, numeric.join(',')], { encoding: 'utf8' }));
  } catch (err) {
    throw new Error(`running ${PYTHON} with numpy failed (set LINEAGE_TEST_PYTHON to a Python that has numpy): ${(err as Error).message}`, { cause: err });
  }
  // chunks small enough that the file spans many reads
  const p = await profile(file, { chunkSize: 4096 });
  assert.equal(p.rows, py.rows);
  assert.deepEqual(p.warnings, []);
  assert.deepEqual(
    p.columns.map((c) => c.type),
    ['integer', 'number', 'integer', 'string', 'number', 'boolean', 'number'],
  );
  for (const name of header) {
    const c = col(p, name);
    const want = py[name];
    assert.equal(c.count, want.count, `${name} count`);
    assert.equal(c.missing, want.missing, `${name} missing`);
    assert.equal(c.distinct, want.distinct, `${name} distinct`);
    if (numeric.includes(name)) {
      assert.equal(c.min, want.min, `${name} min`);
      assert.equal(c.max, want.max, `${name} max`);
      close(c.mean, want.mean, `${name} mean`);
      close(c.std, want.std, `${name} std`);
      const q = c.quantiles!;
      [q.p01, q.p05, q.p25, q.p50, q.p75, q.p95, q.p99].forEach((v, k) => close(v, want.quantiles[k], `${name} quantile ${k}`));
      assert.deepEqual(c.histogram!.counts, want.hist_counts, `${name} histogram counts`);
      c.histogram!.edges.forEach((e, k) => close(e, want.hist_edges[k], `${name} edge ${k}`, 1e-12));
      if (want.top) assert.deepEqual(top(c), want.top, `${name} top values`);
      else assert.equal(c.topValues, undefined, `${name} has many distinct values: no top values`);
    } else {
      assert.deepEqual(top(c), want.top, `${name} top values`);
    }
  }
  // the same with the default 4 MiB chunks
  const whole = await profile(file);
  assert.deepEqual(whole, p);

  // the same table as JSON Lines (numbers as JSON numbers, missing as null) gives the same statistics
  const isMissing = (v: string) => ['', 'na', 'nan', 'null', 'none'].includes(v.trim().toLowerCase());
  const jsonl = records
    .map((r) =>
      JSON.stringify(
        Object.fromEntries(
          header.map((h, k) => {
            const v = r[k];
            if (isMissing(v)) return [h, null];
            if (numeric.includes(h)) return [h, Number(v)];
            if (h === 'flag') return [h, v.toLowerCase() === 'true'];
            return [h, v];
          }),
        ),
      ),
    )
    .join('\n');
  const j = await profile(tmpFile('py.jsonl', jsonl + '\n'));
  assert.equal(j.rows, p.rows);
  for (const name of header) {
    const a = col(j, name);
    const b = col(p, name);
    assert.deepEqual([a.type, a.count, a.missing], [b.type, b.count, b.missing], name);
    if (numeric.includes(name)) {
      assert.deepEqual(
        [a.min, a.max, a.mean, a.std, a.quantiles, a.histogram, a.distinct, a.topValues],
        [b.min, b.max, b.mean, b.std, b.quantiles, b.histogram, b.distinct, b.topValues],
        name,
      );
    } else if (name === 'cat') {
      assert.deepEqual(a.topValues, b.topValues);
    }
  }
});

test('date-times with a " UTC" suffix (BigQuery, many exports) are a datetime column, as drift reads them; text ending in UTC stays text', T, async () => {
  const file = tmpFile(
    'utc.csv',
    'when,note\n2024-01-06 11:30:00 UTC,meet at 10 UTC\n2024-01-05 10:00:00 UTC,2024-01-05T10:00:00Z UTC\n2024-02-29 23:59:59.5UTC,x\n',
  );
  const p = await profile(file);
  assert.deepEqual(
    p.columns.map((c) => [c.name, c.type]),
    [
      ['when', 'datetime'],
      ['note', 'string'],
    ],
  );
  const when = col(p, 'when');
  assert.deepEqual([when.minDatetime, when.maxDatetime], ['2024-01-05 10:00:00 UTC', '2024-02-29 23:59:59.5UTC']);
});
