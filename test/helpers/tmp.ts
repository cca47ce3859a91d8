import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { newRunId } from '../../src/core/util/ids';

export function tmpDir(prefix = 'lineage-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A run folder written the way the launcher and SDK write one, for tests that need no process. */
export function makeRunFolder(workspace: string, opts: { id?: string; name?: string; experiment?: string; status?: string; events?: string[] } = {}): string {
  const id = opts.id ?? newRunId();
  const dir = path.join(workspace, '.lineage', 'runs', id);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({
      schema: 1,
      id,
      name: opts.name ?? id,
      experiment: opts.experiment ?? 'exp',
      status: opts.status ?? 'finished',
      startedAt: new Date().toISOString(),
      endedAt: new Date().toISOString(),
      command: ['python3', 'train.py'],
      cwd: workspace,
      createdBy: 'test',
    }),
  );
  if (opts.events) fs.writeFileSync(path.join(dir, 'events.jsonl'), opts.events.map((e) => e + '\n').join(''));
  return dir;
}

export function metricLine(key: string, value: number | string, step?: number, ts?: number): string {
  return JSON.stringify({ type: 'metric', key, value, ...(step !== undefined ? { step } : {}), ...(ts !== undefined ? { ts } : {}) });
}
