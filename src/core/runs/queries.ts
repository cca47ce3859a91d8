import * as path from 'node:path';
import type { Store } from '../store/store';
import type { RunStatus } from './runRecord';
import { inspectRunFile } from './runPaths';
import type { ParamValue } from '../events/paramValue';
import type { ExplainMethod, ExplanationSummary } from '../explain/types';
import { IMPORTED_TAG } from './importedTag';

export interface MetricSummary {
  key: string;
  count: number;
  /** NaN / ±Infinity come back as numbers. */
  last: number;
  first: number | null;
  min: number | null;
  max: number | null;
  lastStep: number | null;
  nanCount: number;
}

export interface RunSummary {
  id: string;
  name: string;
  experiment: string;
  status: RunStatus;
  startedAt: number | null;
  endedAt: number | null;
  durationMs: number | null;
  exitCode: number | null;
  note: string | null;
  starred: boolean;
  metrics: MetricSummary[];
}

export interface ListOptions {
  experiment?: string;
  status?: RunStatus;
  ids?: string[];
  limit?: number;
  offset?: number;
}

/** Newest first, with every metric's summary; two queries whatever the number of runs. */
export function listRuns(store: Store, opts: ListOptions = {}): RunSummary[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (opts.experiment) {
    where.push('e.name = ?');
    args.push(opts.experiment);
  }
  if (opts.status) {
    where.push('r.status = ?');
    args.push(opts.status);
  }
  if (opts.ids) {
    where.push(`r.id IN (${opts.ids.map(() => '?').join(',') || "''"})`);
    args.push(...opts.ids);
  }
  const limit = opts.limit ?? -1;
  const offset = opts.offset ?? 0;
  const runSql = `SELECT r.id, r.name, e.name AS experiment, r.status, r.started_at, r.ended_at, r.exit_code, r.note, r.starred
    FROM runs r JOIN experiments e ON e.id = r.experiment_id
    ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
    ORDER BY r.started_at DESC, r.id DESC LIMIT ${limit} OFFSET ${offset}`;
  const runs: RunSummary[] = [];
  const byId = new Map<string, RunSummary>();
  const stmt = store.db.prepare(runSql);
  try {
    stmt.bind(args);
    while (stmt.step()) {
      const [id, name, experiment, status, started, ended, exit, note, starred] = stmt.get() as [
        string,
        string,
        string,
        RunStatus,
        number | null,
        number | null,
        number | null,
        string | null,
        number,
      ];
      const r: RunSummary = {
        id,
        name,
        experiment,
        status,
        startedAt: started,
        endedAt: ended,
        durationMs: started !== null ? (ended ?? (status === 'running' ? Date.now() : started)) - started : null,
        exitCode: exit,
        note,
        starred: starred === 1,
        metrics: [],
      };
      runs.push(r);
      byId.set(id, r);
    }
  } finally {
    stmt.free();
  }
  if (runs.length === 0) return runs;
  const mSql =
    runs.length <= 500
      ? `SELECT run_id, key, count, last, last_nonfinite, first, min, max, last_step, nan_count FROM metric_summaries WHERE run_id IN (${runs.map(() => '?').join(',')}) ORDER BY run_id, key`
      : 'SELECT run_id, key, count, last, last_nonfinite, first, min, max, last_step, nan_count FROM metric_summaries ORDER BY run_id, key';
  const m = store.db.prepare(mSql);
  try {
    if (runs.length <= 500) m.bind(runs.map((r) => r.id));
    while (m.step()) {
      const [runId, key, count, last, nonFinite, first, min, max, lastStep, nan] = m.get() as [
        string,
        string,
        number,
        number | null,
        string | null,
        number | null,
        number | null,
        number | null,
        number | null,
        number,
      ];
      const r = byId.get(runId);
      if (!r) continue;
      r.metrics.push({ key, count, last: nonFinite !== null ? Number(nonFinite) : (last as number), first, min, max, lastStep, nanCount: nan });
    }
  } finally {
    m.free();
  }
  return runs;
}

export interface RunDetail extends RunSummary {
  command: string[];
  cwd: string | null;
  createdBy: string | null;
  host: string | null;
  os: string | null;
  signal: string | null;
  error: string | null;
  git: { commit: string; branch: string | null; dirty: boolean; diffFile: string | null } | null;
  python: { path: string; version: string | null; packages: number } | null;
  /** As the events carry them: booleans, arrays and objects too; an integer past 2^53 as its decimal string. */
  params: Record<string, ParamValue>;
  tags: Record<string, string>;
  /** Checked on disk when read: a link out of the run folder or a path outside it has size null and a note. */
  artifacts: Array<{ path: string; kind: string; flavor: string | null; size: number | null; note?: string }>;
  datasets: Array<{ path: string; role: string }>;
  warnings: { count: number; first: Array<{ line: number; message: string }> };
}

