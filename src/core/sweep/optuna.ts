import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { findSdkDir } from '../launcher/sdkDir';
import type { ParamSpec } from './space';
import type { Point } from './sample';
import type { Direction, SweepTrial } from './state';

export class OptunaError extends Error {}

/**
 * Asks Optuna's TPE sampler for the next `count` points. Each call is a short Python process
 * (`python -m lineage.sweep_optuna`) that rebuilds the study from the trials so far and asks it: no
 * long-lived helper to lose on a reload or a crash, and a resumed sweep asks exactly as the first one would.
 * The seed is offset by the number of trials so far, so the same history gives the same suggestions.
 */
export function askOptuna(
  python: string,
  o: { space: ParamSpec[]; direction: Direction; seed: number; trials: SweepTrial[]; count: number },
): Promise<Point[]> {
  const history = o.trials
    .filter((t) => t.status === 'finished' || t.status === 'failed' || t.status === 'running')
    .map((t) => ({
      params: t.params,
      value: t.status === 'finished' && typeof t.value === 'number' && Number.isFinite(t.value) ? t.value : null,
      state: t.status,
    }));
  const input = JSON.stringify({ space: o.space, direction: o.direction, seed: o.seed, history, count: o.count });
  return new Promise((resolve, reject) => {
    const sdk = findSdkDir();
    const child = spawn(python, ['-m', 'lineage.sweep_optuna'], {
      env: { ...process.env, PYTHONPATH: [sdk, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter), LINEAGE_RUN_DIR: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (e) =>
      reject(new OptunaError(`Could not start ${python} for Optuna (${e.message}); pass --python with an interpreter that has optuna.`)),
    );
    child.once('close', (code) => {
      if (code === 3)
        return reject(
          new OptunaError(
            `Optuna is not installed for ${python}: install it (Debian/Ubuntu: sudo apt-get install python3-optuna; else: ${python} -m pip install optuna), or pass --python with an interpreter that has it.`,
          ),
        );
      if (code !== 0) return reject(new OptunaError(`Optuna could not suggest the next trial (exit ${code}): ${err.trim().split('\n').slice(-3).join(' ')}`));
      try {
        const points = out
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => (JSON.parse(l) as { params: Point }).params);
        if (points.length !== o.count) throw new Error(`asked for ${o.count}, got ${points.length}`);
        resolve(points);
      } catch (e) {
        reject(new OptunaError(`Optuna's answer could not be read (${(e as Error).message}).`));
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
