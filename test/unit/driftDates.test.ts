// Datetime columns in drift: ISO dates and date-times are compared as their instants (ms since the epoch),
// with KS for a small reference and Wasserstein / std for a large one, equal to scipy on the same instants
// (Debian's scipy, run here). A column that mixes dates with text or numbers is text, its categories the
// original texts. Past the memory budget the dates spill like numbers, with the same report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateFile } from '../../src/core/drift/evaluate';
import { readTable } from '../../src/core/drift/readTable';
import { loadReference } from '../../src/core/drift/reference';
import { summarize } from '../../src/core/drift/summary';
import type { BatchReport, ColumnDrift } from '../../src/core/drift/types';
import { mulberry32 } from '../../bench/lib/measure';

const PYTHON = process.env.LINEAGE_TEST_PYTHON || '/usr/bin/python3';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-drift-dates-'));
}

const DAY = 86_400_000;
const BASE = Date.UTC(2023, 0, 1);

/** `n` rows of an ISO date column (some with a time of day, some missing) and a number column. */
function dates(dir: string, name: string, n: number, shiftDays: number, seed: number): { file: string; instants: number[] } {
  const rnd = mulberry32(seed);
  const instants: number[] = [];
  const lines = ['when,x'];
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.05) {
      lines.push(`,${i}`);
      continue;
    }
    const day = Math.floor(rnd() * 365) + shiftDays;
    const withTime = rnd() < 0.3;
    const ms = BASE + day * DAY + (withTime ? Math.floor(rnd() * 86400) * 1000 : 0);
    instants.push(ms);
    const iso = new Date(ms).toISOString();
    lines.push(`${withTime ? iso.slice(0, 19) : iso.slice(0, 10)},${i}`);
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return { file, instants };
}

