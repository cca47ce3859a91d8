/**
 * `lineage sync`: local runs mirrored to an MLflow tracking server so a team sees them. Idempotent: each
 * Lineage run is one MLflow run, found by its `lineage.run_id` tag; only metric points the server does not
 * have are sent, in log-batch requests of up to 1,000. What was sent is kept per server in
 * `.lineage/registry/sync/<host>.json` (MLflow run id, points sent per metric, status); without that file
 * the server's own metric history says what it has. Imported runs (lineage.imported_from) are never sent back.
 * One sync at a time per workspace (`.lineage/registry/sync/sync.lock`, also taken by pushes to MLflow): the
 * find-by-tag-or-create of a run is two requests, so two searching before either created would each make an MLflow run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../../store/store';
import { getRun } from '../../runs/queries';
import type { RunStatus } from '../../runs/runRecord';
import { openSeries } from '../../metrics/repairSeries';
import { readAllPoints } from '../../metrics/seriesFile';
import { writeFileAtomicSync } from '../../util/fsx';
import { LockTimeoutError, withWriterLock } from '../../store/writerLock';
import type { LineagePaths } from '../../util/lineagePaths';
import { lineageSummary } from '../lineageSummary';
import { RegistryError, type Credentials, type LineageSummary, type RegistryConfig } from '../types';
import { safeKey } from './batches';
import { MlflowHttp } from './http';
import { mirrorRun, type MirrorResult, type MlflowStatus } from './mirrorRun';
import { ensureExperiment } from './tracking';

import { IMPORTED_TAG } from '../../runs/importedTag';
export { IMPORTED_TAG };

export interface SyncedRun {
  mlflowRunId: string;
  experimentId: string;
  sentCounts: Record<string, number>;
  status: MlflowStatus;
  syncedAt: string;
}

export interface SyncState {
  schema: 1;
  server: string;
  runs: Record<string, SyncedRun>;
}

export function syncStateFile(paths: LineagePaths, base: string): string {
  const host = new URL(base).host.replace(/[^A-Za-z0-9.-]/g, '_');
  return path.join(paths.registry, 'sync', `${host}.json`);
}

export function readSyncState(file: string, server: string): SyncState {
  try {
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as SyncState;
    if (s && s.schema === 1 && typeof s.runs === 'object' && s.runs) return s;
  } catch {
    // Missing or damaged: the server's metric history says what it has.
  }
  return { schema: 1, server, runs: {} };
}

export function mlflowStatus(s: RunStatus): MlflowStatus {
  return s === 'finished' ? 'FINISHED' : s === 'failed' ? 'FAILED' : s === 'killed' ? 'KILLED' : 'RUNNING';
}

/** Every point of every metric of the run, NaN and ±Infinity included (MLflow takes them as strings). */
export function metricSeriesOf(store: Store, runId: string, keys: string[], fallbackTs: number): NonNullable<LineageSummary['metricSeries']> {
  const out: NonNullable<LineageSummary['metricSeries']> = [];
  for (const key of keys) {
    const pts = openSeries(store, runId, key, (idx) => (idx ? readAllPoints(idx) : undefined));
    if (!pts) continue;
    for (let i = 0; i < pts.values.length; i++)
      out.push({ key, value: pts.values[i], step: pts.steps[i], timestamp: Number.isFinite(pts.ts[i]) ? pts.ts[i] : fallbackTs });
  }
  return out;
}

/** One run, with or without what an earlier sync left; an MLflow run deleted on the server since is made again. */
export async function syncLineageRun(
  http: MlflowHttp,
  o: { lineage: LineageSummary; status: MlflowStatus; experiment?: string; known?: SyncedRun; experimentIds?: Map<string, string> },
): Promise<MirrorResult & { experimentId: string }> {
  const name = o.experiment ?? o.lineage.experiment ?? 'Default';
  let experimentId = o.experimentIds?.get(name);
  if (!experimentId) {
    experimentId = await ensureExperiment(http, name);
    o.experimentIds?.set(name, experimentId);
  }
  const known =
    o.known && o.known.experimentId === experimentId ? { runId: o.known.mlflowRunId, sentCounts: o.known.sentCounts, status: o.known.status } : undefined;
  try {
    return { ...(await mirrorRun(http, { experimentId, lineage: o.lineage, status: o.status, known })), experimentId };
  } catch (err) {
    if (known && err instanceof RegistryError && err.kind === 'not-found')
      return { ...(await mirrorRun(http, { experimentId, lineage: o.lineage, status: o.status })), experimentId };
    throw err;
  }
}

export interface SyncReport {
  server: string;
  runs: Array<{ runId: string; name: string; mlflowRunId: string; created: boolean; pointsSent: number }>;
  skipped: Array<{ runId: string; why: string }>;
  pointsSent: number;
  requests: number;
}

export interface SyncOptions {
  store: Store;
  paths: LineagePaths;
  registry: RegistryConfig;
  credentials?: Credentials;
  runIds: string[];
  signal?: AbortSignal;
  /** Runs sent at once; each run's own requests stay in order. */
  concurrency?: number;
  onRun?: (done: number, total: number) => void;
  /** How long to wait for another sync of this workspace to finish (default 60 s). */
  lockWaitMs?: number;
}

