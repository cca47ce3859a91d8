/**
 * A monitor's result per batch, kept in .lineage/cache/monitors/<monitor id>/<batch sha256>.json: a cache,
 * rebuilt (the batch evaluated again) when a file is missing, unreadable, from another version of this
 * format, or made under another definition of the monitor (its reference or columns changed).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/fsx';
import type { Monitor } from './monitorDefs';
import { isFailure, type BatchFailure, type BatchReport, type SchemaChange } from './types';

// 2: date-times with a "UTC" suffix are compared as instants; a result made when they were text is stale.
const RESULT_VERSION = 2;

export type BatchStatus = 'ok' | 'drift' | 'schema' | 'error';

export interface BatchResult {
  version: number;
  /** The monitor definition the batch was evaluated under (monitorConfigKey). */
  config: string;
  /** Workspace-relative, as the batch was found. */
  file: string;
  sha256: string;
  rows: number | null;
  checkedAt: number;
  status: BatchStatus;
  /** The dataset verdict (share of drifted columns ≥ threshold). */
  datasetDrifted: boolean;
  driftedColumns: string[];
  testedColumns: number;
  predictionDrifted: boolean;
  newCategories: Array<{ column: string; values: string[] }>;
  schema: SchemaChange[];
  /** A metric on the batch when it has predictions and actuals (rmse or accuracy). */
  performance: { metric: string; value: number } | null;
  riskSentence: string | null;
  error: string | null;
}

export function monitorCacheDir(lineageRoot: string, monitorId: string): string {
  return path.join(lineageRoot, 'cache', 'monitors', monitorId);
}

/** What a stored result depends on besides the batch's bytes. */
export function monitorConfigKey(m: Monitor): string {
  const def = {
    run: m.run ?? null,
    referenceFile: m.referenceFile ?? null,
    reference: m.reference ?? null,
    prediction: m.prediction ?? null,
    actual: m.actual ?? null,
    overrides: m.overrides ?? null,
  };
  return createHash('sha256').update(JSON.stringify(def)).digest('hex').slice(0, 16);
}

export function resultOf(m: Monitor, file: string, sha256: string, b: BatchReport | BatchFailure, checkedAt = Date.now()): BatchResult {
  const base = { version: RESULT_VERSION, config: monitorConfigKey(m), file, sha256, checkedAt };
  if (isFailure(b))
    return {
      ...base,
      rows: null,
      status: 'error',
      datasetDrifted: false,
      driftedColumns: [],
      testedColumns: 0,
      predictionDrifted: false,
      newCategories: [],
      schema: [],
      performance: null,
      riskSentence: null,
      error: b.error,
    };
  const driftedColumns = b.columns.filter((c) => c.drifted).map((c) => c.name);
  const predictionDrifted = !!b.prediction?.drifted;
  const status: BatchStatus = b.schema.length ? 'schema' : driftedColumns.length || predictionDrifted ? 'drift' : 'ok';
  const p = b.performance;
  const perfValue = p ? (p.metric === 'rmse' ? p.rmse : p.accuracy) : undefined;
  return {
    ...base,
    rows: b.batch.rows,
    status,
    datasetDrifted: b.dataset.drifted,
    driftedColumns,
    testedColumns: b.dataset.testedColumns,
    predictionDrifted,
    newCategories: b.columns
      .filter((c) => c.newCategories && c.newCategories.distinct > 0)
      .map((c) => ({ column: c.name, values: c.newCategories!.values.map((v) => v.value) })),
    schema: b.schema,
    performance: p && perfValue !== undefined && Number.isFinite(perfValue) ? { metric: p.metric, value: perfValue } : null,
    riskSentence: b.riskSentence,
    error: null,
  };
}

/** The stored result of this batch version under this definition, or undefined (missing, stale, unreadable). */
export function readResult(lineageRoot: string, m: Monitor, sha256: string): BatchResult | undefined {
  if (!/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  try {
    const r = JSON.parse(fs.readFileSync(path.join(monitorCacheDir(lineageRoot, m.id), `${sha256}.json`), 'utf8')) as BatchResult;
    if (r?.version !== RESULT_VERSION || r.config !== monitorConfigKey(m) || r.sha256 !== sha256 || !['ok', 'drift', 'schema', 'error'].includes(r.status))
      return undefined;
    if (!Array.isArray(r.driftedColumns) || !Array.isArray(r.schema) || !Array.isArray(r.newCategories)) return undefined;
    return r;
  } catch {
    return undefined;
  }
}

export function writeResult(lineageRoot: string, m: Monitor, r: BatchResult): void {
  const dir = monitorCacheDir(lineageRoot, m.id);
  try {
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomicSync(path.join(dir, `${r.sha256}.json`), JSON.stringify(r, null, 1));
  } catch {
    // A read-only workspace still gets its result; the batch is evaluated again next time.
  }
}

/** "ok", "drift in 3 columns: floor_area_m2, location, price", "schema change: …", "error: …". */
export function describeResult(r: Pick<BatchResult, 'status' | 'driftedColumns' | 'predictionDrifted' | 'schema' | 'error'>): string {
  switch (r.status) {
    case 'ok':
      return 'ok';
    case 'error':
      return `error: ${r.error ?? 'unknown'}`;
    case 'schema':
      return `schema change: ${r.schema
        .slice(0, 4)
        .map((s) => `${s.column} ${s.change === 'type_changed' ? `${s.from} → ${s.to}` : s.change}`)
        .join(', ')}${r.schema.length > 4 ? ', …' : ''}`;
    case 'drift': {
      const cols = r.driftedColumns;
      const pred = r.predictionDrifted ? `${cols.length ? ' and ' : ''}the predictions` : '';
      if (!cols.length) return `drift in${pred}`;
      return `drift in ${cols.length} column${cols.length === 1 ? '' : 's'}: ${cols.slice(0, 6).join(', ')}${cols.length > 6 ? ', …' : ''}${pred}`;
    }
  }
}
