import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../../util/fsx';
import { formatBytes } from '../../util/format';
import { runDir, type LineagePaths } from '../../util/lineagePaths';

export type KeptRef = { kind: 'git'; blob: string } | { kind: 'dvc'; pointer: string };

/** One file a run used, and how its bytes can be had again. */
export interface KeptEntry {
  /** The file, workspace-relative with forward slashes (absolute when outside the workspace). */
  path: string;
  /** The dataset it belongs to (the folder for a member of a folder dataset, else the file itself). */
  dataset: string;
  role: string;
  sha256: string | null;
  size: number;
  /** kept: in the object store; reference: the user's git or DVC holds these bytes; skipped: not kept (see reason). */
  state: 'kept' | 'reference' | 'skipped';
  /** For kept: whether this run added the object or found it there already. */
  how?: 'copied' | 'cloned' | 'already kept';
  ref?: KeptRef;
  reason?: string;
  /** The path was a symlink to this target (as readlink says); the bytes kept are the target's. */
  link?: string;
}

/** runs/<id>/kept.json: what a run's data keeping did, read by restore, `lineage data of` and the run detail. */
export interface KeptReport {
  schema: 1;
  runId: string;
  keptAt: string;
  enabled: boolean;
  capBytes: number;
  /** Bytes this run added to the store (deduplicated content already there costs nothing). */
  copiedBytes: number;
  /** Total size of the distinct contents this run has in the store. */
  keptBytes: number;
  entries: KeptEntry[];
  warnings: string[];
}

export function keptReportPath(paths: LineagePaths, runId: string): string {
  return path.join(runDir(paths, runId), 'kept.json');
}

/** objects/refs/<run>.json: the objects a run needs, outliving its folder so gc can honour pushed models. */
export function refsPath(paths: LineagePaths, runId: string): string {
  return path.join(paths.objects, 'refs', `${runId}.json`);
}

export function readKeptReport(paths: LineagePaths, runId: string): KeptReport | undefined {
  return readReportFile(keptReportPath(paths, runId));
}

export function readReportFile(file: string): KeptReport | undefined {
  try {
    const j = JSON.parse(fs.readFileSync(file, 'utf8')) as KeptReport;
    return j && j.schema === 1 && Array.isArray(j.entries) ? j : undefined;
  } catch {
    return undefined;
  }
}

export function writeKeptReport(paths: LineagePaths, report: KeptReport): void {
  writeFileAtomicSync(keptReportPath(paths, report.runId), JSON.stringify(report, null, 1));
  const objects = [...new Set(report.entries.filter((e) => e.state === 'kept' && e.sha256).map((e) => e.sha256!))];
  const refs = refsPath(paths, report.runId);
  fs.mkdirSync(path.dirname(refs), { recursive: true });
  writeFileAtomicSync(refs, JSON.stringify({ schema: 1, runId: report.runId, objects }));
}

/** The reason kept.json gives for autolog's `memory:sha256:…` datasets. */
export const IN_MEMORY_REASON = 'in memory: nothing on disk to keep';

/** One line for a run: "kept 3 files (12.0 MiB); 1 by reference (git); not kept: data/big.bin (over the cap: 3.20 GiB)". */
export function summarizeKept(report: KeptReport | undefined): string {
  if (!report) return 'no data kept (recorded before data keeping, or the run recorded no files)';
  if (!report.enabled) return 'not kept: data keeping is off (lineage.data.keep)';
  const kept = report.entries.filter((e) => e.state === 'kept');
  const refs = report.entries.filter((e) => e.state === 'reference');
  // In-memory arrays (autolog) have no file: nothing was lost by not keeping them, so the line leaves them out.
  const skipped = report.entries.filter((e) => e.state === 'skipped' && e.reason !== IN_MEMORY_REASON);
  const parts: string[] = [];
  if (kept.length)
    parts.push(`kept ${kept.length} file${kept.length === 1 ? '' : 's'} (${formatBytes(report.keptBytes)}, ${formatBytes(report.copiedBytes)} new)`);
  if (refs.length) {
    const kinds = [...new Set(refs.map((e) => e.ref!.kind))].join(', ');
    parts.push(`${refs.length} by reference (${kinds})`);
  }
  if (skipped.length) {
    const shown = skipped.slice(0, 3).map((e) => `${e.path} (${e.reason})`);
    parts.push(`not kept: ${shown.join('; ')}${skipped.length > 3 ? `; and ${skipped.length - 3} more` : ''}`);
  }
  return parts.join('; ') || 'nothing to keep';
}
