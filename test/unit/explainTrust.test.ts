import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { trustNote } from '../../src/core/explain/trust';
import { validateManifest } from '../../src/core/explain/manifest';

function manifest(over: Record<string, unknown>) {
  const arrays = Object.fromEntries(
    ['values', 'data', 'base', 'output'].map((k) => [
      k,
      { file: `${k}.f64`, dtype: 'float64', shape: k === 'values' || k === 'data' ? [1, 1] : [1], bytes: 8, crc32: 0 },
    ]),
  );
  return validateManifest(
    {
      format: 1,
      name: 'default',
      method: 'tree_path_dependent',
      exact: true,
      rows: 1,
      features: ['x'],
      base_value: 0,
      additivity_error: 0,
      output_scale: 1,
      arrays,
      ...over,
    },
    'test',
  );
}

test('exact when the method is exact and the gap is within 1e-6 of the output scale', () => {
  const t = trustNote(manifest({ additivity_error: 3.1e-10, output_scale: 120000 }));
  assert.equal(t.level, 'exact');
  assert.match(t.text, /^Exact \(TreeSHAP \(path-dependent\)\): the contributions add up to each prediction \(largest gap 3\.1e-10\)\.$/);
  // 1e-6 × 120,000 = 0.12: just under passes, just over fails.
  assert.equal(trustNote(manifest({ additivity_error: 0.119, output_scale: 120000 })).level, 'exact');
  assert.equal(trustNote(manifest({ additivity_error: 0.121, output_scale: 120000 })).level, 'failed');
  // Small outputs (log-odds) are held to 1e-6 absolute, not 1e-6 × 0.5.
  assert.equal(trustNote(manifest({ additivity_error: 9e-7, output_scale: 0.5 })).level, 'exact');
  assert.equal(trustNote(manifest({ additivity_error: 2e-6, output_scale: 0.5 })).level, 'failed');
});

test('approximate methods say so, with their sample budget and the standard errors when recorded', () => {
  const t = trustNote(
    manifest({
      method: 'kernel',
      exact: false,
      additivity_error: 1e-12,
      samples_per_row: 2048,
      background_rows: 100,
      arrays: {
        ...manifest({}).arrays,
        stderr: { file: 'stderr.f64', dtype: 'float64', shape: [1, 1], bytes: 8, crc32: 0 },
      },
    }),
  );
  assert.equal(t.level, 'approximate');
  assert.match(t.text, /Approximate \(Kernel SHAP, 2048 samples per row, 100 background rows\).*standard error/);
  const ext = trustNote(manifest({ method: 'external', exact: false }));
  assert.equal(ext.level, 'approximate');
  assert.doesNotMatch(ext.text, /standard error/);
});

test('a failed check gives the numbers; an unrecorded error is not trusted', () => {
  const t = trustNote(manifest({ additivity_error: 12.5, output_scale: 1000 }));
  assert.equal(t.level, 'failed');
  assert.match(t.text, /miss the prediction by up to 12\.5, more than the 0\.001 allowed for outputs up to 1000/);
  const approxButOff = trustNote(manifest({ method: 'kernel', exact: false, additivity_error: 3, output_scale: 10 }));
  assert.equal(approxButOff.level, 'failed');
  const nan = trustNote(manifest({ additivity_error: null }));
  assert.equal(nan.level, 'failed');
  assert.match(nan.text, /^Not checked/);
});
