import type { GraphEdge, GraphNode, LineageGraph } from './protocol';
import { accessibleName, kindWord, subLine } from './describe';
import { shorten, shortenPath, svgEl } from './svg';

export const NODE_W = 190;
export const NODE_H = 54;
const X_STEP = NODE_W + 70;
const Y_STEP = NODE_H + 26;
const PAD = 16;

export interface Drawn {
  svg: SVGSVGElement;
  /** Each node's <g>, keyed by node id. */
  nodes: Map<string, SVGGElement>;
  /** Neighbours for the arrow keys: upstream (incoming) and downstream (outgoing), by row. */
  up: Map<string, string[]>;
  down: Map<string, string[]>;
  /** Node ids in reading order: by layer, then row (also the Tab order). */
  order: string[];
}

const pos = (n: GraphNode) => ({ x: PAD + n.depth * X_STEP, y: PAD + n.row * Y_STEP });

/**
 * The graph as SVG, left to right by the layers the host computed (core/graph/layout.ts). Each node is a
 * focusable group with role=button and a full accessible name; edges are decoration (aria-hidden): the
 * same facts are in each node's name and in the details pane.
 */
export function drawGraph(g: LineageGraph): Drawn {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const order = [...g.nodes].sort((a, b) => a.depth - b.depth || a.row - b.row).map((n) => n.id);
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  for (const e of g.edges) {
    if (!byId.has(e.from) || !byId.has(e.to)) continue;
    (down.get(e.from) ?? down.set(e.from, []).get(e.from)!).push(e.to);
    (up.get(e.to) ?? up.set(e.to, []).get(e.to)!).push(e.from);
  }
  const byRow = (a: string, b: string) => byId.get(a)!.row - byId.get(b)!.row;
  for (const l of [...up.values(), ...down.values()]) l.sort(byRow);

  const maxDepth = Math.max(0, ...g.nodes.map((n) => n.depth));
  const maxRow = Math.max(0, ...g.nodes.map((n) => n.row));
  const width = PAD * 2 + maxDepth * X_STEP + NODE_W;
  const height = PAD * 2 + maxRow * Y_STEP + NODE_H;
  const svg = svgEl('svg', { class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'group', 'aria-label': 'Lineage graph' });
  const defs = svgEl('defs');
  const marker = svgEl('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svgEl('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head' }));
  defs.append(marker);
  svg.append(defs);

  const edgeLayer = svgEl('g', { class: 'edges', 'aria-hidden': 'true' });
  for (const e of g.edges) {
    const a = byId.get(e.from);
    const b = byId.get(e.to);
    if (!a || !b) continue;
    edgeLayer.append(edgePath(e, a, b));
  }
  svg.append(edgeLayer);

  const nodes = new Map<string, SVGGElement>();
  const nodeLayer = svgEl('g', { class: 'nodes' });
  for (const id of order) {
    const n = byId.get(id)!;
    const { x, y } = pos(n);
    const cls = `node node-${n.kind}${n.stale ? ' stale' : ''}${n.target ? ' target' : ''}${n.state === 'changed' || n.state === 'missing' ? ' old' : ''}`;
    const gEl = svgEl('g', {
      class: cls,
      transform: `translate(${x} ${y})`,
      tabindex: 0,
      role: 'button',
      'data-node': n.id,
      'aria-label': accessibleName(n, up.get(id)?.length ?? 0, down.get(id)?.length ?? 0),
    });
    gEl.append(svgEl('title', {}, n.kind === 'data' ? `${n.label}\n${n.sha256 ?? ''}` : n.label));
    gEl.append(svgEl('rect', { class: 'box', width: NODE_W, height: NODE_H, rx: n.kind === 'data' ? 12 : n.kind === 'model' ? 2 : 5 }));
    const label = n.kind === 'data' ? shortenPath(n.label, 24) : shorten(n.label, 24);
    gEl.append(svgEl('text', { class: 'kind', x: 8, y: 16 }, kindWord(n).toUpperCase()));
    gEl.append(svgEl('text', { class: 'label', x: 8, y: 32 }, label));
    gEl.append(svgEl('text', { class: 'sub', x: 8, y: 47 }, shorten(subLine(n), 22)));
    // Stale is said in words and a marker shape, not by colour alone.
    if (n.stale) gEl.append(svgEl('text', { class: 'stale-tag', x: NODE_W - 8, y: 16, 'text-anchor': 'end' }, '⚠ STALE'));
    else if (n.supersededBy) gEl.append(svgEl('text', { class: 'rerun-tag', x: NODE_W - 8, y: 16, 'text-anchor': 'end' }, 're-run'));
    nodes.set(id, gEl);
    nodeLayer.append(gEl);
  }
  svg.append(nodeLayer);
  return { svg, nodes, up, down, order };
}

function edgePath(e: GraphEdge, a: GraphNode, b: GraphNode): SVGPathElement {
  const pa = pos(a);
  const pb = pos(b);
  const x1 = pa.x + NODE_W;
  const y1 = pa.y + NODE_H / 2;
  const x2 = pb.x;
  const y2 = pb.y + NODE_H / 2;
  const mid = Math.max(30, (x2 - x1) / 2);
  return svgEl('path', {
    class: `edge edge-${e.kind}`,
    d: `M ${x1} ${y1} C ${x1 + mid} ${y1}, ${x2 - mid} ${y2}, ${x2} ${y2}`,
    'marker-end': 'url(#arrow)',
  });
}
