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
  const stale = stalenessOf(
    index,
    nodes.filter((n) => n.kind === 'run').map((n) => n.runId!),
    current,
  );
  const runState = (id: string): RunStaleness => stale.get(id) ?? { stale: false, reasons: [] };
  for (const n of nodes) {
    if (n.kind === 'run') {
      const s = runState(n.runId!);
      n.stale = s.stale;
      n.reasons = s.reasons;
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
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const e of raw.edges) {
    if (e.kind !== 'write') continue;
    const from = byId.get(e.from);
    const to = byId.get(e.to);
    if (from?.kind === 'run' && to?.kind === 'data' && from.stale) {
      to.stale = true;
      to.reasons = [`written by run ${from.label}, which is stale`];
    }
  }
  const { order, rows } = layoutLayers(nodes, raw.edges);
  for (const n of order) n.row = rows.get(n.id) ?? 0;
  return { target: targetId(target), direction, nodes: order, edges: raw.edges, notes };
}
