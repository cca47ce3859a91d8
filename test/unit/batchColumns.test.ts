import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { batchColumns } from '../../src/core/drift/batchColumns';
import { tmpDir } from '../helpers/tmp';

// The prediction/actual pickers of "Check Drift…" and "New Monitor…" offer these names.
test('batch columns: a CSV header with quotes and a BOM, a TSV, the first JSON Lines record, gzip', async () => {
  const dir = tmpDir('lineage-batch-columns-');
  const at = (name: string, body: string | Buffer) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, body);
    return f;
  };
  assert.deepEqual(await batchColumns(at('a.csv', '\uFEFFbedrooms,"floor, area","say ""hi""",price\n1,2,3,4\n')), [
    'bedrooms',
    'floor, area',
    'say "hi"',
    'price',
  ]);
  assert.deepEqual(await batchColumns(at('b.tsv', 'a\tb c\td\n1\t2\t3\n')), ['a', 'b c', 'd']);
  assert.deepEqual(await batchColumns(at('c.jsonl', '{"x": 1, "prediction": 2, "price": 3}\n{"y": 1}\n')), ['x', 'prediction', 'price']);
  assert.deepEqual(await batchColumns(at('d.jsonl.gz', gzipSync('{"p": 1, "q": 2}\n'))), ['p', 'q']);
  // Nothing readable: no names (the check itself then says what is wrong with the file), never a throw.
  assert.deepEqual(await batchColumns(at('e.jsonl', 'not json\n')), []);
  assert.deepEqual(await batchColumns(at('f.jsonl', '[1, 2]\n')), []);
  assert.deepEqual(await batchColumns(at('g.csv', '')), []);
  assert.deepEqual(await batchColumns(at('h.csv.gz', Buffer.from('not gzip'))), []);
  assert.deepEqual(await batchColumns(path.join(dir, 'missing.csv')), []);
});
