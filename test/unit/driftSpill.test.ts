// Drift in bounded memory: past the budget, numeric columns go to temporary files in chunks, are sorted and
// merged on disk, and the statistics stream them. Everything must equal the in-memory results exactly (and
// scipy's, through the fixtures), and no temporary file may be left, after success or after an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memoryBudget, parseSize, TMPDIR_ENV, BUDGET_ENV } from '../../src/core/drift/budget';
import { CATEGORY_CAP } from '../../src/core/drift/columnData';
import { evaluateFile } from '../../src/core/drift/evaluate';
import { DriftInputError } from '../../src/core/drift/driftError';
import { readTable } from '../../src/core/drift/readTable';
import { loadReference } from '../../src/core/drift/reference';
import { DiskSorted, mergeSorted, writeFloats, type SortedValues } from '../../src/core/drift/sortedFile';
import {
  countOutside,
  distinctUnionOf,
  histogramSharesOf,
  ks2sampOf,
  populationStdOf,
  quantileBinEdgesOf,
  sharesOverOf,
  valueCountsOf,
  wassersteinOf,
} from '../../src/core/drift/sortedStats';
import { psi } from '../../src/core/drift/stats';
import { summarize } from '../../src/core/drift/summary';
import type { BatchReport } from '../../src/core/drift/types';
import { mulberry32 } from '../../bench/lib/measure';

const FIX = path.resolve(__dirname, '../../test/fixtures/drift/scipy.json');

const spillRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-spill-test-'));
process.env[TMPDIR_ENV] = spillRoot;

/** Small enough that every numeric column spills in many chunks (the engine takes any budget; the CLI ≥ 1 MiB). */
const TINY = 64 * 1024;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-drift-spill-'));
}

/** What the spill folder holds: must be nothing between checks. */
function leftovers(): string[] {
  return fs.readdirSync(spillRoot);
}

function onDisk(values: Float64Array, dir: string, name: string): DiskSorted {
  const file = path.join(dir, name);
  writeFloats(file, values);
  return new DiskSorted(file, 0, values.length);
}

function randomSorted(rnd: () => number, n: number, kind: 'ties' | 'normal' | 'const'): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = kind === 'ties' ? Math.floor(rnd() * 7) - 3 : kind === 'const' ? 4.25 : (rnd() + rnd() + rnd() - 1.5) * 10;
  return a.sort();
}

/** A report without its timings (which differ between any two runs). */
function comparable(b: BatchReport | { error: string }): unknown {
  if ('error' in b) return b;
  return { ...b, timings: null };
}

