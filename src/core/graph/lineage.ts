import type { GraphIndex, Use } from './graphIndex';
import type { Direction, EdgeKind, GraphEdge, GraphNode } from './types';

export type Target = { kind: 'run'; runId: string } | { kind: 'data'; path: string; sha256: string | null } | { kind: 'model'; runId: string; path: string };

export const dataId = (path: string, sha256: string | null) => `data:${path}@${sha256 ?? '?'}`;
export const runNodeId = (runId: string) => `run:${runId}`;
export const modelId = (runId: string, path: string) => `model:${runId}:${path}`;

export function targetId(t: Target): string {
  return t.kind === 'run' ? runNodeId(t.runId) : t.kind === 'model' ? modelId(t.runId, t.path) : dataId(t.path, t.sha256);
}

/** The nodes and edges of a lineage, before staleness and layout (staleness.ts, layout.ts). */
export interface RawGraph {
  nodes: Map<string, GraphNode>;
  edges: GraphEdge[];
}

/**
 * Walks the index from the target: up through what each run read to the runs that wrote it and on to raw
 * data, down through what each run wrote to the runs that read it. Each node is visited once, so shared
 * inputs (a diamond) appear once and a repeated content can never loop.
 */
export function lineageOf(index: GraphIndex, target: Target, direction: Direction): RawGraph {
  const nodes = new Map<string, GraphNode>();
  // Each node gets a number as it is made, so an edge is deduplicated by a number pair, not a joined string.
  const seq = new Map<string, number>();
  const edgeKeys = new Set<number>();
  const edges: GraphEdge[] = [];
  const add = (node: GraphNode) => {
    seq.set(node.id, seq.size);
    nodes.set(node.id, node);
  };
  const edge = (from: string, to: string, kind: EdgeKind) => {
    if (from === to) return;
    const k = seq.get(from)! * 0x4000000 + seq.get(to)!;
    if (edgeKeys.has(k)) return;
    edgeKeys.add(k);
    edges.push({ from, to, kind });
  };
  // Ids made once per run and per recorded use: a fresh joined string per visit must be hashed again each time.
  const runIds = new Map<string, string>();
  const runNode = (runId: string): string => {
    let id = runIds.get(runId);
    if (id === undefined) runIds.set(runId, (id = runNodeId(runId)));
    if (!nodes.has(id)) {
      const r = index.runs.get(runId);
      add({
        id,
        kind: 'run',
        label: r?.name ?? runId,
        runId,
        runName: r?.name ?? runId,
        status: r?.status ?? 'unknown',
        experiment: r?.experiment,
        startedAt: r?.startedAt ?? null,
        stale: false,
        reasons: [],
        depth: 0,
        row: 0,
      });
    }
    return id;
  };
  const dataNode = (path: string, sha256: string | null, use?: Use): string => {
    const id = use ? (use.nodeId ??= dataId(path, sha256)) : dataId(path, sha256);
    if (!nodes.has(id)) add({ id, kind: 'data', label: path, path, sha256, stale: false, reasons: [], depth: 0, row: 0, state: 'unknown' });
    return id;
  };
  const modelNode = (runId: string, path: string): string => {
    const id = modelId(runId, path);
    if (!nodes.has(id)) {
      const r = index.runs.get(runId);
      add({
        id,
        kind: 'model',
        label: path.split('/').pop() ?? path,
        path,
        runId,
        runName: r?.name ?? runId,
        stale: false,
        reasons: [],
        depth: 0,
        row: 0,
      });
    }
    return id;
  };

  /** Links a read version to the write it came from; returns the producing run, if any. */
  const linkProducer = (p: Use | undefined, path: string, sha256: string | null, readNode: string): string | undefined => {
    if (!p) return undefined;
    const w = runNode(p.runId);
    if (p.path === path) edge(w, readNode, 'write');
    else {
      const written = dataNode(p.path, sha256, p);
      edge(w, written, 'write');
      edge(written, readNode, 'same-content');
    }
    return p.runId;
  };

  const upDone = new Set<string>();
  const up = (runId: string) => {
    const stack = [runId];
    while (stack.length) {
      const id = stack.pop()!;
      if (upDone.has(id)) continue;
      upDone.add(id);
      const me = runNode(id);
      for (const r of index.reads.get(id) ?? []) {
        const d = dataNode(r.path, r.sha256, r);
        edge(d, me, 'read');
        const w = linkProducer(index.producerOfRead(r), r.path, r.sha256, d);
        if (w) stack.push(w);
      }
    }
  };

  /** A run's outputs: its written versions and its models. */
  const outputs = (runId: string): string[] => {
    const me = runNode(runId);
    const out: string[] = [];
    for (const w of index.writes.get(runId) ?? []) {
      const d = dataNode(w.path, w.sha256, w);
      edge(me, d, 'write');
      out.push(d);
    }
    for (const m of index.models.get(runId) ?? []) edge(me, modelNode(runId, m), 'write');
    return out;
  };

  const downDone = new Set<string>();
  const downFromData = (path: string, sha256: string | null, writerId: string | undefined, stack: string[], use?: Use) => {
    const d = dataNode(path, sha256, use);
    for (const c of index.consumersOf(path, sha256, writerId)) {
      const readNode = dataNode(c.path, sha256, c);
      if (c.path !== path) edge(d, readNode, 'same-content');
      edge(readNode, runNode(c.runId), 'read');
      stack.push(c.runId);
    }
  };
  const down = (runId: string) => {
    const stack = [runId];
    while (stack.length) {
      const id = stack.pop()!;
      if (downDone.has(id)) continue;
      downDone.add(id);
      outputs(id);
      for (const w of index.writes.get(id) ?? []) downFromData(w.path, w.sha256, id, stack, w);
    }
  };

  const wantUp = direction !== 'down';
  const wantDown = direction !== 'up';
  if (target.kind === 'run' || target.kind === 'model') {
    if (!index.runs.has(target.runId)) throw new Error(`run ${target.runId} is not in the index`);
    if (target.kind === 'model') modelNode(target.runId, target.path);
    if (wantUp) up(target.runId);
    // A run's own outputs are part of its picture whichever way one looks.
    if (target.kind === 'run') outputs(target.runId);
    else edge(runNode(target.runId), modelId(target.runId, target.path), 'write');
    if (wantDown && target.kind === 'run') down(target.runId);
  } else {
    const d = dataNode(target.path, target.sha256);
    if (wantUp) {
      const w = linkProducer(index.producerOf(undefined, target.path, target.sha256), target.path, target.sha256, d);
      if (w) up(w);
    }
    if (wantDown) {
      const stack: string[] = [];
      downFromData(target.path, target.sha256, index.producerOf(undefined, target.path, target.sha256)?.runId, stack);
      for (const id of stack) down(id);
    }
  }
  nodes.get(targetId(target))!.target = true;
  return { nodes, edges };
}
