/**
 * launchRun's parentRunId: the first run.json (written before the script starts) already names the parent, and
 * the keeper's final rewrite of run.json keeps it, so a sweep trial is never seen without its sweep.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchRun } from '../../src/core/launcher/launch';
import { tmpDir } from '../helpers/tmp';

const PYTHON = process.env.LINEAGE_TEST_PYTHON || '/usr/bin/python3';

function parentOf(dir: string): string | undefined {
  return (JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as { parentRunId?: string }).parentRunId;
}

test('launchRun writes parentRunId into the first run.json and it survives the end of the run', async () => {
  const workspace = tmpDir('lineage-launch-parent-');
  fs.writeFileSync(path.join(workspace, 'train.py'), 'import time\ntime.sleep(0.2)\nprint("ok")\n');
  const h = await launchRun({ workspace, command: ['train.py'], cwd: workspace, python: PYTHON, createdBy: 'test', parentRunId: 'sweep-1' });
  assert.equal(parentOf(h.dir), 'sweep-1', 'named before the script has ended');
  const r = await h.done;
  assert.equal(r.status, 'finished');
  assert.equal(parentOf(h.dir), 'sweep-1', 'kept by the final run.json');

  const plain = await launchRun({ workspace, command: ['train.py'], cwd: workspace, python: PYTHON, createdBy: 'test' });
  await plain.done;
  assert.equal(parentOf(plain.dir), undefined, 'no parent unless given');
});
