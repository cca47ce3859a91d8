import type { GraphNode } from './types';

/**
 * Layered left-to-right layout: a node's depth is its longest path from a source (raw data at 0), found
 * in topological order (Kahn); its row orders it within its layer by the mean row of its parents, which
 * keeps the edges of a chain or a fan from crossing. Nodes on a cycle (a damaged index) go one layer
 * past the deepest so every node is placed. Sets each node's depth and row; returns the nodes in topological order.
 *
 * Worked on node numbers in typed arrays (edges as a compressed adjacency list): 20,000 nodes lay out in a
 * few milliseconds, where maps of string ids cost a tenth of a second. Edge k runs from node from[k] to node
 * to[k], as the walk makes them.
 */
export function layoutNumbered(nodes: GraphNode[], from: ArrayLike<number>, to: ArrayLike<number>): GraphNode[] {
  const n = nodes.length;
  const m = from.length;
  const outCount = new Int32Array(n + 1);
  const inCount = new Int32Array(n + 1);
  for (let k = 0; k < m; k++) {
    outCount[from[k] + 1]++;
    inCount[to[k] + 1]++;
  }
  // Prefix sums: node i's children are kids[outStart[i] .. outStart[i+1]), its parents likewise in mums.
  for (let i = 0; i < n; i++) {
    outCount[i + 1] += outCount[i];
    inCount[i + 1] += inCount[i];
  }
  const kids = new Int32Array(m);
  const mums = new Int32Array(m);
  const outFill = outCount.slice(0, n);
  const inFill = inCount.slice(0, n);
  for (let k = 0; k < m; k++) {
    kids[outFill[from[k]]++] = to[k];
    mums[inFill[to[k]]++] = from[k];
  }
  const indeg = new Int32Array(n);
  for (let i = 0; i < n; i++) indeg[i] = inCount[i + 1] - inCount[i];
  const depth = new Int32Array(n);
  // Stable: sources in the order given, so the same graph always draws the same way.
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) if (indeg[i] === 0) queue[tail++] = i;
  for (let h = 0; h < tail; h++) {
    const v = queue[h];
    for (let k = outCount[v]; k < outCount[v + 1]; k++) {
      const c = kids[k];
      if (depth[v] + 1 > depth[c]) depth[c] = depth[v] + 1;
      if (--indeg[c] === 0) queue[tail++] = c;
    }
  }
  const placed = tail;
  if (tail < n) {
    let deepest = 0;
    for (let h = 0; h < tail; h++) if (depth[queue[h]] > deepest) deepest = depth[queue[h]];
    const isPlaced = new Uint8Array(n);
    for (let h = 0; h < placed; h++) isPlaced[queue[h]] = 1;
    for (let i = 0; i < n; i++)
      if (!isPlaced[i]) {
        depth[i] = deepest + 1;
        queue[tail++] = i;
      }
  }
  const order: GraphNode[] = new Array<GraphNode>(n);
  for (let h = 0; h < n; h++) {
    const node = nodes[queue[h]];
    node.depth = depth[queue[h]];
    order[h] = node;
  }
  // Layers in topological order already; rows are set layer by layer, shallowest first.
  const layers = new Map<number, number[]>();
  for (let h = 0; h < n; h++) {
    const v = queue[h];
    const list = layers.get(depth[v]);
    if (list) list.push(v);
    else layers.set(depth[v], [v]);
  }
  // Whole numbers: a node's row field stays a small integer (a double there would change the shape of every node object).
  const row = new Int32Array(n).fill(-1);
  const key = new Float64Array(n);
  const pos = new Int32Array(n);
  // By the mean row of the parents, then the order met; nodes without a placed parent last.
  const before = (a: number, b: number) => (key[a] === key[b] ? pos[a] - pos[b] : key[a] === Infinity ? 1 : key[b] === Infinity ? -1 : key[a] - key[b]);
  for (const d of [...layers.keys()].sort((a, b) => a - b)) {
    const layer = layers.get(d)!;
    for (let i = 0; i < layer.length; i++) {
      const v = layer[i];
      let sum = 0;
      let count = 0;
      for (let k = inCount[v]; k < inCount[v + 1]; k++) {
        const r = row[mums[k]];
        if (r >= 0) {
          sum += r;
          count++;
        }
      }
      key[v] = count ? sum / count : Infinity;
      pos[v] = i;
    }
    // A chain or a fan is mostly in order already: checked in one pass, sorted only when not (the order is
    // total, so skipping the sort changes nothing).
    let inOrder = true;
    for (let i = 1; i < layer.length && inOrder; i++) inOrder = before(layer[i - 1], layer[i]) < 0;
    if (!inOrder) layer.sort(before);
    for (let i = 0; i < layer.length; i++) row[layer[i]] = i;
  }
  for (let i = 0; i < n; i++) nodes[i].row = row[i];
  return order;
}
