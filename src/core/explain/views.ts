/**
 * What the Explain panel, the CLI and the report show, computed on the host from a loaded explanation. Every
 * view is bounded in size whatever the number of rows: the beeswarm is density-binned (beeswarm.ts), the
 * dependence scatter sampled, row lists limited.
 */
import { swarmOfFeature } from './beeswarm';
import { ExplainError } from './explainError';
import { importanceOrder, meanAbsAttribution } from './importance';
import type { ExplanationData } from './load';
import { compileSearch } from './rowSearch';
import { trustNote } from './trust';
import type { DependenceView, GlobalView, RowSort, RowView } from './types';

export function globalView(runId: string, ex: ExplanationData, opts: { shown?: number; pointsPerFeature?: number } = {}): GlobalView {
  const m = ex.manifest;
  const features = m.features;
  const nf = features.length;
  const shown = Math.max(0, Math.min(nf, Math.floor(opts.shown ?? 20)));
  const bins = Math.max(1, Math.min(10_000, Math.floor(opts.pointsPerFeature ?? 400)));
  const meanAbs = meanAbsAttribution(ex);
  const order = importanceOrder(meanAbs);
  return {
    runId,
    name: m.name,
    manifest: m,
    trust: trustNote(m),
    importance: order.map((j) => ({ feature: features[j], meanAbs: meanAbs[j] })),
    beeswarm: order.slice(0, shown).map((j) => ({ feature: features[j], ...swarmOfFeature(ex.values, ex.data, m.rows, nf, j, bins) })),
    otherFeatures: nf - shown,
  };
}

function featureIndex(ex: ExplanationData, feature: string): number {
  const j = ex.manifest.features.indexOf(feature);
  if (j < 0) {
    const f = ex.manifest.features;
    throw new ExplainError(
      `No feature ${JSON.stringify(feature)} in this explanation; the features are ${f
        .slice(0, 30)
        .map((x) => JSON.stringify(x))
        .join(', ')}${f.length > 30 ? ', …' : ''}.`,
    );
  }
  return j;
}

function categoriesOf(ex: ExplanationData, j: number): string[] | null {
  const m = ex.manifest;
  const f = m.features[j];
  return m.featureKinds[j] === 'categorical' && Object.hasOwn(m.categories, f) ? m.categories[f] : null;
}

/**
 * The dependence scatter: each row's value of `feature` against its attribution, coloured by the feature that
 * interacts with it most. That one is found as shap's `approximate_interactions` does: sort the rows by the
 * feature's value, cut them into windows of similar values (n/10 rows, at most 50), and in each window
 * correlate the attribution with every other feature's values: within a window the feature itself hardly
 * varies, so what still moves its attribution there is an interaction. The feature with the largest sum of
 * |Pearson r| over the windows is the colour (none when no feature correlates anywhere). O(n log n + n·m) on
 * the sampled rows.
 */
export function dependenceView(ex: ExplanationData, feature: string, maxPoints = 5000): DependenceView {
  const m = ex.manifest;
  const nf = m.features.length;
  const j = featureIndex(ex, feature);
  const n = m.rows;
  const k = Math.max(1, Math.min(n, Math.floor(maxPoints)));
  // Evenly spaced rows: deterministic, and spread over the whole file whatever order it is in.
  const pick = new Uint32Array(n <= k ? n : k);
  for (let t = 0; t < pick.length; t++) pick[t] = n <= k ? t : Math.floor((t * n) / k);
  const x = new Float64Array(pick.length);
  const y = new Float64Array(pick.length);
  for (let t = 0; t < pick.length; t++) {
    x[t] = ex.data[pick[t] * nf + j];
    y[t] = ex.values[pick[t] * nf + j];
  }
  const c = strongestInteraction(ex, j, pick, x, y);
  let color: Float64Array | null = null;
  if (c !== null) {
    color = new Float64Array(pick.length);
    for (let t = 0; t < pick.length; t++) color[t] = ex.data[pick[t] * nf + c];
  }
  return {
    feature,
    x,
    y,
    colorFeature: c === null ? null : m.features[c],
    color,
    categories: categoriesOf(ex, j),
    colorCategories: c === null ? null : categoriesOf(ex, c),
    sampled: pick.length,
  };
}

