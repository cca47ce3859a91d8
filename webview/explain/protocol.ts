/**
 * The Explain panel's messages (host: src/extension/panels/explainPanel.ts, webview: ./main.ts), each declared
 * once over the shared envelope (../shared/ipc.ts). The views are the engine's shapes (src/core/explain/types.ts),
 * reduced on the host: the page never sees the n × m arrays.
 */
import type { DependenceView, GlobalView, RowSort, RowView } from '../../src/core/explain/types';
import { notification, request } from '../shared/ipc';

export type { DependenceView, ExplanationManifest, GlobalView, RowSort, RowView, TrustNote } from '../../src/core/explain/types';

export const TABS = ['global', 'row', 'whatif', 'compare'] as const;
export type ExplainTab = (typeof TABS)[number];

/** What the webview saves with setState and the serializer restores. */
export interface ExplainState {
  runId: string | null;
  folder?: string;
  /** The explanation's name (a run may log several). */
  name: string;
  /** The row shown on the Row and What-if tabs (index into the arrays). */
  row: number;
  tab: ExplainTab;
}

/** Another run with an explanation, for the side-by-side view. */
export interface OtherExplanation {
  runId: string;
  runName: string;
  name: string;
}

/** Whether what-if can run here, and if not, why (shown instead of a dead button). */
export interface WhatIfAvailability {
  enabled: boolean;
  /** Why not, and what to do (untrusted workspace, no saved model). */
  reason: string | null;
  /** The reason is the workspace's trust: the page offers the "Manage Workspace Trust" action. */
  needsTrust: boolean;
}

export type ExplainInitParams = {
  runId: string;
  runName: string;
  folder?: string;
  /** The explanations this run logged (the picker), the shown one first. */
  names: string[];
  global: GlobalView;
  /** The row the page showed before (or 0). */
  row: RowView;
  tab: ExplainTab;
  others: OtherExplanation[];
  whatIf: WhatIfAvailability;
};

// ---------- host → webview ----------

/** After `explain/ready` and when the explanation is re-logged: everything the first paint needs. */
export const ExplainInit = notification<ExplainInitParams>('explain/init');

/** The run has no such explanation, or it could not be read: the message says what to do. */
export const ExplainFailed = notification<{ message: string }>('explain/failed');

export type ScorerState = 'starting' | 'ready' | 'stopped' | 'failed';

/** The what-if model process: starting (can take seconds), ready, stopped, or failed with its message. */
export const ExplainScorer = notification<{ state: ScorerState; message: string | null }>('explain/scorer');

// ---------- webview → host ----------

/** The script has loaded, with what it saved before a reload (null on a fresh panel). */
export const ExplainReady = notification<{ state: ExplainState | null }>('explain/ready');

/** The shown row, tab or explanation changed: the host keeps it (a reload restores it; Explain from a menu reuses it). */
export const ExplainStateChanged = notification<{ state: ExplainState }>('explain/state');

/** Switch to another of the run's explanations (the host answers with a fresh `explain/init`). */
export const ExplainPick = notification<{ name: string }>('explain/pick');

/** One row for the waterfall (null when the index is out of range). */
export const ExplainRow = request<{ index: number }, { row: RowView | null }>('explain/row');

export type FoundRow = { index: number; rowId: number; prediction: number; target: number | null; error: number | null };

/** Rows by a sort, optionally matching a search of their feature values. */
export const ExplainFindRows = request<{ sort: RowSort; search: string; limit: number }, { rows: FoundRow[]; error: string | null }>('explain/findRows');

/** The dependence scatter of one feature. */
export const ExplainDependence = request<{ feature: string }, { view: DependenceView | null }>('explain/dependence');

export type PdpData = { feature: string; grid: number[]; average: number[]; ice: number[][]; categories: string[] | null };

/** Partial dependence (and a sample of ICE curves) of one feature listed in the manifest. */
export const ExplainPdp = request<{ feature: string }, { pdp: PdpData | null }>('explain/pdp');

export type ComparisonRow = { feature: string; a: number | null; b: number | null };

/** Mean |attribution| per feature of this explanation (a) and another run's (b). */
export const ExplainCompare = request<{ runId: string; name: string }, { features: ComparisonRow[]; otherRunName: string; error: string | null }>(
  'explain/compare',
);

/** A row as the user edited it: numbers for numeric inputs, the category text for categorical ones. */
export type WhatIfRow = Record<string, number | string | null>;

export type WhatIfResult = {
  prediction: number;
  output: number;
  base: number;
  values: number[];
  additivityError: number | null;
  exact: boolean;
};

/** Score an edited row with the run's own model (the host starts the scorer on first use). */
export const ExplainPredict = request<{ index: number; row: WhatIfRow }, { result: WhatIfResult | null; error: string | null }>('explain/predict');

export type CounterfactualResult = {
  found: boolean;
  changes: Array<{ feature: string; from: number | string | null; to: number | string | null }>;
  prediction: number | null;
  reason: string | null;
};

/** The smallest change to at most `maxFeatures` inputs that moves the prediction past `target`. */
export const ExplainCounterfactual = request<
  { index: number; row: WhatIfRow; target: number; maxFeatures: number },
  { result: CounterfactualResult | null; error: string | null }
>('explain/counterfactual');

/** Write the report of one row (Markdown or HTML, chosen in the save dialog); the answer is where (null when cancelled). */
export const ExplainExportReport = request<{ index: number }, { path: string | null; error: string | null }>('explain/exportReport');

/** Open VS Code's workspace trust editor (what-if runs the model only in a trusted workspace). */
export const ExplainManageTrust = notification<Record<string, never>>('explain/manageTrust');
