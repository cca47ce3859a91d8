/**
 * What the panel knows: the runs, the metric keys and, per metric, each run's series as the host sent it
 * in `init` (the "base" data; zoomed ranges are kept separately by the charts). Live points from `append`
 * are added to the base series so a zoom reset or a redraw includes them.
 */
import type { CompareAppendParams, CompareInitParams, RunInfo, SeriesData, XAxis } from './protocol';
import { parseNumber, numericParam } from '../shared/format';

/** A series whose min/max cover the first `bandLength` points (the reduced part); later points are exact. */
export interface Series {
  runId: string;
  metric: string;
  xAxis: XAxis;
  x: Float64Array;
  y: Float64Array;
  min: Float32Array | null;
  max: Float32Array | null;
  bandLength: number;
  total: number;
}

export function fromWire(s: SeriesData): Series {
  const hasBand = !!(s.min && s.max && s.min.length === s.y.length && s.max.length === s.y.length);
  return {
    runId: s.runId,
    metric: s.metric,
    xAxis: s.xAxis,
    x: toF64(s.x),
    y: toF64(s.y),
    min: hasBand ? toF32(s.min!) : null,
    max: hasBand ? toF32(s.max!) : null,
    bandLength: hasBand ? s.y.length : 0,
    total: s.total,
  };
}

function toF64(a: ArrayLike<number>): Float64Array {
  return a instanceof Float64Array ? a : Float64Array.from(a);
}
function toF32(a: ArrayLike<number>): Float32Array {
  return a instanceof Float32Array ? a : Float32Array.from(a);
}

export function concatF64(a: Float64Array, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export class Model {
  runs: RunInfo[] = [];
  runById = new Map<string, RunInfo>();
  metricKeys: string[] = [];
  /** metric → runId → series */
  series = new Map<string, Map<string, Series>>();
  /** Bumped on every init, so charts can tell old zoom replies and UI revisions apart. */
  generation = 0;

  init(m: CompareInitParams): void {
    this.generation++;
    this.setRuns(m.runs);
    this.metricKeys = [...m.metricKeys];
    this.series.clear();
    for (const s of m.series) this.put(fromWire(s));
  }

  private setRuns(runs: RunInfo[]): void {
    this.runs = [...runs];
    this.runById = new Map(runs.map((r) => [r.id, r]));
  }

  put(s: Series): void {
    let per = this.series.get(s.metric);
    if (!per) this.series.set(s.metric, (per = new Map<string, Series>()));
    per.set(s.runId, s);
  }

  seriesOf(metric: string): Series[] {
    const per = this.series.get(metric);
    if (!per) return [];
    return this.runs.map((r) => per.get(r.id)).filter((s): s is Series => !!s);
  }

  /**
   * Adds live points. Returns, per metric, the points added to existing series (to extend traces) and
   * whether a series or a run appeared that the charts have no trace for yet (they redraw then), and the
   * runs new to the panel.
   */
  append(m: CompareAppendParams): {
    added: Map<string, Array<{ runId: string; x: Float64Array; y: Float64Array }>>;
    structural: Set<string>;
    newRuns: string[];
  } {
    const added = new Map<string, Array<{ runId: string; x: Float64Array; y: Float64Array }>>();
    const structural = new Set<string>();
    const newRuns: string[] = [];
    for (const r of m.runs) {
      if (this.runById.has(r.id)) {
        const i = this.runs.findIndex((x) => x.id === r.id);
        this.runs[i] = r;
      } else {
        // A run the sweep the panel follows started since: it joins at the end, so the others keep their colours.
        this.runs.push(r);
        newRuns.push(r.id);
      }
      this.runById.set(r.id, r);
      for (const k of Object.keys(r.metrics)) if (!this.metricKeys.includes(k)) this.metricKeys.push(k);
    }
    for (const s of m.series) {
      if (!this.runById.has(s.runId)) continue;
      const x = toF64(s.x);
      const y = toF64(s.y);
      if (x.length === 0) continue;
      const old = this.series.get(s.metric)?.get(s.runId);
      if (s.replace) {
        this.put(fromWire(s));
        structural.add(s.metric);
        continue;
      }
      if (!old) {
        this.put({ ...fromWire(s), min: null, max: null, bandLength: 0 });
        structural.add(s.metric);
        continue;
      }
      old.x = concatF64(old.x, x);
      old.y = concatF64(old.y, y);
      old.total = s.total;
      let list = added.get(s.metric);
      if (!list) added.set(s.metric, (list = []));
      list.push({ runId: s.runId, x, y });
    }
    return { added, structural, newRuns };
  }
}

// ---------- fields: params and final metric values, for scatter, parallel coordinates and bars ----------

export interface Field {
  id: string;
  kind: 'param' | 'metric';
  key: string;
  label: string;
}

export function fieldsOf(model: Model): Field[] {
  const params = new Set<string>();
  for (const r of model.runs) for (const k of Object.keys(r.params)) params.add(k);
  const metrics = new Set<string>(model.metricKeys);
  for (const r of model.runs) for (const k of Object.keys(r.metrics)) metrics.add(k);
  return [
    ...[...params].sort().map((k) => ({ id: `param:${k}`, kind: 'param' as const, key: k, label: k })),
    ...[...metrics].sort().map((k) => ({ id: `metric:${k}`, kind: 'metric' as const, key: k, label: k })),
  ];
}

export function fieldById(model: Model, id: string | null): Field | null {
  if (!id) return null;
  const i = id.indexOf(':');
  if (i < 0) return null;
  const kind = id.slice(0, i);
  const key = id.slice(i + 1);
  if (kind !== 'param' && kind !== 'metric') return null;
  return { id, kind, key, label: key };
}

export type FieldValue = number | string | null;

export function valueOf(run: RunInfo, f: Field): FieldValue {
  if (f.kind === 'param') {
    const v = run.params[f.key];
    return v === undefined ? null : v;
  }
  const m = run.metrics[f.key];
  return m ? parseNumber(m.last) : null;
}

/** Numeric when every present value is a number (or a numeric string); else categorical, sorted. */
export function describeValues(
  values: FieldValue[],
): { numeric: true; nums: Array<number | null> } | { numeric: false; categories: string[]; labels: Array<string | null> } {
  const present = values.filter((v) => v !== null);
  const nums = values.map((v) => (v === null ? null : typeof v === 'number' ? v : numericParam(v)));
  if (present.length > 0 && nums.every((n, i) => values[i] === null || n !== null)) return { numeric: true, nums };
  const labels = values.map((v) => (v === null ? null : String(v)));
  const categories = [...new Set(labels.filter((l): l is string => l !== null))].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  return { numeric: false, categories, labels };
}
