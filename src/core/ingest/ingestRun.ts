import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Store } from '../store/store';
import { parseEventLines, EventWarning } from '../events/parseEvents';
import { appendSeries, SummaryRow } from '../metrics/seriesWriter';
import { readNewLines } from './readNewLines';
import { readJsonIfExists, isProcessAlive } from '../util/fsx';
import { RunRecord, RunStatus, isRunStatus } from '../runs/runRecord';

/** Warnings kept per run in the index; the count keeps going past it. */
const MAX_STORED_WARNINGS = 200;

interface IngestState {
  run_json_mtime: number | null;
  events_offset: number;
  events_lines: number;
  status: string;
  script_status: string | null;
}

export interface IngestResult {
  runId: string;
  changed: boolean;
  newEvents: number;
  newWarnings: EventWarning[];
  problem?: string;
}

/**
 * Brings the index up to date with one run folder, reading only what was appended since last time.
 * If the events file shrank (replaced or truncated), the run is re-read from the start.
 */
export function ingestRun(store: Store, runDir: string): IngestResult {
  const runId = path.basename(runDir);
  const result: IngestResult = { runId, changed: false, newEvents: 0, newWarnings: [] };
  const runJson = path.join(runDir, 'run.json');
  const eventsFile = path.join(runDir, 'events.jsonl');
  let state = store.get<IngestState>(
    'SELECT run_json_mtime, events_offset, events_lines, status, script_status FROM runs WHERE id = ?',
    [runId],
  );

  let recordStat: fs.Stats | undefined;
  try {
    recordStat = fs.statSync(runJson);
  } catch {
    recordStat = undefined;
  }
  const eventsSize = fileSize(eventsFile);
  if (state && eventsSize < state.events_offset) {
    deleteRunRows(store, runId);
    state = undefined;
  }

  let record: RunRecord | undefined;
  if (!state || !recordStat || state.run_json_mtime !== recordStat.mtimeMs || state.status === 'running') {
    try {
      record = recordStat ? readJsonIfExists<RunRecord>(runJson) : undefined;
    } catch (err) {
      result.problem = `run.json is not valid JSON (${(err as Error).message})`;
    }
    record ??= reconstructRecord(runId, runDir, result.problem);
    upsertRun(store, record, recordStat?.mtimeMs ?? null, !!state);
    result.changed = true;
    state = store.get<IngestState>(
      'SELECT run_json_mtime, events_offset, events_lines, status, script_status FROM runs WHERE id = ?',
      [runId],
    )!;
  }

  if (eventsSize > state!.events_offset) {
    const summaries = new Map<string, SummaryRow>();
    for (const r of store.all<SummaryRow & { key: string }>('SELECT * FROM metric_summaries WHERE run_id = ?', [runId]))
      summaries.set(r.key, r);
    let lineNo = state!.events_lines;
    let offset = state!.events_offset;
    store.transaction(() => {
      for (const slice of readNewLines(eventsFile, offset, eventsSize)) {
        const batch = parseEventLines(slice.text, lineNo + 1);
        lineNo += countNewlines(slice.text);
        offset = slice.endOffset;
        applyEvents(store, runId, runDir, batch.events, summaries, result);
        result.newEvents += batch.events.length;
        result.newWarnings.push(...batch.warnings);
      }
      if (result.newWarnings.length) {
        const stored = store.get<{ c: number }>('SELECT count(*) AS c FROM run_warnings WHERE run_id = ?', [runId])!.c;
        for (const w of result.newWarnings.slice(0, Math.max(0, MAX_STORED_WARNINGS - stored)))
          store.run('INSERT INTO run_warnings (run_id, line, message) VALUES (?, ?, ?)', [runId, w.line, w.message]);
      }
      store.run(
        'UPDATE runs SET events_offset = ?, events_lines = ?, warnings_count = warnings_count + ? WHERE id = ?',
        [offset, lineNo, result.newWarnings.length, runId],
      );
    });
    result.changed = true;
  }

  // The status may now be known from the script's own status event, or from the processes being gone.
  if (result.changed || state!.status === 'running') {
    const row = store.get<{ status: string; script_status: string | null; pid: number | null; child_pid: number | null; host: string | null; record_status: string }>(
      'SELECT status, script_status, pid, child_pid, host, status AS record_status FROM runs WHERE id = ?',
      [runId],
    )!;
    const recordStatus = record?.status ?? row.status;
    const derived = deriveStatus(recordStatus, row.script_status, row.host, row.pid, row.child_pid);
    if (derived.status !== row.status) {
      store.run('UPDATE runs SET status = ?, error = COALESCE(error, ?) WHERE id = ?', [derived.status, derived.note ?? null, runId]);
      result.changed = true;
    }
  }
  return result;
}

