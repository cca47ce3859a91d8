import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { tmpDir } from '../helpers/tmp';
import { readTable } from '../../src/core/drift/readTable';
import { loadReference } from '../../src/core/drift/reference';
import { evaluateBatch } from '../../src/core/drift/evaluate';
import { chooseTest } from '../../src/core/drift/columnDrift';
import { cacheFile } from '../../src/core/drift/cache';
import { summarize } from '../../src/core/drift/summary';
import { DriftInputError } from '../../src/core/drift/driftError';

function write(dir: string, name: string, text: string | Buffer): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

/** A seeded table: x uniform * scale + shift, a category column, a 0/1 flag. */
function csv(rows: number, seed: number, opts: { shift?: number; scale?: number; cats?: string[] } = {}): string {
  let s = seed >>> 0 || 1;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const cats = opts.cats ?? ['a', 'b', 'c'];
  const lines = ['x,city,flag,when'];
  for (let i = 0; i < rows; i++)
    lines.push(
      `${(rnd() * (opts.scale ?? 100) + (opts.shift ?? 0)).toFixed(3)},${cats[Math.floor(rnd() * cats.length)]},${rnd() < 0.5 ? 'true' : 'false'},2024-01-0${1 + (i % 9)}`,
    );
  return lines.join('\n') + '\n';
}

test('types are inferred as the profiler does, missing values keep their rows, JSON Lines keys may be absent', async () => {
  const dir = tmpDir();
  const f = write(dir, 'a.jsonl', '{"n":1,"s":"x","b":true}\n{"n":2.5,"s":"NA"}\n{"n":null,"s":3,"b":false,"late":"2024-01-01"}\n');
  const t = await readTable(f);
  const byName = new Map(t.columns.map((c) => [c.name, summarize(c, t.rows)]));
  assert.equal(t.rows, 3);
  assert.equal(byName.get('n')!.type, 'number');
  assert.deepEqual([...(byName.get('n')!.sorted as Float64Array)], [1, 2.5]);
  assert.equal(byName.get('n')!.missing, 1);
  assert.equal(byName.get('s')!.type, 'string', 'a column mixing text and numbers is text');
  assert.deepEqual(
    [...byName.get('s')!.counts!],
    [
      ['x', 1],
      ['3', 1],
    ],
  );
  assert.equal(byName.get('b')!.type, 'boolean');
  assert.equal(byName.get('b')!.missing, 1, 'a row without the key counts as missing');
  assert.equal(byName.get('late')!.type, 'datetime');
  assert.equal(byName.get('late')!.missing, 2);
});

test('test choice follows Evidently: size and kind and distinct values', async () => {
  const dir = tmpDir();
  const small = await loadReference(write(dir, 'small.csv', csv(500, 1)), null);
  const big = await loadReference(write(dir, 'big.csv', csv(3000, 2)), null);
  const cur = (await readTable(write(dir, 'cur.csv', csv(200, 3)))).columns;
  const c = (name: string) =>
    summarize(
      cur.find((x) => x.name === name)!,
      200,
    );
  const r = (ref: typeof small, name: string) => ref.columns.find((x) => x.name === name)!;
  assert.equal(chooseTest(r(small, 'x'), c('x')).test, 'ks');
  assert.equal(chooseTest(r(small, 'city'), c('city')).test, 'chisquare');
  assert.equal(chooseTest(r(small, 'flag'), c('flag')).test, 'z');
  assert.equal(chooseTest(r(big, 'x'), c('x')).test, 'wasserstein');
  assert.equal(chooseTest(r(big, 'city'), c('city')).test, 'jensenshannon');
  const few = await loadReference(write(dir, 'few.csv', 'k\n' + Array.from({ length: 300 }, (_, i) => i % 4).join('\n') + '\n'), null);
  const fewCur = await readTable(write(dir, 'fewc.csv', 'k\n1\n2\n3\n'));
  assert.equal(chooseTest(few.columns[0], summarize(fewCur.columns[0], 3)).test, 'chisquare', 'numbers with ≤ 5 values are categories');
});

