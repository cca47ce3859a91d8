import type { GraphIndex } from './graphIndex';
import type { Direction, EdgeKind, GraphEdge, GraphNode } from './types';

export type Target = { kind: 'run'; runId: string } | { kind: 'data'; path: string; sha256: string | null } | { kind: 'model'; runId: string; path: string };

export const dataId = (path: string, sha256: string | null) => `data:${path}@${sha256 ?? '?'}`;
export const runNodeId = (runId: string) => `run:${runId}`;
export const modelId = (runId: string, path: string) => `model:${runId}:${path}`;

export function targetId(t: Target): string {
  return t.kind === 'run' ? runNodeId(t.runId) : t.kind === 'model' ? modelId(t.runId, t.path) : dataId(t.path, t.sha256);
}

/**
 * The nodes and edges of a lineage, before staleness and layout (staleness.ts, layout.ts), each node also by
 * number: `nodeRun[i]` is node i's run number in the index (runs and models; -1 for data), and edge k goes
 * from node `edgeFrom[k]` to node `edgeTo[k]`, so the steps after the walk need no lookup by string id.
 */
export interface RawGraph {
  nodes: GraphNode[];
  nodeRun: number[];
  edges: GraphEdge[];
  edgeFrom: number[];
  edgeTo: number[];
}

/**
 * Walks the index from the target: up through what each run read to the runs that wrote it and on to raw
 * data, down through what each run wrote to the runs that read it. Each node is visited once, so shared
 * inputs (a diamond) appear once and a repeated content can never loop. The walk follows the index's numbers
 * (runs, paths, contents, recorded uses); a node's object and id are made once, when it is first met.
 */
