import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Store } from '../store/store';
import type { EventWarning, LineageEvent } from '../events/parseEvents';
import type { MetricColumns } from '../events/fastMetrics';
import { paramText } from '../events/paramValue';
import { appendSeries, metricPoints, SummaryRow } from '../metrics/seriesWriter';
import { parseNewEvents, ParsedSlice } from './parseNewEvents';
import { dropRunSeries } from '../metrics/repairSeries';
import { SeriesDamagedError, seriesRoot } from '../metrics/seriesFile';
import { withLazySeriesLock } from '../metrics/seriesLock';
import { readJsonIfExists, isProcessAlive } from '../util/fsx';
import { RunRecord, RunStatus, isRunStatus, normalizeRecord } from '../runs/runRecord';
import { datasetKey } from '../datasets/datasetIndex';
import { applyRunDatasets } from '../datasets/runDatasets';
import { applyUserEdits, userEditsStamp } from '../runs/userEdits';

/** Warnings kept per run in the index; the count keeps going past it. */
const MAX_STORED_WARNINGS = 200;

export interface IngestState {
  run_json_mtime: number | null;
  events_offset: number;
  events_lines: number;
  status: string;
  script_status: string | null;
  /** What finishRun compares with datasets.json and user.json (absent when read one run at a time). */
  datasets_mtime?: number | null;
  user_stamp?: string | null;
}

export interface IngestResult {
  runId: string;
  changed: boolean;
  newEvents: number;
  newWarnings: EventWarning[];
  problem?: string;
}

export interface PreparedRun {
  runId: string;
  runDir: string;
  eventsFile: string;
  /** Bytes to read: [offset, size). Empty when nothing was appended. */
  offset: number;
  size: number;
  firstLine: number;
  record: RunRecord | undefined;
  prevStatus: string;
  result: IngestResult;
  /** Its metric cache could not be continued or rebuilt: its rows were dropped, and it is read again whole. */
  reread?: boolean;
  /** The run's row as the sync read it, when prepareRun left it untouched: finishRun then needs no query. */
  known?: IngestState;
}

export { parseNewEvents, type ParsedSlice };

/**
 * Brings the index up to date with one run folder, reading only what was appended since last time.
 * If the events file shrank (replaced or truncated), the run is re-read from the start.
 */
export function ingestRun(store: Store, runDir: string, again = false): IngestResult {
  const prep = prepareRun(store, runDir);
  if (prep.size > prep.offset) {
    const summaries = loadSummaries(store, prep.runId);
    for (const slice of parseNewEvents(prep.eventsFile, prep.offset, prep.size, prep.firstLine)) applySlice(store, prep, slice, summaries);
  }
  if (prep.reread && !again) return ingestRun(store, runDir, true);
  finishRun(store, prep);
  return prep.result;
}

/**
 * Step 1 (main thread): the launch record, and how much of the events file is new. `known` is the run's
 * row as a sync read it for every run at once (null: not in the index); without it, it is read here. An
 * unchanged run costs two stats: nothing is written, so no savepoint is opened.
 */
