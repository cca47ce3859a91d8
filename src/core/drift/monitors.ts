/**
 * Checking a monitor: list its batches, reuse the stored result of every batch whose bytes (sha256) and
 * monitor definition are unchanged, and evaluate only new or changed batches against the reference (loaded
 * once, only when something needs evaluating). The sha256 of a file whose size and modified time are as
 * last seen comes from files.json in the monitor's cache folder, so an unchanged folder is not re-read.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store';
import { writeFileAtomicSync } from '../util/fsx';
import type { LineagePaths } from '../util/lineagePaths';
import { budgetEnvProblem } from './budget';
import { prepareReference, type PreparedReference } from './check';
import { evaluateFile } from './evaluate';
import type { Monitor } from './monitorDefs';
import { listBatches, type BatchFile } from './monitorGlob';
import { monitorCacheDir, readResult, resultOf, writeResult, type BatchResult } from './monitorResults';
import type { DriftOptions } from './types';

export { addMonitor, findMonitor, MonitorError, readMonitors, removeMonitor, writeMonitors, type Monitor } from './monitorDefs';
export { describeResult, type BatchResult, type BatchStatus } from './monitorResults';
export { globBase, globToRegExp, listBatches } from './monitorGlob';

export interface MonitorCheck {
  monitor: Monitor;
  /** Every batch, newest first. */
  batches: BatchResult[];
  /** Batches evaluated by this check (new or changed); the others came from the cache. */
  evaluated: string[];
  /** Why nothing could be evaluated (the reference cannot be loaded, or LINEAGE_DRIFT_MEMORY_BUDGET is not a
   *  size); stored results are still listed. */
  error: string | null;
}

export function monitorOptions(m: Monitor): DriftOptions {
  return { prediction: m.prediction, actual: m.actual, overrides: m.overrides };
}

type FileIndex = Record<string, { size: number; mtimeMs: number; sha256: string }>;

function readIndex(dir: string): FileIndex {
  try {
    const v = JSON.parse(fs.readFileSync(path.join(dir, 'files.json'), 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as FileIndex) : {};
  } catch {
    return {};
  }
}

async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface CheckMonitorOptions {
  /** Evaluate even batches with a stored result (after the reference itself changed, say). */
  force?: boolean;
  warn?: (message: string) => void;
  /** Bytes for the values read (DriftOptions.memoryBudget); default: LINEAGE_DRIFT_MEMORY_BUDGET, else 256 MiB. */
  memoryBudget?: number;
}

/** Brings a monitor's results up to date; never throws for bad batches or a missing reference (see `error`). */
/** `ws.store` may be left out for monitors whose reference is a file. */
export async function checkMonitor(ws: { store?: Store; paths: LineagePaths }, m: Monitor, opts: CheckMonitorOptions = {}): Promise<MonitorCheck> {
  const root = ws.paths.root;
  const dir = monitorCacheDir(root, m.id);
  const files = listBatches(ws.paths.workspace, m.batches);
  const index = readIndex(dir);
  const nextIndex: FileIndex = {};
  const results: BatchResult[] = [];
  const evaluated: string[] = [];
  let prepared: Promise<PreparedReference> | undefined;
  // A budget that is not a size is refused, not silently the default: nothing is evaluated until it is fixed.
  const budgetProblem = opts.memoryBudget === undefined ? budgetEnvProblem() : undefined;
  let error: string | null = budgetProblem ?? null;
  const reference = () =>
    (prepared ??= prepareReference({
      ws: ws.store ? { store: ws.store, paths: ws.paths } : undefined,
      lineageRoot: root,
      reference: m.run !== undefined ? { run: m.run, referenceFile: m.referenceFile } : { file: path.join(ws.paths.workspace, m.reference!) },
      warn: opts.warn,
      memoryBudget: opts.memoryBudget,
    }));
  for (const f of files) {
    const sha = await shaOf(f, index);
    if (sha === undefined) continue; // gone or unreadable between listing and hashing: it shows at the next check
    nextIndex[f.rel] = { size: f.size, mtimeMs: f.mtimeMs, sha256: sha };
    const kept = opts.force ? undefined : readResult(root, m, sha);
    if (kept) {
      results.push({ ...kept, file: f.rel });
      continue;
    }
    let ref: PreparedReference | undefined;
    if (error === null) {
      try {
        ref = await reference();
      } catch (err) {
        error = (err as Error).message;
      }
    }
    if (!ref) {
      // Not stored: the batch is evaluated once the reference can be loaded again.
      const why = budgetProblem ? `not evaluated: ${budgetProblem}` : `the reference cannot be loaded: ${error}`;
      results.push(resultOf(m, f.rel, sha, { batch: { file: f.rel }, error: why }));
      continue;
    }
    const report = await evaluateFile(ref.ref, f.abs, { ...monitorOptions(m), memoryBudget: opts.memoryBudget }, ref.ctx);
    // The batch may have changed while it was read: the result belongs to the bytes that were read.
    const readSha = 'error' in report ? sha : report.batch.sha256;
    const r = resultOf(m, f.rel, readSha, report);
    writeResult(root, m, r);
    results.push(r);
    evaluated.push(f.rel);
  }
  if (prepared)
    void prepared.then(
      (p) => p.ref.dispose(),
      () => undefined,
    );
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(path.join(dir, 'files.json'), JSON.stringify(nextIndex));
  } catch {
    // Without the index the next check hashes the batches again; nothing else is lost.
  }
  return { monitor: m, batches: results, evaluated, error };
}

async function shaOf(f: BatchFile, index: FileIndex): Promise<string | undefined> {
  const known = Object.hasOwn(index, f.rel) ? index[f.rel] : undefined;
  if (known && known.size === f.size && known.mtimeMs === f.mtimeMs && /^[0-9a-f]{64}$/.test(known.sha256)) return known.sha256;
  try {
    return await sha256Of(f.abs);
  } catch {
    return undefined;
  }
}

/**
 * What is known without evaluating anything: each batch (newest first) with its stored result, or null
 * when it is new or changed since the last check. Cheap enough for `lineage monitor ls` and a view's first paint.
 */
export function storedResults(paths: LineagePaths, m: Monitor): Array<{ file: string; result: BatchResult | null }> {
  const index = readIndex(monitorCacheDir(paths.root, m.id));
  return listBatches(paths.workspace, m.batches).map((f) => {
    const known = Object.hasOwn(index, f.rel) ? index[f.rel] : undefined;
    const fresh = known && known.size === f.size && known.mtimeMs === f.mtimeMs;
    const r = fresh ? readResult(paths.root, m, known.sha256) : undefined;
    return { file: f.rel, result: r ? { ...r, file: f.rel } : null };
  });
}

/** --fail-on: drift (the dataset verdict), schema (a schema change), any (a drifted column, the predictions, or a schema change). */
export function failOnHolds(r: BatchResult, failOn: 'drift' | 'schema' | 'any'): boolean {
  if (r.status === 'error') return false;
  if (failOn === 'drift') return r.datasetDrifted;
  if (failOn === 'schema') return r.schema.length > 0;
  return r.schema.length > 0 || r.datasetDrifted || r.driftedColumns.length > 0 || r.predictionDrifted;
}