/** Another sync of the same workspace held the lock for longer than the wait. */
export class SyncBusyError extends Error {}

function syncLockFile(paths: LineagePaths): string {
  return path.join(paths.registry, 'sync', 'sync.lock');
}

export async function syncRuns(o: SyncOptions): Promise<SyncReport> {
  return withSyncLock(o.paths, () => syncRunsLocked(o), { waitMs: o.lockWaitMs, again: 'sync again' });
}

/**
 * Runs `fn` holding the workspace's sync lock: `lineage sync` and every push to MLflow take it, since both
 * find-by-tag-or-create the MLflow run of a Lineage run (two at once would each make one, and log twice).
 * Waits up to `waitMs` (default 60 s) for another holder, calling `onWait` once if it has to wait at all.
 */
export async function withSyncLock<T>(paths: LineagePaths, fn: () => Promise<T>, o: { waitMs?: number; onWait?: () => void; again: string }): Promise<T> {
  const lock = syncLockFile(paths);
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const waitMs = o.waitMs ?? 60_000;
  // A live sync may run for hours, so only a dead owner (same host, pid gone) makes the lock stale, or a day.
  const staleMs = 24 * 3600_000;
  let started = false;
  const run = () => {
    started = true;
    return fn();
  };
  try {
    return await withWriterLock(lock, run, 0, staleMs);
  } catch (err) {
    if (started || !(err instanceof LockTimeoutError)) throw err;
  }
  o.onWait?.();
  try {
    return await withWriterLock(lock, run, waitMs, staleMs);
  } catch (err) {
    if (!started && err instanceof LockTimeoutError)
      throw new SyncBusyError(
        `Another sync of this workspace is running (or a push to MLflow) and did not finish within ${Math.round(waitMs / 1000)} s. ` +
          `Wait for it and ${o.again}; if none is running, delete ${lock}.`,
      );
    throw err;
  }
}

async function syncRunsLocked(o: SyncOptions): Promise<SyncReport> {
  const http = new MlflowHttp(o.registry.url, o.credentials, o.signal, o.registry.caFile);
  const file = syncStateFile(o.paths, http.base);
  const state = readSyncState(file, http.base);
  const report: SyncReport = { server: http.base, runs: [], skipped: [], pointsSent: 0, requests: 0 };
  const experimentIds = new Map<string, string>();
  // Saved every few seconds and at the end, not after each run: each save is an fsync, which on a busy disk
  // cost more than the run's requests. State lost in a crash costs only a look at the server's history later
  // (and a point sent twice is one point there: MLflow ignores a point identical to one it holds).
  let savedAt = 0;
  const save = (force = false) => {
    if (!force && Date.now() - savedAt < 2000) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomicSync(file, JSON.stringify(state, null, 1));
    savedAt = Date.now();
  };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < o.runIds.length) {
      const runId = o.runIds[next++];
      const detail = getRun(o.store, runId);
      if (detail.tags[IMPORTED_TAG]) {
        report.skipped.push({ runId, why: `imported from ${detail.tags[IMPORTED_TAG]}` });
        continue;
      }
      const known = state.runs[runId];
      const status = mlflowStatus(detail.status);
      // Nothing new since the last sync (the index's point counts say so): no need to read the run's series.
      if (known && known.status === status && detail.metrics.every((m) => (known.sentCounts[safeKey(m.key)] ?? 0) >= m.count)) {
        report.runs.push({ runId, name: detail.name, mlflowRunId: known.mlflowRunId, created: false, pointsSent: 0 });
        o.onRun?.(++done, o.runIds.length);
        continue;
      }
      const lineage = await lineageSummary(o.store, o.paths, runId);
      lineage.metricSeries = metricSeriesOf(
        o.store,
        runId,
        detail.metrics.map((m) => m.key),
        lineage.startedAt ?? 0,
      );
      const r = await syncLineageRun(http, { lineage, status, known, experimentIds });
      state.runs[runId] = {
        mlflowRunId: r.run.run_id,
        experimentId: r.experimentId,
        sentCounts: r.sentCounts,
        status: r.statusSent,
        syncedAt: new Date().toISOString(),
      };
      report.runs.push({ runId, name: detail.name, mlflowRunId: r.run.run_id, created: r.created, pointsSent: r.pointsSent });
      report.pointsSent += r.pointsSent;
      save();
      o.onRun?.(++done, o.runIds.length);
    }
  };
  try {
    // Experiments first, one at a time, so parallel workers never race to create the same one.
    for (const id of o.runIds) {
      const exp = getRun(o.store, id).experiment;
      if (!experimentIds.has(exp)) experimentIds.set(exp, await ensureExperiment(http, exp));
    }
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 4, o.runIds.length)) }, worker));
  } finally {
    report.requests = http.requests;
    if (report.runs.length) save(true);
  }
  return report;
}
