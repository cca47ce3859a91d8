import * as path from 'node:path';
import type { LineageWorkspace } from '../workspace';
import type { RunDetail } from '../runs/queries';
import { inspectRunFile } from '../runs/runPaths';
import { datasetsOfRun, resolveDatasetPath } from '../datasets/datasetIndex';
import { fingerprint, MEMORY_DATASET } from '../datasets/fingerprint';
import type { RestoreResult } from '../datasets/objects';
import { relativeDifference, type DataCheck, type MetricCheck, type ModelCheck, type ParamCheck } from './report';

export interface CompareContext {
  tolerance: number;
  restore: RestoreResult;
  /** The checkout's top folder, and the repository's: paths in params are compared with one mapped to the other. */
  wtDir: string;
  repo: string;
}

async function shaOf(abs: string): Promise<string | null> {
  const fp = await fingerprint(abs).catch(() => undefined);
  return fp && fp.kind !== 'missing' ? fp.sha256 : null;
}

/**
 * Metrics that measure wall-clock time (fit_time, mean_fit_time, std_score_time, epoch_seconds, duration): they
 * never repeat exactly, and a model is no less reproducible for training faster, so they are not compared.
 */
const TIMING_METRIC = /(^|[._/-])(\w+_)?(time|seconds|secs|duration)$/i;

/** A param as a comparable string, with the checkout's folder written as the repository's (an argparse path default). */
function comparable(v: unknown, from: string, to: string): string {
  const s = JSON.stringify(v) ?? 'undefined';
  return from ? s.split(JSON.stringify(from).slice(1, -1)).join(JSON.stringify(to).slice(1, -1)) : s;
}

/** Data, params, final metrics and model files of a run and of its reproduction, side by side. */
export async function compareRuns(
  ws: LineageWorkspace,
  orig: RunDetail,
  repro: RunDetail,
  ctx: CompareContext,
): Promise<{ data: DataCheck[]; params: ParamCheck[]; metrics: MetricCheck[]; models: ModelCheck[] }> {
  const reproData = datasetsOfRun(ws.store, repro.id);
  const data: DataCheck[] = [];
  for (const d of datasetsOfRun(ws.store, orig.id)) {
    if (d.role === 'output') continue;
    const mine = reproData.find((x) => x.path === d.path && x.role === d.role) ?? reproData.find((x) => x.path === d.path && x.role !== 'output');
    const original = d.version?.sha256 ?? null;
    const reproduction = mine?.version?.sha256 ?? null;
    // A folder dataset is restored file by file: its source is where its files came from.
    const covers = (p: string) => p === d.path || p.startsWith(d.path.endsWith('/') ? d.path : `${d.path}/`);
    const source: DataCheck['source'] = MEMORY_DATASET.test(d.path)
      ? 'in memory'
      : ctx.restore.restored.some(covers)
        ? 'kept copy'
        : ctx.restore.unchanged.some(covers)
          ? 'checkout'
          : 'not restored';
    const from = source === 'kept copy' || source === 'checkout' ? ` from the ${source}` : '';
    const check: DataCheck = { path: d.path, role: d.role, original, reproduction, equal: original !== null && original === reproduction, source };
    if (!mine) check.note = 'the reproduction did not read it.';
    else if (original) {
      // The workspace's own copy may have changed since the run; the reproduction read the run's bytes regardless.
      const now = await shaOf(resolveDatasetPath(ws.paths.workspace, d.path));
      if (now !== original)
        check.note =
          now === null
            ? `gone from the workspace since the run; the reproduction used the run's bytes (sha256 ${original.slice(0, 12)}…)${from}.`
            : `changed in the workspace since the run (sha256 now ${now.slice(0, 12)}…); the reproduction used the run's original bytes (sha256 ${original.slice(0, 12)}…)${from}.`;
    }
    data.push(check);
  }

  const params: ParamCheck[] = [];
  for (const key of [...new Set([...Object.keys(orig.params), ...Object.keys(repro.params)])].sort()) {
    const a = Object.hasOwn(orig.params, key) ? orig.params[key] : undefined;
    const b = Object.hasOwn(repro.params, key) ? repro.params[key] : undefined;
    params.push({
      key,
      original: a ?? null,
      reproduction: b ?? null,
      equal: a !== undefined && b !== undefined && comparable(a, '', '') === comparable(b, ctx.wtDir, ctx.repo),
    });
  }

  const metrics: MetricCheck[] = [];
  const reproMetrics = new Map(repro.metrics.map((m) => [m.key, m.last]));
  for (const key of [...new Set([...orig.metrics.map((m) => m.key), ...reproMetrics.keys()])].sort()) {
    const a = orig.metrics.find((m) => m.key === key)?.last ?? null;
    const b = reproMetrics.get(key) ?? null;
    const rel = relativeDifference(a, b);
    if (TIMING_METRIC.test(key)) metrics.push({ key, original: a, reproduction: b, relativeDifference: rel, withinTolerance: true, timing: true });
    else metrics.push({ key, original: a, reproduction: b, relativeDifference: rel, withinTolerance: rel !== null && rel <= ctx.tolerance });
  }

  const models: ModelCheck[] = [];
  const modelsOf = (r: RunDetail) => r.artifacts.filter((a) => a.kind === 'model');
  const reproModels = modelsOf(repro);
  for (const m of modelsOf(orig)) {
    const o = inspectRunFile(path.join(ws.paths.runs, orig.id), m.path);
    const r = reproModels.find((x) => x.path === m.path) ?? (reproModels.length === 1 && modelsOf(orig).length === 1 ? reproModels[0] : undefined);
    const rf = r ? inspectRunFile(path.join(ws.paths.runs, repro.id), r.path) : undefined;
    const original = o.state === 'file' || o.state === 'dir' ? await shaOf(o.abs) : null;
    const reproduction = rf && (rf.state === 'file' || rf.state === 'dir') ? await shaOf(rf.abs) : null;
    models.push({ path: m.path, original, reproduction, equal: original !== null && original === reproduction });
  }
  return { data, params, metrics, models };
}
