/**
 * The Explain panel's checks of what its webview sends (src/extension/panels/panelMessages.ts): a page that
 * runs plotly and user strings is input, so its saved state, row searches and edited what-if rows are
 * checked before the host loads, searches or runs the model with them.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
  counterfactualMatches,
  explainStateOf,
  explainTargetOf,
  explanationRelogged,
  explanationNameOf,
  findRowsParamsOf,
  rowIndexOf,
  whatIfRowOf,
} from '../../src/extension/panels/panelMessages';

const manifest = {
  features: ['floor_area_m2', 'location', '<img src=x onerror=alert(1)>'],
  featureKinds: ['numeric', 'categorical', 'numeric'] as Array<'numeric' | 'categorical'>,
  categories: { location: ['center', 'suburb'] },
};

test('saved state: each field kept only when well-formed', () => {
  assert.deepEqual(explainStateOf({ runId: 'r-20261101-0001', name: 'default', row: 12, tab: 'whatif', folder: '/w' }), {
    runId: 'r-20261101-0001',
    name: 'default',
    row: 12,
    tab: 'whatif',
    folder: '/w',
  });
  assert.deepEqual(explainStateOf({ runId: '../../etc', name: '../x', row: -1, tab: 'shell' }), {});
  assert.deepEqual(explainStateOf({ row: 1.5, name: '.hidden' }), {});
  assert.deepEqual(explainStateOf(null), {});
  assert.deepEqual(explainStateOf('x'), {});
});

test('explanation names follow the format; row indexes are whole numbers in range', () => {
  assert.equal(explanationNameOf('default'), 'default');
  assert.equal(explanationNameOf('v1.2_test-a'), 'v1.2_test-a');
  for (const bad of ['', '.x', 'a/b', '..', 'x'.repeat(65), 3, null]) assert.equal(explanationNameOf(bad), undefined, String(bad));
  assert.equal(rowIndexOf(0, 10), 0);
  assert.equal(rowIndexOf(9, 10), 9);
  for (const bad of [10, -1, 1.5, NaN, Infinity, '3', null]) assert.equal(rowIndexOf(bad, 10), undefined, String(bad));
});

test('row searches: a known sort, text cut to 500 characters, a limit in [1, 100]', () => {
  assert.deepEqual(findRowsParamsOf({ sort: 'error-desc', search: 'location=center', limit: 20 }), {
    sort: 'error-desc',
    search: 'location=center',
    limit: 20,
  });
  assert.deepEqual(findRowsParamsOf({ sort: 'index', search: 'x'.repeat(2000), limit: 1e9 }), { sort: 'index', search: 'x'.repeat(500), limit: 100 });
  assert.deepEqual(findRowsParamsOf({ sort: 'index', limit: NaN }), { sort: 'index', search: '', limit: 20 });
  assert.equal(findRowsParamsOf({ sort: 'drop table' }), undefined);
  assert.equal(findRowsParamsOf(undefined), undefined);
});

test('what-if rows: every feature, finite numbers (or null) for numeric inputs, text for categories; what is wrong is said', () => {
  const ok = whatIfRowOf({ floor_area_m2: 120, location: 'center', '<img src=x onerror=alert(1)>': 3, extra: 'ignored' }, manifest);
  assert.deepEqual(ok, { row: { floor_area_m2: 120, location: 'center', '<img src=x onerror=alert(1)>': 3 } });
  assert.deepEqual(whatIfRowOf({ floor_area_m2: NaN, location: 'center', '<img src=x onerror=alert(1)>': 3 }, manifest), {
    error: 'Type a number for floor_area_m2, or leave it empty if it is unknown.',
  });
  assert.deepEqual(whatIfRowOf({ floor_area_m2: '120', location: 'center', '<img src=x onerror=alert(1)>': 3 }, manifest), {
    error: 'Type a number for floor_area_m2, or leave it empty if it is unknown.',
  });
  assert.deepEqual(whatIfRowOf({ floor_area_m2: Infinity, location: 'center', '<img src=x onerror=alert(1)>': 3 }, manifest), {
    error: 'Type a number for floor_area_m2, or leave it empty if it is unknown.',
  });
  assert.deepEqual(whatIfRowOf({ floor_area_m2: 1, location: 7, '<img src=x onerror=alert(1)>': 3 }, manifest), { error: 'Choose a value for location.' });
  assert.ok('error' in whatIfRowOf([1, 2, 3], manifest));
  assert.ok('error' in whatIfRowOf(null, manifest));
  // A prototype key in the page's object is not a feature value.
  const proto = JSON.parse('{"__proto__": {"floor_area_m2": 5}, "location": "center", "<img src=x onerror=alert(1)>": 3}');
  assert.ok('error' in whatIfRowOf(proto, manifest));
});

test('what-if rows: an empty number field (null) is "unknown" and reaches the scorer as missing; an empty category is refused', () => {
  // The page sends null for an empty number field; lineage.serve passes None to the model as NaN.
  assert.deepEqual(whatIfRowOf({ floor_area_m2: null, location: 'center', '<img src=x onerror=alert(1)>': 3 }, manifest), {
    row: { floor_area_m2: null, location: 'center', '<img src=x onerror=alert(1)>': 3 },
  });
  // A feature absent from the message is not the same as an empty field.
  assert.ok('error' in whatIfRowOf({ location: 'center', '<img src=x onerror=alert(1)>': 3 }, manifest));
  // A select with nothing chosen sends '': said here, not left for the model to fail on.
  assert.deepEqual(whatIfRowOf({ floor_area_m2: 1, location: '', '<img src=x onerror=alert(1)>': 3 }, manifest), {
    error: 'Choose a value for location.',
  });
  assert.deepEqual(whatIfRowOf({ floor_area_m2: 1, location: null, '<img src=x onerror=alert(1)>': 3 }, manifest), {
    error: 'Choose a value for location.',
  });
  // ...unless the empty text is one of the categories the model was trained on.
  const withEmpty = { ...manifest, categories: { location: ['', 'center'] } };
  assert.deepEqual(whatIfRowOf({ floor_area_m2: 1, location: '', '<img src=x onerror=alert(1)>': 3 }, withEmpty), {
    row: { floor_area_m2: 1, location: '', '<img src=x onerror=alert(1)>': 3 },
  });
});

test('what-if rows: features named like Object.prototype keys are kept as features, not dropped or inherited', () => {
  const m = {
    features: ['__proto__', 'constructor', 'toString'],
    featureKinds: ['numeric', 'categorical', 'numeric'] as Array<'numeric' | 'categorical'>,
    categories: { constructor: ['a', 'b'] },
  };
  const r = whatIfRowOf(JSON.parse('{"__proto__": 4, "constructor": "b", "toString": 2}'), m);
  assert.ok('row' in r, JSON.stringify(r));
  assert.deepEqual(Object.keys(r.row), ['__proto__', 'constructor', 'toString']);
  assert.equal(Object.getOwnPropertyDescriptor(r.row, '__proto__')?.value, 4);
  // What goes to the scorer is what the JSON line carries.
  assert.deepEqual(JSON.parse(JSON.stringify(r.row)), JSON.parse('{"__proto__": 4, "constructor": "b", "toString": 2}'));
  // Not inherited from Object.prototype when the page leaves them out.
  assert.deepEqual(whatIfRowOf({}, m), { error: 'Type a number for __proto__, or leave it empty if it is unknown.' });
});

test('a kept counterfactual goes into a report only for the same explanation, the same logging of it, the same row and inputs', () => {
  const inputs = { floor_area_m2: 120, location: 'center', rooms: null };
  const kept = { name: 'default', created: 1764929721000, row: 3, inputs };
  assert.equal(counterfactualMatches(kept, { ...kept, inputs: { rooms: null, location: 'center', floor_area_m2: 120 } }), true);
  // Another explanation of the run, with a row of the same index: its model is not the one searched.
  assert.equal(counterfactualMatches(kept, { ...kept, name: 'logit' }), false);
  // The explanation re-logged (a new model, same name).
  assert.equal(counterfactualMatches(kept, { ...kept, created: 1764931200000 }), false);
  assert.equal(counterfactualMatches(kept, { ...kept, row: 4 }), false);
  // Searched from edited inputs: not about the explained row.
  assert.equal(counterfactualMatches(kept, { ...kept, inputs: { ...inputs, floor_area_m2: 121 } }), false);
  assert.equal(counterfactualMatches(kept, { ...kept, inputs: { ...inputs, rooms: 0 } }), false);
  assert.equal(counterfactualMatches(kept, { ...kept, inputs: { floor_area_m2: 120, location: 'center' } }), false);
  assert.equal(counterfactualMatches(undefined, kept), false);
});

test('a panel reading its explanation again tells a re-logged one (another created) from the same one', () => {
  const shown = { name: 'default', created: 1764929721000 };
  assert.equal(explanationRelogged(shown, { name: 'default', created: 1764929721000 }), false);
  assert.equal(explanationRelogged(shown, { name: 'default', created: 1764931200000 }), true);
  // Nothing shown yet, or another explanation picked (pick() stops the scorer itself).
  assert.equal(explanationRelogged(undefined, shown), false);
  assert.equal(explanationRelogged(shown, { name: 'logit', created: 1 }), false);
});

test("an Explain command argument: a well-formed run id, the format's name, and only a folder open in this window", () => {
  const open = ['/work/a', '/work/b'];
  assert.deepEqual(explainTargetOf({ id: '20261205-101520-cc1e77', name: 'default', folder: '/work/b' }, open), {
    id: '20261205-101520-cc1e77',
    name: 'default',
    folder: '/work/b',
  });
  // A folder that is not open (a forged argument, a closed folder): not used; the run's own folder is looked up.
  for (const folder of ['/etc', '/work/a/../../etc', '/work/a/', 3, null])
    assert.deepEqual(
      explainTargetOf({ id: '20261205-101520-cc1e77', folder }, open),
      { id: '20261205-101520-cc1e77', name: undefined, folder: undefined },
      String(folder),
    );
  for (const id of ['../../etc', '', 'a/b', 7, null]) assert.equal(explainTargetOf({ id, folder: '/work/a' }, open), undefined, String(id));
  assert.equal(explainTargetOf({ id: '20261205-101520-cc1e77', name: '../x' }, open)?.name, undefined);
});
