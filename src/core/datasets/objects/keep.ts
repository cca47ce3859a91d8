import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../../store/store';
import type { LineagePaths } from '../../util/lineagePaths';
import { runDir } from '../../util/lineagePaths';
import { formatBytes } from '../../util/format';
import { resolveDatasetPath } from '../datasetIndex';
import { MEMORY_DATASET } from '../fingerprint';
import { readRunDatasets, readVersionFile } from '../versionFiles';
import { globFilter, readKeepConfig, type KeepConfig } from './keepConfig';
import { IN_MEMORY_REASON, writeKeptReport, type KeptEntry, type KeptReport } from './keptReport';
import { cleanDeadTemps, hasObject, putObject } from './objectStore';
import { DvcPointers, gitBlobIdOf, gitBlobsAtHead, insideGit } from './references';

export interface KeepOptions {
  /** Settings over `.lineage/config.json` (the editor passes those the user set). */
  config?: Partial<KeepConfig>;
  onProgress?: (message: string) => void;
  /**
   * Objects the run's fingerprinting stored right after their hash (KeepPlan.stored: sha256 → size):
   * already verified there (objects/hashAndKeep.ts), counted as copied by this run, not copied again.
   */
  keptWhileFingerprinting?: ReadonlyMap<string, number>;
}

/** A file a run used, before deciding how to keep it. */
interface Wanted {
  path: string;
  dataset: string;
  role: string;
  sha256: string | null;
  size: number;
  abs: string;
  note?: string;
}

/**
 * Keeps the bytes of the files a run read (and wrote, when configured) so `restoreRunInputs` can give
 * them back: each distinct content once in `.lineage/objects`, a verified copy renamed into place, and a
 * `kept.json` in the run folder saying, file by file, what was kept, recorded by reference (git, DVC) or
 * skipped and why. Runs after fingerprinting (the sha256 each copy must match comes from it).
 */
export async function keepRunData(store: Store, paths: LineagePaths, runId: string, opts: KeepOptions = {}): Promise<KeptReport> {
  const warnings: string[] = [];
  const cfg = readKeepConfig(paths, opts.config, warnings);
  const wanted = wantedFiles(store, paths, runId, cfg);
  const report: KeptReport = {
    schema: 1,
    runId,
    keptAt: new Date().toISOString(),
    enabled: cfg.keep,
    capBytes: cfg.keepMaxBytes,
    copiedBytes: 0,
    keptBytes: 0,
    entries: [],
    warnings,
  };
  if (!cfg.keep) {
    report.entries = wanted.map((w) => entry(w, 'skipped', { reason: 'data keeping is off (lineage.data.keep)' }));
    writeKeptReport(paths, report);
    return report;
  }
  if (wanted.length) cleanDeadTemps(paths);
  const excluded = globFilter(cfg);
  const dvc = new DvcPointers(paths.workspace);
  // git is asked only about files that would otherwise be copied: a second run over unchanged data spawns nothing.
  const relatives = wanted
    .filter((w) => w.sha256 && !path.isAbsolute(w.path) && !MEMORY_DATASET.test(w.path) && !hasObject(paths, w.sha256))
    .map((w) => w.path);
  const blobs = relatives.length && insideGit(paths.workspace) ? await gitBlobsAtHead(paths.workspace, [...new Set(relatives)]) : new Map<string, string>();
  const counted = new Set<string>();
  // Stored during fingerprinting: charged to the cap first, so what is copied below fits beside them.
  const whileHashing = new Map<string, number>();
  for (const w of wanted) {
    const size = w.sha256 ? opts.keptWhileFingerprinting?.get(w.sha256) : undefined;
    if (size !== undefined && !whileHashing.has(w.sha256!) && hasObject(paths, w.sha256!)) {
      whileHashing.set(w.sha256!, size);
      report.copiedBytes += size;
    }
  }
  for (const w of wanted) {
    const e = await keepOne(paths, w, cfg, report, { excluded, dvc, blobs, counted, whileHashing }, opts);
    report.entries.push(e);
    if (e.state === 'kept' && !counted.has(e.sha256!)) {
      counted.add(e.sha256!);
      report.keptBytes += e.size;
    }
  }
  writeKeptReport(paths, report);
  return report;
}

interface Ctx {
  excluded: (rel: string) => string | undefined;
  dvc: DvcPointers;
  blobs: Map<string, string>;
  counted: Set<string>;
  whileHashing: Map<string, number>;
}

