import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LineageSummary, ModelFile } from '../../../src/core/registry/types';

/** Writes a file of `size` pseudo-random bytes (in 1 MiB pieces, so big ones never sit in memory) and returns its sha256. */
export function writeRandomFile(file: string, size: number, seed = 1): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'w');
  const hash = crypto.createHash('sha256');
  const piece = crypto.createHash('sha512').update(String(seed)).digest();
  const block = Buffer.alloc(Math.min(size, 1 << 20));
  for (let i = 0; i < block.length; i += piece.length) piece.copy(block, i);
  for (let off = 0, n = 0; off < size; off += block.length, n++) {
    const len = Math.min(block.length, size - off);
    block.writeUInt32LE(n, 0); // no two blocks alike, so a misplaced chunk changes the digest
    fs.writeSync(fd, block, 0, len);
    hash.update(block.subarray(0, len));
  }
  fs.closeSync(fd);
  return hash.digest('hex');
}

/** A small model folder: a weights file of `weightBytes`, a config and a README, as ModelFiles. */
export function makeModel(dir: string, weightBytes = 3 << 20, seed = 1): { files: ModelFile[]; sha256: Record<string, string> } {
  const sha256: Record<string, string> = {};
  sha256['model.pkl'] = writeRandomFile(path.join(dir, 'model.pkl'), weightBytes, seed);
  fs.mkdirSync(path.join(dir, 'meta'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'meta', 'config.json'), JSON.stringify({ seed }));
  fs.writeFileSync(path.join(dir, 'README.md'), `# model ${seed}\n`);
  for (const p of ['meta/config.json', 'README.md'])
    sha256[p] = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(dir, p)))
      .digest('hex');
  const files = Object.keys(sha256).map((p) => ({
    path: p,
    absPath: path.join(dir, ...p.split('/')),
    size: fs.statSync(path.join(dir, ...p.split('/'))).size,
  }));
  return { files, sha256 };
}

export function sampleLineage(runId = 'run-0001'): LineageSummary {
  return {
    runId,
    runName: 'house-prices-rf',
    experiment: 'houses',
    command: 'python train.py',
    gitCommit: '0123456789abcdef0123456789abcdef01234567',
    gitBranch: 'main',
    gitDirty: false,
    startedAt: 1764900000000,
    endedAt: 1764900060000,
    params: { n_estimators: 200, max_depth: 12 },
    metrics: { rmse: 0.42, r2: 0.91 },
    datasets: [{ path: 'data/houses.csv', role: 'train', sha256: 'a'.repeat(64) }],
    python: { version: '3.11.2', packages: { 'scikit-learn': '1.2.1' } },
    flavor: 'sklearn',
  };
}
