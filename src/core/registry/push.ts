import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../store/store';
import { resolveRun } from '../runs/queries';
import type { LineagePaths } from '../util/lineagePaths';
import type { Credentials, PushResult, RegistryClient, RegistryConfig, RegistryTarget, TransferProgress } from './types';
import { appendHistory, type HistoryEntry } from './history';
import { lineageSummary } from './lineageSummary';
import { chooseModel } from './modelFiles';
import { withSyncLock } from './mlflow/sync';

export interface PushOptions {
  store: Store;
  paths: LineagePaths;
  /** A run id, unique id prefix or name. */
  runId: string;
  modelPath?: string;
  registry: RegistryConfig;
  target: RegistryTarget;
  client: RegistryClient;
  credentials?: Credentials;
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
  /** MLflow: how long to wait for a sync or another push of this workspace (default 60 s), and a word when waiting. */
  lockWaitMs?: number;
  onLockWait?: () => void;
}

export interface PushOutcome {
  result: PushResult;
  entry: HistoryEntry;
}

/**
 * Pushes a run's model with its lineage and records where it went. What the client needs to resume (upload
 * offsets) lives in `.lineage/registry/state/<key>`, one key per (run, model, destination): running the same
 * push again after a crash or a cut connection finishes it there, and the folder goes once it succeeded.
 * A push to MLflow holds the workspace's sync lock (mlflow/sync.ts): it mirrors the run as sync does, so a
 * push and a sync, or two pushes (the editor and the CLI), of one run at once would each create an MLflow run.
 */
export async function pushModel(o: PushOptions): Promise<PushOutcome> {
  if (o.target.kind !== 'mlflow') return pushUnlocked(o);
  return withSyncLock(o.paths, () => pushUnlocked(o), { waitMs: o.lockWaitMs, onWait: o.onLockWait, again: 'push again' });
}

async function pushUnlocked(o: PushOptions): Promise<PushOutcome> {
  const runId = resolveRun(o.store, o.runId);
  const model = chooseModel(o.store, o.paths, runId, o.modelPath);
  const lineage = await lineageSummary(o.store, o.paths, runId, { withSeries: o.target.kind === 'mlflow', flavor: model.flavor });
  const stateDir = pushStateDir(o.paths, runId, model.abs, o.target);
  fs.mkdirSync(stateDir, { recursive: true });
  const result = await o.client.push({
    target: o.target,
    files: model.files,
    lineage,
    credentials: o.credentials,
    signal: o.signal,
    onProgress: o.onProgress,
    stateDir,
    // Outlives the per-push state (removed below): file digests and recent repositories, so the next push of
    // the same files can HEAD or mount them instead of sending them again.
    cacheDir: path.join(o.paths.registry, 'cache'),
  });
  const entry = appendHistory(o.paths, {
    type: 'push',
    runId,
    registry: { name: o.registry.name, kind: o.registry.kind, url: o.registry.url },
    target: o.target,
    reference: result.reference,
    ...(result.digest ? { digest: result.digest } : {}),
    ...(result.version ? { version: result.version } : {}),
    ...(o.target.kind === 'mlflow' && o.target.alias ? { alias: o.target.alias } : {}),
    ...(result.webUrl ? { webUrl: result.webUrl } : {}),
    model: { path: model.path, bytes: model.bytes, files: model.files.length },
    bytesSent: result.bytesSent,
    bytesSkipped: result.bytesSkipped,
  });
  fs.rmSync(stateDir, { recursive: true, force: true });
  return { result, entry };
}

export function pushStateDir(paths: LineagePaths, runId: string, modelAbs: string, target: RegistryTarget): string {
  const key = createHash('sha256')
    .update(JSON.stringify([runId, modelAbs, target]))
    .digest('hex')
    .slice(0, 24);
  return path.join(paths.registry, 'state', key);
}
