import * as fs from 'node:fs';
import type { LineageWorkspace } from '../../core/workspace';
import { runDir as runDirOf } from '../../core/util/lineagePaths';
import type { DatasetWatch } from '../datasets/datasetWatch';
import type { RunDetailData } from '../../../webview/runDetail/protocol';
import { changedFiles as filesOfDiff } from '../../core/runs/recordedDiff';
import { inspectRunFile } from '../../core/runs/runPaths';
import { engine } from '../engine';
import { paramText } from '../../core/events/paramValue';

const CONSOLE_TAIL_BYTES = 64 * 1024;

/**
 * Everything the run panel shows about one run, read from the index and the run's folder: metrics with a
 * small reduced curve each, datasets with whether they changed since, the end of the console log.
 */
export async function runDetailData(ws: LineageWorkspace, runId: string, watch: DatasetWatch | undefined): Promise<RunDetailData> {
  const { getRun, seriesFor, datasetsOfRun, listExplanations } = await engine();
  const r = getRun(ws.store, runId);
  const json = (v: number | null) => (v === null ? null : Number.isFinite(v) ? v : String(v));
  const { consoleTail, consoleBytes, changedFiles } = runFolderFiles(runDirOf(ws.paths, r.id), r.git?.diffFile ?? null);
  return {
    id: r.id,
    name: r.name,
    experiment: r.experiment,
    status: r.status,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    exitCode: r.exitCode,
    command: r.command,
    note: r.note,
    error: r.error,
    git: r.git ? { commit: r.git.commit, branch: r.git.branch, dirty: r.git.dirty, changedFiles } : null,
    python: r.python,
    // The panel shows text: arrays and objects as their JSON.
    params: Object.fromEntries(
      Object.entries(r.params).map(([k, v]) => [k, typeof v === 'boolean' || (typeof v === 'object' && v !== null) ? paramText(v) : v]),
    ),
    tags: r.tags,
    metrics: r.metrics.map((m) => {
      // Reduced like Compare's charts: a long series is drawn from its coarse copy, never read whole.
      // Not kept in Compare's cache: only closing the last Compare panel empties it.
      const d = seriesFor(ws.store, [r.id], m.key, 'step', 200, undefined, { cache: false })[0] ?? { y: new Float64Array(0), min: undefined, max: undefined };
      return {
        key: m.key,
        last: json(m.last),
        min: json(m.min),
        max: json(m.max),
        count: m.count,
        spark: { y: d.y, min: d.min ?? Float32Array.from(d.y), max: d.max ?? Float32Array.from(d.y) },
      };
    }),
    artifacts: r.artifacts,
    datasets: datasetsOfRun(ws.store, r.id).map((d) => {
      const c = watch?.changes.get(d.path);
      return {
        path: d.path,
        role: d.role,
        sha256: d.version?.sha256 ?? null,
        rows: (d.version?.profile as { rows?: number } | null)?.rows ?? null,
        note: d.note,
        state: c && c.state !== 'unchanged' ? `${c.state} since run ${c.sinceRun?.name ?? '?'}` : null,
      };
    }),
    consoleTail,
    consoleBytes,
    warnings: r.warnings,
    explanations: listExplanations(ws.store, r.id).map((e) => e.name),
  };
}

/**
 * What the panel reads from the run folder itself: the end of the console log and the files the recorded
 * diff touches. `diffFile` comes from run.json, so each file is read only when it is a regular file inside
 * the run folder (not a path out of it, not a link out of it, not a FIFO).
 */
export function runFolderFiles(runDir: string, diffFile: string | null): { consoleTail: string; consoleBytes: number; changedFiles: string[] } {
  const consoleFile = inspectRunFile(runDir, 'console.log');
  let consoleTail = '';
  let consoleBytes = 0;
  if (consoleFile.state === 'file') {
    try {
      const fd = fs.openSync(consoleFile.abs, 'r');
      try {
        consoleBytes = fs.fstatSync(fd).size;
        const len = Math.min(CONSOLE_TAIL_BYTES, consoleBytes);
        const buf = Buffer.alloc(len);
        fs.readSync(fd, buf, 0, len, consoleBytes - len);
        consoleTail = buf.toString('utf8');
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      /* removed meanwhile */
    }
  }
  const diff = diffFile ? inspectRunFile(runDir, diffFile) : undefined;
  const changedFiles = diff?.state === 'file' ? filesOfDiff(fs.readFileSync(diff.abs, 'utf8')) : [];
  return { consoleTail, consoleBytes, changedFiles };
}