test('a shifted batch drifts in the shifted column only; out of range, new categories, missing and schema changes are reported', async () => {
  const dir = tmpDir();
  const ref = await loadReference(write(dir, 'ref.csv', csv(3000, 7)), null);
  const same = evaluateBatch(ref, await readTable(write(dir, 'same.csv', csv(2000, 8))), {});
  assert.deepEqual(
    same.columns.filter((c) => c.drifted).map((c) => c.name),
    [],
  );
  assert.equal(same.dataset.drifted, false);
  const when = same.columns.find((c) => c.name === 'when')!;
  assert.equal(when.test, 'wasserstein', 'dates are compared as instants');
  assert.equal(when.drifted, false);

  const shifted = csv(2000, 9, { shift: 60, cats: ['a', 'b', 'c', 'zz'] })
    .replace('x,city,flag,when', 'x,city,flag,when')
    .split('\n');
  // a missing x in one row, and a column the reference never had
  shifted[0] += ',extra';
  for (let i = 1; i < shifted.length - 1; i++) shifted[i] = (i === 5 ? shifted[i].replace(/^[^,]*/, '') : shifted[i]) + ',1';
  const b = evaluateBatch(ref, await readTable(write(dir, 'shift.csv', shifted.join('\n'))), {});
  const x = b.columns.find((c) => c.name === 'x')!;
  assert.equal(x.test, 'wasserstein');
  assert.ok(x.drifted && x.statistic! > 0.5, String(x.statistic));
  assert.ok(x.outOfRange!.count > 900 && x.outOfRange!.count < 1400, String(x.outOfRange!.count));
  assert.equal(x.missing.cur, 1 / 2000);
  assert.ok(x.psi! > 0.25);
  const city = b.columns.find((c) => c.name === 'city')!;
  assert.deepEqual(
    city.newCategories!.values.map((v) => v.value),
    ['zz'],
  );
  assert.ok(city.drifted);
  assert.deepEqual(b.schema, [{ column: 'extra', change: 'added' }]);
  assert.equal(b.dataset.drifted, true, '2 of 4 tested columns drifted (the dates did not)');

  const typeChange = evaluateBatch(ref, await readTable(write(dir, 'tc.csv', 'x,city\nabc,a\n')), {});
  assert.deepEqual(typeChange.schema, [
    { column: 'flag', change: 'removed' },
    { column: 'when', change: 'removed' },
    { column: 'x', change: 'type_changed', from: 'number', to: 'string' },
  ]);
  assert.equal(typeChange.columns.find((c) => c.name === 'x')!.test, null);
});

test('empty batch, one-row batch and a constant column give verdicts without crashing', async () => {
  const dir = tmpDir();
  const ref = await loadReference(write(dir, 'ref.csv', 'x,k\n' + Array.from({ length: 50 }, (_, i) => `${i},7`).join('\n') + '\n'), null);
  const empty = evaluateBatch(ref, await readTable(write(dir, 'e.csv', 'x,k\n')), {});
  assert.equal(empty.batch.rows, 0);
  assert.ok(empty.columns.every((c) => c.test === null && !c.drifted));
  assert.equal(empty.dataset.drifted, false);
  const one = evaluateBatch(ref, await readTable(write(dir, 'o.csv', 'x,k\n1000,7\n')), {});
  const x = one.columns.find((c) => c.name === 'x')!;
  assert.equal(x.test, 'ks');
  assert.equal(x.outOfRange!.count, 1);
  const k = one.columns.find((c) => c.name === 'k')!;
  assert.equal(k.test, 'chisquare', 'a constant numeric column has one value: chi-squared on its values (numbers with ≤ 5 values)');
  assert.equal(k.drifted, false);
});

test('gzip batches read like plain ones; a truncated gzip names the file', async () => {
  const dir = tmpDir();
  const text = csv(400, 4);
  const plain = await readTable(write(dir, 'b.csv', text));
  const gz = await readTable(write(dir, 'b.csv.gz', gzipSync(text)));
  assert.equal(gz.rows, plain.rows);
  assert.deepEqual([...(summarize(gz.columns[0], gz.rows).sorted as Float64Array)], [...(summarize(plain.columns[0], plain.rows).sorted as Float64Array)]);
  const whole = gzipSync(csv(20000, 5));
  const cut = write(dir, 'cut.csv.gz', whole.subarray(0, Math.floor(whole.length / 2)));
  await assert.rejects(readTable(cut), (e: Error) => e instanceof DriftInputError && e.message.includes('cut.csv.gz') && /truncated/.test(e.message));
});

