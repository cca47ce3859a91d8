/**
 * explanation.json (docs/explanations-format.md) read into the engine's camelCase types. The file comes from a
 * run folder, which may have been copied in from anyone: every field is checked, unknown ones are dropped, and
 * a wrong type is refused with a message that names the field. Maps keyed by feature name have no prototype,
 * so a feature called "__proto__" or "constructor" is just a name.
 */
import type { ArrayRef, ExplainMethod, ExplanationManifest } from './types';
import { ExplainError } from './explainError';

export const EXPLANATION_NAME = /^(?!\.)[A-Za-z0-9_.-]{1,64}$/;
export const METHODS: readonly ExplainMethod[] = ['tree_path_dependent', 'linear_interventional', 'kernel', 'external'];
/** The arrays the engine knows, with the rank their shape must have. */
const ARRAY_RANKS: Record<string, number> = { values: 2, data: 2, base: 1, output: 1, stderr: 2, target: 1, ice: 3, background: 2, background_weights: 1 };
const REQUIRED_ARRAYS = ['values', 'data', 'base', 'output'];
const MAX_FEATURES = 10_000;

type Obj = Record<string, unknown>;

/** Parses the manifest's text; `where` names the file in messages. */
export function parseManifest(text: string, where: string): ExplanationManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    try {
      // Python's json writes NaN and Infinity as bare words, which JSON.parse refuses: read them as null.
      raw = JSON.parse(nonFiniteToNull(text));
    } catch (err) {
      throw new ExplainError(`${where} is not valid JSON (${(err as Error).message}); it was probably cut off while being written. Re-run the script.`);
    }
  }
  return validateManifest(raw, where);
}