export function prepareRun(store: Store, runDir: string, known?: IngestState | null): PreparedRun {
  const runId = path.basename(runDir);
  const result: IngestResult = { runId, changed: false, newEvents: 0, newWarnings: [] };
  // Joined by hand: path.join's normalising is a measurable part of a sync of 10,000 unchanged folders.
  const runJson = runDir + path.sep + 'run.json';
  const eventsFile = runDir + path.sep + 'events.jsonl';
  let state = known === undefined ? readState(store, runId) : (known ?? undefined);
  const untouched = state;
  let recordStat: fs.Stats | undefined;
  try {
    // No exception for a missing file: building one (with its stack) costs more than the stat itself.
    recordStat = fs.statSync(runJson, { throwIfNoEntry: false });
  } catch {
    recordStat = undefined;
  }
  const eventsSize = fileSize(eventsFile);
  if (state && eventsSize < state.events_offset) {
    store.transaction(() => deleteRunRows(store, runId));
    state = undefined;
  }
  let record: RunRecord | undefined;
  if (!state || !recordStat || state.run_json_mtime !== recordStat.mtimeMs || state.status === 'running') {
    let problems: string[] = [];
    let raw: unknown;
    try {
      raw = recordStat ? readJsonIfExists<unknown>(runJson) : undefined;
    } catch (err) {
      result.problem = `run.json is not valid JSON (${(err as Error).message})`;
      problems = ['run.json is not valid JSON; the run was recovered from its events.'];
    }
    if (raw !== undefined) {
      const normalized = normalizeRecord(raw, runId, () => reconstructRecord(runId, runDir, undefined));
      record = normalized.record;
      problems = normalized.problems;
      if (!record) result.problem = problems[0].replace(/; .*$/, '');
      else if (problems.length) result.problem = problems.join(' ');
    }
    record ??= reconstructRecord(runId, runDir, result.problem);
    const rec = record;
    const exists = !!state;
    store.transaction(() => {
      upsertRun(store, rec, recordStat?.mtimeMs ?? null, exists);
      replaceRecordWarnings(store, runId, problems);
    });
    result.changed = true;
    state = readState(store, runId)!;
  }
  return {
    runId,
    runDir,
    eventsFile,
    offset: state.events_offset,
    size: eventsSize,
    firstLine: state.events_lines + 1,
    record,
    prevStatus: state.status,
    result,
    known: state === untouched && state.datasets_mtime !== undefined ? state : undefined,
  };
}

export function loadSummaries(store: Store, runId: string): Map<string, SummaryRow> {
  const summaries = new Map<string, SummaryRow>();
  for (const r of store.all<SummaryRow & { key: string }>('SELECT * FROM metric_summaries WHERE run_id = ?', [runId])) summaries.set(r.key, r);
  return summaries;
}

/** Step 3 (main thread): one slice into the index, atomically with the new offset. */
export function applySlice(store: Store, prep: PreparedRun, slice: ParsedSlice, summaries: Map<string, SummaryRow>): void {
  if (prep.reread) return;
  try {
    applySliceRows(store, prep, slice, summaries);
  } catch (err) {
    if (!(err instanceof SeriesDamagedError)) throw err;
    store.transaction(() => deleteRunRows(store, prep.runId));
    prep.reread = true;
    store.notices.push(
      `The metric cache of run ${prep.runId} had lost points its events file no longer gives back (${err.message}); the run is read again from its folder.`,
    );
  }
}

function applySliceRows(store: Store, prep: PreparedRun, slice: ParsedSlice, summaries: Map<string, SummaryRow>): void {
  const result = prep.result;
  store.transaction(() => {
    const before = result.newWarnings.length;
    applyEvents(store, prep.runId, prep.runDir, slice.events, result);
    // One lock for the run's series files per slice, not one per series (and none if nothing is written).
    if (slice.metrics.size) withLazySeriesLock(seriesRoot(store.paths.root), prep.runId, () => applyMetrics(store, prep.runId, slice.metrics, summaries));
    result.newWarnings.push(...slice.warnings);
    const added = result.newWarnings.slice(before);
    if (added.length) {
      const stored = store.get<{ c: number }>('SELECT count(*) AS c FROM run_warnings WHERE run_id = ?', [prep.runId])!.c;
      for (const w of added.slice(0, Math.max(0, MAX_STORED_WARNINGS - stored)))
        store.run('INSERT INTO run_warnings (run_id, line, message) VALUES (?, ?, ?)', [prep.runId, w.line, w.message]);
    }
    store.run('UPDATE runs SET events_offset = ?, events_lines = events_lines + ?, warnings_count = warnings_count + ? WHERE id = ?', [
      slice.endOffset,
      slice.lineCount,
      added.length,
      prep.runId,
    ]);
  });
  for (const cols of slice.metrics.values()) result.newEvents += cols.values.length;
  result.newEvents += slice.events.length;
  result.changed = true;
}

