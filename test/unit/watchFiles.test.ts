/** The one watch helper with its polling fallback (src/core/util/watchFiles.ts), used by runs and datasets. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isWatchLimit, watchPath } from '../../src/core/util/watchFiles';
import { tmpDir } from '../helpers/tmp';

const refused = (code: string) => Object.assign(new Error(`${code}: refused`), { code });

test('a watch the system refuses (the inotify limit) polls the given files instead, says so once, and still reports appends', async () => {
  const dir = tmpDir('lineage-watchfiles-');
  const file = path.join(dir, 'events.jsonl');
  fs.writeFileSync(file, '{}\n');
  // The module object itself (an import namespace is read-only): watchFiles reads fs.watch through it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeFs = require('node:fs') as { watch: unknown };
  const realWatch = nodeFs.watch;
  const reasons: string[] = [];
  let events = 0;
  nodeFs.watch = () => {
    throw refused('ENOSPC');
  };
  let w: ReturnType<typeof watchPath>;
  try {
    w = watchPath(dir, () => events++, { poll: [file], pollMs: 20, onFallback: (r) => reasons.push(r) });
  } finally {
    nodeFs.watch = realWatch;
  }
  assert.deepEqual(reasons, ['ENOSPC']);
  // fs.watchFile compares mtimes: make the change visible even on a coarse clock.
  await new Promise((r) => setTimeout(r, 50));
  fs.appendFileSync(file, '{"type":"metric"}\n');
  fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const end = Date.now() + 3000;
  while (events === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  w.close();
  assert.ok(events > 0, 'the append was seen by polling');
  const after = events;
  fs.appendFileSync(file, '{}\n');
  fs.utimesSync(file, new Date(), new Date(Date.now() + 10_000));
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(events, after, 'nothing after close()');
});

test('a missing target throws ENOENT (the owner watches its parent instead); a working watch reports names', async () => {
  const dir = tmpDir('lineage-watchfiles-');
  assert.throws(() => watchPath(path.join(dir, 'nope'), () => undefined, { pollMs: 20, onFallback: () => assert.fail('no fallback for a missing path') }), {
    code: 'ENOENT',
  });
  const names: Array<string | null> = [];
  const w = watchPath(dir, (n) => names.push(n), { pollMs: 20, onFallback: (r) => assert.fail(`fell back: ${r}`) });
  fs.writeFileSync(path.join(dir, 'run.json'), '{}');
  const end = Date.now() + 3000;
  while (!names.includes('run.json') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  w.close();
  assert.ok(names.includes('run.json'), `events: ${names.join(', ')}`);
});

test('isWatchLimit: out of watches or open files, not a path that is gone', () => {
  assert.equal(isWatchLimit(refused('ENOSPC')), true);
  assert.equal(isWatchLimit(refused('EMFILE')), true);
  assert.equal(isWatchLimit(refused('ENOENT')), false);
  assert.equal(isWatchLimit(new Error('plain')), false);
  assert.equal(isWatchLimit(undefined), false);
});
