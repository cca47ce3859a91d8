import type { GraphEdge, GraphNode } from './types';

/**
 * Layered left-to-right layout: a node's depth is its longest path from a source (raw data at 0), found
 * in topological order (Kahn); its row orders it within its layer by the mean row of its parents, which
 * keeps the edges of a chain or a fan from crossing. Nodes on a cycle (a damaged index) go one layer
 * past the deepest so every node is placed. Returns the nodes in topological order.
 */
export function layoutLayers(nodes: GraphNode[], edges: GraphEdge[]): { order: GraphNode[]; rows: Map<string, number> } {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const indeg = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>();
  const parents = new Map<string, string[]>();
  for (const e of edges) {
    if (!byId.has(e.from) || !byId.has(e.to)) continue;
    indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
    (out.get(e.from) ?? out.set(e.from, []).get(e.from)!).push(e.to);
    (parents.get(e.to) ?? parents.set(e.to, []).get(e.to)!).push(e.from);
  }
  for (const n of nodes) n.depth = 0;
  // Stable: sources in the order given, so the same graph always draws the same way.
  const queue = nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const order: GraphNode[] = [];
  for (let i = 0; i < queue.length; i++) {
    const n = byId.get(queue[i])!;
    order.push(n);
    for (const c of out.get(n.id) ?? []) {
      const child = byId.get(c)!;
      child.depth = Math.max(child.depth, n.depth + 1);
      const d = indeg.get(c)! - 1;
      indeg.set(c, d);
      if (d === 0) queue.push(c);
    }
  }
  if (order.length < nodes.length) {
    const deepest = order.reduce((m, n) => Math.max(m, n.depth), 0);
    const placed = new Set(order);
    for (const n of nodes)
      if (!placed.has(n)) {
        n.depth = deepest + 1;
        order.push(n);
      }
  }
  const rows = new Map<string, number>();
  const layers = new Map<number, GraphNode[]>();
  for (const n of order) (layers.get(n.depth) ?? layers.set(n.depth, []).get(n.depth)!).push(n);
  for (const d of [...layers.keys()].sort((a, b) => a - b)) {
    const layer = layers.get(d)!;
    const key = (n: GraphNode) => {
      const ps = (parents.get(n.id) ?? []).map((p) => rows.get(p)).filter((r): r is number => r !== undefined);
      return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : Infinity;
    };
    const keyed = layer.map((n, i) => ({ n, k: key(n), i }));
    keyed.sort((a, b) => (a.k === b.k ? a.i - b.i : a.k === Infinity ? 1 : b.k === Infinity ? -1 : a.k - b.k));
    keyed.forEach((x, i) => rows.set(x.n.id, i));
  }
  return { order, rows };
}