/** Step 4 (main thread): the status, now that the script's own end event may have been read. */
export function finishRun(store: Store, prep: PreparedRun): void {
  const result = prep.result;
  const runId = prep.runId;
  const known = prep.known;
  // With the row the sync read, an unchanged datasets.json or user.json costs one stat and no query.
  const datasets = known ? statOf(prep.runDir + path.sep + 'datasets.json') : undefined;
  if ((!known || (datasets && datasets.mtimeMs !== known.datasets_mtime)) && applyRunDatasets(store, store.paths, runId, prep.runDir)) result.changed = true;
  // After run.json and events: the person's edits win over what the script recorded.
  const force = !!prep.record || result.newEvents > 0;
  const user = known && !force ? statOf(prep.runDir + path.sep + 'user.json') : undefined;
  const userSame = !!known && !force && (!user || userEditsStamp(user) === known.user_stamp);
  if (!userSame && applyUserEdits(store, runId, prep.runDir, force)) result.changed = true;
  if (result.changed || prep.prevStatus === 'running') {
    const row = store.get<{ status: string; script_status: string | null; pid: number | null; child_pid: number | null; host: string | null }>(
      'SELECT status, script_status, pid, child_pid, host FROM runs WHERE id = ?',
      [runId],
    )!;
    const recordStatus = prep.record?.status ?? row.status;
    const derived = deriveStatus(recordStatus, row.script_status, row.host, row.pid, row.child_pid);
    if (derived.status !== row.status) {
      store.run('UPDATE runs SET status = ?, error = COALESCE(error, ?) WHERE id = ?', [derived.status, derived.note ?? null, runId]);
      result.changed = true;
    }
    noteCutOffLine(store, prep, derived.status === 'running');
  }
}

const CUT_OFF = 'cut off: ';

/**
 * A last line without its newline is waited for while the run lives; once it has ended, nobody will
 * finish it, so it becomes a counted warning (once). A line completed later takes its warning away.
 */
function noteCutOffLine(store: Store, prep: PreparedRun, running: boolean): void {
  const runId = prep.runId;
  const st = store.get<{ events_offset: number; events_lines: number }>('SELECT events_offset, events_lines FROM runs WHERE id = ?', [runId])!;
  const stale = store.get<{ c: number }>(`SELECT count(*) AS c FROM run_warnings WHERE run_id = ? AND line <= ? AND message LIKE '${CUT_OFF}%'`, [
    runId,
    st.events_lines,
  ])!.c;
  if (stale) {
    store.run(`DELETE FROM run_warnings WHERE run_id = ? AND line <= ? AND message LIKE '${CUT_OFF}%'`, [runId, st.events_lines]);
    store.run('UPDATE runs SET warnings_count = max(0, warnings_count - ?) WHERE id = ?', [stale, runId]);
  }
  if (running) return;
  const size = fileSize(prep.eventsFile);
  if (size <= st.events_offset) return;
  const line = st.events_lines + 1;
  if (store.get('SELECT 1 AS x FROM run_warnings WHERE run_id = ? AND line = ? AND message LIKE ?', [runId, line, `${CUT_OFF}%`])) return;
  const head = readHead(prep.eventsFile, st.events_offset, Math.min(size - st.events_offset, 64));
  const shown = JSON.stringify(head.length > 60 ? head.slice(0, 60) + '…' : head);
  const message = `${CUT_OFF}${shown} (${size - st.events_offset} bytes without an ending newline; the process ended while writing it, so it was not recorded)`;
  store.run('INSERT INTO run_warnings (run_id, line, message) VALUES (?, ?, ?)', [runId, line, message]);
  store.run('UPDATE runs SET warnings_count = warnings_count + 1 WHERE id = ?', [runId]);
  prep.result.newWarnings.push({ line, message });
  prep.result.changed = true;
}

