import type { Store } from '../store/store';
import { buildGraph, runsOfGraph } from './buildGraph';
import { currentVersions } from './currentVersions';
import { GraphIndex } from './graphIndex';
import { lineageOf, type Target } from './lineage';
import { planRerun, upstreamRuns, type RerunPlan } from './plan';
import { stalenessOf, stalenessScope } from './staleness';
import { resolveTarget } from './target';
import type { Direction, LineageGraph } from './types';

export interface GraphTimings {
  indexMs: number;
  /** Resolving the target and walking the index. */
  walkMs: number;
  fingerprintMs: number;
  buildMs: number;
}

/**
 * The one call the CLI and the panel make: the index read once, the target resolved, the files its
 * staleness depends on fingerprinted (stat cache first), the graph built.
 */
export async function lineageGraph(
  store: Store,
  workspace: string,
  ref: string | Target,
  direction: Direction,
  opts: { ignore?: string[] } = {},
): Promise<{ graph: LineageGraph; timings: GraphTimings }> {
  const t0 = performance.now();
  const index = GraphIndex.load(store);
  const t1 = performance.now();
  const resolved =
    typeof ref === 'string'
      ? await resolveTarget(store, index, workspace, ref, opts)
      : { target: ref, notes: [] as string[], current: new Map<string, string | null>() };
  const raw = lineageOf(index, resolved.target, direction);
  const scope = runsOfGraph(index, raw);
  const missing = [...scope.paths].filter((p) => !resolved.current.has(p));
  const t2 = performance.now();
  const current = await currentVersions(store, workspace, missing, opts.ignore);
  for (const [k, v] of resolved.current) current.set(k, v);
  const t3 = performance.now();
  const graph = buildGraph(index, resolved.target, direction, current, resolved.notes, raw);
  const t4 = performance.now();
  return { graph, timings: { indexMs: t1 - t0, walkMs: t2 - t1, fingerprintMs: t3 - t2, buildMs: t4 - t3 } };
}

/** What `lineage rerun-stale` would run for a target, with the target as resolved. */
export async function rerunPlanFor(
  store: Store,
  workspace: string,
  ref: string,
  opts: { ignore?: string[] } = {},
): Promise<{ plan: RerunPlan; target: Target; index: GraphIndex; notes: string[] }> {
  const index = GraphIndex.load(store);
  const resolved = await resolveTarget(store, index, workspace, ref, opts);
  const upstream = upstreamRuns(index, resolved.target);
  const scope = stalenessScope(
    index,
    upstream.map((id) => index.runNum(id)).filter((r) => r >= 0),
  );
  const current = await currentVersions(
    store,
    workspace,
    [...scope.paths].filter((p) => !resolved.current.has(p)),
    opts.ignore,
  );
  for (const [k, v] of resolved.current) current.set(k, v);
  return {
    plan: planRerun(
      index,
      resolved.target,
      stalenessOf(
        index,
        Array.from(scope.runs, (r) => index.runId[r]),
        current,
      ),
    ),
    target: resolved.target,
    index,
    notes: resolved.notes,
  };
}