test('sizes parse with K/M/G suffixes; the environment sets the budget, at least 1 MiB', () => {
  assert.equal(parseSize('512M'), 512 * 1024 ** 2);
  assert.equal(parseSize('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(parseSize('64KiB'), 64 * 1024);
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize('lots'), undefined);
  const saved = process.env[BUDGET_ENV];
  try {
    process.env[BUDGET_ENV] = '2G';
    assert.equal(memoryBudget(), 2 * 1024 ** 3);
    process.env[BUDGET_ENV] = '10';
    assert.equal(memoryBudget(), 1024 * 1024);
    assert.equal(memoryBudget(5), 5, 'the engine option is taken as given');
  } finally {
    if (saved === undefined) delete process.env[BUDGET_ENV];
    else process.env[BUDGET_ENV] = saved;
  }
});

test('every streaming statistic over values on disk equals the in-memory one exactly (ties, constants, unequal sizes)', () => {
  const dir = tmpDir();
  const rnd = mulberry32(13);
  const cases: Array<[Float64Array, Float64Array]> = [
    [randomSorted(rnd, 5000, 'normal'), randomSorted(rnd, 3000, 'normal')],
    [randomSorted(rnd, 20000, 'ties'), randomSorted(rnd, 15001, 'ties')],
    [randomSorted(rnd, 300, 'const'), randomSorted(rnd, 200, 'const')],
    [randomSorted(rnd, 1, 'normal'), randomSorted(rnd, 70000, 'normal')],
  ];
  cases.forEach(([a, b], k) => {
    const da = onDisk(a, dir, `a${k}`);
    const db = onDisk(b, dir, `b${k}`);
    const both: Array<[SortedValues, SortedValues]> = [
      [da, db],
      [a, db],
      [da, b],
    ];
    for (const [x, y] of both) {
      assert.deepEqual(ks2sampOf(x, y), ks2sampOf(a, b), `case ${k}: ks`);
      assert.equal(wassersteinOf(x, y), wassersteinOf(a, b), `case ${k}: wasserstein`);
      assert.equal(distinctUnionOf(x, y), distinctUnionOf(a, b), `case ${k}: distinct`);
      assert.deepEqual(histogramSharesOf(x, y), histogramSharesOf(a, b), `case ${k}: histogram`);
    }
    assert.equal(populationStdOf(da), populationStdOf(a), `case ${k}: std`);
    assert.deepEqual([...valueCountsOf(db)], [...valueCountsOf(b)], `case ${k}: value counts`);
    const edges = quantileBinEdgesOf(a);
    assert.deepEqual(quantileBinEdgesOf(da), edges, `case ${k}: PSI edges`);
    assert.deepEqual(sharesOverOf(db, edges), sharesOverOf(b, edges), `case ${k}: PSI shares`);
    assert.deepEqual(countOutside(db, a[0], a[a.length - 1]), countOutside(b, a[0], a[a.length - 1]), `case ${k}: out of range`);
  });
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the k-way merge of sorted runs gives the sorted whole, whatever the read block', () => {
  const dir = tmpDir();
  const rnd = mulberry32(5);
  const runs = Array.from({ length: 37 }, (_, i) => randomSorted(rnd, i * 13, i % 3 === 0 ? 'ties' : 'normal'));
  const whole = Float64Array.from(runs.flatMap((r) => [...r])).sort();
  for (const block of [1, 7, 65536]) {
    const merged = mergeSorted(
      runs.map((r, i) => (i % 2 ? onDisk(r, dir, `r${block}-${i}`) : r)),
      path.join(dir, `m${block}`),
      block,
    );
    assert.equal(merged.length, whole.length);
    assert.deepEqual(new Float64Array(fs.readFileSync(merged.file).buffer.slice(0)), whole, `block ${block}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

type Num = number | string;
interface KsCase {
  name: string;
  statistic: Num;
  pvalue: Num;
  wasserstein: Num;
  psi: Num;
  a?: Num[];
  b?: Num[];
}

test("scipy's fixtures read from CSV with a tiny budget (spilled, merged on disk) give scipy's KS, Wasserstein and PSI", async () => {
  const fx = JSON.parse(fs.readFileSync(FIX, 'utf8')) as { ks: KsCase[] };
  const dir = tmpDir();
  const cases = fx.ks.filter((c) => c.a && c.b && c.a.length > 40);
  assert.ok(cases.length >= 3, 'the fixtures have inline samples to write out');
  for (const c of cases) {
    const csv = (vals: Num[]) => 'x\n' + vals.map((v) => (v === 'NaN' ? '' : String(v))).join('\n') + '\n';
    const refFile = path.join(dir, `${c.name.replace(/\W+/g, '_')}-ref.csv`);
    const curFile = path.join(dir, `${c.name.replace(/\W+/g, '_')}-cur.csv`);
    fs.writeFileSync(refFile, csv(c.a!));
    fs.writeFileSync(curFile, csv(c.b!));
    const ref = await readTable(refFile, { keepRows: new Set(), budget: 0 });
    const cur = await readTable(curFile, { keepRows: new Set(), budget: 0 });
    const a = summarize(ref.columns[0], ref.rows).sorted!;
    const b = summarize(cur.columns[0], cur.rows).sorted!;
    assert.ok(a instanceof DiskSorted && b instanceof DiskSorted, `${c.name}: both sides went to disk`);
    const ks = ks2sampOf(a, b);
    const rel = (x: number, e: Num) => (Number(e) === 0 ? Math.abs(x) : Math.abs(x - Number(e)) / Math.abs(Number(e)));
    assert.ok(rel(ks.statistic, c.statistic) <= 1e-12, `${c.name}: D ${ks.statistic} vs ${c.statistic}`);
    assert.ok(rel(ks.pValue!, c.pvalue) <= 1e-9, `${c.name}: p ${ks.pValue} vs ${c.pvalue}`);
    assert.ok(rel(wassersteinOf(a, b), c.wasserstein) <= 1e-12, `${c.name}: wasserstein`);
    const edges = quantileBinEdgesOf(a);
    assert.ok(rel(psi(sharesOverOf(a, edges), sharesOverOf(b, edges)), c.psi) <= 1e-12, `${c.name}: PSI`);
    ref.dispose();
    cur.dispose();
  }
  assert.deepEqual(leftovers(), []);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A reference and a batch with NaN, ties, a constant column, infinities, text and a column that turns to text late. */
function tables(dir: string, seed: number, rows: number): { ref: string; cur: string } {
  const rnd = mulberry32(seed);
  const line = (shift: number, i: number) => {
    const g = (rnd() + rnd() + rnd() - 1.5) * 10 + shift;
    const tie = Math.floor(rnd() * 6);
    const missing = rnd() < 0.1 ? '' : (g * 3).toFixed(2);
    const inf = i % 997 === 5 ? 'inf' : String(Math.round(g));
    const city = ['north', 'south', 'east', shift ? 'harbour' : 'west'][Math.floor(rnd() * 4)];
    // numbers until the very end, then one text cell: the column becomes categorical after spilling
    const late = i === rows - 1 ? 'n/a-late' : String(i % (CATEGORY_CAP + 500));
    return [g.toFixed(6), tie, missing, 7, inf, city, late, rnd() < 0.5 ? 'true' : 'false'].join(',');
  };
  const head = 'g,tie,sparse,constant,withinf,city,late,flag';
  const write = (name: string, shift: number) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, [head, ...Array.from({ length: rows }, (_, i) => line(shift, i))].join('\n') + '\n');
    return f;
  };
  return { ref: write('ref.csv', 0), cur: write('cur.csv', 1.5) };
}

test('a whole batch report is the same with a tiny budget (everything spilled) as in memory; nothing is left in the temp folder', async () => {
  const dir = tmpDir();
  const { ref, cur } = tables(dir, 21, 12_000);
  const opts = { prediction: 'withinf', actual: 'sparse', overrides: { tie: { test: 'ks' as const }, constant: { test: 'ks' as const } } };
  const inMemory = await loadReference(ref, null, undefined, 1e12);
  const spilled = await loadReference(ref, null, undefined, TINY);
  assert.ok(
    spilled.columns.some((c) => c.sorted instanceof DiskSorted),
    'the tiny budget put the reference on disk',
  );
  assert.ok(leftovers().length > 0, 'the reference without a cache keeps its columns in temporary files while in use');
  const a = await evaluateFile(inMemory, cur, { ...opts, memoryBudget: 1e12 });
  const b = await evaluateFile(spilled, cur, { ...opts, memoryBudget: TINY });
  assert.ok(!('error' in a), JSON.stringify(a));
  assert.deepEqual(comparable(b), comparable(a));
  const late = a.columns.find((c) => c.name === 'late')!;
  assert.equal(late.kind, 'categorical', 'the late column turned to text after it had spilled');
  assert.ok(a.columns.find((c) => c.name === 'g')!.drifted, 'the shifted column drifts (a real comparison)');
  assert.ok(a.performance, 'performance from the rows kept');
  spilled.dispose();
  inMemory.dispose();
  assert.deepEqual(leftovers(), [], 'the reference and batch temp files are gone');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the reference cache works past the budget: written from the columns on disk, read back in blocks, same report', async () => {
  const dir = tmpDir();
  const root = path.join(dir, '.lineage');
  fs.mkdirSync(root);
  const { ref, cur } = tables(dir, 22, 6000);
  const first = await loadReference(ref, root, undefined, TINY);
  assert.equal(first.cached, false);
  assert.ok(
    first.columns.some((c) => c.sorted instanceof DiskSorted && c.sorted.file.startsWith(path.join(root, 'cache', 'drift'))),
    'columns read from the cache file',
  );
  assert.deepEqual(leftovers(), [], 'with a cache, no temporary file outlives the reference read');
  const again = await loadReference(ref, root, undefined, TINY);
  assert.equal(again.cached, true);
  const memory = await loadReference(ref, root, undefined, 1e12);
  assert.ok(
    memory.columns.every((c) => !(c.sorted instanceof DiskSorted)),
    'a large budget reads the same cache into memory',
  );
  const r1 = await evaluateFile(again, cur, { memoryBudget: TINY });
  const r2 = await evaluateFile(memory, cur, {});
  assert.deepEqual(comparable(r1), comparable(r2));
  assert.deepEqual(leftovers(), []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('temp files are removed after an error: a bad row after columns spilled; a failed evaluation', async () => {
  const dir = tmpDir();
  const { ref, cur } = tables(dir, 23, 3000);
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, fs.readFileSync(cur, 'utf8') + '1,2,3\n');
  await assert.rejects(
    readTable(bad, { keepRows: new Set(), budget: TINY }),
    (e: Error) => e instanceof DriftInputError && e.message.includes('bad.csv') && /line 3002/.test(e.message),
  );
  assert.deepEqual(leftovers(), [], 'a refused file leaves nothing');
  const reference = await loadReference(ref, null, undefined, TINY);
  const failed = await evaluateFile(reference, bad, { memoryBudget: TINY });
  assert.ok('error' in failed && failed.error.includes('bad.csv'));
  // An error thrown while the report is computed (not an input error: the reference's column file vanished)
  // still removes the batch's temporary files; only the reference's own folder is left until it is disposed.
  const g = reference.columns.find((c) => c.name === 'g')!.sorted as DiskSorted;
  fs.rmSync(g.file);
  const before = leftovers();
  await assert.rejects(evaluateFile(reference, cur, { memoryBudget: TINY }), /ENOENT/);
  assert.deepEqual(leftovers(), before, "the batch's temporary folder went with the error");
  reference.dispose();
  assert.deepEqual(leftovers(), []);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("a check killed with SIGKILL left its spill folder and a half-written cache file: the next check removes them (a live process's are kept)", async () => {
  const dead = spawnSync(process.execPath, ['-e', '0']).pid;
  const deadSpill = path.join(spillRoot, `lineage-drift-${dead}-aB3xYz`);
  const liveSpill = path.join(spillRoot, `lineage-drift-${process.ppid}-cD4wVu`);
  for (const d of [deadSpill, liveSpill]) {
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'col-0.f64'), Buffer.alloc(4096));
  }
  const dir = tmpDir();
  const root = path.join(dir, '.lineage');
  const cache = path.join(root, 'cache', 'drift');
  fs.mkdirSync(cache, { recursive: true });
  const halfCache = path.join(cache, `${'0'.repeat(64)}.v1.${dead}.1764900000000.tmp`);
  fs.writeFileSync(halfCache, Buffer.alloc(4096));
  const { ref, cur } = tables(dir, 23, 3000);
  const loaded = await loadReference(ref, root, undefined, TINY);
  const report = await evaluateFile(loaded, cur, { memoryBudget: TINY });
  assert.ok(!('error' in report), JSON.stringify(report));
  loaded.dispose();
  assert.equal(fs.existsSync(deadSpill), false, 'the dead process’s spill folder is removed');
  assert.equal(fs.existsSync(halfCache), false, 'the dead process’s half-written cache file is removed');
  assert.deepEqual(leftovers(), [path.basename(liveSpill)], 'a live process’s folder is left alone');
  fs.rmSync(liveSpill, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A batch whose prediction and actual columns are large: numbers, classes, numbers turning to text at the end, dates after many empty rows. */
function predictionTable(dir: string, name: string, rows: number, seed: number): string {
  const rnd = mulberry32(seed);
  const lines = ['x,pred,y,cls_pred,cls,late,when,when2'];
  const classes = ['cat', 'dog', 'bird'];
  for (let i = 0; i < rows; i++) {
    const y = (rnd() + rnd() + rnd() - 1.5) * 10;
    const pred = rnd() < 0.05 ? '' : (y + (rnd() - 0.5) * 3).toFixed(4);
    const cls = classes[Math.floor(rnd() * 3)];
    const clsPred = rnd() < 0.8 ? cls : classes[Math.floor(rnd() * 3)];
    const late = i === rows - 1 ? 'unknown' : String(Math.floor(rnd() * 3));
    const day = (d: number) => new Date(Date.UTC(2024, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    const when = i < rows / 3 ? '' : day(Math.floor(rnd() * 60));
    lines.push([(rnd() * 5).toFixed(3), pred, y.toFixed(4), clsPred, rnd() < 0.03 ? '' : cls, late, when, day(Math.floor(rnd() * 60))].join(','));
  }
  const f = path.join(dir, name);
  fs.writeFileSync(f, lines.join('\n') + '\n');
  return f;
}

test('prediction and actual columns stay within the memory budget (values and codes spill in row order) with the same report, performance included', async () => {
  const dir = tmpDir();
  const ref = predictionTable(dir, 'ref.csv', 6_000, 31);
  const cur = predictionTable(dir, 'cur.csv', 40_000, 32);
  const reference = await loadReference(ref, null, undefined, 1e12);
  const kept = ['pred', 'y', 'cls_pred', 'cls', 'late', 'when', 'when2'];
  // In memory every kept column holds its rows: 40,000 values take 320 KB each, five times the tiny budget.
  const full = await readTable(cur, { keepRows: new Set(kept), budget: 1e12 });
  const fullUsed = full.columns[0].tracker!.used;
  full.dispose();
  const t = await readTable(cur, { keepRows: new Set(kept), budget: TINY });
  const col = (n: string) => t.columns.find((c) => c.name === n)!;
  assert.ok(col('pred').spilledChunks.length > 1 && col('y').spilledChunks.length > 1, 'numeric prediction and actual went to disk');
  for (const n of ['cls_pred', 'cls', 'late', 'when', 'when2']) assert.ok(col(n).spilledCodeChunks > 1, `${n}: its codes went to disk`);
  const used = t.columns[0].tracker!.used;
  assert.ok(used <= TINY + 64 * 1024, `the kept columns held ${used} bytes against a budget of ${TINY}`);
  assert.ok(fullUsed > 10 * TINY, `in memory they hold ${fullUsed} bytes`);
  t.dispose();

  for (const opts of [
    { prediction: 'pred', actual: 'y' },
    { prediction: 'cls_pred', actual: 'cls' },
    { prediction: 'late', actual: 'cls' },
    { prediction: 'when', actual: 'when2' },
  ]) {
    const a = await evaluateFile(reference, cur, { ...opts, memoryBudget: 1e12 });
    const b = await evaluateFile(reference, cur, { ...opts, memoryBudget: TINY });
    assert.ok(!('error' in a), JSON.stringify(a));
    assert.ok(a.performance && a.prediction && a.actual, JSON.stringify(opts));
    assert.deepEqual(comparable(b), comparable(a), JSON.stringify(opts));
    assert.deepEqual(leftovers(), [], 'the batch temp files are gone');
  }
  const r = await evaluateFile(reference, cur, { prediction: 'pred', actual: 'y', memoryBudget: TINY });
  assert.ok(!('error' in r) && r.performance?.metric === 'rmse' && r.performance.rows > 30_000, 'a real regression figure');
  reference.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
