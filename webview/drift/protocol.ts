/**
 * The Drift panel's messages (host: src/extension/panels/driftPanel.ts, webview: ./main.ts), each declared once
 * over the shared envelope (../shared/ipc.ts). The report is the engine's DriftReport (src/core/drift/types.ts)
 * as `lineage drift --json` writes it; the host computes it, the page only draws it.
 */
import type { DriftOptions, DriftReport } from '../../src/core/drift/types';
import { notification, request } from '../shared/ipc';

export type {
  BatchFailure,
  BatchReport,
  ColumnDrift,
  DistributionSummary,
  DriftOptions,
  DriftReport,
  Performance,
  SchemaChange,
} from '../../src/core/drift/types';

/** What the report compares with: a run's training data (the table it recorded) or any table file. */
export type DriftReference = { runId: string } | { file: string };

export const SORTS = ['drift', 'risk'] as const;
export type ColumnSort = (typeof SORTS)[number];

/** What the webview saves with setState and the serializer restores. */
export interface DriftState {
  folder?: string;
  reference: DriftReference;
  /** Batch files in the order they are compared (drift over time follows it). */
  batches: string[];
  options?: DriftOptions;
  /** Index into `batches` of the batch whose detail is shown. */
  batch: number;
  /** The column whose distributions are shown (null: the first of the table). */
  column: string | null;
  sort: ColumnSort;
}

// ---------- host → webview ----------

/** While the report is computed: what is being read ("reading batch-04.jsonl…"), `done` of `total` steps. */
export const DriftProgress = notification<{ message: string; done: number; total: number }>('drift/progress');

/** The computed report, with the panel's state (the host may have corrected it). */
export const DriftShowReport = notification<{ report: DriftReport; state: DriftState; title: string }>('drift/report');

/** No report could be made (no reference, unreadable reference, no folder): the message says what to do. */
export const DriftFailed = notification<{ message: string }>('drift/failed');

// ---------- webview → host ----------

/** The script has loaded, with what it saved before a reload (null on a fresh panel). */
export const DriftReady = notification<{ state: DriftState | null }>('drift/ready');

/** The shown batch, column or sort changed: the host keeps it for a restored panel. */
export const DriftStateChanged = notification<{ batch: number; column: string | null; sort: ColumnSort }>('drift/state');

/** Read the batches again (they changed on disk) and send a fresh report. */
export const DriftRefresh = notification<Record<string, never>>('drift/refresh');

/** Save the self-contained HTML report where the user chooses; the answer is where (null when cancelled). */
export const DriftExportHtml = request<Record<string, never>, { path: string | null; error: string | null }>('drift/exportHtml');
