/**
 * Writes explanation folders exactly as docs/explanations-format.md describes them (the arrays, then the
 * manifest by an atomic rename, then the `explanation` event line), so the engine's tests stand without the
 * Python SDK. Arrays come as nested rows (small, hand-checked cases) or flat row-major typed arrays (big ones).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { mulberry32 } from '../../bench/lib/measure';

type Matrix = number[][] | Float64Array;

export interface ExplanationSpec {
  name?: string;
  features: string[];
  /** rows × features attributions. */
  values: Matrix;
  /** rows × features inputs (category codes for categorical features). */
  data: Matrix;
  /** One base value for all rows, or one per row. */
  base: number | number[] | Float64Array;
  /** Default: base + Σ values, so the explanation adds up exactly. */
  output?: number[] | Float64Array;
  target?: number[] | Float64Array;
  stderr?: Matrix;
  method?: 'tree_path_dependent' | 'linear_interventional' | 'kernel' | 'external';
  exact?: boolean;
  link?: 'identity' | 'logit';
  task?: 'regression' | 'binary';
  featureKinds?: Array<'numeric' | 'categorical'>;
  categories?: Record<string, string[]>;
  rowIds?: number[];
  dtype?: 'float64' | 'float32';
  /** Written over the manifest's fields last (snake_case, as on disk): for tests of bad manifests. */
  manifest?: Record<string, unknown>;
  /** Append the event line to events.jsonl (default true). */
  event?: boolean;
}

function flat(x: Matrix | number[], cols: number): Float64Array {
  if (x instanceof Float64Array) return x;
  if (x.length && Array.isArray(x[0])) {
    const out = new Float64Array(x.length * cols);
    (x as number[][]).forEach((r, i) => r.forEach((v, j) => (out[i * cols + j] = v)));
    return out;
  }
  return Float64Array.from(x as number[]);
}

function bytesOf(a: Float64Array, dtype: 'float64' | 'float32'): Uint8Array {
  const typed = dtype === 'float64' ? a : Float32Array.from(a);
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

export interface WrittenExplanation {
  dir: string;
  manifest: Record<string, unknown>;
  eventLine: string;
}

export function writeExplanation(runDir: string, spec: ExplanationSpec): WrittenExplanation {
  const name = spec.name ?? 'default';
  const m = spec.features.length;
  const values = flat(spec.values, m);
  const n = values.length / m;
  const data = flat(spec.data, m);
  const base = typeof spec.base === 'number' ? new Float64Array(n).fill(spec.base) : flat(spec.base, 1);
  let output: Float64Array;
  if (spec.output) output = flat(spec.output, 1);
  else {
    output = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = base[i];
      for (let j = 0; j < m; j++) s += values[i * m + j];
      output[i] = s;
    }
  }
  const dtype = spec.dtype ?? 'float64';
  const ext = dtype === 'float64' ? 'f64' : 'f32';
  const dir = path.join(runDir, 'explanations', name);
  fs.mkdirSync(dir, { recursive: true });
  const arrays: Record<string, unknown> = {};
  const put = (key: string, a: Float64Array, shape: number[]) => {
    const bytes = bytesOf(a, dtype);
    const file = `${key}.${ext}`;
    fs.writeFileSync(path.join(dir, file), bytes);
    arrays[key] = { file, dtype, shape, bytes: bytes.byteLength, crc32: zlib.crc32(bytes) };
  };
  put('values', values, [n, m]);
  put('data', data, [n, m]);
  put('base', base, [n]);
  put('output', output, [n]);
  if (spec.stderr) put('stderr', flat(spec.stderr, m), [n, m]);
  if (spec.target) put('target', flat(spec.target, 1), [n]);
  // The real error of the arrays as written (float32 files round), so the trust line tells the truth.
  const stored = (a: Float64Array) => (dtype === 'float64' ? a : Float64Array.from(Float32Array.from(a)));
  const [sv, sb, so] = [stored(values), stored(base), stored(output)];
  let additivity = 0;
  let scale = 0;
  let baseSum = 0;
  for (let i = 0; i < n; i++) {
    let s = sb[i];
    for (let j = 0; j < m; j++) s += sv[i * m + j];
    additivity = Math.max(additivity, Math.abs(s - so[i]));
    scale = Math.max(scale, Math.abs(so[i]));
    baseSum += sb[i];
  }
  const method = spec.method ?? 'tree_path_dependent';
  const exact = spec.exact ?? method !== 'kernel';
  const manifest: Record<string, unknown> = {
    format: 1,
    name,
    created: 1796000000.5,
    method,
    exact,
    algorithm: 'test fixture',
    model_type: 'FixtureModel',
    pipeline: [],
    task: spec.task ?? 'regression',
    positive_class: spec.task === 'binary' ? 1 : null,
    link: spec.link ?? 'identity',
    output_name: 'price',
    rows: n,
    total_rows: n,
    seed: null,
    features: spec.features,
    feature_kinds: spec.featureKinds ?? spec.features.map(() => 'numeric'),
    categories: spec.categories ?? {},
    feature_ranges: {},
    units: {},
    grouped_from: {},
    base_value: n ? baseSum / n : 0,
    additivity_error: additivity,
    output_scale: scale,
    background_rows: null,
    samples_per_row: null,
    arrays,
    row_ids: spec.rowIds ?? null,
    permutation_importance: null,
    partial_dependence: [],
    model: null,
    python: '/usr/bin/python3',
    ...spec.manifest,
  };
  const tmp = path.join(dir, '.explanation.json.tmp');
  fs.writeFileSync(tmp, JSON.stringify(manifest, null, 1));
  fs.renameSync(tmp, path.join(dir, 'explanation.json'));
  const eventLine = JSON.stringify({
    type: 'explanation',
    name,
    path: `explanations/${name}/explanation.json`,
    method: manifest.method,
    exact: manifest.exact,
    rows: n,
    features: m,
    additivity_error: manifest.additivity_error,
  });
  if (spec.event !== false) fs.appendFileSync(path.join(runDir, 'events.jsonl'), eventLine + '\n');
  return { dir, manifest, eventLine };
}

/**
 * A big explanation with structure a reader can check: feature j's attribution is (j+1)-scaled noise times
 * its value, so importance falls with j; the first feature is categorical with four levels. Seeded.
 */
export function randomSpec(rows: number, features: number, seed = 1): ExplanationSpec {
  const rnd = mulberry32(seed);
  const names = Array.from({ length: features }, (_, j) => (j === 0 ? 'region' : `f${j}`));
  const values = new Float64Array(rows * features);
  const data = new Float64Array(rows * features);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < features; j++) {
      const x = j === 0 ? Math.floor(rnd() * 4) : rnd() * 10;
      data[i * features + j] = x;
      values[i * features + j] = ((x - (j === 0 ? 1.5 : 5)) * (rnd() + 0.5)) / (j + 1);
    }
  return {
    features: names,
    values,
    data,
    base: 100,
    target: Float64Array.from({ length: rows }, () => 100 + rnd() * 10),
    featureKinds: names.map((_, j) => (j === 0 ? 'categorical' : 'numeric')),
    categories: { region: ['north', 'south', 'east', 'west'] },
  };
}
