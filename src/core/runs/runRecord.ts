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
  /** The run this one was made under (a search candidate written by framework autolog). */
  parentRunId?: string;
}

export function isRunStatus(s: unknown): s is RunStatus {
  return typeof s === 'string' && (RUN_STATUSES as readonly string[]).includes(s);
}

export interface NormalizedRecord {
  /** Undefined when run.json is not a JSON object at all: the caller rebuilds the record from the folder. */
  record: RunRecord | undefined;
  /** What was wrong and what was used instead, one sentence each, starting with "run.json". */
  problems: string[];
}

function str(v: unknown): v is string {
  return typeof v === 'string';
}

function posInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/**
 * Checks a parsed run.json field by field. The folder name is the run's id whatever the file says, and a
 * field of the wrong type is dropped (with a problem saying so) rather than trusted, so a damaged or hostile
 * file can neither lose the run nor overwrite another run's row.
 */
export function normalizeRecord(raw: unknown, folderId: string, fallback: () => RunRecord): NormalizedRecord {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { record: undefined, problems: [`run.json is ${Array.isArray(raw) ? 'an array' : 'not a JSON object'}; the run was recovered from its events.`] };
  const o = raw as Record<string, unknown>;
  const problems: string[] = [];
  const base = fallback();
  const wrong = (field: string, used: string) => problems.push(`run.json: "${field}" has the wrong type; ${used}.`);
  if (o.id === undefined) problems.push(`run.json has no "id"; the folder name ${folderId} is used.`);
  else if (o.id !== folderId)
    problems.push(`run.json says its id is ${JSON.stringify(str(o.id) ? o.id.slice(0, 80) : typeof o.id)}; the folder name ${folderId} is used.`);
  const pick = <T>(field: string, ok: (v: unknown) => v is T, used: string): T | undefined => {
    const v = o[field];
    if (v === undefined || v === null) return undefined;
    if (ok(v)) return v;
    wrong(field, used);
    return undefined;
  };
  const record: RunRecord = {
    schema: 1,
    id: folderId,
    name: pick('name', str, 'the run id is used as its name') || folderId,
    experiment: pick('experiment', str, 'the run is put in "default"') || 'default',
    // Without a status (or with one Lineage does not know) the run is settled like one whose launcher died:
    // by the script's own end event, or by whether its processes still live.
    status: pick('status', isRunStatus, 'the status comes from the events') ?? 'running',
    startedAt: pick('startedAt', str, 'the folder time is used') ?? base.startedAt,
    endedAt: pick('endedAt', str, 'it is left out'),
    exitCode: pick('exitCode', (v): v is number => typeof v === 'number' && Number.isInteger(v), 'it is left out') ?? null,
    signal: pick('signal', str, 'it is left out') ?? null,
    command: pick('command', (v): v is string[] => Array.isArray(v) && v.every(str), 'it is left out') ?? [],
    cwd: pick('cwd', str, 'it is left out') ?? '',
    createdBy: pick('createdBy', str, 'it is left out') ?? 'unknown',
    host: pick('host', str, 'it is left out'),
    os: pick('os', str, 'it is left out'),
    pid: pick('pid', posInt, 'it is left out'),
    childPid: pick('childPid', posInt, 'it is left out'),
    git: pick('git', isGitInfo, 'the git line is left out'),
    python: pick('python', isPythonInfo, 'the interpreter is left out'),
    error: pick('error', str, 'it is left out'),
    parentRunId: pick('parentRunId', (v): v is string => str(v) && /^[\w.-]{1,100}$/.test(v), 'the run is shown without its parent'),
  };
  return { record, problems };
}

function isGitInfo(v: unknown): v is GitInfo {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const g = v as Record<string, unknown>;
  return (
    str(g.commit) &&
    (g.branch === undefined || str(g.branch)) &&
    (g.dirty === undefined || typeof g.dirty === 'boolean') &&
    (g.diffFile === undefined || str(g.diffFile)) &&
    (g.untracked === undefined || (Array.isArray(g.untracked) && g.untracked.every(str)))
  );
}

function isPythonInfo(v: unknown): v is PythonInfo {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const p = v as Record<string, unknown>;
  return (
    str(p.path) &&
    (p.version === undefined || str(p.version)) &&
    (p.packages === undefined ||
      (Array.isArray(p.packages) &&
        p.packages.every(
          (x) => typeof x === 'object' && x !== null && str((x as Record<string, unknown>).name) && str((x as Record<string, unknown>).version),
        )))
  );
}