export function validateManifest(raw: unknown, where: string): ExplanationManifest {
  const bad = (field: string, want: string, got?: unknown) =>
    new ExplainError(`${where}: "${field}" must be ${want}${got === undefined ? ' (missing)' : `, got ${describe(got)}`}; re-run the script that wrote it.`);
  if (!isObj(raw)) throw new ExplainError(`${where} is not a JSON object; re-run the script that wrote it.`);
  const o = raw;
  if (typeof o.format !== 'number') throw bad('format', 'the number 1', o.format);
  if (o.format !== 1) throw new ExplainError(`${where} has format ${o.format}, newer than this Lineage understands (1); update Lineage.`);
  const str = (k: string): string => {
    if (typeof o[k] !== 'string') throw bad(k, 'a string', o[k]);
    return o[k];
  };
  const optStr = (k: string): string | null => (o[k] === undefined || o[k] === null ? null : str(k));
  const num = (k: string): number => {
    if (typeof o[k] !== 'number') throw bad(k, 'a number', o[k]);
    return o[k];
  };
  /** A number that Python may have written as NaN (read as null): NaN here, for the trust check to see. */
  const numOrNaN = (k: string): number => (o[k] === null ? NaN : num(k));
  const optNum = (k: string): number | null => (o[k] === undefined || o[k] === null ? null : num(k));
  const count = (k: string): number => {
    const v = num(k);
    if (!Number.isInteger(v) || v < 0) throw bad(k, 'a whole number ≥ 0', v);
    return v;
  };

  const name = str('name');
  if (!EXPLANATION_NAME.test(name)) throw bad('name', 'letters, digits, "_", "." or "-" (at most 64, not starting with ".")', name);
  const method = str('method');
  if (!METHODS.includes(method as ExplainMethod))
    throw new ExplainError(`${where}: method "${method}" is not one this Lineage knows (${METHODS.join(', ')}); update Lineage.`);
  if (o.exact !== undefined && typeof o.exact !== 'boolean') throw bad('exact', 'true or false', o.exact);
  const task = o.task ?? 'regression';
  if (task !== 'regression' && task !== 'binary') throw bad('task', '"regression" or "binary"', task);
  const link = o.link ?? 'identity';
  if (link !== 'identity' && link !== 'logit') throw bad('link', '"identity" or "logit"', link);
  const positiveClass = o.positive_class ?? null;
  if (positiveClass !== null && typeof positiveClass !== 'string' && typeof positiveClass !== 'number')
    throw bad('positive_class', 'a string, a number or null', positiveClass);

  const features = stringList(o.features, 'features', bad);
  if (features.length === 0) throw bad('features', 'a non-empty list of names', o.features);
  if (features.length > MAX_FEATURES) throw bad('features', `at most ${MAX_FEATURES} names`, `${features.length} names`);
  const seen = new Set<string>();
  for (const f of features) {
    if (seen.has(f)) throw new ExplainError(`${where}: feature "${f}" appears twice in "features"; give each input column its own name and re-run the script.`);
    seen.add(f);
  }
  const m = features.length;
  const rows = count('rows');

  const kinds = o.feature_kinds === undefined || o.feature_kinds === null ? features.map(() => 'numeric') : stringList(o.feature_kinds, 'feature_kinds', bad);
  if (kinds.length !== m) throw bad('feature_kinds', `a list of ${m} kinds (one per feature)`, `${kinds.length} kinds`);
  for (const k of kinds) if (k !== 'numeric' && k !== 'categorical') throw bad('feature_kinds', 'a list of "numeric" or "categorical"', k);

  const categories = recordOf(o.categories, 'categories', (v, k) => stringList(v, `categories.${k}`, bad), bad);
  const featureRanges = recordOf(
    o.feature_ranges,
    'feature_ranges',
    (v, k) => {
      // null stands for a NaN or infinite end Python wrote: the range is then unknown on that side.
      if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => x === null || typeof x === 'number'))
        throw bad(`feature_ranges.${k}`, 'a pair [min, max] of numbers', v);
      return [v[0] ?? NaN, v[1] ?? NaN] as [number, number];
    },
    bad,
  );
  const units = recordOf(
    o.units,
    'units',
    (v, k) => {
      if (typeof v !== 'string') throw bad(`units.${k}`, 'a string', v);
      return v;
    },
    bad,
  );
  const groupedFrom = recordOf(o.grouped_from, 'grouped_from', (v, k) => stringList(v, `grouped_from.${k}`, bad), bad);

  const arrays = readArrays(o.arrays, where, bad);
  const shapeIs = (key: string, want: number[]) => {
    const a = arrays[key];
    if (a && (a.shape.length !== want.length || a.shape.some((d, i) => want[i] >= 0 && d !== want[i])))
      throw new ExplainError(
        `${where}: array "${key}" has shape [${a.shape.join(', ')}], expected [${want.map((d) => (d < 0 ? '…' : d)).join(', ')}] for ${rows} rows × ${m} features; re-run the script.`,
      );
  };
  shapeIs('values', [rows, m]);
  shapeIs('data', [rows, m]);
  shapeIs('base', [rows]);
  shapeIs('output', [rows]);
  shapeIs('stderr', [rows, m]);
  shapeIs('target', [rows]);
  shapeIs('background', [-1, m]);
  if (arrays.background_weights && (!arrays.background || arrays.background_weights.shape[0] !== arrays.background.shape[0]))
    throw new ExplainError(`${where}: array "background_weights" needs one weight per row of "background"; re-run the script.`);

  let rowIds: number[] | null = null;
  if (o.row_ids !== undefined && o.row_ids !== null) {
    if (!Array.isArray(o.row_ids) || o.row_ids.length !== rows || !o.row_ids.every((x) => Number.isInteger(x)))
      throw bad('row_ids', `a list of ${rows} whole numbers`, o.row_ids);
    rowIds = o.row_ids as number[];
  }

  const permutationImportance = readPermutation(o.permutation_importance, m, bad);
  const partialDependence = readPartialDependence(o.partial_dependence, seen, arrays.ice?.shape ?? null, bad);
  const model = readModel(o.model, bad);
  const additivityError = numOrNaN('additivity_error');
  const outputScale = numOrNaN('output_scale');

  const manifest: ExplanationManifest = {
    format: 1,
    name,
    created: optNum('created'),
    method: method as ExplainMethod,
    exact: o.exact === true,
    algorithm: optStr('algorithm'),
    modelType: optStr('model_type'),
    pipeline: o.pipeline === undefined || o.pipeline === null ? [] : stringList(o.pipeline, 'pipeline', bad),
    task,
    positiveClass,
    link,
    outputName: optStr('output_name') ?? 'prediction',
    subject: optStr('subject'),
    rows,
    totalRows: o.total_rows === undefined || o.total_rows === null ? rows : count('total_rows'),
    seed: optNum('seed'),
    features,
    featureKinds: kinds as Array<'numeric' | 'categorical'>,
    categories,
    featureRanges,
    units,
    groupedFrom,
    baseValue: numOrNaN('base_value'),
    additivityError,
    outputScale,
    backgroundRows: optNum('background_rows'),
    samplesPerRow: optNum('samples_per_row'),
    arrays,
    rowIds,
    permutationImportance,
    partialDependence,
    model,
  };
  if (typeof o.python === 'string') manifest.python = o.python;
  return manifest;
}

