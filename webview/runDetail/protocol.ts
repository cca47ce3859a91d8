/**
 * The run detail panel's messages (host: src/extension/panels/runDetailPanel.ts, webview: ./main.ts),
 * each declared once over the shared envelope (../shared/ipc.ts).
 */
import type { RunInfo } from '../../src/core/compare/types';
import { notification } from '../shared/ipc';

export type RunDetailData = {
  id: string;
  name: string;
  experiment: string;
  status: RunInfo['status'];
  startedAt: number | null;
  durationMs: number | null;
  exitCode: number | null;
  command: string[];
  note: string | null;
  error: string | null;
  git: { commit: string; branch: string | null; dirty: boolean; changedFiles: string[] } | null;
  python: { path: string; version: string | null; packages: number } | null;
  params: Record<string, string | number | null>;
  tags: Record<string, string>;
  /** Each metric with a small curve (at most 200 buckets, min/max kept) for a sparkline. */
  metrics: Array<{
    key: string;
    last: number | string | null;
    min: number | string | null;
    max: number | string | null;
    count: number;
    spark: { y: Float64Array; min: Float32Array; max: Float32Array };
  }>;
  /** `note`: why size is null when the file is a link out of the run folder or outside it (never opened). */
  artifacts: Array<{ path: string; kind: string; flavor: string | null; size: number | null; note?: string }>;
  datasets: Array<{ path: string; role: string; sha256: string | null; rows: number | null; note: string | null; state: string | null }>;
  consoleTail: string;
  consoleBytes: number;
  warnings: { count: number; first: Array<{ line: number; message: string }> };
  /** The names of the explanations the run logged (lineage.explain): the panel offers Explain when there is one. */
  explanations: string[];
};

/** What the webview saves with setState and the serializer restores. */
export interface RunDetailState {
  runId: string | null;
  /** The workspace folder of the run (absent in states saved before multi-root support). */
  folder?: string;
}

/** Host → webview: the run to show (again after every change while it runs), and its workspace folder for the saved state. */
export const RunDetailShow = notification<{ run: RunDetailData; folder?: string }>('runDetail/show');

/** Webview → host: the script has loaded, with the run it showed before a reload (null on a fresh panel). */
export const RunDetailReady = notification<{ runId: string | null; folder?: string }>('runDetail/ready');

export type RunAction =
  | 'openArtifact'
  | 'revealArtifact'
  | 'openConsole'
  | 'openDiff'
  | 'checkData'
  | 'rerun'
  | 'compareWithPrevious'
  | 'explain'
  | 'showLineage'
  | 'reproduce'
  | 'pushModel';

/** Webview → host: open or reveal an artifact, open the console log or the uncommitted diff, check the data, rerun, compare, show the lineage graph, reproduce, push the model. */
export const RunDetailAction = notification<{ action: RunAction; path?: string }>('runDetail/action');