function scipy(a: number[], b: number[]): { ks: number; p: number; w: number; std: number } {
  const code =
    'import json,sys,numpy as np\nfrom scipy import stats\na,b=json.load(sys.stdin)\nr=stats.ks_2samp(a,b)\n' +
    'print(json.dumps({"ks":float(r.statistic),"p":float(r.pvalue),"w":float(stats.wasserstein_distance(a,b)),"std":float(np.std(a))}))';
  const r = spawnSync(PYTHON, ['-c', code], { input: JSON.stringify([a, b]), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { ks: number; p: number; w: number; std: number };
}

function column(r: BatchReport | { error: string }, name: string): ColumnDrift {
  assert.ok(!('error' in r), JSON.stringify(r));
  return r.columns.find((c) => c.name === name)!;
}

const close = (x: number | null, e: number, tol = 1e-9) => x !== null && Math.abs(x - e) <= tol * Math.max(1, Math.abs(e));

test('a date column is read as instants: ISO dates and date-times (naive = UTC), missing kept apart', async () => {
  const dir = tmpDir();
  const { file, instants } = dates(dir, 'd.csv', 300, 0, 1);
  const t = await readTable(file);
  const s = summarize(t.columns[0], t.rows);
  assert.equal(s.type, 'datetime');
  assert.equal(s.kind, 'datetime');
  assert.deepEqual(
    [...(s.sorted as Float64Array)],
    [...instants].sort((x, y) => x - y),
  );
  assert.equal(s.missing, 300 - instants.length);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('small reference: KS on the instants equals scipy; a shift of 60 days drifts, the same dates do not', async () => {
  const dir = tmpDir();
  const ref = dates(dir, 'ref.csv', 400, 0, 2);
  const same = dates(dir, 'same.csv', 300, 0, 3);
  const later = dates(dir, 'later.csv', 300, 60, 4);
  const reference = await loadReference(ref.file, null);
  const a = column(await evaluateFile(reference, same.file, {}), 'when');
  const b = column(await evaluateFile(reference, later.file, {}), 'when');
  assert.equal(a.test, 'ks');
  assert.match(a.reason, /dates \(as instants\)/);
  const sa = scipy(ref.instants, same.instants);
  const sb = scipy(ref.instants, later.instants);
  assert.ok(close(a.statistic, sa.ks) && close(a.pValue, sa.p), `${a.statistic} p ${a.pValue} vs scipy ${sa.ks} p ${sa.p}`);
  assert.ok(close(b.statistic, sb.ks) && close(b.pValue, sb.p), `${b.statistic} p ${b.pValue} vs scipy ${sb.ks} p ${sb.p}`);
  assert.equal(a.drifted, false);
  assert.equal(b.drifted, true);
  assert.ok(b.outOfRange!.count > 0, 'dates after the training range are out of range');
  assert.equal(b.refSummary?.kind, 'histogram');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('large reference: Wasserstein / std on the instants equals scipy, in memory and past the budget alike', async () => {
  const dir = tmpDir();
  const ref = dates(dir, 'ref.csv', 5000, 0, 5);
  const cur = dates(dir, 'cur.csv', 4000, 30, 6);
  const s = scipy(ref.instants, cur.instants);
  const inMemory = column(await evaluateFile(await loadReference(ref.file, null), cur.file, {}), 'when');
  assert.equal(inMemory.test, 'wasserstein');
  assert.ok(close(inMemory.statistic, s.w / s.std), `${inMemory.statistic} vs scipy ${s.w / s.std}`);
  const small = await loadReference(ref.file, null, undefined, 16 * 1024);
  const spilled = column(await evaluateFile(small, cur.file, { memoryBudget: 16 * 1024 }), 'when');
  small.dispose();
  assert.deepEqual(spilled, inMemory);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('dates mixed with text or numbers make a text column whose categories are the original texts', async () => {
  const dir = tmpDir();
  const f = path.join(dir, 'mixed.jsonl');
  fs.writeFileSync(f, '{"a":"2024-01-05","b":"2024-02-01"}\n{"a":"soon","b":7}\n{"a":"2024-01-05T10:00:00","b":null}\n');
  const t = await readTable(f, { keepRows: new Set(['a']) });
  const [a, b] = t.columns.map((c) => summarize(c, t.rows));
  assert.equal(a.type, 'string');
  assert.deepEqual(
    [...a.counts!],
    [
      ['2024-01-05', 1],
      ['soon', 1],
      ['2024-01-05T10:00:00', 1],
    ],
  );
  assert.equal(b.type, 'string');
  assert.deepEqual(
    [...b.counts!],
    [
      ['2024-02-01', 1],
      ['7', 1],
    ],
  );
  assert.equal(b.missing, 1);
  assert.deepEqual([...t.columns[0].codesOf(t.rows)], [0, 1, 2], 'rows kept for a column named as prediction or actual');
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The `dates` column written as BigQuery and many exports write timestamps: "2024-01-05 10:00:00 UTC". */
function utcDates(dir: string, name: string, n: number, shiftDays: number, seed: number): { file: string; instants: number[] } {
  const rnd = mulberry32(seed);
  const instants: number[] = [];
  const lines = ['when,x'];
  for (let i = 0; i < n; i++) {
    const ms = BASE + (Math.floor(rnd() * 365) + shiftDays) * DAY + Math.floor(rnd() * 86400) * 1000 + (rnd() < 0.2 ? 250 : 0);
    instants.push(ms);
    const iso = new Date(ms).toISOString();
    // Some with milliseconds and some without the space, as BigQuery's microsecond timestamps and other writers do.
    const text = ms % 1000 ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    lines.push(`${text}${i % 7 === 0 ? 'UTC' : ' UTC'},${i}`);
  }
  const file = path.join(dir, name);
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return { file, instants };
}

test('date-times with a "UTC" suffix ("2024-01-05 10:00:00 UTC") are instants: KS equals scipy on them, in CSV and JSON Lines', async () => {
  const dir = tmpDir();
  const ref = utcDates(dir, 'ref.csv', 400, 0, 7);
  const later = utcDates(dir, 'later.csv', 300, 45, 8);
  const t = await readTable(ref.file);
  const s = summarize(t.columns[0], t.rows);
  assert.equal(s.type, 'datetime');
  assert.deepEqual(
    [...(s.sorted as Float64Array)],
    [...ref.instants].sort((x, y) => x - y),
  );
  const reference = await loadReference(ref.file, null);
  const b = column(await evaluateFile(reference, later.file, {}), 'when');
  assert.equal(b.test, 'ks');
  assert.match(b.reason, /dates \(as instants\)/);
  const sb = scipy(ref.instants, later.instants);
  assert.ok(close(b.statistic, sb.ks) && close(b.pValue, sb.p), `${b.statistic} p ${b.pValue} vs scipy ${sb.ks} p ${sb.p}`);
  assert.equal(b.drifted, true);

  const j = path.join(dir, 'utc.jsonl');
  fs.writeFileSync(j, '{"at":"2024-01-05 10:00:00 UTC"}\n{"at":"2024-01-06T11:30:00.5 UTC"}\n{"at":"2024-01-07 UTC"}\n{"at":"2024-01-08 09:00:00+00:00"}\n');
  const tj = await readTable(j);
  const sj = summarize(tj.columns[0], tj.rows);
  assert.equal(sj.type, 'datetime', 'UTC-suffixed, date-only and offset forms mix in one date column');
  assert.deepEqual(
    [...(sj.sorted as Float64Array)],
    [Date.UTC(2024, 0, 5, 10), Date.UTC(2024, 0, 6, 11, 30, 0, 500), Date.UTC(2024, 0, 7), Date.UTC(2024, 0, 8, 9)],
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('text ending in "UTC" stays text: a second zone, no date before it, an impossible date, two spaces', async () => {
  const dir = tmpDir();
  for (const text of [
    '2024-01-05T10:00:00Z UTC',
    '2024-01-05 10:00:00+02:00 UTC',
    '2024-01-05 10:00:00 -1 UTC',
    'meet at 10:00 UTC',
    'UTC',
    '2024-02-30 10:00:00 UTC',
    '2024-01-05 10:00:00  UTC',
    '2024-01-05 10:00:00 utc',
    '12 UTC',
  ]) {
    const f = path.join(dir, 'one.csv');
    fs.writeFileSync(f, `a\n2024-01-04 09:00:00 UTC\n"${text}"\n`);
    const t = await readTable(f);
    assert.equal(summarize(t.columns[0], t.rows).type, 'string', text);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
