import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clearExplanationCache, ExplainError, explanationDir, loadExplanation, readManifest } from '../../src/core/explain/load';
import { tmpDir } from '../helpers/tmp';
import { writeExplanation, type ExplanationSpec } from '../helpers/explanationFixture';

const SMALL: ExplanationSpec = {
  features: ['a', 'b'],
  values: [
    [1, -2],
    [3, 0.5],
  ],
  data: [
    [10, 20],
    [30, 40],
  ],
  base: 5,
  target: [4, 9],
};

function run(): string {
  const dir = path.join(tmpDir('lineage-explain-'), 'run');
  fs.mkdirSync(dir);
  return dir;
}

async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ExplainError, `an ExplainError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

test('a fixture explanation reads back: manifest camelCase, arrays as written', async () => {
  const dir = run();
  writeExplanation(dir, SMALL);
  const m = await readManifest(dir, 'default');
  assert.equal(m.method, 'tree_path_dependent');
  assert.equal(m.exact, true);
  assert.deepEqual(m.features, ['a', 'b']);
  assert.equal(m.rows, 2);
  assert.equal(m.outputName, 'price');
  assert.equal(m.baseValue, 5);
  assert.equal(m.python, '/usr/bin/python3');
  const ex = await loadExplanation(dir, 'default');
  assert.deepEqual([...ex.values], [1, -2, 3, 0.5]);
  assert.deepEqual([...ex.output], [4, 8.5]);
  assert.deepEqual([...ex.target!], [4, 9]);
  assert.equal(ex.stderr, null);
  assert.equal(ex.ice, null);
});

test('float32 files are widened, and the cache serves the same arrays until the manifest changes', async () => {
  const dir = run();
  writeExplanation(dir, {
    ...SMALL,
    dtype: 'float32',
    values: [
      [0.1, 0.2],
      [0.3, 0.4],
    ],
  });
  clearExplanationCache();
  const a = await loadExplanation(dir, 'default');
  assert.equal(a.values[0], Math.fround(0.1));
  assert.equal(await loadExplanation(dir, 'default'), a, 'second load is served from the cache');
  writeExplanation(dir, {
    ...SMALL,
    values: [
      [7, 7],
      [7, 7],
    ],
    event: false,
  });
  const b = await loadExplanation(dir, 'default');
  assert.notEqual(b, a);
  assert.equal(b.values[0], 7);
});

test('names that could leave the run folder are refused before any file is touched', () => {
  for (const bad of ['../x', '.hidden', '', 'a/b', 'x'.repeat(65), 'a b', 'é']) assert.throws(() => explanationDir('/r', bad), ExplainError, bad);
  assert.equal(explanationDir('/r', 'gbr-v2.1_final'), path.join('/r', 'explanations', 'gbr-v2.1_final'));
});

test('a missing explanation says how to make one', async () => {
  await refused(readManifest(run(), 'default'), /no explanation "default".*lineage\.explain\(model, X\)/);
  await refused(readManifest(run(), 'ridge'), /name="ridge"/);
});

test('manifest fields of the wrong type are refused with the field named', async () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ format: 2 }, /format 2, newer .* update Lineage/],
    [{ format: '1' }, /"format" must be the number 1/],
    [{ method: 'magic' }, /method "magic" is not one this Lineage knows/],
    [{ exact: 'yes' }, /"exact" must be true or false/],
    [{ features: 'a,b' }, /"features" must be a list of strings/],
    [{ features: ['a', 'a'] }, /feature "a" appears twice/],
    [{ rows: 2.5 }, /"rows" must be a whole number/],
    [{ rows: 3 }, /array "values" has shape \[2, 2\], expected \[3, 2\]/],
    [{ link: 'probit' }, /"link" must be "identity" or "logit"/],
    [{ feature_kinds: ['numeric'] }, /"feature_kinds" must be a list of 2 kinds/],
    [{ categories: { a: [1, 2] } }, /"categories\.a" must be a list of strings/],
    [{ additivity_error: 'small' }, /"additivity_error" must be a number/],
    [{ row_ids: [1] }, /"row_ids" must be a list of 2 whole numbers/],
    [{ partial_dependence: [{ feature: 'zzz', grid: [1], average: [2] }] }, /"partial_dependence\[0\]\.feature" must be one of the features/],
    [{ name: '../evil' }, /"name" must be letters/],
  ];
  for (const [override, pattern] of cases) {
    const dir = run();
    writeExplanation(dir, { ...SMALL, manifest: override });
    await refused(readManifest(dir, 'default'), pattern);
  }
});

test('array entries: missing, a path instead of a name, wrong byte count', async () => {
  const dir = run();
  const { manifest } = writeExplanation(dir, SMALL);
  const arrays = manifest.arrays as Record<string, Record<string, unknown>>;
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...arrays, base: undefined }, /the array "base" is missing from "arrays"/],
    [{ ...arrays, values: { ...arrays.values, file: '../../../etc/passwd' } }, /"arrays\.values\.file" must be a file name in the explanation folder/],
    [{ ...arrays, values: { ...arrays.values, bytes: 31 } }, /"arrays\.values\.bytes" must be 32/],
    [{ ...arrays, values: { ...arrays.values, dtype: 'int8' } }, /"arrays\.values\.dtype"/],
    [{ ...arrays, output: { ...arrays.output, shape: [2, 1] } }, /"arrays\.output\.shape" must be a list of 1 whole numbers/],
  ];
  for (const [bad, pattern] of cases) {
    const d = run();
    writeExplanation(d, { ...SMALL, manifest: { arrays: bad } });
    await refused(readManifest(d, 'default'), pattern);
  }
});

test('a torn manifest, a short array, a damaged array and a missing array are refused, naming the file', async () => {
  let dir = run();
  const { dir: exDir } = writeExplanation(dir, SMALL);
  const mf = path.join(exDir, 'explanation.json');
  fs.writeFileSync(mf, fs.readFileSync(mf, 'utf8').slice(0, 100));
  await refused(readManifest(dir, 'default'), /explanations\/default\/explanation\.json is not valid JSON.*Re-run the script/);

  dir = run();
  const short = writeExplanation(dir, SMALL).dir;
  fs.truncateSync(path.join(short, 'values.f64'), 24);
  await refused(loadExplanation(dir, 'default'), /values\.f64 has 24 bytes where the manifest says 32.*Re-run the script/);

  dir = run();
  const flipped = writeExplanation(dir, SMALL).dir;
  const bytes = fs.readFileSync(path.join(flipped, 'data.f64'));
  bytes[3] ^= 0x10;
  fs.writeFileSync(path.join(flipped, 'data.f64'), bytes);
  await refused(loadExplanation(dir, 'default'), /data\.f64 has checksum \d+ where the manifest says \d+: the file is torn or damaged/);

  dir = run();
  const gone = writeExplanation(dir, { ...SMALL, target: [1, 2] }).dir;
  fs.rmSync(path.join(gone, 'target.f64'));
  await refused(loadExplanation(dir, 'default'), /target\.f64 is missing; the explanation is incomplete/);
});

test('Python-style NaN in the manifest reads as an unknown number, not a parse error', async () => {
  const dir = run();
  const { dir: exDir } = writeExplanation(dir, SMALL);
  const mf = path.join(exDir, 'explanation.json');
  const text = fs
    .readFileSync(mf, 'utf8')
    .replace(/"additivity_error": [^,]+,/, '"additivity_error": NaN,')
    .replace('"units": {}', '"units": {"a": "NaN m"}');
  fs.writeFileSync(mf, text);
  const m = await readManifest(dir, 'default');
  assert.ok(Number.isNaN(m.additivityError));
  assert.equal(m.units.a, 'NaN m', 'the word inside a string is left alone');
});

test('a link out of the run folder is not followed', async () => {
  const outside = tmpDir('lineage-explain-outside-');
  writeExplanation(outside, SMALL);
  const dir = run();
  fs.symlinkSync(path.join(outside, 'explanations'), path.join(dir, 'explanations'));
  await refused(readManifest(dir, 'default'), /not read: a link to outside the run folder/);
});

test('hostile feature names stay plain keys', async () => {
  const names = ['__proto__', 'constructor', '<img src=x onerror=alert(1)>', '\u202eevil\n'];
  const dir = run();
  writeExplanation(dir, {
    features: names,
    values: [[1, 2, 3, 4]],
    data: [[0, 1, 2, 3]],
    base: 0,
    featureKinds: ['categorical', 'numeric', 'numeric', 'numeric'],
    // JSON.parse makes "__proto__" an own key, as a manifest written by Python would have it.
    categories: JSON.parse('{"__proto__": ["x"], "constructor": ["y"]}') as Record<string, string[]>,
  });
  const m = await readManifest(dir, 'default');
  assert.deepEqual(m.features, names);
  assert.ok(Object.hasOwn(m.categories, '__proto__') && Object.hasOwn(m.categories, 'constructor'));
  assert.deepEqual([m.categories['__proto__'], m.categories.constructor], [['x'], ['y']]);
  assert.equal(Object.getPrototypeOf(m.categories), null);
  assert.equal(({} as Record<string, unknown>).length, undefined, 'Object.prototype untouched');
});
