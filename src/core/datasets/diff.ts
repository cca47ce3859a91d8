import type { FileEntry } from './fingerprint';
import type { ColumnProfile, TableProfile } from './profile';

export interface FilesDiff {
  added: string[];
  removed: string[];
  modified: string[];
  unchanged: number;
}

export function diffManifests(a: FileEntry[], b: FileEntry[]): FilesDiff {
  const before = new Map(a.map((f) => [f.rel, f]));
  const out: FilesDiff = { added: [], removed: [], modified: [], unchanged: 0 };
  for (const f of b) {
    const old = before.get(f.rel);
    if (!old) out.added.push(f.rel);
    else if (old.sha256 !== f.sha256 || old.size !== f.size || f.sha256 === null) out.modified.push(f.rel);
    else out.unchanged++;
    before.delete(f.rel);
  }
  out.removed = [...before.keys()].sort();
  return out;
}

export interface ColumnChange {
  column: string;
  what: string[];
}

export interface TableDiff {
  rowsBefore: number;
  rowsAfter: number;
  addedColumns: string[];
  removedColumns: string[];
  typeChanges: Array<{ column: string; from: string; to: string }>;
  moved: ColumnChange[];
}

/** A number is worth reporting when it moved by more than this share of the column's spread. */
const SHIFT = 0.05;

/**
 * What changed between two table profiles: rows, columns, types, and the columns whose statistics moved
 * (mean or quantiles by more than 5% of the standard deviation, the missing rate by more than 1 point,
 * the range, or the top categories' shares by more than 1 point).
 */
export function diffProfiles(a: TableProfile, b: TableProfile): TableDiff {
  const colsA = new Map(a.columns.map((c) => [c.name, c]));
  const colsB = new Map(b.columns.map((c) => [c.name, c]));
  const out: TableDiff = {
    rowsBefore: a.rows,
    rowsAfter: b.rows,
    addedColumns: b.columns.filter((c) => !colsA.has(c.name)).map((c) => c.name),
    removedColumns: a.columns.filter((c) => !colsB.has(c.name)).map((c) => c.name),
    typeChanges: [],
    moved: [],
  };
  for (const cb of b.columns) {
    const ca = colsA.get(cb.name);
    if (!ca) continue;
    if (ca.type !== cb.type) out.typeChanges.push({ column: cb.name, from: ca.type, to: cb.type });
    const what = columnMoves(ca, a.rows, cb, b.rows);
    if (what.length) out.moved.push({ column: cb.name, what });
  }
  return out;
}

function columnMoves(a: ColumnProfile, rowsA: number, b: ColumnProfile, rowsB: number): string[] {
  const what: string[] = [];
  const missA = rowsA ? a.missing / rowsA : 0;
  const missB = rowsB ? b.missing / rowsB : 0;
  if (Math.abs(missA - missB) > 0.01) what.push(`missing ${pct(missA)} → ${pct(missB)}`);
  if (a.mean !== undefined && b.mean !== undefined) {
    const spread = Math.max(a.std ?? 0, b.std ?? 0, Number.EPSILON);
    if (Math.abs(a.mean - b.mean) / spread > SHIFT) what.push(`mean ${fmt(a.mean)} → ${fmt(b.mean)}`);
    if (a.std !== undefined && b.std !== undefined && Math.abs(a.std - b.std) / spread > SHIFT) what.push(`std ${fmt(a.std)} → ${fmt(b.std)}`);
    if (a.quantiles && b.quantiles && Math.abs(a.quantiles.p50 - b.quantiles.p50) / spread > SHIFT)
      what.push(`median ${fmt(a.quantiles.p50)} → ${fmt(b.quantiles.p50)}`);
    if (a.min !== b.min || a.max !== b.max) what.push(`range [${fmt(a.min)}, ${fmt(a.max)}] → [${fmt(b.min)}, ${fmt(b.max)}]`);
  }
  if (a.topValues && b.topValues && (a.mean === undefined || b.mean === undefined)) {
    const share = (p: ColumnProfile, rows: number) => new Map((p.topValues ?? []).map((t) => [t.value, rows ? t.count / Math.max(1, p.count) : 0]));
    const sa = share(a, rowsA);
    const sb = share(b, rowsB);
    const changed: string[] = [];
    for (const v of new Set([...sa.keys(), ...sb.keys()])) {
      const x = sa.get(v) ?? 0;
      const y = sb.get(v) ?? 0;
      if (Math.abs(x - y) > 0.01) changed.push(`${v} ${pct(x)} → ${pct(y)}`);
    }
    if (changed.length) what.push(`categories: ${changed.slice(0, 5).join(', ')}${changed.length > 5 ? ', …' : ''}`);
  }
  return what;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function fmt(x: number | undefined): string {
  if (x === undefined) return '?';
  return Math.abs(x) >= 1000 ? x.toLocaleString('en-US', { maximumFractionDigits: 1 }) : String(Number(x.toPrecision(5)));
}
