// The Compare webview's pure parts, in plain Node (bundled by scripts/build.mjs into dist-test/ like the
// other unit tests): smoothing, best-value direction, escaping for plotly, the band outline, x units,
// CSV quoting and table sorting. The browser parts are tested by test/webview/run.mjs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Ema, smooth } from '../../webview/shared/smoothing';
import { better, bestOf } from '../../webview/shared/best';
import { plotlyText, safeFileName } from '../../webview/shared/escape';
import { fmt, parseNumber } from '../../webview/shared/format';
import { hslToRgb } from '../../webview/shared/theme';
import { bandPolygon } from '../../webview/shared/bandTrace';
import { fromPlotX, parsePlotlyDate } from '../../webview/compare/charts';
import { compareCells, csvField, tableData } from '../../webview/compare/table';
import { normalizeSettings } from '../../webview/compare/state';
import { describeValues } from '../../webview/compare/model';
import type { RunInfo } from '../../webview/compare/protocol';

test('smoothing: debiased EMA like TensorBoard; non-finite values pass through; incremental = batch', () => {
  const y = [1, 2, 3, NaN, 4, Infinity, 5];
  const w = 0.6;
  const s = smooth(y, w);
  assert.equal(s[0], 1);
  assert.ok(Math.abs(s[1] - (w * (1 - w) * 1 + (1 - w) * 2) / (1 - w * w)) < 1e-12);
  assert.ok(Number.isNaN(s[3]));
  assert.equal(s[5], Infinity);
  const ema = new Ema(w);
  const inc = y.map((v) => ema.push(v));
  assert.deepEqual(inc.map(String), [...s].map(String));
  assert.deepEqual(
    [...smooth([7, 7, 7, 7], 0.9)].map((v) => +v.toFixed(12)),
    [7, 7, 7, 7],
    'a constant stays constant',
  );
  assert.deepEqual([...smooth([1, 5, 2], 0)], [1, 5, 2]);
});

test('better: lower for losses and errors, higher for scores; best of a column', () => {
  for (const m of ['loss', 'val_loss', 'error_rate', 'val_rmse', 'mse', 'MAE']) assert.equal(better(m), 'lower', m);
  for (const m of ['accuracy', 'val_acc', 'auc', 'f1', 'r2', 'precision', 'recall', 'score']) assert.equal(better(m), 'higher', m);
  assert.equal(better('lr_now'), null);
  // The panel and the CLI share one rule: these were unknown to the panel while the CLI marked them lower-is-better.
  for (const m of ['val_mape', 'perplexity']) assert.equal(better(m), 'lower', m);
  assert.equal(bestOf([3, null, NaN, 1, 2], 'lower'), 1);
  assert.equal(bestOf([3, Infinity, 1], 'higher'), 3);
  assert.equal(bestOf([1, 2], null), null);
});