function readHead(file: string, offset: number, length: number): string {
  const buf = Buffer.alloc(length);
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const n = fs.readSync(fd, buf, 0, length, offset);
    return buf.toString('utf8', 0, n);
  } catch {
    return '';
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

const STATE_COLUMNS = 'run_json_mtime, events_offset, events_lines, status, script_status';

function readState(store: Store, runId: string): IngestState | undefined {
  return store.get<IngestState>(`SELECT ${STATE_COLUMNS} FROM runs WHERE id = ?`, [runId]);
}

/** Every run's ingest state, in one query (a sync of a thousand runs would otherwise make a thousand). */
export function readAllStates(store: Store): Map<string, IngestState> {
  // Rows as arrays: an object per row, built column by column, was a tenth of the time of a 10,000-run sync.
  const out = new Map<string, IngestState>();
  const stmt = store.db.prepare(`SELECT id, ${STATE_COLUMNS}, datasets_mtime, user_stamp FROM runs`);
  try {
    while (stmt.step()) {
      const [id, runJsonMtime, offset, lines, status, scriptStatus, datasetsMtime, userStamp] = stmt.get() as [
        string,
        number | null,
        number,
        number,
        string,
        string | null,
        number | null,
        string | null,
      ];
      out.set(id, {
        run_json_mtime: runJsonMtime,
        events_offset: offset,
        events_lines: lines,
        status,
        script_status: scriptStatus,
        datasets_mtime: datasetsMtime,
        user_stamp: userStamp,
      });
    }
  } finally {
    stmt.free();
  }
  return out;
}

function applyEvents(store: Store, runId: string, runDir: string, events: LineageEvent[], result: IngestResult): void {
  for (const e of events) {
    switch (e.type) {
      case 'param':
        // `value` is what the filter language compares (booleans as "true"/"false", arrays and objects as
        // their JSON text); `json` keeps the type when text alone would lose it.
        store.run('INSERT OR REPLACE INTO params (run_id, key, value, json) VALUES (?, ?, ?, ?)', [
          runId,
          e.key,
          typeof e.value === 'boolean' || (typeof e.value === 'object' && e.value !== null) ? paramText(e.value) : e.value,
          typeof e.value === 'boolean' || (typeof e.value === 'object' && e.value !== null) ? JSON.stringify(e.value) : null,
        ]);
        break;
      case 'tag':
        store.run('INSERT OR REPLACE INTO tags (run_id, key, value) VALUES (?, ?, ?)', [runId, e.key, e.value]);
        break;
      case 'artifact':
      case 'model': {
        const size = fileSize(path.join(runDir, e.path), -1);
        if (size < 0) result.newWarnings.push({ line: 0, message: `${e.type} ${e.path} is listed but missing from the run folder` });
        store.run('INSERT OR REPLACE INTO artifacts (run_id, path, kind, flavor, size) VALUES (?, ?, ?, ?, ?)', [
          runId,
          e.path,
          e.type,
          e.type === 'model' ? e.flavor : null,
          size < 0 ? null : size,
        ]);
        break;
      }
      case 'dataset':
        store.run(
          `INSERT INTO run_datasets (run_id, path, role, seen_size, seen_mtime_ms) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (run_id, path, role) DO UPDATE SET seen_size = COALESCE(run_datasets.seen_size, excluded.seen_size),
             seen_mtime_ms = COALESCE(run_datasets.seen_mtime_ms, excluded.seen_mtime_ms)`,
          [runId, datasetKey(store.paths.workspace, e.path), e.role, e.size ?? null, e.mtime === undefined ? null : e.mtime * 1000],
        );
        break;
      case 'env':
        store.run('UPDATE runs SET python = COALESCE(?, python), python_version = COALESCE(?, python_version) WHERE id = ?', [
          e.python ?? null,
          e.python_version ?? null,
          runId,
        ]);
        break;
      case 'status':
        store.run('UPDATE runs SET script_status = ?, error = COALESCE(?, error) WHERE id = ?', [e.status, e.error ?? null, runId]);
        break;
      case 'explanation': {
        // A later line with the same name replaces the earlier (a re-run of lineage.explain in one script).
        const manifest = path.join(runDir, e.path);
        if (fileSize(manifest, -1) < 0)
          result.newWarnings.push({ line: 0, message: `explanation "${e.name}": ${e.path} is listed but missing from the run folder` });
        store.run('INSERT OR REPLACE INTO explanations (run_id, name, path, method, exact, rows, features, additivity_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
          runId,
          e.name,
          e.path,
          e.method,
          e.exact ? 1 : 0,
          e.rows,
          e.features,
          e.additivity_error,
        ]);
        break;
      }
      case 'header':
      case 'metric':
        break;
    }
  }
}

