/**
 * Monitors: a reference (a run's training data or a file) and a glob of batch files, kept in
 * .lineage/monitors.json, small and meant to be read and edited by hand:
 *   {"version": 1, "monitors": [{"id": "houses-live-3fa2c1", "name": "houses live", "run": "<run id>",
 *     "batches": "monitoring/batches/*.jsonl", "prediction": "predicted_price", "actual": "price"}]}
 * ("reference": "data/houses.csv" instead of "run"; optional "referenceFile", "overrides": {"col": {"test",
 * "threshold"}}). Read with every field checked, so a hand edit gone wrong says which monitor and field.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/fsx';
import type { ColumnOverride, DriftTestName } from './types';

export const MONITORS_FILE = 'monitors.json';
const TESTS: ReadonlySet<string> = new Set<DriftTestName>(['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi']);
/** An id is a folder name under .lineage/cache/monitors: nothing a path could be made of. */
const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface Monitor {
  id: string;
  name: string;
  /** The model's run (its id): its recorded training data is the reference. */
  run?: string;
  /** Which of the run's tables is the training data, when it read several (workspace-relative). */
  referenceFile?: string;
  /** Or a reference file (workspace-relative), instead of a run. */
  reference?: string;
  /** Batch files, workspace-relative: `*` and `?` within a name, `**` for any folders. */
  batches: string;
  prediction?: string;
  actual?: string;
  overrides?: Record<string, ColumnOverride>;
}

export class MonitorError extends Error {}

export function monitorsPath(lineageRoot: string): string {
  return path.join(lineageRoot, MONITORS_FILE);
}

/** The monitors of a workspace; none when the file does not exist. Throws MonitorError for a file that is not valid. */
export function readMonitors(lineageRoot: string): Monitor[] {
  const file = monitorsPath(lineageRoot);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new MonitorError(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new MonitorError(`${file} is not valid JSON (${(err as Error).message}); fix it, or remove it to start again with no monitors.`);
  }
  return validateMonitors(data, file);
}

export function validateMonitors(data: unknown, file = MONITORS_FILE): Monitor[] {
  const top = data as { version?: unknown; monitors?: unknown } | null;
  if (!top || typeof top !== 'object' || Array.isArray(top) || !Array.isArray(top.monitors))
    throw new MonitorError(`${file}: expected {"version": 1, "monitors": [ … ]}.`);
  if (top.version !== 1) throw new MonitorError(`${file}: "version" must be 1 (this Lineage reads version 1), got ${JSON.stringify(top.version)}.`);
  const seenIds = new Set<string>();
  const seenNames = new Set<string>();
  return top.monitors.map((m, i) => {
    const mon = validateMonitor(m, `${file}: monitors[${i}]`);
    if (seenIds.has(mon.id)) throw new MonitorError(`${file}: monitors[${i}]: the id "${mon.id}" is used twice; ids must be unique.`);
    if (seenNames.has(mon.name)) throw new MonitorError(`${file}: monitors[${i}]: the name "${mon.name}" is used twice; names must be unique.`);
    seenIds.add(mon.id);
    seenNames.add(mon.name);
    return mon;
  });
}

function validateMonitor(m: unknown, where: string): Monitor {
  if (!m || typeof m !== 'object' || Array.isArray(m))
    throw new MonitorError(`${where}: expected an object with "id", "name", "batches" and "run" or "reference".`);
  const o = m as Record<string, unknown>;
  const str = (k: string, required: boolean): string | undefined => {
    const v = o[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.trim() === '' || v.length > 1000)
      throw new MonitorError(`${where}: "${k}" must be a non-empty text${required ? '' : ' when given'}.`);
    return v;
  };
  const id = str('id', true)!;
  if (!ID.test(id)) throw new MonitorError(`${where}: "id" must be lower-case letters, digits and dashes (at most 64), got ${JSON.stringify(id)}.`);
  const out: Monitor = { id, name: str('name', true)!, batches: relPath(str('batches', true)!, where, 'batches') };
  const run = str('run', false);
  const reference = str('reference', false);
  if ((run === undefined) === (reference === undefined)) throw new MonitorError(`${where}: give exactly one of "run" (a run id) and "reference" (a file).`);
  if (run !== undefined) out.run = run;
  if (reference !== undefined) out.reference = relPath(reference, where, 'reference');
  const refFile = str('referenceFile', false);
  if (refFile !== undefined) {
    if (run === undefined) throw new MonitorError(`${where}: "referenceFile" picks one of a run's tables; it needs "run".`);
    out.referenceFile = relPath(refFile, where, 'referenceFile');
  }
  const prediction = str('prediction', false);
  if (prediction !== undefined) out.prediction = prediction;
  const actual = str('actual', false);
  if (actual !== undefined) out.actual = actual;
  if (o.overrides !== undefined) out.overrides = validateOverrides(o.overrides, where);
  return out;
}

