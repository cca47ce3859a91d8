import type { GraphIndex } from './graphIndex';
import { layoutLayers } from './layout';
import { lineageOf, targetId, type RawGraph, type Target } from './lineage';
import { stalenessOf, stalenessScope, type CurrentVersions, type RunStaleness } from './staleness';
import type { Direction, LineageGraph } from './types';

/** The runs of a target whose staleness and current files must be known before the graph is drawn. */
export function runsOfGraph(index: GraphIndex, raw: RawGraph): { runs: Set<string>; paths: Set<string> } {
  const runIds = [...raw.nodes.values()].filter((n) => n.kind === 'run').map((n) => n.runId!);
  const scope = stalenessScope(index, runIds);
  for (const n of raw.nodes.values()) if (n.kind === 'data' && n.path) scope.paths.add(n.path);
  return scope;
}

/**
 * The lineage of a target with every node's staleness and layer: what `lineage graph` prints and the
 * panel draws. `current` holds the sha256 of each path now (currentVersions.ts), at least for
 * runsOfGraph's paths.
 */
export function buildGraph(
  index: GraphIndex,
  target: Target,
  direction: Direction,
  current: CurrentVersions,
  notes: string[] = [],
  // The walk, when the caller already made it (to know which files to fingerprint): done once, not twice.
  raw: RawGraph = lineageOf(index, target, direction),
): LineageGraph {
  const nodes = [...raw.nodes.values()];
  const runIds: string[] = [];
  for (const n of nodes) if (n.kind === 'run') runIds.push(n.runId!);
  const stale = stalenessOf(index, runIds, current);
  const fresh: RunStaleness = { stale: false, reasons: [] };
  const runState = (id: string): RunStaleness => stale.get(id) ?? fresh;
  for (const n of nodes) {
    if (n.kind === 'run') {
      const s = runState(n.runId!);
      if (s.stale) {
        n.stale = true;
        n.reasons = s.reasons;
      }
      if (s.supersededBy) n.supersededBy = s.supersededBy;
    } else if (n.kind === 'model') {
      const s = runState(n.runId!);
      if (s.stale) {
        n.stale = true;
        n.reasons = [`made by run ${n.runName}, which is stale`];
      }
    } else {
      const now = n.path !== undefined ? current.get(n.path) : undefined;
      n.state = now === undefined || !n.sha256 ? 'unknown' : now === null ? 'missing' : now === n.sha256 ? 'current' : 'changed';
    }
  }
  // A data version is stale when the run that wrote it (in this graph) is.
  for (const e of raw.edges) {
    if (e.kind !== 'write') continue;
    const from = raw.nodes.get(e.from);
    const to = raw.nodes.get(e.to);
    if (from?.kind === 'run' && to?.kind === 'data' && from.stale) {
      to.stale = true;
      to.reasons = [`written by run ${from.label}, which is stale`];
    }
  }
  return { target: targetId(target), direction, nodes: layoutLayers(nodes, raw.edges), edges: raw.edges, notes };
}