/** One chunk write per series per batch, never one row per point. */
function applyMetrics(store: Store, runId: string, metrics: Map<string, MetricColumns>, summaries: Map<string, SummaryRow>): void {
  for (const [key, cols] of metrics) {
    const prev = summaries.get(key);
    summaries.set(key, appendSeries(store, runId, key, metricPoints(cols, prev?.last_step ?? null), prev));
  }
}

/**
 * The launcher writes the final status into run.json; when it could not (it was killed), the script's own
 * status event or the state of the processes tells what happened.
 */
export function deriveStatus(
  recordStatus: string,
  scriptStatus: string | null,
  host: string | null,
  pid: number | null,
  childPid: number | null,
): { status: RunStatus; note?: string } {
  if (recordStatus !== 'running') return { status: isRunStatus(recordStatus) ? recordStatus : 'failed' };
  const local = !host || host === os.hostname();
  if (!local) return { status: 'running' };
  if (pid && isProcessAlive(pid)) return { status: 'running' };
  if (childPid && isProcessAlive(childPid)) return { status: 'running' };
  if (scriptStatus && isRunStatus(scriptStatus) && scriptStatus !== 'running') return { status: scriptStatus };
  return { status: 'killed', note: 'The run stopped without recording an end: its process was killed or crashed.' };
}

function experimentId(store: Store, name: string): number {
  const found = store.get<{ id: number }>('SELECT id FROM experiments WHERE name = ?', [name]);
  if (found) return found.id;
  store.run('INSERT INTO experiments (name, created_at) VALUES (?, ?)', [name, Date.now()]);
  return store.get<{ id: number }>('SELECT id FROM experiments WHERE name = ?', [name])!.id;
}