export class RunNotFoundError extends Error {}

/** Finds a run by full id, unique id prefix, or exact name; a name several runs share is refused with their ids. */
export function resolveRun(store: Store, ref: string): string {
  const exact = store.get<{ id: string }>('SELECT id FROM runs WHERE id = ?', [ref]);
  if (exact) return exact.id;
  const byPrefix = store.all<{ id: string }>("SELECT id FROM runs WHERE id LIKE ? ESCAPE '\\' LIMIT 3", [ref.replace(/[%_\\]/g, '\\$&') + '%']);
  if (byPrefix.length === 1) return byPrefix[0].id;
  if (byPrefix.length > 1 && ref.length >= 4)
    throw new RunNotFoundError(`"${ref}" matches several runs (${byPrefix.map((r) => r.id).join(', ')}…); give more of the id.`);
  // Two runs with one name: picking the newest silently could show, compare or delete the wrong one.
  const byName = store.all<{ id: string; started: number | null }>(
    'SELECT id, started_at AS started FROM runs WHERE name = ? ORDER BY started_at DESC LIMIT 11',
    [ref],
  );
  if (byName.length === 1) return byName[0].id;
  if (byName.length > 1) {
    const list = byName
      .slice(0, 10)
      .map((r) => `${r.id} (started ${r.started === null ? '?' : new Date(r.started).toISOString().replace('T', ' ').slice(0, 19)})`);
    throw new RunNotFoundError(
      `"${ref}" is ambiguous: ${byName.length > 10 ? 'more than 10' : byName.length} runs have that name: ${list.join(', ')}${byName.length > 10 ? ', …' : ''}; give the id instead.`,
    );
  }
  throw new RunNotFoundError(`No run "${ref}". \`lineage ls\` lists the runs with their ids and names.`);
}

export function getRun(store: Store, ref: string): RunDetail {
  const id = resolveRun(store, ref);
  const summary = listRunsByIds(store, [id])[0];
  const r = store.get<Record<string, string | number | null>>('SELECT * FROM runs WHERE id = ?', [id])!;
  // fromEntries: a param named "__proto__" stays a key (an assignment would set the object's prototype).
  const params = Object.fromEntries(
    store
      .all<{ key: string; value: string | number | null; json: string | null }>('SELECT key, value, json FROM params WHERE run_id = ? ORDER BY key', [id])
      .map((p) => [p.key, p.json === null ? p.value : (JSON.parse(p.json) as ParamValue)]),
  ) as Record<string, ParamValue>;
  const tags: Record<string, string> = {};
  for (const t of store.all<{ key: string; value: string }>('SELECT key, value FROM tags WHERE run_id = ? ORDER BY key', [id])) tags[t.key] = t.value;
  const pkgCount = store.get<{ c: number }>('SELECT count(*) AS c FROM packages WHERE run_id = ?', [id])!.c;
  // run.json and the events may come from someone else's run folder: paths are confined to it (runPaths.ts).
  const dir = path.join(store.paths.runs, id);
  const artifacts = store
    .all<RunDetail['artifacts'][number]>('SELECT path, kind, flavor, size FROM artifacts WHERE run_id = ? ORDER BY kind, path', [id])
    .map((a) => {
      const f = inspectRunFile(dir, a.path);
      return f.state === 'link' || f.state === 'refused' || f.state === 'special' ? { ...a, size: null, note: f.note } : a;
    });
  const diffFile = r.git_diff ? String(r.git_diff) : null;
  const diffOk = diffFile !== null && inspectRunFile(dir, diffFile).state === 'file';
  return {
    ...summary,
    command: JSON.parse(String(r.command ?? '[]')) as string[],
    cwd: r.cwd as string | null,
    createdBy: r.created_by as string | null,
    host: r.host as string | null,
    os: r.os as string | null,
    signal: r.signal as string | null,
    error: r.error as string | null,
    git: r.git_commit
      ? { commit: String(r.git_commit), branch: r.git_branch as string | null, dirty: r.git_dirty === 1, diffFile: diffOk ? diffFile : null }
      : null,
    python: r.python ? { path: String(r.python), version: r.python_version as string | null, packages: pkgCount } : null,
    params,
    tags,
    artifacts,
    datasets: store.all('SELECT path, role FROM run_datasets WHERE run_id = ? ORDER BY role, path', [id]),
    warnings: {
      count: Number(r.warnings_count ?? 0),
      first: store.all('SELECT line, message FROM run_warnings WHERE run_id = ? ORDER BY rowid LIMIT 20', [id]),
    },
  };
}

