import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { friendlyName, newRunId } from '../util/ids';
import { writeFileAtomicSync } from '../util/fsx';
import type { RunRecord, RunStatus } from '../runs/runRecord';
import { updateUserEdits } from '../runs/userEdits';

/**
 * The sweep's own run: a run folder like any other (so the tree, Compare and `lineage ls` show it, its trials
 * folded under it), written by the process running the sweep. Its params are the search space, its metric
 * the best objective so far (one point per trial that ended), its end the sweep's.
 */
export function createSweepRun(
  runsDir: string,
  o: { name?: string; experiment: string; command: string[]; cwd: string; createdBy: string; params: Record<string, string | number> },
): { id: string; dir: string } {
  const id = newRunId();
  const dir = path.join(runsDir, id);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  const record: RunRecord = {
    schema: 1,
    id,
    name: o.name || `sweep-${friendlyName(id)}`,
    experiment: o.experiment,
    status: 'running',
    startedAt: new Date().toISOString(),
    command: o.command,
    cwd: o.cwd,
    createdBy: o.createdBy,
    host: os.hostname(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    pid: process.pid,
  };
  const lines = [
    { type: 'header', schema: 1, writer: 'lineage-sweep/0.1' },
    ...Object.entries(o.params).map(([key, value]) => ({ type: 'param', key, value })),
    { type: 'tag', key: 'lineage.sweep', value: 'true' },
  ];
  fs.writeFileSync(path.join(dir, 'events.jsonl'), lines.map((l) => JSON.stringify(l) + '\n').join(''));
  writeFileAtomicSync(path.join(dir, 'run.json'), JSON.stringify(record, null, 2));
  return { id, dir };
}

export function appendSweepEvents(dir: string, events: object[]): void {
  fs.appendFileSync(path.join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e) + '\n').join(''));
}

function updateRecord(dir: string, change: (r: RunRecord) => void): void {
  const file = path.join(dir, 'run.json');
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
  change(r);
  writeFileAtomicSync(file, JSON.stringify(r, null, 2));
}

/** The sweep run is running again, under this process (a resume). */
export function reopenSweepRun(dir: string): void {
  updateRecord(dir, (r) => {
    r.status = 'running';
    delete r.endedAt;
    delete r.exitCode;
    r.pid = process.pid;
  });
}

export function endSweepRun(dir: string, status: RunStatus, error?: string): void {
  appendSweepEvents(dir, [{ type: 'status', status }]);
  updateRecord(dir, (r) => {
    r.status = status;
    r.endedAt = new Date().toISOString();
    r.exitCode = status === 'finished' ? 0 : 1;
    if (error) r.error = error;
    else delete r.error;
  });
}

/**
 * Names the sweep as a trial run's parent. The keeper reads run.json once as it starts and writes that record
 * back at the end; this is called right after the launch (before the keeper has read it, in practice) and
 * again once the run has ended, so the link survives whichever came first.
 */
export function linkToSweep(runDir: string, sweepId: string): void {
  try {
    updateRecord(runDir, (r) => {
      if (r.parentRunId !== sweepId) r.parentRunId = sweepId;
    });
  } catch {
    /* the run folder went away (deleted by hand): the trial still counts by its result */
  }
}

export function hasParent(runDir: string, sweepId: string): boolean {
  try {
    return (JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord).parentRunId === sweepId;
  } catch {
    return false;
  }
}

export const BEST_TAG = 'lineage.sweep_best';

/** Moves the best-run tag (user.json, so the run's own files stay as the script wrote them). */
export function markBest(runsDir: string, best: string, previous: string | undefined): void {
  if (previous && previous !== best) {
    try {
      updateUserEdits(path.join(runsDir, previous), (e) => {
        e.tags = { ...e.tags, [BEST_TAG]: null };
      });
    } catch {
      /* gone */
    }
  }
  updateUserEdits(path.join(runsDir, best), (e) => {
    e.tags = { ...e.tags, [BEST_TAG]: 'true' };
  });
}
