/**
 * The Lineage graph panel's webview: says `ready` with its saved state, then draws the host's LineageGraph
 * (src/core/graph) as SVG, left to right — data versions, runs and models as nodes, reads and writes as
 * edges, stale nodes marked in words and colour. Every node is a Tab stop; the arrow keys follow the edges
 * (Left: what it came from, Right: what it led to) and the layer (Up/Down); Enter opens the node. Every
 * user string (paths, run names) becomes text, never markup. Host: src/extension/panels/graphPanel.ts.
 */
import { clear, el, setText } from '../shared/dom';
import { connectToHost } from '../shared/hostConnection';
import { vscodeApi } from '../shared/vscode';
import { drawGraph, type Drawn } from './draw';
import { kindWord } from './describe';
import {
  DIRECTIONS,
  GraphFailed,
  GraphFocus,
  GraphOpenNode,
  GraphReady,
  GraphRefresh,
  GraphRerunStale,
  GraphSetDirection,
  GraphShow,
  type Direction,
  type GraphNode,
  type GraphState,
  type LineageGraph,
} from './protocol';

const vscode = vscodeApi<GraphState, never>();
const ipc = connectToHost(report);
const saved: GraphState | undefined = vscode.getState();
let state: GraphState | undefined = saved;
let shown: { graph: LineageGraph; drawn: Drawn; byId: Map<string, GraphNode> } | undefined;

const app = document.getElementById('app') ?? document.body.appendChild(el('div', { id: 'app' }));
app.setAttribute('role', 'main');
const title = el('h1', {}, 'Lineage');
const statusLine = el('p', { class: 'status-line', role: 'status' }, 'Reading the lineage…');
const directionPick = el(
  'select',
  { id: 'direction', class: 'direction' },
  el('option', { value: 'both' }, 'Both ways'),
  el('option', { value: 'up' }, 'Made from (upstream)'),
  el('option', { value: 'down' }, 'Led to (downstream)'),
);
const refresh = el('button', { type: 'button', class: 'secondary refresh' }, 'Check again');
const rerun = el('button', { type: 'button', class: 'rerun-stale' }, 'Re-run stale steps…');
const toolbar = el('div', { class: 'toolbar' }, el('label', { for: 'direction' }, 'Show'), directionPick, refresh, rerun);
const canvas = el('div', { class: 'canvas', tabindex: '-1' });
const legend = el(
  'p',
  { class: 'legend' },
  'Data versions, runs and models, left to right: each run reads the data on its left and writes what is on its right. ',
  el('span', { class: 'legend-stale' }, '⚠ STALE'),
  ' marks a step whose inputs changed since it ran, and what it made. Tab or the arrow keys move between nodes; Enter opens one.',
);
const detailHeading = el('h2', { id: 'detail-heading' }, 'Selected node');
const detail = el('div', { class: 'detail', 'aria-live': 'polite' });
const side = el('section', { class: 'side', 'aria-labelledby': 'detail-heading' }, detailHeading, detail);
const body = el('div', { class: 'graph-body' }, canvas, side);
body.hidden = true;
toolbar.hidden = true;
app.replaceChildren(title, statusLine, toolbar, legend, body);

const emit = (kind: string, detailData: Record<string, unknown> = {}) =>
  document.dispatchEvent(new CustomEvent('lineage-graph', { detail: { ...detailData, kind } }));

directionPick.addEventListener('change', () => {
  const d = directionPick.value as Direction;
  if (!DIRECTIONS.includes(d)) return;
  setText(statusLine, 'Reading the lineage…');
  ipc.notify(GraphSetDirection, { direction: d });
});
refresh.addEventListener('click', () => {
  setText(statusLine, 'Checking the files again…');
  ipc.notify(GraphRefresh, {});
});
rerun.addEventListener('click', () => ipc.notify(GraphRerunStale, {}));

function showDetail(n: GraphNode): void {
  const rows: Array<[string, string]> = [['Kind', kindWord(n)]];
  if (n.kind === 'data') {
    rows.push(['Path', n.path ?? n.label], ['sha256', n.sha256 ?? 'not fingerprinted']);
    rows.push([
      'In the workspace',
      n.state === 'current'
        ? 'this is the current content'
        : n.state === 'changed'
          ? 'the file holds other content now'
          : n.state === 'missing'
            ? 'the file is gone'
            : 'not checked',
    ]);
  } else {
    rows.push(['Run', `${n.runName ?? n.label} (${n.runId ?? ''})`]);
    if (n.kind === 'run') rows.push(['Status', n.status ?? ''], ['Experiment', n.experiment ?? '']);
    if (n.kind === 'model') rows.push(['File', n.path ?? n.label]);
  }
  rows.push(['State', n.stale ? 'stale' : 'up to date']);
  const dl = el('dl', {});
  for (const [k, v] of rows) dl.append(el('dt', {}, k), el('dd', {}, v));
  const parts: Node[] = [dl];
  if (n.reasons.length) parts.push(el('p', { class: 'why' }, 'Why stale:'), el('ul', { class: 'reasons' }, ...n.reasons.map((r) => el('li', {}, r))));
  if (n.supersededBy) parts.push(el('p', {}, `Re-run since as ${n.supersededBy.runName} (${n.supersededBy.runId}), which is up to date.`));
  const open = el('button', { type: 'button', class: 'secondary open-node' }, n.kind === 'data' ? 'Reveal file' : 'Open run');
  open.addEventListener('click', () => openNode(n.id));
  parts.push(open);
  detail.replaceChildren(...parts);
}

