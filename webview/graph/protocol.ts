/**
 * The Lineage graph panel's messages (host: src/extension/panels/graphPanel.ts, webview: ./main.ts), each
 * declared once over the shared envelope (../shared/ipc.ts). The graph is the engine's LineageGraph
 * (src/core/graph/types.ts) exactly as `lineage graph --json` writes it: the host builds it, the page draws it.
 */
import type { Direction, LineageGraph } from '../../src/core/graph/types';
import { notification } from '../shared/ipc';

export type { Direction, GraphEdge, GraphNode, LineageGraph } from '../../src/core/graph/types';

export const DIRECTIONS: readonly Direction[] = ['both', 'up', 'down'];

/** What the panel shows: a run, model (`<run>:<file>`) or path as `lineage graph` takes it; a data version by its sha256. */
export interface GraphTarget {
  ref: string;
  /** With `ref` a path: that version rather than the file's current content. */
  sha256?: string;
}

/** What the webview saves with setState and the serializer restores. */
export interface GraphState {
  folder?: string;
  target: GraphTarget;
  direction: Direction;
  /** The node that had focus, so a restored panel puts it back. */
  focused?: string;
}

// ---------- host → webview ----------

/** The graph to draw, with the panel's (possibly corrected) state. */
export const GraphShow = notification<{ graph: LineageGraph; state: GraphState; title: string }>('graph/show');

/** No graph could be made (unknown run, no folder): the message says what to do. */
export const GraphFailed = notification<{ message: string }>('graph/failed');

// ---------- webview → host ----------

/** The script has loaded, with what it saved before a reload (null on a fresh panel). */
export const GraphReady = notification<{ state: GraphState | null }>('graph/ready');

/** Open a node: a run or model opens its run, a data version reveals the file. The host checks the id is in the graph it sent. */
export const GraphOpenNode = notification<{ nodeId: string }>('graph/open');

/** Show the other direction (up, down, both) or read the index and the files again. */
export const GraphSetDirection = notification<{ direction: Direction }>('graph/direction');
export const GraphRefresh = notification<Record<string, never>>('graph/refresh');

/** Re-run the stale steps upstream of the target (the host asks for workspace trust and runs `lineage rerun-stale`). */
export const GraphRerunStale = notification<Record<string, never>>('graph/rerunStale');

/** The focused node changed: kept for a restored panel. */
export const GraphFocus = notification<{ nodeId: string }>('graph/focus');