function validateOverrides(v: unknown, where: string): Record<string, ColumnOverride> {
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new MonitorError(`${where}: "overrides" must be {"column": {"test": "ks", "threshold": 0.05}, …}.`);
  const out: Record<string, ColumnOverride> = Object.create(null) as Record<string, ColumnOverride>;
  for (const [col, o] of Object.entries(v as Record<string, unknown>)) {
    const ov = o as { test?: unknown; threshold?: unknown } | null;
    if (!ov || typeof ov !== 'object') throw new MonitorError(`${where}: overrides["${col}"] must be an object with "test" and/or "threshold".`);
    const entry: ColumnOverride = {};
    if (ov.test !== undefined) {
      if (typeof ov.test !== 'string' || !TESTS.has(ov.test))
        throw new MonitorError(`${where}: overrides["${col}"].test must be one of ${[...TESTS].join(', ')}.`);
      entry.test = ov.test as DriftTestName;
    }
    if (ov.threshold !== undefined) {
      if (typeof ov.threshold !== 'number' || !Number.isFinite(ov.threshold) || ov.threshold <= 0)
        throw new MonitorError(`${where}: overrides["${col}"].threshold must be a positive number.`);
      entry.threshold = ov.threshold;
    }
    out[col] = entry;
  }
  return out;
}

/** Paths stay inside the workspace: a shared monitors.json must not point the editor at other files of the machine. */
function relPath(p: string, where: string, field: string): string {
  const norm = p.replace(/\\/g, '/');
  if (norm.startsWith('/') || /^[a-zA-Z]:/.test(norm) || norm.split('/').includes('..') || norm.includes('\0'))
    throw new MonitorError(`${where}: "${field}" must be a path inside the workspace, relative to it (no "..", not absolute), got ${JSON.stringify(p)}.`);
  return norm.replace(/^(\.\/)+/, '');
}

export function writeMonitors(lineageRoot: string, monitors: Monitor[]): void {
  fs.mkdirSync(lineageRoot, { recursive: true });
  writeFileAtomicSync(monitorsPath(lineageRoot), JSON.stringify({ version: 1, monitors }, null, 2) + '\n');
}

/** Adds a monitor (validated as if read back) and returns it with its new id. */
export function addMonitor(lineageRoot: string, def: Omit<Monitor, 'id'>): Monitor {
  const list = readMonitors(lineageRoot);
  if (list.some((m) => m.name === def.name)) throw new MonitorError(`a monitor named "${def.name}" exists already; pick another name or remove it first.`);
  const slug =
    def.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'monitor';
  const mon = validateMonitor({ ...def, id: `${slug}-${randomBytes(3).toString('hex')}` }, 'the new monitor');
  writeMonitors(lineageRoot, [...list, mon]);
  return mon;
}

/** Removes the monitor with this name (or id); returns it, or undefined when there is none. */
export function removeMonitor(lineageRoot: string, nameOrId: string): Monitor | undefined {
  const list = readMonitors(lineageRoot);
  const gone = findMonitor(list, nameOrId);
  if (!gone) return undefined;
  writeMonitors(
    lineageRoot,
    list.filter((m) => m !== gone),
  );
  fs.rmSync(path.join(lineageRoot, 'cache', 'monitors', gone.id), { recursive: true, force: true });
  return gone;
}

export function findMonitor(list: Monitor[], nameOrId: string): Monitor | undefined {
  return list.find((m) => m.name === nameOrId) ?? list.find((m) => m.id === nameOrId);
}