export function lineageOf(index: GraphIndex, target: Target, direction: Direction): RawGraph {
  const raw: RawGraph = { nodes: [], nodeRun: [], edges: [], edgeFrom: [], edgeTo: [] };
  const { nodes, nodeRun, edges, edgeFrom, edgeTo } = raw;
  const g = index;
  const edgeKeys = new Set<number>();
  const edge = (from: number, to: number, kind: EdgeKind) => {
    if (from === to) return;
    const k = from * 0x4000000 + to;
    if (edgeKeys.has(k)) return;
    edgeKeys.add(k);
    edges.push({ from: nodes[from].id, to: nodes[to].id, kind });
    edgeFrom.push(from);
    edgeTo.push(to);
  };
  const add = (node: GraphNode, run: number): number => {
    nodes.push(node);
    nodeRun.push(run);
    return nodes.length - 1;
  };

  const runNodes = new Int32Array(g.runCount).fill(-1);
  const runNode = (r: number): number => {
    let n = runNodes[r];
    if (n < 0) {
      const runId = g.runId[r];
      const started = g.runStarted[r];
      runNodes[r] = n = add(
        {
          id: runNodeId(runId),
          kind: 'run',
          label: g.runName[r],
          runId,
          runName: g.runName[r],
          status: g.runStatus[r],
          experiment: g.runExperiment[r] ?? undefined,
          startedAt: Number.isNaN(started) ? null : started,
          stale: false,
          reasons: [],
          depth: 0,
          row: 0,
        },
        r,
      );
    }
    return n;
  };

  // A target's path or content no run recorded gets a number past the index's own (it has no uses).
  const extraPaths: string[] = [];
  const extraShas: string[] = [];
  const pathOf = (pn: number) => (pn < g.paths.length ? g.paths[pn] : extraPaths[pn - g.paths.length]);
  const shaOf = (sn: number) => (sn < 0 ? null : sn < g.shas.length ? g.shas[sn] : extraShas[sn - g.shas.length]);
  const shaSlots = g.shas.length + 2;
  const dataNodes = new Map<number, number>();
  const dataNode = (pn: number, sn: number): number => {
    const key = pn * shaSlots + sn + 1;
    let n = dataNodes.get(key);
    if (n === undefined) {
      const path = pathOf(pn);
      const sha256 = shaOf(sn);
      dataNodes.set(
        key,
        (n = add({ id: dataId(path, sha256), kind: 'data', label: path, path, sha256, stale: false, reasons: [], depth: 0, row: 0, state: 'unknown' }, -1)),
      );
    }
    return n;
  };
  const modelNodes = new Map<string, number>();
  const modelNode = (r: number, path: string): number => {
    const runId = g.runId[r];
    const id = modelId(runId, path);
    let n = modelNodes.get(id);
    if (n === undefined)
      modelNodes.set(
        id,
        (n = add(
          { id, kind: 'model', label: path.split('/').pop() ?? path, path, runId, runName: g.runName[r], stale: false, reasons: [], depth: 0, row: 0 },
          r,
        )),
      );
    return n;
  };

  /** Links a read version to the write `p` it came from. */
  const linkProducer = (p: number, pn: number, sn: number, readNode: number) => {
    const w = runNode(g.useRun[p]);
    if (g.usePath[p] === pn) edge(w, readNode, 'write');
    else {
      const written = dataNode(g.usePath[p], sn);
      edge(w, written, 'write');
      edge(written, readNode, 'same-content');
    }
  };

  const upDone = new Uint8Array(g.runCount);
  const up = (start: number) => {
    const stack = [start];
    while (stack.length) {
      const r = stack.pop()!;
      if (upDone[r]) continue;
      upDone[r] = 1;
      const me = runNode(r);
      for (let k = g.runReadsAt[r]; k < g.runReadsAt[r + 1]; k++) {
        const u = g.runReads[k];
        const d = dataNode(g.usePath[u], g.useSha[u]);
        edge(d, me, 'read');
        const p = g.useProducer[u];
        if (p >= 0) {
          linkProducer(p, g.usePath[u], g.useSha[u], d);
          stack.push(g.useRun[p]);
        }
      }
    }
  };

  /** A run's outputs: its written versions and its models. */
  const outputs = (r: number) => {
    const me = runNode(r);
    for (let k = g.runWritesAt[r]; k < g.runWritesAt[r + 1]; k++) {
      const w = g.runWrites[k];
      edge(me, dataNode(g.usePath[w], g.useSha[w]), 'write');
    }
    for (let k = g.runModelsAt[r]; k < g.runModelsAt[r + 1]; k++) edge(me, modelNode(r, g.modelPath[k]), 'write');
  };

  /** The runs that read this content and whose producer is run `writer` (or, for raw data, that read it at this path). */
  const downFromData = (pn: number, sn: number, writer: number, stack: number[]) => {
    const d = dataNode(pn, sn);
    const reach = (c: number) => {
      const readNode = dataNode(g.usePath[c], sn);
      if (g.usePath[c] !== pn) edge(d, readNode, 'same-content');
      edge(readNode, runNode(g.useRun[c]), 'read');
      stack.push(g.useRun[c]);
    };
    if (sn < 0) {
      if (pn < g.paths.length)
        for (let k = g.pathUsesAt[pn]; k < g.pathUsesAt[pn + 1]; k++) {
          const u = g.pathUses[k];
          if (!g.useWrite[u] && g.useSha[u] < 0) reach(u);
        }
      return;
    }
    if (sn >= g.shas.length) return;
    for (let k = g.shaReadersAt[sn]; k < g.shaReadersAt[sn + 1]; k++) {
      const c = g.shaReaders[k];
      const p = g.useProducer[c];
      if (writer >= 0 ? p >= 0 && g.useRun[p] === writer : p < 0 && g.usePath[c] === pn) reach(c);
    }
  };
  const downDone = new Uint8Array(g.runCount);
  const down = (start: number) => {
    const stack = [start];
    while (stack.length) {
      const r = stack.pop()!;
      if (downDone[r]) continue;
      downDone[r] = 1;
      outputs(r);
      for (let k = g.runWritesAt[r]; k < g.runWritesAt[r + 1]; k++) {
        const w = g.runWrites[k];
        downFromData(g.usePath[w], g.useSha[w], r, stack);
      }
    }
  };

  const wantUp = direction !== 'down';
  const wantDown = direction !== 'up';
  let targetNode: number;
  if (target.kind === 'run' || target.kind === 'model') {
    if (!g.isKnownRun(target.runId)) throw new Error(`run ${target.runId} is not in the index`);
    const r = g.runNum(target.runId);
    const model = target.kind === 'model' ? modelNode(r, target.path) : -1;
    if (wantUp) up(r);
    // A run's own outputs are part of its picture whichever way one looks.
    if (target.kind === 'run') outputs(r);
    else edge(runNode(r), model, 'write');
    if (wantDown && target.kind === 'run') down(r);
    targetNode = target.kind === 'run' ? runNode(r) : model;
  } else {
    let pn = g.pathNum(target.path);
    if (pn < 0) pn = g.paths.length + extraPaths.push(target.path) - 1;
    let sn = g.shaNum(target.sha256);
    if (sn < 0 && target.sha256) sn = g.shas.length + extraShas.push(target.sha256) - 1;
    targetNode = dataNode(pn, sn);
    const p = g.producerUseOf(target.path, target.sha256);
    if (wantUp && p >= 0) {
      linkProducer(p, pn, sn, targetNode);
      up(g.useRun[p]);
    }
    if (wantDown) {
      const stack: number[] = [];
      downFromData(pn, sn, p >= 0 ? g.useRun[p] : -1, stack);
      for (const r of stack) down(r);
    }
  }
  nodes[targetNode].target = true;
  return raw;
}