type Bad = (field: string, want: string, got?: unknown) => ExplainError;

function readArrays(v: unknown, where: string, bad: Bad): Record<string, ArrayRef> {
  if (!isObj(v)) throw bad('arrays', 'an object naming the array files', v);
  const out: Record<string, ArrayRef> = Object.create(null) as Record<string, ArrayRef>;
  for (const key of Object.keys(ARRAY_RANKS)) {
    const a = v[key];
    if (a === undefined || a === null) {
      if (REQUIRED_ARRAYS.includes(key))
        throw new ExplainError(`${where}: the array "${key}" is missing from "arrays"; the explanation is incomplete. Re-run the script.`);
      continue;
    }
    if (!isObj(a)) throw bad(`arrays.${key}`, 'an object', a);
    const file = a.file;
    // A bare file name in the explanation's own folder: never a path that could lead elsewhere.
    if (typeof file !== 'string' || !/^(?!\.)[A-Za-z0-9_.-]{1,128}$/.test(file)) throw bad(`arrays.${key}.file`, 'a file name in the explanation folder', file);
    if (a.dtype !== 'float64' && a.dtype !== 'float32') throw bad(`arrays.${key}.dtype`, '"float64" or "float32"', a.dtype);
    const shape = a.shape;
    if (!Array.isArray(shape) || shape.length !== ARRAY_RANKS[key] || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0))
      throw bad(`arrays.${key}.shape`, `a list of ${ARRAY_RANKS[key]} whole numbers`, shape);
    const dims = shape as number[];
    const bytes = a.bytes;
    const expected = dims.reduce((p, d) => p * d, a.dtype === 'float64' ? 8 : 4);
    if (typeof bytes !== 'number' || bytes !== expected) throw bad(`arrays.${key}.bytes`, `${expected} (the shape × the item size)`, bytes);
    if (!Number.isSafeInteger(bytes) || bytes > 2 ** 31) throw bad(`arrays.${key}.bytes`, 'under 2 GiB', bytes);
    const crc = a.crc32;
    if (typeof crc !== 'number' || !Number.isInteger(crc) || crc < 0 || crc > 0xffffffff) throw bad(`arrays.${key}.crc32`, 'an unsigned 32-bit number', crc);
    out[key] = { file, dtype: a.dtype, shape: dims, bytes, crc32: crc };
  }
  return out;
}