function listRunsByIds(store: Store, ids: string[]): RunSummary[] {
  const found = new Map(listRuns(store, { ids }).map((r) => [r.id, r]));
  return ids.map((id) => found.get(id)!).filter(Boolean);
}

export function getPackages(store: Store, runId: string): Array<{ name: string; version: string }> {
  return store.all('SELECT name, version FROM packages WHERE run_id = ? ORDER BY name', [runId]);
}

/** Each experiment that has runs, with how many; the one run most recently first. */
export function listExperiments(store: Store): Array<{ name: string; runs: number }> {
  return store.all<{ name: string; runs: number }>(
    `SELECT e.name, count(r.id) AS runs FROM experiments e JOIN runs r ON r.experiment_id = e.id
     GROUP BY e.id ORDER BY max(r.started_at) DESC`,
  );
}

/** A run's name and note, without its metrics: for prompts that show the current value. */
export function runLabel(store: Store, id: string): { name: string; note: string | null } | undefined {
  return store.get<{ name: string; note: string | null }>('SELECT name, note FROM runs WHERE id = ?', [id]);
}

export function hasRun(store: Store, id: string): boolean {
  return !!store.get('SELECT 1 AS x FROM runs WHERE id = ?', [id]);
}

/** Runs the index says are in progress, with the machine they run on (null: recorded before hosts were). */
export function runningRuns(store: Store): Array<{ id: string; host: string | null }> {
  return store.all<{ id: string; host: string | null }>("SELECT id, host FROM runs WHERE status = 'running'");
}

/** The launcher's and the script's process ids, to tell whether a quiet run is still alive. */
export function runProcesses(store: Store, id: string): { pid: number | null; childPid: number | null } | undefined {
  return store.get<{ pid: number | null; childPid: number | null }>('SELECT pid, child_pid AS childPid FROM runs WHERE id = ?', [id]);
}

/** The newest runs whose command line names this script file, newest first. */
export function recentRunsOfScript(store: Store, scriptPath: string, limit: number): string[] {
  // The command is stored as JSON: look for the path as JSON writes it, with LIKE's own characters escaped.
  const needle =
    '%' +
    JSON.stringify(scriptPath)
      .slice(1, -1)
      .replace(/[%_\\]/g, '\\$&') +
    '%';
  return store.all<{ id: string }>(`SELECT id FROM runs WHERE command LIKE ? ESCAPE '\\' ORDER BY started_at DESC LIMIT ?`, [needle, limit]).map((r) => r.id);
}

export interface ModelArtifact {
  runId: string;
  name: string;
  path: string;
  flavor: string | null;
  size: number | null;
}

/** Artifacts logged as models, newest run first. */
export function listModels(store: Store, limit = 500): ModelArtifact[] {
  return store.all<ModelArtifact>(
    "SELECT a.run_id AS runId, r.name, a.path, a.flavor, a.size FROM artifacts a JOIN runs r ON r.id = a.run_id WHERE a.kind = 'model' ORDER BY r.started_at DESC LIMIT ?",
    [limit],
  );
}

/** The run of the same experiment that started last before this one (undefined for its first run). */
export function previousRunInExperiment(store: Store, id: string): string | undefined {
  return store.get<{ id: string }>(
    'SELECT id FROM runs WHERE experiment_id = (SELECT experiment_id FROM runs WHERE id = ?) AND started_at < (SELECT started_at FROM runs WHERE id = ?) ORDER BY started_at DESC LIMIT 1',
    [id, id],
  )?.id;
}

/** The explanations the index lists for a run (docs/explanations-format.md), by name; the arrays stay in the run folder. */
export function listExplanations(store: Store, runId: string): ExplanationSummary[] {
  return store
    .all<{ name: string; path: string; method: string; exact: number; rows: number; features: number; additivity_error: number | null }>(
      'SELECT name, path, method, exact, rows, features, additivity_error FROM explanations WHERE run_id = ? ORDER BY name',
      [runId],
    )
    .map((r) => ({
      runId,
      name: r.name,
      path: r.path,
      method: r.method as ExplainMethod,
      exact: r.exact === 1,
      rows: r.rows,
      features: r.features,
      additivityError: r.additivity_error,
    }));
}

/** The runs that have at least one explanation: one query for a whole tree or every code lens. */
export function runsWithExplanations(store: Store): Set<string> {
  return new Set(store.all<{ run_id: string }>('SELECT DISTINCT run_id FROM explanations').map((r) => r.run_id));
}

/** The runs `lineage import` brought in (tag IMPORTED_TAG): one query for a whole tree. */
export function importedRunIds(store: Store): Set<string> {
  return new Set(store.all<{ run_id: string }>('SELECT DISTINCT run_id FROM tags WHERE key = ?', [IMPORTED_TAG]).map((r) => r.run_id));
}
