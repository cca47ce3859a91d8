/**
 * Where the MLflow endpoint's data goes: the events.jsonl of a Lineage run folder (docs/events-format.md),
 * written as the Python SDK writes it (O_APPEND, whole lines in one write) so that the script's own SDK
 * lines and ours never interleave within a line; nested MLflow runs get child run folders (parentRunId).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newRunId } from '../util/ids';
import { writeRunRecord } from '../launcher/keeper';
import type { RunRecord, RunStatus } from '../runs/runRecord';

const WRITER = 'lineage-mlflow-endpoint/0.1';

export class RunSink {
  private fd: number | undefined;

  constructor(readonly dir: string) {}

  /** Appends events, all in one write(2). */
  append(events: Array<Record<string, unknown>>): void {
    if (!events.length) return;
    if (this.fd === undefined) {
      this.fd = fs.openSync(path.join(this.dir, 'events.jsonl'), fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o644);
      if (fs.fstatSync(this.fd).size === 0) events = [{ type: 'header', schema: 1, writer: WRITER }, ...events];
    }
    const text = events.map((e) => JSON.stringify(e) + '\n').join('');
    fs.writeSync(this.fd, text);
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}

/** A child run of `parent` (its run.json says parentRunId), for a nested MLflow run; written running, ended by `endChild`. */
export function startChild(parentDir: string, name: string, startedMs: number): { id: string; dir: string; record: RunRecord } {
  const parent = readRecord(parentDir);
  const runs = path.dirname(parentDir);
  let id = newRunId(new Date(startedMs));
  for (let i = 0; fs.existsSync(path.join(runs, id)) && i < 100; i++) id = newRunId(new Date(startedMs));
  const dir = path.join(runs, id);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  const record: RunRecord = {
    schema: 1,
    id,
    name,
    experiment: parent?.experiment ?? 'default',
    status: 'running',
    startedAt: new Date(startedMs).toISOString(),
    command: parent?.command ?? [],
    cwd: parent?.cwd ?? runs,
    createdBy: 'mlflow',
    parentRunId: path.basename(parentDir),
  };
  writeRunRecord(dir, record);
  return { id, dir, record };
}

export function endChild(dir: string, record: RunRecord, status: RunStatus, endedMs: number): void {
  record.status = status;
  record.endedAt = new Date(endedMs).toISOString();
  record.exitCode = status === 'finished' ? 0 : null;
  writeRunRecord(dir, record);
}

/** A run folder's run.json as far as it reads, or undefined when it is missing or torn. */
export function readRecord(dir: string): Partial<RunRecord> | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')) as Partial<RunRecord>;
  } catch {
    return undefined;
  }
}
