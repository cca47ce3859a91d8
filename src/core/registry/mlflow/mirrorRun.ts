/**
 * One Lineage run as one MLflow run, idempotently: the MLflow run is found by its `lineage.run_id` tag (so a
 * run pushed or synced twice stays one run), created when absent with its tags, params and every metric
 * point, and otherwise sent only the points it does not have yet. What the server has is taken from the
 * caller's sync state when there is one, else read from the server's metric history.
 */
import type { LineageSummary } from '../types';
import type { MetricPoint } from './batches';
import { safeKey } from './batches';
import type { MlflowHttp } from './http';
import { RUN_ID_TAG, mlflowUser, runParams, runTags } from './lineageTags';
import { createRun, filterString, getMetricHistory, logBatches, searchRuns, updateRun, type MlflowRunInfo } from './tracking';

export type MlflowStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface MirrorResult {
  run: MlflowRunInfo;
  created: boolean;
  pointsSent: number;
  /** Points of each metric the server now has, to keep as sync state. */
  sentCounts: Record<string, number>;
  statusSent: MlflowStatus;
}

export async function findMirroredRun(http: MlflowHttp, experimentId: string, lineageRunId: string): Promise<MlflowRunInfo | undefined> {
  const runs = await searchRuns(http, [experimentId], `tags."${RUN_ID_TAG}" = ${filterString(lineageRunId)}`, 10);
  return runs[0]?.info;
}

function pointsOf(l: LineageSummary): MetricPoint[] {
  if (l.metricSeries) return l.metricSeries.map((p) => ({ ...p, key: safeKey(p.key) }));
  const t = l.endedAt ?? l.startedAt ?? Date.now();
  return Object.entries(l.metrics).map(([key, v]) => ({ key: safeKey(key), value: v === null ? NaN : v, timestamp: t, step: 0 }));
}

export async function mirrorRun(
  http: MlflowHttp,
  opts: {
    experimentId: string;
    lineage: LineageSummary;
    status: MlflowStatus;
    known?: { runId: string; sentCounts: Record<string, number>; status?: MlflowStatus };
  },
): Promise<MirrorResult> {
  const l = opts.lineage;
  const points = pointsOf(l);
  const byKey = new Map<string, MetricPoint[]>();
  for (const p of points) {
    let list = byKey.get(p.key);
    if (!list) byKey.set(p.key, (list = []));
    list.push(p);
  }
  let run: MlflowRunInfo | undefined;
  let counts: Record<string, number> | undefined;
  let lastStatus: MlflowStatus | undefined;
  if (opts.known) {
    run = { run_id: opts.known.runId, experiment_id: opts.experimentId };
    counts = { ...opts.known.sentCounts };
    lastStatus = opts.known.status;
  } else {
    run = await findMirroredRun(http, opts.experimentId, l.runId);
    if (run) {
      // No local state (another machine synced it, or the state file was removed): ask the server what it holds.
      counts = {};
      for (const key of byKey.keys()) counts[key] = (await getMetricHistory(http, run.run_id, key)).length;
      lastStatus = run.status as MlflowStatus | undefined;
    }
  }
  let created = false;
  let toSend: MetricPoint[];
  if (!run) {
    run = await createRun(http, {
      experimentId: opts.experimentId,
      userId: mlflowUser(),
      runName: l.runName,
      startTime: l.startedAt ?? Date.now(),
      tags: runTags(l),
    });
    created = true;
    counts = {};
    toSend = points;
    await logBatches(http, run.run_id, toSend, runParams(l), []);
  } else {
    toSend = [];
    for (const [key, list] of byKey) toSend.push(...list.slice(counts?.[key] ?? 0));
    if (toSend.length) await logBatches(http, run.run_id, toSend, [], []);
  }
  const sentCounts: Record<string, number> = { ...counts };
  for (const [key, list] of byKey) sentCounts[key] = Math.max(sentCounts[key] ?? 0, list.length);
  if (created ? opts.status !== 'RUNNING' : lastStatus !== opts.status)
    await updateRun(http, run.run_id, opts.status, opts.status === 'RUNNING' ? undefined : (l.endedAt ?? Date.now()));
  return { run, created, pointsSent: toSend.length, sentCounts, statusSent: opts.status };
}