function applyEvents(
  store: Store,
  runId: string,
  runDir: string,
  events: ReturnType<typeof parseEventLines>['events'],
  summaries: Map<string, SummaryRow>,
  result: IngestResult,
): void {
  // Metrics are grouped per key so a batch costs one chunk write per series, not one row per point.
  const series = new Map<string, { steps: number[]; ts: number[]; values: number[] }>();
  for (const e of events) {
    switch (e.type) {
      case 'metric': {
        let s = series.get(e.key);
        if (!s) series.set(e.key, (s = { steps: [], ts: [], values: [] }));
        let step = e.step;
        if (step === undefined) {
          const prevStep = s.steps.length ? s.steps[s.steps.length - 1] : summaries.get(e.key)?.last_step;
          step = prevStep === undefined || prevStep === null ? 0 : prevStep + 1;
        }
        s.steps.push(step);
        s.ts.push(e.ts === undefined ? NaN : Math.round(e.ts * 1000));
        s.values.push(e.value);
        break;
      }
      case 'param':
        store.run('INSERT OR REPLACE INTO params (run_id, key, value) VALUES (?, ?, ?)', [
          runId,
          e.key,
          typeof e.value === 'boolean' ? String(e.value) : e.value,
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
        store.run('INSERT OR IGNORE INTO run_datasets (run_id, path, role) VALUES (?, ?, ?)', [runId, e.path, e.role]);
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
      case 'header':
        break;
    }
  }
  for (const [key, s] of series) {
    const next = appendSeries(
      store,
      runId,
      key,
      { steps: Float64Array.from(s.steps), ts: Float64Array.from(s.ts), values: Float64Array.from(s.values) },
      summaries.get(key),
    );
    summaries.set(key, next);
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

function upsertRun(store: Store, r: RunRecord, mtime: number | null, exists: boolean): void {
  store.run('INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)', [r.experiment || 'default', Date.now()]);
  const exp = store.get<{ id: number }>('SELECT id FROM experiments WHERE name = ?', [r.experiment || 'default'])!.id;
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
      for (const p of r.python.packages)
        store.run('INSERT OR REPLACE INTO packages (run_id, name, version) VALUES (?, ?, ?)', [r.id, p.name, p.version]);
    }
  }
  if (r.error) store.run('UPDATE runs SET error = ? WHERE id = ?', [r.error, r.id]);
  for (const [file, kind] of [
    ['console.log', 'console'],
    [r.git?.diffFile, 'diff'],
  ] as const) {
    if (!file) continue;
    const size = fileSize(path.join(store.paths.runs, r.id, file), -1);
    if (size >= 0)
      store.run('INSERT OR REPLACE INTO artifacts (run_id, path, kind, flavor, size) VALUES (?, ?, ?, NULL, ?)', [r.id, file, kind, size]);
  }
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

export function deleteRunRows(store: Store, runId: string): void {
  for (const t of ['params', 'tags', 'metric_chunks', 'metric_summaries', 'artifacts', 'run_datasets', 'packages', 'run_warnings'])
    store.run(`DELETE FROM ${t} WHERE run_id = ?`, [runId]);
  store.run('DELETE FROM runs WHERE id = ?', [runId]);
}

function toMs(iso: string | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

function fileSize(file: string, missing = 0): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return missing;
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