test('bad input: non-UTF-8 bytes, a JSON line that is not an object, a short row: file and line named', async () => {
  const dir = tmpDir();
  const bytes = Buffer.concat([Buffer.from('a,b\n1,x\n2,y\n3,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
  await assert.rejects(
    readTable(write(dir, 'latin.csv', bytes)),
    (e: Error) => e instanceof DriftInputError && /latin\.csv, line 4: bytes that are not UTF-8/.test(e.message),
  );
  await assert.rejects(readTable(write(dir, 'arr.jsonl', '{"a":1}\n[1,2]\n')), (e: Error) => /arr\.jsonl, line 2: not a JSON object/.test(e.message));
  await assert.rejects(readTable(write(dir, 'short.csv', 'a,b\n1,2\n3\n')), (e: Error) => /short\.csv, line 3: 1 field, expected 2/.test(e.message));
  await assert.rejects(readTable(write(dir, 'x.parquet', 'PAR1')), (e: Error) => /not a table drift can read/.test(e.message));
});

test('the reference is cached by sha256: the second load does not parse it, a damaged cache file is rebuilt', async () => {
  const dir = tmpDir();
  const root = path.join(dir, '.lineage');
  fs.mkdirSync(root);
  const f = write(dir, 'ref.csv', csv(1500, 11));
  const first = await loadReference(f, root);
  assert.equal(first.cached, false);
  const file = cacheFile(root, first.sha256);
  assert.ok(fs.existsSync(file));
  const second = await loadReference(f, root);
  assert.equal(second.cached, true);
  assert.deepEqual([...(second.columns[0].sorted as Float64Array)], [...(first.columns[0].sorted as Float64Array)]);
  assert.deepEqual([...second.columns[1].counts!], [...first.columns[1].counts!]);
  // flip one byte of the values: the CRC no longer matches, so the table is read again and the file rewritten
  const buf = fs.readFileSync(file);
  buf[buf.length - 20] ^= 0xff;
  fs.writeFileSync(file, buf);
  const third = await loadReference(f, root);
  assert.equal(third.cached, false);
  assert.deepEqual([...(third.columns[0].sorted as Float64Array)], [...(first.columns[0].sorted as Float64Array)]);
  assert.equal((await loadReference(f, root)).cached, true);
  // a reference expected at another sha256 (a run's recorded input that changed since) is refused with what to do
  await assert.rejects(loadReference(f, root, { sha256: 'f'.repeat(64), what: 'data/ref.csv' }), /changed since.*lineage drift/);
});

test('long text cells (free text, blobs) are counted by a prefix and a digest: 1,000 of 20,000 characters keep little memory, and a change past the prefix is a new category', async () => {
  const dir = tmpDir();
  const long = (i: number, tail = 'z') => `${String(i).padStart(6, '0')}${'x'.repeat(20_000)}${tail}`;
  const table = (tail: (i: number) => string) => 'text,n\n' + Array.from({ length: 1000 }, (_, i) => `${long(i, tail(i))},${i}`).join('\n') + '\n';
  const refFile = write(
    dir,
    'ref.csv',
    table(() => 'z'),
  );
  const t = await readTable(refFile);
  const text = t.columns.find((c) => c.name === 'text')!;
  assert.equal(text.categories.length, 1000, 'every distinct text is its own category');
  const chars = text.categories.reduce((s, c) => s + c.length, 0);
  assert.ok(chars < 1000 * 400, `categories hold ${chars} characters, not the cells' 20 million`);
  t.dispose();
  const ref = await loadReference(refFile, null);
  const same = evaluateBatch(
    ref,
    await readTable(
      write(
        dir,
        'same.csv',
        table(() => 'z'),
      ),
    ),
    {},
  );
  assert.equal(same.columns.find((c) => c.name === 'text')!.newCategories!.distinct, 0);
  const changed = evaluateBatch(
    ref,
    await readTable(
      write(
        dir,
        'changed.csv',
        table((i) => (i === 7 ? 'Q' : 'z')),
      ),
    ),
    {},
  );
  assert.equal(changed.columns.find((c) => c.name === 'text')!.newCategories!.distinct, 1, 'a text changed only at its end is new');
  ref.dispose();
});
