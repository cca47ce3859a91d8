import type { GraphIndex } from './graphIndex';
import { layoutNumbered } from './layout';
import { lineageOf, targetId, type RawGraph, type Target } from './lineage';
import { stalenessByRun, stalenessScope, type CurrentVersions, type RunStaleness } from './staleness';
import type { Direction, LineageGraph } from './types';

/** The runs of a target whose staleness and current files must be known before the graph is drawn. */
export function runsOfGraph(index: GraphIndex, raw: RawGraph): { runs: Set<number>; paths: Set<string> } {
  const runs: number[] = [];
  raw.nodes.forEach((n, i) => n.kind === 'run' && runs.push(raw.nodeRun[i]));
  const scope = stalenessScope(index, runs);
  for (const n of raw.nodes) if (n.kind === 'data' && n.path) scope.paths.add(n.path);
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
  const { nodes, nodeRun } = raw;
  const runs: number[] = [];
  nodes.forEach((n, i) => n.kind === 'run' && runs.push(nodeRun[i]));
  const stale = stalenessByRun(index, runs, current);
  const fresh: RunStaleness = { stale: false, reasons: [] };
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i];
    if (n.kind === 'run') {
      const s = stale[nodeRun[i]] ?? fresh;
      if (s.stale) {
        n.stale = true;
        n.reasons = s.reasons;
      }
      if (s.supersededBy) n.supersededBy = s.supersededBy;
    } else if (n.kind === 'model') {
      if (stale[nodeRun[i]]?.stale) {
        n.stale = true;
        n.reasons = [`made by run ${n.runName}, which is stale`];
      }
    } else {
      const now = n.path !== undefined ? current.get(n.path) : undefined;
      n.state = now === undefined || !n.sha256 ? 'unknown' : now === null ? 'missing' : now === n.sha256 ? 'current' : 'changed';
    }
  }
  // A data version is stale when the run that wrote it (in this graph) is.
  for (let k = 0; k < raw.edges.length; k++) {
    if (raw.edges[k].kind !== 'write') continue;
    const from = nodes[raw.edgeFrom[k]];
    const to = nodes[raw.edgeTo[k]];
    if (from.kind === 'run' && to.kind === 'data' && from.stale) {
      to.stale = true;
      to.reasons = [`written by run ${from.label}, which is stale`];
    }
  }
  return { target: targetId(target), direction, nodes: layoutNumbered(nodes, raw.edgeFrom, raw.edgeTo), edges: raw.edges, notes };
}