function strongestInteraction(ex: ExplanationData, j: number, pick: Uint32Array, x: Float64Array, y: Float64Array): number | null {
  const nf = ex.manifest.features.length;
  if (nf < 2) return null;
  const order = Array.from(x.keys())
    .filter((t) => Number.isFinite(x[t]) && Number.isFinite(y[t]))
    .sort((a, b) => x[a] - x[b] || a - b);
  const n = order.length;
  if (n < 3) return null;
  const inc = Math.max(1, Math.min(50, Math.floor(n / 10)));
  let best: number | null = null;
  let bestScore = 0;
  const a = new Float64Array(inc);
  const b = new Float64Array(inc);
  for (let c = 0; c < nf; c++) {
    if (c === j) continue;
    let score = 0;
    for (let start = 0; start < n; start += inc) {
      let len = 0;
      for (let t = start; t < Math.min(n, start + inc); t++) {
        const v = ex.data[pick[order[t]] * nf + c];
        if (!Number.isFinite(v)) continue;
        a[len] = y[order[t]];
        b[len] = v;
        len++;
      }
      score += Math.abs(pearson(a, b, len));
    }
    if (score > bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

/** Pearson's r of the first `len` items; 0 when either side does not vary. */
function pearson(a: Float64Array, b: Float64Array, len: number): number {
  if (len < 2) return 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < len; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= len;
  mb /= len;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < len; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  // Relative thresholds: a column of equal values leaves round-off, not variation.
  if (saa <= 1e-24 * Math.max(1, ma * ma) * len || sbb <= 1e-24 * Math.max(1, mb * mb) * len) return 0;
  const r = sab / Math.sqrt(saa * sbb);
  return Number.isFinite(r) ? r : 0;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** What a person sees for row i: the output, or the probability when the output is log-odds. */
function predictionAt(ex: ExplanationData, i: number): number {
  const o = ex.output[i];
  return ex.manifest.link === 'logit' ? sigmoid(o) : o;
}

function rowIdAt(ex: ExplanationData, i: number): number {
  return ex.manifest.rowIds ? ex.manifest.rowIds[i] : i;
}

function targetAt(ex: ExplanationData, i: number): number | null {
  const t = ex.target?.[i];
  return t === undefined || Number.isNaN(t) ? null : t;
}

function inputValue(ex: ExplanationData, j: number, v: number): number | string | null {
  if (Number.isNaN(v)) return null;
  const cats = categoriesOf(ex, j);
  if (cats && Number.isInteger(v) && v >= 0 && v < cats.length) return cats[v];
  return v;
}

export function rowView(ex: ExplanationData, index: number): RowView {
  const m = ex.manifest;
  if (!Number.isInteger(index) || index < 0 || index >= m.rows)
    throw new ExplainError(`Row ${index} is out of range: the explanation has ${m.rows} rows (0 to ${m.rows - 1}).`);
  const nf = m.features.length;
  const at = index * nf;
  const inputs = m.features.map((feature, j) => ({ feature, value: inputValue(ex, j, ex.data[at + j]) }));
  let sum = 0;
  const contributions = m.features.map((feature, j) => {
    const value = ex.values[at + j];
    sum += value;
    const se = ex.stderr ? ex.stderr[at + j] : NaN;
    return { feature, value, stderr: Number.isNaN(se) ? null : se, input: inputs[j].value };
  });
  const mag = (v: number) => (Number.isNaN(v) ? -1 : Math.abs(v));
  contributions.sort((a, b) => mag(b.value) - mag(a.value));
  return {
    index,
    rowId: rowIdAt(ex, index),
    inputs,
    base: ex.base[index],
    output: ex.output[index],
    prediction: predictionAt(ex, index),
    target: targetAt(ex, index),
    contributions,
    gap: ex.base[index] + sum - ex.output[index],
  };
}

export interface FoundRow {
  index: number;
  rowId: number;
  prediction: number;
  target: number | null;
  error: number | null;
}

/** Rows matching `search` (rowSearch.ts), in the order `sort` asks, at most `limit` (default 100). */
export function findRows(ex: ExplanationData, q: { sort: RowSort; search?: string; limit?: number }): FoundRow[] {
  const n = ex.manifest.rows;
  const limit = Math.max(0, Math.floor(q.limit ?? 100));
  const errorAt = (i: number) => {
    const t = targetAt(ex, i);
    return t === null ? NaN : Math.abs(predictionAt(ex, i) - t);
  };
  if (q.sort === 'error-desc' && !ex.target)
    throw new ExplainError('This explanation has no true targets, so rows cannot be sorted by error; pass y= to lineage.explain.');
  const test = q.search?.trim()
    ? compileSearch(ex, q.search, {
        prediction: (i) => predictionAt(ex, i),
        target: (i) => targetAt(ex, i) ?? NaN,
        error: errorAt,
        rowId: (i) => rowIdAt(ex, i),
      })
    : undefined;
  const hits: number[] = [];
  for (let i = 0; i < n; i++) if (!test || test(i)) hits.push(i);
  if (q.sort !== 'index') {
    const key = q.sort === 'error-desc' ? errorAt : (i: number) => predictionAt(ex, i);
    const sign = q.sort === 'prediction-asc' ? 1 : -1;
    const keys = new Float64Array(n);
    for (const i of hits) keys[i] = key(i);
    // NaN last whichever way, ties by position: the order is the same on every call.
    hits.sort((a, b) => {
      const ka = keys[a];
      const kb = keys[b];
      if (Number.isNaN(ka) || Number.isNaN(kb)) return Number.isNaN(ka) ? (Number.isNaN(kb) ? a - b : 1) : -1;
      return sign * (ka - kb) || a - b;
    });
  }
  return hits.slice(0, limit).map((i) => {
    const target = targetAt(ex, i);
    const error = errorAt(i);
    return { index: i, rowId: rowIdAt(ex, i), prediction: predictionAt(ex, i), target, error: Number.isNaN(error) ? null : error };
  });
}

/**
 * Mean |attribution| per feature for two runs' explanations, over the union of their features: features in
 * `a` in its importance order, then those only in `b` in b's. null where a run's explanation lacks the feature.
 */
export function comparisonView(a: ExplanationData, b: ExplanationData): Array<{ feature: string; a: number | null; b: number | null }> {
  const ma = meanAbsAttribution(a);
  const mb = meanAbsAttribution(b);
  const inB = new Map(b.manifest.features.map((f, j) => [f, j]));
  const inA = new Set(a.manifest.features);
  const out: Array<{ feature: string; a: number | null; b: number | null }> = [];
  for (const j of importanceOrder(ma)) {
    const f = a.manifest.features[j];
    const k = inB.get(f);
    out.push({ feature: f, a: ma[j], b: k === undefined ? null : mb[k] });
  }
  for (const k of importanceOrder(mb)) {
    const f = b.manifest.features[k];
    if (!inA.has(f)) out.push({ feature: f, a: null, b: mb[k] });
  }
  return out;
}
