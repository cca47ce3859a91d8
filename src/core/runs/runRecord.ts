/** The launch record, `run.json`, as written by the launcher or the Python SDK. The folder is the truth. */
export type RunStatus = 'running' | 'finished' | 'failed' | 'killed';

export const RUN_STATUSES: readonly RunStatus[] = ['running', 'finished', 'failed', 'killed'];

export interface GitInfo {
  commit: string;
  branch: string;
  dirty: boolean;
  /** Relative to the run folder; absent when the tree was clean. */
  diffFile?: string;
  untracked?: string[];
}

export interface PythonInfo {
  path: string;
  version: string;
  packages?: Array<{ name: string; version: string }>;
}

export interface RunRecord {
  schema: 1;
  id: string;
  name: string;
  experiment: string;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  exitCode?: number | null;
  signal?: string | null;
  command: string[];
  cwd: string;
  createdBy: string;
  host?: string;
  os?: string;
  /** The launcher's pid (or the script's, when the SDK made the record). */
  pid?: number;
  /** The launched process; it keeps writing events if the launcher dies. */
  childPid?: number;
  git?: GitInfo;
  python?: PythonInfo;
  error?: string;
}

export function isRunStatus(s: unknown): s is RunStatus {
  return typeof s === 'string' && (RUN_STATUSES as readonly string[]).includes(s);
}