function readPermutation(v: unknown, m: number, bad: Bad): ExplanationManifest['permutationImportance'] {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) throw bad('permutation_importance', 'an object or null', v);
  const list = (k: string) => {
    const x = v[k];
    if (!Array.isArray(x) || x.length !== m || !x.every((n) => n === null || typeof n === 'number'))
      throw bad(`permutation_importance.${k}`, `a list of ${m} numbers`, x);
    return x.map((n) => (n === null ? NaN : (n as number)));
  };
  if (v.n_repeats !== undefined && typeof v.n_repeats !== 'number') throw bad('permutation_importance.n_repeats', 'a number', v.n_repeats);
  return {
    scoring: typeof v.scoring === 'string' ? v.scoring : 'score',
    nRepeats: typeof v.n_repeats === 'number' ? v.n_repeats : 0,
    seed: typeof v.seed === 'number' ? v.seed : null,
    mean: list('mean'),
    std: list('std'),
  };
}

/** `ice`: the [k, g, r] shape of ice.f64, whose slabs hold grids of up to g points (NaN-padded past a shorter grid). */
function readPartialDependence(v: unknown, features: Set<string>, ice: number[] | null, bad: Bad): ExplanationManifest['partialDependence'] {
  const iceSlabs = ice ? ice[0] : 0;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad('partial_dependence', 'a list', v);
  return v.map((p, i) => {
    const at = `partial_dependence[${i}]`;
    if (!isObj(p)) throw bad(at, 'an object', p);
    if (typeof p.feature !== 'string' || !features.has(p.feature)) throw bad(`${at}.feature`, 'one of the features', p.feature);
    const nums = (k: string) => {
      const x = p[k];
      if (!Array.isArray(x) || !x.every((n) => n === null || typeof n === 'number')) throw bad(`${at}.${k}`, 'a list of numbers', x);
      return x.map((n) => (n === null ? NaN : (n as number)));
    };
    const grid = nums('grid');
    const average = nums('average');
    if (average.length !== grid.length) throw bad(`${at}.average`, `${grid.length} numbers (one per grid point)`, `${average.length}`);
    let iceIndex: number | null = null;
    if (p.ice_index !== undefined && p.ice_index !== null) {
      if (!Number.isInteger(p.ice_index) || (p.ice_index as number) < 0 || (p.ice_index as number) >= iceSlabs)
        throw bad(`${at}.ice_index`, `a slab of ice (0..${iceSlabs - 1})`, p.ice_index);
      iceIndex = p.ice_index as number;
      if (ice && grid.length > ice[1]) throw bad(`${at}.grid`, `at most ${ice[1]} points (the ICE slabs' length)`, `${grid.length}`);
    }
    return { feature: p.feature, grid, average, iceIndex };
  });
}

function readModel(v: unknown, bad: Bad): ExplanationManifest['model'] {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) throw bad('model', 'an object or null', v);
  if (typeof v.file !== 'string' || !/^(?!\.)[A-Za-z0-9_.-]{1,128}$/.test(v.file)) throw bad('model.file', 'a file name in the explanation folder', v.file);
  const input = v.input ?? 'ndarray';
  if (input !== 'ndarray' && input !== 'ndarray-object' && input !== 'dataframe') throw bad('model.input', '"ndarray", "ndarray-object" or "dataframe"', input);
  return { file: v.file, flavor: typeof v.flavor === 'string' ? v.flavor : 'unknown', input };
}

function stringList(v: unknown, field: string, bad: Bad): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw bad(field, 'a list of strings', v);
  return v;
}

function recordOf<T>(v: unknown, field: string, each: (v: unknown, key: string) => T, bad: Bad): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  if (v === undefined || v === null) return out;
  if (!isObj(v)) throw bad(field, 'an object', v);
  for (const k of Object.keys(v)) out[k] = each(v[k], k);
  return out;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (typeof v === 'object') return 'an object';
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v;
}

/** Replaces the bare words NaN, Infinity and -Infinity outside strings with null. */
function nonFiniteToNull(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const word = c === 'N' || c === 'I' || c === '-' ? /^-?(?:NaN|Infinity)/.exec(text.slice(i, i + 9)) : null;
    if (word) {
      out += 'null';
      i += word[0].length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}
