/**
 * The lineage graph's shapes, shared by the CLI (`lineage graph --json` writes a LineageGraph as is) and the
 * graph panel (webview/graph/protocol.ts). Node ids are stable strings: `data:<path>@<sha256>`, `run:<id>`,
 * `model:<run id>:<artifact path>`.
 */

export type NodeKind = 'data' | 'run' | 'model';
export type EdgeKind = 'read' | 'write' | 'same-content';
export type Direction = 'up' | 'down' | 'both';

/** How a data version compares with the file in the workspace now. */
export type DataState = 'current' | 'changed' | 'missing' | 'unknown';

export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** What a person reads: the path, the run's name, the model file. */
  label: string;
  /** Data: the workspace-relative path; model: the artifact path inside the run folder. */
  path?: string;
  /** Data: the version's sha256 (null when it was not fingerprinted). */
  sha256?: string | null;
  /** Runs and models: the run. */
  runId?: string;
  runName?: string;
  status?: string;
  experiment?: string;
  startedAt?: number | null;
  /** Data only. */
  state?: DataState;
  stale: boolean;
  /** Why it is stale, one sentence each ("data/houses.csv changed since prepare ran"). */
  reasons: string[];
  /** A stale run that was re-run since with the same command, and that newer run is up to date. */
  supersededBy?: { runId: string; runName: string };
  /** Layer in a left-to-right layout: 0 for raw data, each step one further. */
  depth: number;
  /** Position within its layer (0 at the top). */
  row: number;
  target?: true;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
}

export interface LineageGraph {
  target: string;
  direction: Direction;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Said once, e.g. that the file's current content was never read by a run. */
  notes: string[];
}

export interface RunRec {
  id: string;
  name: string;
  status: string;
  startedAt: number | null;
  experiment: string;
  /** run.json's command as stored (a JSON array); parsed only for the runs that are re-run. */
  command: string | null;
  cwd: string | null;
}

export interface Io {
  path: string;
  sha256: string | null;
}
