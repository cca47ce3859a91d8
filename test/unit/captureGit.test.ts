/**
 * Issue 11, items 5 and 24: what the launcher records as a run's uncommitted changes, on real git
 * repositories in temp folders. Secrets stay out (by name only), and so do binary files, big files and the
 * outputs of earlier runs (by name and size), so the diff holds the code changes and does not grow per run.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { captureGit, MAX_UNTRACKED_BYTES, type OmittedFile } from '../../src/core/launcher/captureGit';
import { newRunId } from '../../src/core/util/ids';
import { gitInit } from '../helpers/cli';
import { tmpDir } from '../helpers/tmp';

function repoWithRunFolder(): { ws: string; runDir: string } {
  const ws = tmpDir('lineage-capture-');
  fs.writeFileSync(path.join(ws, 'train.py'), 'lr = 0.1\n');
  gitInit(ws);
  const runDir = path.join(ws, '.lineage', 'runs', newRunId());
  fs.mkdirSync(runDir, { recursive: true });
  return { ws, runDir };
}

function write(ws: string, rel: string, body: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
  fs.writeFileSync(path.join(ws, rel), body);
}

const byPath = (list: OmittedFile[] | undefined) => Object.fromEntries((list ?? []).map((o) => [o.path, o]));

test('untracked files with secret names are left out of git.diff and listed by name only', async () => {
  const { ws, runDir } = repoWithRunFolder();
  const secrets = ['.env', 'config/.env.local', 'server.pem', 'tls/api.key', 'aws_credentials.json', 'id_rsa', 'keys/id_ed25519.pub', 'cert.p12'];
  for (const s of secrets) write(ws, s, `TOKEN=SECRET-VALUE-${s}\n`);
  write(ws, 'notes.txt', 'an ordinary new file\n');
  fs.writeFileSync(path.join(ws, 'train.py'), 'lr = 0.2\n');

  const info = await captureGit(ws, runDir);
  assert.ok(info);
  const diff = fs.readFileSync(path.join(runDir, info.diffFile!), 'utf8');
  assert.doesNotMatch(diff, /SECRET-VALUE/, 'no secret content in the recorded diff');
  assert.match(diff, /an ordinary new file/, 'other untracked files are still recorded');
  assert.match(diff, /\+lr = 0\.2/, 'tracked changes are still recorded');
  const omitted = byPath(info.untrackedOmitted);
  for (const s of secrets) assert.deepEqual(omitted[s], { path: s, reason: 'secret' }, s);
  assert.equal(omitted['notes.txt'], undefined);
});

test('binary and big untracked files are listed with their size, not copied into git.diff', async () => {
  const { ws, runDir } = repoWithRunFolder();
  // A NumPy file as np.save writes it: magic, version bytes (0x01 0x00), header, raw float64s.
  const npy = Buffer.concat([
    Buffer.from('\x93NUMPY\x01\x00v\x00', 'latin1'),
    Buffer.from("{'descr': '<f8', 'fortran_order': False, 'shape': (64,), }\n"),
    Buffer.alloc(512, 0),
  ]);
  write(ws, 'outputs/features.npy', npy);
  const big = 'x,y\n' + '1.0,2.0\n'.repeat(Math.ceil(MAX_UNTRACKED_BYTES / 8) + 10);
  write(ws, 'data/big.csv', big);
  write(ws, 'helper.py', 'def f():\n    return 1\n');

  const info = await captureGit(ws, runDir);
  assert.ok(info);
  const diff = fs.readFileSync(path.join(runDir, info.diffFile!), 'utf8');
  assert.doesNotMatch(diff, /features\.npy/, 'the binary file is not in the diff');
  assert.doesNotMatch(diff, /big\.csv/, 'the big file is not in the diff');
  assert.match(diff, /return 1/);
  const omitted = byPath(info.untrackedOmitted);
  assert.deepEqual(omitted['outputs/features.npy'], { path: 'outputs/features.npy', reason: 'binary', size: npy.length });
  assert.deepEqual(omitted['data/big.csv'], { path: 'data/big.csv', reason: 'large', size: Buffer.byteLength(big) });
  assert.ok(diff.length < 4096, `the diff stays small (${diff.length} bytes)`);
});

test('files an earlier run recorded as outputs are left out of the next run’s diff', async () => {
  const { ws, runDir } = repoWithRunFolder();
  const earlier = path.join(ws, '.lineage', 'runs', '20200101-000000-aaaaaa');
  fs.mkdirSync(earlier, { recursive: true });
  fs.writeFileSync(
    path.join(earlier, 'datasets.json'),
    JSON.stringify({
      schema: 1,
      datasets: [
        { path: 'outputs/predictions.csv', role: 'output', sha256: null },
        { path: 'models', role: 'output', sha256: null },
        { path: 'data/train.csv', role: 'train', sha256: null },
      ],
    }),
  );
  write(ws, 'outputs/predictions.csv', 'id,pred\n1,0.5\n');
  write(ws, 'models/run1/params.json', '{"lr": 0.1}\n');
  write(ws, 'data/train.csv', 'a,b\n1,2\n');

  const info = await captureGit(ws, runDir);
  assert.ok(info);
  const diff = fs.readFileSync(path.join(runDir, info.diffFile!), 'utf8');
  assert.doesNotMatch(diff, /predictions\.csv|0\.5/, 'an earlier run’s output file is not in the diff');
  assert.doesNotMatch(diff, /params\.json/, 'files inside an earlier run’s output folder are not in the diff');
  assert.match(diff, /data\/train\.csv/, 'a data file only read by an earlier run is still recorded');
  const omitted = byPath(info.untrackedOmitted);
  assert.deepEqual(omitted['outputs/predictions.csv'], { path: 'outputs/predictions.csv', reason: 'output', size: Buffer.byteLength('id,pred\n1,0.5\n') });
  assert.equal(omitted['models/run1/params.json']?.reason, 'output');
});