async function keepOne(paths: LineagePaths, w: Wanted, cfg: KeepConfig, report: KeptReport, ctx: Ctx, opts: KeepOptions): Promise<KeptEntry> {
  // Autolog's in-memory arrays (docs/autolog.md): the script builds them again, there is no file to copy.
  if (MEMORY_DATASET.test(w.path)) return entry(w, 'skipped', { reason: IN_MEMORY_REASON });
  let link: string | undefined;
  try {
    if (fs.lstatSync(w.abs).isSymbolicLink()) link = fs.readlinkSync(w.abs);
  } catch {
    /* gone: said below */
  }
  const base = { link };
  if (!w.sha256) return entry(w, 'skipped', { ...base, reason: w.note ?? 'not fingerprinted (the file was missing or unreadable when the run ended)' });
  const why = ctx.excluded(w.path);
  if (why) return entry(w, 'skipped', { ...base, reason: why });
  const pointer = ctx.dvc.pointerFor(w.path);
  if (pointer) return entry(w, 'reference', { ...base, ref: { kind: 'dvc', pointer }, reason: `tracked by DVC (${pointer})` });
  try {
    const blob = ctx.blobs.get(w.path);
    if (blob && (await gitBlobIdOf(w.abs, w.size, blob.length === 64 ? 'sha256' : 'sha1')) === blob)
      return entry(w, 'reference', { ...base, ref: { kind: 'git', blob }, reason: 'git blob matches HEAD' });
  } catch {
    /* unreadable now: the copy below says why */
  }
  if (ctx.whileHashing.has(w.sha256)) return entry(w, 'kept', { ...base, how: 'copied' });
  const alreadyCounted = ctx.counted.has(w.sha256);
  const wouldAdd = alreadyCounted ? 0 : w.size;
  if (!alreadyCounted && report.copiedBytes + wouldAdd > cfg.keepMaxBytes && !hasObject(paths, w.sha256))
    return entry(w, 'skipped', {
      ...base,
      reason: `over the cap: ${formatBytes(w.size)} (this run may add ${formatBytes(cfg.keepMaxBytes)}${report.copiedBytes ? `, ${formatBytes(report.copiedBytes)} already kept` : ''}; raise lineage.data.keepMaxBytes)`,
    });
  opts.onProgress?.(`Keeping ${w.path}`);
  try {
    const put = await putObject(paths, w.abs, w.sha256, w.size);
    if (put.state === 'changed')
      return entry(w, 'skipped', {
        ...base,
        reason: `changed since the run was fingerprinted (sha256 now ${put.sha256.slice(0, 12)}…), so the bytes the run used are gone`,
      });
    if (put.state === 'stored') report.copiedBytes += w.size;
    return entry(w, 'kept', { ...base, how: put.state === 'present' ? 'already kept' : put.cloned ? 'cloned' : 'copied' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'deleted before it could be kept'
        : code === 'ENOSPC'
          ? 'the disk is full; free space (lineage gc) and run again'
          : `could not be copied (${code ?? (err as Error).message})`;
    return entry(w, 'skipped', { ...base, reason });
  }
}

function entry(w: Wanted, state: KeptEntry['state'], extra: Partial<KeptEntry>): KeptEntry {
  const e: KeptEntry = { path: w.path, dataset: w.dataset, role: w.role, sha256: w.sha256, size: w.size, state };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (e as unknown as Record<string, unknown>)[k] = v;
  return e;
}

/** The run's files as fingerprinted (datasets.json and the version files), folders expanded to their files. */
function wantedFiles(store: Store, paths: LineagePaths, runId: string, cfg: KeepConfig): Wanted[] {
  const links =
    readRunDatasets(runDir(paths, runId)) ??
    store.all<{ path: string; role: string; sha256: string | null }>(
      'SELECT rd.path, rd.role, d.fingerprint AS sha256 FROM run_datasets rd LEFT JOIN datasets d ON d.id = rd.dataset_id WHERE rd.run_id = ?',
      [runId],
    );
  const out: Wanted[] = [];
  for (const l of links) {
    if (l.role === 'output' && !cfg.keepOutputs) continue;
    const abs = resolveDatasetPath(paths.workspace, l.path);
    const v = l.sha256 ? readVersionFile(paths, l.sha256) : undefined;
    if (v?.kind === 'folder') {
      for (const [rel, size, sha256] of v.files ?? [])
        out.push({ path: joinKey(l.path, rel), dataset: l.path, role: l.role, sha256, size, abs: path.join(abs, ...rel.split('/')) });
      continue;
    }
    out.push({ path: l.path, dataset: l.path, role: l.role, sha256: l.sha256, size: v?.size ?? sizeOf(abs), abs, note: (l as { note?: string }).note });
  }
  return out;
}

export function joinKey(dataset: string, rel: string): string {
  return path.isAbsolute(dataset) ? path.join(dataset, ...rel.split('/')) : `${dataset}/${rel}`;
}

function sizeOf(abs: string): number {
  return fs.statSync(abs, { throwIfNoEntry: false })?.size ?? 0;
}