test('plotlyText escapes markup, entities and %{…} placeholders; file names are safe', () => {
  assert.equal(plotlyText('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
  assert.equal(plotlyText('a&amp;b %{y}'), 'a&amp;amp;b &#37;{y}');
  assert.equal(safeFileName('../<evil>:name?.png'), '_evil_name_.png');
  assert.equal(safeFileName('...'), 'export');
});

test('fmt and num read the protocol’s NaN/Infinity strings', () => {
  assert.equal(parseNumber('NaN'), NaN);
  assert.equal(parseNumber('-Infinity'), -Infinity);
  assert.equal(parseNumber(null), null);
  assert.equal(fmt(1234567), '1,234,567');
  assert.equal(fmt(0.000012345), '1.234e-5');
  assert.equal(fmt(NaN), 'NaN');
});

test('band outline: max forward, min back, gaps split it, merging keeps every extreme', () => {
  const x = Float64Array.from([0, 1, 2, 3, 4, 5]);
  const min = Float32Array.from([0, 0, NaN, 1, 1, 1]);
  const max = Float32Array.from([1, 9, NaN, 2, 2, 3]);
  const b = bandPolygon(x, min, max, 6);
  assert.deepEqual(b.x, [0, 1, 1, 0, null, 3, 4, 5, 5, 4, 3]);
  assert.deepEqual(b.y, [1, 9, 0, 0, null, 2, 2, 3, 1, 1, 1]);
  const merged = bandPolygon(x, min, max, 6, 3);
  assert.deepEqual(merged.x, [1, 3, 5, 5, 3, 1]);
  assert.deepEqual(merged.y, [9, 2, 3, 1, 1, 0]);
});

test('x units: relative time in seconds, plotly date strings back to epoch ms', () => {
  assert.equal(fromPlotX(12.5, 'relative'), 12_500);
  assert.equal(fromPlotX(40, 'step'), 40);
  assert.equal(parsePlotlyDate('2026-11-27 05:16:01.25'), Date.UTC(2026, 10, 27, 5, 16, 1, 250));
  assert.equal(parsePlotlyDate('2026-11-27'), Date.UTC(2026, 10, 27));
  const off = new Date().getTimezoneOffset() * 60_000;
  assert.equal(fromPlotX('2026-11-27 05:16', 'wall'), Date.UTC(2026, 10, 27, 5, 16) + off);
});

test('CSV: RFC 4180 quoting and no formulas from user text', () => {
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
  assert.equal(csvField('-0.5'), '-0.5');
  assert.equal(csvField(NaN), 'NaN');
  assert.equal(csvField(null), '');
});

test('table: sorting keeps missing values last both ways; only-what-differs; best per column', () => {
  const run = (id: string, loss: number | string | null, model: string): RunInfo => ({
    id,
    name: id,
    experiment: 'e',
    status: 'finished',
    color: 0,
    startedAt: null,
    params: { model, seed: 1 },
    metrics: loss === null ? {} : { loss: { last: loss, min: loss, max: loss, count: 1 } },
  });
  const runs = [run('a', 0.5, 'x'), run('b', null, 'y'), run('c', 0.2, 'x'), run('d', 'NaN', 'y')];
  const s = normalizeSettings({ sort: { column: 'metric:loss:last', descending: false }, onlyDiff: true });
  let t = tableData(runs, s);
  assert.deepEqual(
    t.rows.map((r) => r.id),
    ['c', 'a', 'b', 'd'],
  );
  t = tableData(runs, { ...s, sort: { column: 'metric:loss:last', descending: true } });
  assert.deepEqual(
    t.rows.map((r) => r.id),
    ['a', 'c', 'b', 'd'],
  );
  assert.ok(!t.visible.some((c) => c.id === 'param:seed' || c.id === 'status'), 'constant columns hidden');
  assert.ok(t.visible.some((c) => c.id === 'param:model'));
  assert.equal(t.best.get('metric:loss:last'), 0.2);
  assert.ok(compareCells(2, '10') < 0 && compareCells('b', 'a') > 0 && compareCells(null, 1) > 0);
});

test('settings from an old or damaged state are normalised', () => {
  const s = normalizeSettings({ smoothing: 7, tab: 'nope' as never, metrics: ['a', 3 as never], xAxis: 'wall' });
  assert.equal(s.smoothing, 0.999);
  assert.equal(s.tab, 'curves');
  assert.deepEqual(s.metrics, ['a']);
  assert.equal(s.xAxis, 'wall');
  assert.deepEqual(normalizeSettings(null).scatter, { x: '', y: '', color: null });
});

test('field values: numeric strings are numbers, the rest categories', () => {
  const d = describeValues([1, '2.5', null]);
  assert.ok(d.numeric && d.nums[1] === 2.5);
  const c = describeValues(['adam', 'sgd', 'adam', null]);
  assert.ok(!c.numeric && c.categories.join() === 'adam,sgd');
  assert.equal(hslToRgb(0, 1, 0.5), 'rgb(255, 0, 0)');
});
