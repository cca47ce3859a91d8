import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { capturePython } from '../../src/core/launcher/capturePython';
import { tmpDir } from '../helpers/tmp';

/**
 * A real interpreter (Debian's) behind a wrapper that puts a folder of our own on its path (the probe runs
 * with -I, which would ignore PYTHONPATH) and counts how often it is started.
 */
function wrappedPython(dir: string): { python: string; site: string; starts: () => number } {
  const site = path.join(dir, 'site');
  fs.mkdirSync(site);
  const log = path.join(dir, 'starts.log');
  const python = path.join(dir, 'python');
  fs.writeFileSync(python, `#!/bin/sh\necho x >> '${log}'\nshift\nexec /usr/bin/python3 -c "import sys; sys.path.insert(0, '${site}')\n$2"\n`, { mode: 0o755 });
  return { python, site, starts: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0) };
}

function install(site: string, name: string, version: string): void {
  const info = path.join(site, `${name}-${version}.dist-info`);
  fs.mkdirSync(info);
  fs.writeFileSync(path.join(info, 'METADATA'), `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`);
}

test('the package list is reused while nothing is installed or removed, and listed again after', async () => {
  const dir = tmpDir();
  const cache = path.join(dir, 'cache');
  const { python, site, starts } = wrappedPython(dir);
  install(site, 'lineage-probe-a', '1.0');
  const first = await capturePython(python, dir, cache);
  assert.ok(
    first?.packages?.some((p) => p.name === 'lineage-probe-a' && p.version === '1.0'),
    JSON.stringify(first?.packages?.slice(0, 3)),
  );
  assert.equal(starts(), 1);
  const again = await capturePython(python, dir, cache);
  assert.deepEqual(again, first);
  assert.equal(starts(), 1, 'the second run reused the list without starting an interpreter');

  install(site, 'lineage-probe-b', '2.0'); // a new package folder changes the site folder's mtime
  const after = await capturePython(python, dir, cache);
  assert.equal(starts(), 2, 'an install is noticed');
  assert.ok(after?.packages?.some((p) => p.name === 'lineage-probe-b' && p.version === '2.0'));

  fs.rmSync(path.join(site, 'lineage-probe-a-1.0.dist-info'), { recursive: true });
  const removed = await capturePython(python, dir, cache);
  assert.equal(starts(), 3, 'a removal is noticed');
  assert.ok(!removed?.packages?.some((p) => p.name === 'lineage-probe-a'));
  // Without a cache folder, every call lists them.
  await capturePython(python, dir);
  assert.equal(starts(), 4);
});
