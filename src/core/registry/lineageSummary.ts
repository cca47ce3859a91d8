import type { Store } from '../store/store';
import { getPackages, getRun, listExplanations } from '../runs/queries';
import { datasetsOfRun } from '../datasets/datasetIndex';
import { loadExplanation } from '../explain/load';
import { meanAbsAttribution } from '../explain/importance';
import { openSeries } from '../metrics/repairSeries';
import { readAllPoints } from '../metrics/seriesFile';
import { runDir } from '../util/lineagePaths';
import type { LineagePaths } from '../util/lineagePaths';
import type { LineageSummary } from './types';

const TOP_FEATURES = 10;

/**
 * What travels with a pushed model and fills its model card: the run's params, final metrics, the sha256 of
 * every dataset it used, its interpreter and packages, its git state and, when it has one, the strongest
 * features of its explanation. `withSeries` adds every metric point (MLflow mirrors them; OCI does not).
 */
export async function lineageSummary(
  store: Store,
  paths: LineagePaths,
  runRef: string,
  opts: { withSeries?: boolean; flavor?: string } = {},
): Promise<LineageSummary> {
  const run = getRun(store, runRef);
  const metrics: Record<string, number | null> = {};
  for (const m of run.metrics) metrics[m.key] = Number.isFinite(m.last) ? m.last : null;
  const out: LineageSummary = {
    runId: run.id,
    runName: run.name,
    experiment: run.experiment,
    command: run.command.length ? run.command.join(' ') : undefined,
    gitCommit: run.git?.commit,
    gitBranch: run.git?.branch ?? undefined,
    gitDirty: run.git ? run.git.dirty : undefined,
    startedAt: run.startedAt ?? undefined,
    endedAt: run.endedAt ?? undefined,
    params: run.params,
    metrics,
    datasets: datasetsOfRun(store, run.id).map((d) => ({ path: d.path, role: d.role, sha256: d.version?.sha256 ?? null })),
    flavor: opts.flavor ?? run.artifacts.find((a) => a.kind === 'model')?.flavor ?? undefined,
  };
  if (run.python) {
    const packages: Record<string, string> = {};
    for (const p of getPackages(store, run.id)) packages[p.name] = p.version ?? '';
    out.python = { version: run.python.version ?? undefined, executable: run.python.path, packages };
  }
  const explanation = await topFeatures(store, paths, run.id);
  if (explanation) out.explanation = explanation;
  if (opts.withSeries) {
    out.metricSeries = [];
    for (const m of run.metrics) {
      const pts = openSeries(store, run.id, m.key, (idx) => (idx ? readAllPoints(idx) : undefined));
      if (!pts) continue;
      for (let i = 0; i < pts.values.length; i++) {
        const v = pts.values[i];
        if (!Number.isFinite(v)) continue;
        out.metricSeries.push({ key: m.key, value: v, step: pts.steps[i], timestamp: Number.isFinite(pts.ts[i]) ? pts.ts[i] : (run.startedAt ?? 0) });
      }
    }
  }
  return out;
}

/** The run's explanation ("default" when there are several) reduced to its strongest features; none if unreadable. */
async function topFeatures(store: Store, paths: LineagePaths, runId: string): Promise<LineageSummary['explanation']> {
  const list = listExplanations(store, runId);
  const pick = list.find((e) => e.name === 'default') ?? list[0];
  if (!pick) return undefined;
  try {
    const ex = await loadExplanation(runDir(paths, runId), pick.name);
    const mean = meanAbsAttribution(ex);
    const top = ex.manifest.features
      .map((feature, j) => ({ feature, meanAbs: mean[j] }))
      .filter((f) => Number.isFinite(f.meanAbs))
      .sort((a, b) => b.meanAbs - a.meanAbs)
      .slice(0, TOP_FEATURES);
    return { name: pick.name, method: pick.method, top };
  } catch {
    // A damaged explanation must not stop a push; the card and the metadata simply go without it.
    return undefined;
  }
}