function openNode(id: string): void {
  ipc.notify(GraphOpenNode, { nodeId: id });
  emit('opened', { nodeId: id });
}

function focusNode(id: string | undefined): void {
  if (!shown || !id) return;
  const g = shown.drawn.nodes.get(id);
  if (!g) return;
  g.focus();
  g.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
}

function onKey(e: KeyboardEvent): void {
  if (!shown) return;
  const target = (e.target as Element).closest?.('[data-node]');
  const id = target?.getAttribute('data-node');
  if (!id) return;
  const { drawn, byId } = shown;
  const me = byId.get(id)!;
  const layer = drawn.order.filter((x) => byId.get(x)!.depth === me.depth);
  let next: string | undefined;
  switch (e.key) {
    case 'Enter':
    case ' ':
      e.preventDefault();
      openNode(id);
      return;
    case 'ArrowLeft':
      next = nearest(drawn.up.get(id), me);
      break;
    case 'ArrowRight':
      next = nearest(drawn.down.get(id), me);
      break;
    case 'ArrowUp':
      next = layer[layer.indexOf(id) - 1];
      break;
    case 'ArrowDown':
      next = layer[layer.indexOf(id) + 1];
      break;
    case 'Home':
      next = drawn.order[0];
      break;
    case 'End':
      next = drawn.order[drawn.order.length - 1];
      break;
    default:
      return;
  }
  e.preventDefault();
  if (next) focusNode(next);
}

/** Of a node's neighbours, the one on the nearest row (a chain goes straight across). */
function nearest(ids: string[] | undefined, me: GraphNode): string | undefined {
  if (!ids?.length || !shown) return undefined;
  const byId = shown.byId;
  return [...ids].sort((a, b) => Math.abs(byId.get(a)!.row - me.row) - Math.abs(byId.get(b)!.row - me.row))[0];
}

function onShow(m: { graph: LineageGraph; state: GraphState; title: string }): void {
  state = { ...m.state, focused: m.state.focused ?? state?.focused };
  vscode.setState(state);
  setText(title, m.title);
  directionPick.value = DIRECTIONS.includes(state.direction) ? state.direction : 'both';
  const drawn = drawGraph(m.graph);
  const byId = new Map(m.graph.nodes.map((n) => [n.id, n]));
  shown = { graph: m.graph, drawn, byId };
  clear(canvas);
  canvas.append(drawn.svg);
  for (const [id, g] of drawn.nodes) {
    g.addEventListener('click', () => {
      focusNode(id);
      openNode(id);
    });
    g.addEventListener('focus', () => {
      showDetail(byId.get(id)!);
      if (state && state.focused !== id) {
        state = { ...state, focused: id };
        vscode.setState(state);
        ipc.notify(GraphFocus, { nodeId: id });
      }
      emit('focused', { nodeId: id });
    });
  }
  drawn.svg.addEventListener('keydown', onKey);
  const staleSteps = m.graph.nodes.filter((n) => n.kind === 'run' && n.stale && !n.supersededBy);
  const runs = m.graph.nodes.filter((n) => n.kind === 'run').length;
  setText(
    statusLine,
    `${m.graph.nodes.length} nodes: ${runs} run${runs === 1 ? '' : 's'}, ${m.graph.edges.length} reads and writes. ` +
      (staleSteps.length
        ? `${staleSteps.length} stale step${staleSteps.length === 1 ? '' : 's'}: ${staleSteps.map((n) => n.label).join(', ')}.`
        : 'Up to date.') +
      (m.graph.notes.length ? ` ${m.graph.notes.join(' ')}` : ''),
  );
  statusLine.setAttribute('role', 'status');
  rerun.hidden = staleSteps.length === 0;
  toolbar.hidden = false;
  body.hidden = false;
  const start = (state.focused && byId.has(state.focused) ? state.focused : undefined) ?? m.graph.target;
  const startNode = byId.get(start);
  if (startNode) showDetail(startNode);
  emit('drawn', { nodes: m.graph.nodes.length, edges: m.graph.edges.length, stale: m.graph.nodes.filter((n) => n.stale).map((n) => n.id) });
}

ipc.on(GraphShow, onShow).on(GraphFailed, (m) => {
  shown = undefined;
  body.hidden = true;
  toolbar.hidden = true;
  setText(statusLine, m.message);
  statusLine.setAttribute('role', 'alert');
  emit('failed', { message: m.message });
});

function report(err: unknown): void {
  setText(statusLine, `Error: ${err instanceof Error ? err.message : String(err)}`);
  console.error(err);
}

ipc.notify(GraphReady, { state: saved ?? null });