function upsertRun(store: Store, r: RunRecord, mtime: number | null, exists: boolean): void {
  const exp = experimentId(store, r.experiment || 'default');
  const values = [
    exp,
    r.name || r.id,
    isRunStatus(r.status) ? r.status : 'failed',
    toMs(r.startedAt),
    toMs(r.endedAt),
    r.exitCode ?? null,
    r.signal ?? null,
    JSON.stringify(r.command ?? []),
    r.cwd ?? null,
    r.createdBy ?? null,
    r.host ?? null,
    r.os ?? null,
    r.pid ?? null,
    r.childPid ?? null,
    r.git?.commit ?? null,
    r.git?.branch ?? null,
    r.git ? (r.git.dirty ? 1 : 0) : null,
    r.git?.diffFile ?? null,
    mtime,
  ];
  if (exists) {
    store.run(
      `UPDATE runs SET experiment_id=?, name=?, status=?, started_at=?, ended_at=?, exit_code=?, signal=?, command=?, cwd=?,
       created_by=?, host=?, os=?, pid=?, child_pid=?, git_commit=?, git_branch=?, git_dirty=?, git_diff=?, run_json_mtime=? WHERE id=?`,
      [...values, r.id],
    );
  } else {
    store.run(
      `INSERT INTO runs (experiment_id, name, status, started_at, ended_at, exit_code, signal, command, cwd, created_by, host, os,
       pid, child_pid, git_commit, git_branch, git_dirty, git_diff, run_json_mtime, id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      [...values, r.id],
    );
  }
  if (r.python) {
    store.run('UPDATE runs SET python = ?, python_version = ? WHERE id = ?', [r.python.path, r.python.version, r.id]);
    if (r.python.packages) {
      store.run('DELETE FROM packages WHERE run_id = ?', [r.id]);
      for (const p of r.python.packages) store.run('INSERT OR REPLACE INTO packages (run_id, name, version) VALUES (?, ?, ?)', [r.id, p.name, p.version]);
    }
  }
  if (r.error) store.run('UPDATE runs SET error = ? WHERE id = ?', [r.error, r.id]);
  store.run('UPDATE runs SET parent_run_id = ? WHERE id = ?', [r.parentRunId ?? null, r.id]);
  for (const [file, kind] of [
    ['console.log', 'console'],
    [r.git?.diffFile, 'diff'],
  ] as const) {
    if (!file) continue;
    const size = fileSize(path.join(store.paths.runs, r.id, file), -1);
    if (size >= 0) store.run('INSERT OR REPLACE INTO artifacts (run_id, path, kind, flavor, size) VALUES (?, ?, ?, NULL, ?)', [r.id, file, kind, size]);
  }
}

/** Warnings about run.json itself (line 0, "run.json…"): replaced whenever run.json is read again. */
function replaceRecordWarnings(store: Store, runId: string, problems: string[]): void {
  const where = "run_id = ? AND line = 0 AND message LIKE 'run.json%'";
  const old = store.get<{ c: number }>(`SELECT count(*) AS c FROM run_warnings WHERE ${where}`, [runId])!.c;
  if (old === 0 && problems.length === 0) return;
  store.run(`DELETE FROM run_warnings WHERE ${where}`, [runId]);
  for (const p of problems) store.run('INSERT INTO run_warnings (run_id, line, message) VALUES (?, 0, ?)', [runId, p]);
  store.run('UPDATE runs SET warnings_count = max(0, warnings_count - ? + ?) WHERE id = ?', [old, problems.length, runId]);
}

/** A folder without a readable run.json still holds events worth keeping: make a record from what is there. */
function reconstructRecord(runId: string, runDir: string, problem: string | undefined): RunRecord {
  let started: string | undefined;
  try {
    started = fs.statSync(runDir).birthtime.toISOString();
  } catch {
    started = undefined;
  }
  return {
    schema: 1,
    id: runId,
    name: runId,
    experiment: 'default',
    status: 'running',
    startedAt: started ?? new Date().toISOString(),
    command: [],
    cwd: '',
    createdBy: 'unknown',
    error: problem ? `Recovered from the run folder: ${problem}.` : 'Recovered from the run folder: run.json is missing.',
  };
}

/** The run leaves the index, its metric cache with it (the next sync reads its folder again, if it has one). */
export function deleteRunRows(store: Store, runId: string): void {
  for (const t of ['params', 'tags', 'metric_summaries', 'artifacts', 'run_datasets', 'packages', 'run_warnings', 'explanations'])
    store.run(`DELETE FROM ${t} WHERE run_id = ?`, [runId]);
  store.run('DELETE FROM runs WHERE id = ?', [runId]);
  dropRunSeries(store, runId);
}

/** An experiment exists while it has runs: after runs leave the index, the empty ones go too. */
export function dropEmptyExperiments(store: Store): void {
  store.run('DELETE FROM experiments WHERE id NOT IN (SELECT DISTINCT experiment_id FROM runs)');
}

function toMs(iso: string | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

function statOf(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

function fileSize(file: string, missing = 0): number {
  return statOf(file)?.size ?? missing;
}
