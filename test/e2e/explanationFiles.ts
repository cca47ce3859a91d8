/**
 * Reads an explanation the SDK wrote (docs/explanations-format.md) straight from the run folder, without the
 * engine's reader: the example tests check the SDK's files against the format itself, so a shared bug in the
 * SDK and the engine cannot hide.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export interface RawArrayRef {
  file: string;
  dtype: string;
  shape: number[];
  bytes: number;
  crc32: number;
}

/** explanation.json as written (snake_case keys); only what the tests read is typed. */
export interface RawManifest {
  format: number;
  name: string;
  method: string;
  exact: boolean;
  task: string;
  link: string;
  positive_class: string | number | null;
  rows: number;
  total_rows: number;
  features: string[];
  feature_kinds: string[];
  categories: Record<string, string[]>;
  units: Record<string, string>;
  subject?: string | null;
  grouped_from: Record<string, string[]>;
  base_value: number;
  additivity_error: number;
  output_scale: number;
  arrays: Record<string, RawArrayRef>;
  model: { file: string; flavor: string; input: string } | null;
  [key: string]: unknown;
}

export interface Explanation {
  dir: string;
  manifest: RawManifest;
  values: Float64Array;
  data: Float64Array;
  base: Float64Array;
  output: Float64Array;
  target: Float64Array | null;
}

export function explanationDir(workspace: string, runId: string, name = 'default'): string {
  return path.join(workspace, '.lineage', 'runs', runId, 'explanations', name);
}

/** One array, refused (assertion) unless its length and CRC-32 match the manifest, as the format requires. */
function readArray(dir: string, ref: RawArrayRef): Float64Array {
  assert.equal(ref.dtype, 'float64', `${ref.file}: the example's arrays are float64`);
  const buf = fs.readFileSync(path.join(dir, ref.file));
  assert.equal(buf.length, ref.bytes, `${ref.file}: byte length`);
  assert.equal(buf.length, ref.shape.reduce((a, b) => a * b, 1) * 8, `${ref.file}: shape ${JSON.stringify(ref.shape)}`);
  assert.equal(zlib.crc32(buf) >>> 0, ref.crc32, `${ref.file}: CRC-32`);
  // Copy into an aligned buffer: a Buffer's byteOffset need not be a multiple of 8.
  const out = new Float64Array(buf.length / 8);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function readExplanation(workspace: string, runId: string, name = 'default'): Explanation {
  const dir = explanationDir(workspace, runId, name);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'explanation.json'), 'utf8')) as RawManifest;
  const { arrays } = manifest;
  for (const k of ['values', 'data', 'base', 'output']) assert.ok(arrays[k], `manifest lists ${k}`);
  return {
    dir,
    manifest,
    values: readArray(dir, arrays.values),
    data: readArray(dir, arrays.data),
    base: readArray(dir, arrays.base),
    output: readArray(dir, arrays.output),
    target: arrays.target ? readArray(dir, arrays.target) : null,
  };
}

/** max |base + Σφ − output| over the rows, computed from the arrays themselves. */
export function additivityGap(e: Explanation): number {
  const n = e.output.length;
  const m = e.values.length / n;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    let s = e.base[i];
    for (let j = 0; j < m; j++) s += e.values[i * m + j];
    worst = Math.max(worst, Math.abs(s - e.output[i]));
  }
  return worst;
}

export const maxAbs = (a: Float64Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** The example's explanation event in events.jsonl (the line `lineage db rebuild` indexes). */
export function explanationEvent(workspace: string, runId: string): Record<string, unknown> | undefined {
  const lines = fs.readFileSync(path.join(workspace, '.lineage', 'runs', runId, 'events.jsonl'), 'utf8').split('\n');
  const events = lines.filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return events.filter((e) => e.type === 'explanation').pop();
}
