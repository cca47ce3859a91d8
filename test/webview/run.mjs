// Compare webview tests: the built panel (dist/webview/) in Debian's Chromium, headless, with WebGL through
// SwiftShader, inside a stand-in host page with the real panel's Content-Security-Policy (harness.ts).
// Host messages are recorded fixtures (fixtures/*.json) or generated ones (fixtures/generate.ts).
// The helpers are TypeScript importing the panel's protocol, bundled on the way (tsModule.mjs).
//   node test/webview/run.mjs [name-filter]      (build first: node scripts/build.mjs)
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { importTs } from './tsModule.mjs';

const {
  launch,
  loadFixture,
  openPanel,
  root,
  startServer,
  encode,
  HOSTILE,
  manyRunsInit,
  benchInit,
  pointsPerSeries,
  SPIKE,
  basicInit,
  curve,
  seriesData,
  Compare,
} = await importTs('test/webview/lib.ts');
/** The message types the panel posts and the host sends, from the protocol. */
const T = {
  ready: Compare.CompareReady.type,
  settings: Compare.CompareSettingsChanged.type,
  openRun: Compare.CompareOpenRun.type,
  zoom: Compare.CompareZoom.type,
  zoomResponse: Compare.CompareZoom.responseType,
  export: Compare.CompareExport.type,
  append: Compare.CompareAppend.type,
};

if (!existsSync(join(root, 'dist/webview/compare.js')) || !existsSync(join(root, 'dist/webview/plotly.min.js'))) {
  console.error('dist/webview/compare.js or plotly.min.js missing: run node scripts/build.mjs first');
  process.exit(2);
}

const filter = process.argv[2];
const tests = [];
const test = (name, fn) => tests.push({ name, fn });

// ---------- page-side helpers (run inside the page) ----------

/** Per chart (in order): metric title, trace count, and for each trace its role, run, type, length. */
const chartsInfo = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll('.chart-card')].map((card) => {
      const gd = card.querySelector('.plot');
      return {
        title: card.querySelector('h3').textContent,
        traces: (gd.data ?? []).map((t) => ({ role: t.meta?.role, run: t.meta?.run, type: t.type, n: t.x?.length ?? 0, visible: t.visible })),
      };
    }),
  );

/**
 * The texts of one table column for the rendered rows, in row order. Columns are virtualised too, so the
 * column is scrolled into view first (like a person would).
 */
async function columnTexts(p, label) {
  const renders = (await p.events('table-rendered')).length;
  const moved = await p.page.evaluate((l) => {
    const heads = [...document.querySelectorAll('.dt-th')];
    const h = heads.find((e) => e.querySelector('.dt-label').textContent === l);
    if (!h) return null;
    const wrap = document.querySelector('.dt-wrap');
    const before = wrap.scrollLeft;
    wrap.scrollLeft = Math.max(0, h.offsetLeft - 300);
    return wrap.scrollLeft !== before;
  }, label);
  if (moved === null) return null;
  if (moved) await p.waitEvents('table-rendered', renders + 1);
  return p.page.evaluate((l) => {
    const heads = [...document.querySelectorAll('.dt-th')];
    const col = heads.findIndex((e) => e.querySelector('.dt-label').textContent === l) + 1;
    return [...document.querySelectorAll('.dt-row:not([hidden])')]
      .sort((a, b) => a.dataset.index - b.dataset.index)
      .map((r) => ({ name: r.querySelector('.dt-name').textContent, text: r.querySelector(`[aria-colindex="${col}"]:not([hidden])`)?.textContent }));
  }, label);
}

/** Counts, in window.__calls, the plotly calls that draw: a redraw shows up as react/newPlot. */
const countPlotlyCalls = (p) =>
  p.page.evaluate(() => {
    window.__calls = { react: 0, newPlot: 0, extendTraces: 0 };
    for (const k of Object.keys(window.__calls)) {
      const orig = window.Plotly[k];
      window.Plotly[k] = (...a) => (window.__calls[k]++, orig.apply(window.Plotly, a));
    }
  });

async function clickTab(p, tab) {
  const before = (await p.posted(T.settings)).length;
  await p.page.click(`vscode-panel-tab#tab-${tab}`);
  await p.page.waitForFunction(([t, n]) => window.__posted.filter((m) => m.type === t).length > n, [T.settings, before]);
}

/** No element anywhere carries an event-handler attribute, a javascript: URL, or came from a user string. */
const injectedElements = (page) =>
  page.evaluate(() => {
    const bad = [];
    for (const e of document.querySelectorAll('*')) {
      for (const a of e.attributes) {
        if (/^on/i.test(a.name)) bad.push(`${e.tagName}[${a.name}]`);
        if (/^\s*javascript:/i.test(a.value)) bad.push(`${e.tagName}[${a.name}=${a.value}]`);
      }
    }
    for (const e of document.querySelectorAll('img, iframe, object, embed')) bad.push(e.outerHTML.slice(0, 80));
    const scripts = [...document.scripts].filter((s) => !s.src && !s.nonce);
    for (const s of scripts) bad.push(`inline script ${s.textContent.slice(0, 40)}`);
    return bad;
  });

// ---------- tests ----------

test('ready: posts ready with the saved state (null on a fresh panel)', async ({ browser, server }) => {
  const fresh = await openPanel(browser, server);
  assert.deepEqual(await fresh.posted(T.ready), [{ type: T.ready, state: null }]);
  await fresh.close();
  const saved = { runIds: ['r1', 'r2'], settings: { ...basicInit().settings, smoothing: 0.3, tab: 'table' } };
  const restored = await openPanel(browser, server, { state: saved });
  const [ready] = await restored.posted(T.ready);
  assert.deepEqual(ready.state, saved);
  await restored.close();
});

test('init: one chart per metric, band + line per run, run colours the same on every chart', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('basic-init.json'));
  const charts = await chartsInfo(p.page);
  assert.deepEqual(
    charts.map((c) => c.title),
    ['loss', 'accuracy'],
  );
  for (const c of charts) {
    assert.equal(c.traces.length, 3 * 2, `${c.title}: 3 runs × (band + line)`);
    assert.deepEqual(
      c.traces.map((t) => t.role),
      ['band', 'line', 'band', 'line', 'band', 'line'],
    );
    // A band is the closed outline of 300 buckets (max forward, min back); the line has the 300 buckets.
    assert.deepEqual(
      c.traces.filter((t) => t.role === 'line').map((t) => t.n),
      [300, 300, 300],
    );
    assert.deepEqual(
      c.traces.filter((t) => t.role === 'band').map((t) => t.n),
      [600, 600, 600],
    );
  }
  const colours = await p.page.evaluate(() =>
    [...document.querySelectorAll('.plot')]
      .slice(0, 2)
      .map((gd) => gd._fullData.filter((t) => t.meta.role === 'line').map((t) => `${t.meta.run}=${t.line.color}`)),
  );
  assert.deepEqual(colours[0], colours[1]);
  assert.equal(new Set(colours[0].map((c) => c.split('=')[1])).size, 3, 'three distinct colours');
  assert.deepEqual(await p.violations(), []);
  assert.deepEqual(p.pageErrors, []);
  await p.close();
});

test('spike preserved: a single outlier in a bucket shows in the plotted max band', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('spike-init.json'));
  const r = await p.page.evaluate((run) => {
    const gd = document.querySelector('.plot');
    const band = gd.data.find((t) => t.meta.run === run && t.meta.role === 'band');
    const line = gd.data.find((t) => t.meta.run === run && t.meta.role === 'line');
    const yaxis = gd._fullLayout.yaxis.range;
    return { bandMax: Math.max(...band.y.filter((v) => v !== null)), lineMax: Math.max(...line.y), yTop: yaxis[1] };
  }, SPIKE.run);
  assert.equal(r.bandMax, Math.fround(SPIKE.value), 'the band reaches the spike');
  assert.ok(r.lineMax < 10, 'the line (last value per bucket) alone would hide it');
  assert.ok(r.yTop >= SPIKE.value, `the y axis shows it (top ${r.yTop})`);
  await p.close();
});

test('hostile strings are inert text in the table, legend, hover, titles, parcoords, scatter and bars', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('hostile-init.json'));
  const page = p.page;
  // Chart titles (our HTML) and legends (plotly SVG) show the strings literally.
  const titles = await page.$$eval('.chart-card h3', (hs) => hs.map((h) => h.textContent));
  assert.deepEqual(titles, [HOSTILE[0], HOSTILE[3]]);
  const legend = await page.$$eval('.chart-card .plot', (gds) => gds.map((gd) => [...gd.querySelectorAll('.legendtext')].map((t) => t.textContent)));
  for (const l of legend) assert.deepEqual(l, HOSTILE);
  // Hover over each run's line: the name, literally (its "%{y}" not evaluated).
  for (let run = 0; run < HOSTILE.length; run++) {
    const text = await page.evaluate(async (i) => {
      const gd = document.querySelector('.plot');
      window.Plotly.Fx.unhover(gd);
      await new Promise((r) => setTimeout(r, 60)); // plotly throttles hover events
      window.Plotly.Fx.hover(gd, [{ curveNumber: i * 2 + 1, pointNumber: 10 }]);
      return gd.querySelector('.hoverlayer').textContent;
    }, run);
    assert.ok(text.startsWith(HOSTILE[run]), `hover shows ${HOSTILE[run]} literally, got ${text}`);
  }
  // Table: every name, param key and value as text.
  await clickTab(p, 'table');
  await page.waitForSelector('.dt-row:not([hidden])');
  const table = await page.evaluate(() => ({
    head: [...document.querySelectorAll('.dt-th .dt-label')].map((e) => e.textContent),
    names: [...document.querySelectorAll('.dt-row:not([hidden]) .dt-name')].map((e) => e.textContent),
    cells: [...document.querySelectorAll('.dt-row:not([hidden]) .dt-cell')].map((e) => e.textContent),
  }));
  assert.deepEqual(table.names.sort(), [...HOSTILE].sort());
  for (const h of [HOSTILE[1], HOSTILE[2], `${HOSTILE[0]} · final`, `${HOSTILE[3]} · max`]) assert.ok(table.head.includes(h), `header ${h}`);
  for (const h of HOSTILE) assert.ok(table.cells.includes(h), `cell ${h}`);
  // Parallel coordinates, scatter and bars.
  for (const tab of ['parallel', 'scatter', 'bars']) {
    await clickTab(p, tab);
    await page.waitForFunction((t) => document.querySelector(`.plot-${t}`)?.data?.length > 0, tab);
    const text = await page.$eval(`.plot-${tab}`, (gd) => gd.textContent);
    const expect = tab === 'parallel' ? [HOSTILE[1], HOSTILE[0]] : tab === 'scatter' ? [HOSTILE[2], HOSTILE[0]] : [HOSTILE[0], HOSTILE[2]];
    for (const h of expect) assert.ok(text.includes(h), `${tab} shows ${h} as text`);
  }
  // Scatter hover text.
  await clickTab(p, 'scatter');
  const hover = await page.evaluate(() => {
    const gd = document.querySelector('.plot-scatter');
    window.Plotly.Fx.hover(gd, [{ curveNumber: 0, pointNumber: 0 }]);
    return gd.querySelector('.hoverlayer').textContent;
  });
  assert.ok(hover.includes(HOSTILE[0]), `scatter hover: ${hover}`);
  await page.waitForTimeout(100);
  assert.deepEqual(await injectedElements(page), []);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(await p.violations(), []);
  assert.deepEqual(p.pageErrors, []);
  await p.close();
});

test('theme switch: body class + variables change the charts’ paper, font and colours', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('basic-init.json'));
  const read = () =>
    p.page.evaluate(() => {
      const fl = document.querySelector('.plot')._fullLayout;
      return {
        paper: fl.paper_bgcolor,
        plot: fl.plot_bgcolor,
        font: fl.font.color,
        family: fl.font.family,
        line: document.querySelector('.plot')._fullData[1].line.color,
      };
    });
  const dark = await read();
  assert.equal(dark.paper, 'rgb(31, 31, 31)');
  assert.equal(dark.font, 'rgb(204, 204, 204)');
  const before = (await p.events('theme-applied')).length;
  await p.page.evaluate(() => window.__setTheme('light'));
  await p.waitEvents('theme-applied', before + 1);
  const light = await read();
  assert.equal(light.paper, 'rgb(255, 255, 255)');
  assert.equal(light.plot, 'rgb(255, 255, 255)');
  assert.equal(light.font, 'rgb(59, 59, 59)');
  assert.match(light.family, /Georgia/);
  assert.notEqual(light.line, dark.line, 'run colours follow --vscode-charts-*');
  await p.close();
});

test('zoom sends a zoom request; its answer redraws at full resolution; reset goes back', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('basic-init.json'));
  await p.clearPosted();
  await p.page.evaluate(() => window.Plotly.relayout(document.querySelector('.plot'), { 'xaxis.range': [100, 300] }));
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t), T.zoom);
  const [zoom] = await p.posted(T.zoom);
  assert.equal(typeof zoom.id, 'number', 'the envelope numbers the request');
  assert.deepEqual(
    { ...zoom, id: 0 },
    { type: T.zoom, id: 0, metric: 'loss', xAxis: 'step', x0: 100, x1: 300, runIds: ['r1', 'r2', 'r3'], maxPoints: pointsPerSeries(3) },
  );
  // An answer to another request is ignored.
  const range = loadFixture('basic-range.json');
  const drawsBefore = (await p.events('chart-drawn')).length;
  assert.equal(range.type, T.zoomResponse);
  await p.send({ ...range, id: zoom.id + 100 });
  await p.page.waitForTimeout(150);
  assert.equal((await p.events('chart-drawn')).length, drawsBefore, 'stale reply ignored');
  await p.send({ ...range, id: zoom.id });
  await p.waitEvents('chart-drawn', drawsBefore + 1);
  let [loss] = await chartsInfo(p.page);
  assert.deepEqual(
    loss.traces.filter((t) => t.role === 'line').map((t) => t.n),
    [201, 201, 201],
    'every point of [100, 300]',
  );
  const shown = await p.page.evaluate(() => document.querySelector('.plot')._fullLayout.xaxis.range);
  assert.deepEqual(shown.map(Math.round), [100, 300], 'the zoom stays');
  assert.match(await p.page.$eval('.chart-note', (e) => e.textContent), /zoomed/);
  // Reset (double-click / autorange): back to the init data.
  await p.page.evaluate(() => window.Plotly.relayout(document.querySelector('.plot'), { 'xaxis.autorange': true, 'yaxis.autorange': true }));
  await p.waitEvents('chart-drawn', drawsBefore + 2);
  [loss] = await chartsInfo(p.page);
  assert.deepEqual(
    loss.traces.filter((t) => t.role === 'line').map((t) => t.n),
    [300, 300, 300],
  );
  await p.close();
});

test('append extends the traces in place (no redraw) and updates the table', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('basic-init.json'));
  await countPlotlyCalls(p);
  await p.page.evaluate(() => {
    for (const gd of document.querySelectorAll('.chart-card .plot')) gd.data.forEach((t, i) => (t.__probe = i));
  });
  const before = await chartsInfo(p.page);
  await p.send(loadFixture('basic-append.json'));
  await p.waitEvents('append-done');
  const after = await chartsInfo(p.page);
  const r = await p.page.evaluate(() => ({
    calls: window.__calls,
    probes: [...document.querySelectorAll('.chart-card .plot')].map((gd) => gd.data.map((t) => t.__probe)),
  }));
  assert.deepEqual(r.calls, { react: 0, newPlot: 0, extendTraces: 2 }, 'one extendTraces per chart, no redraw');
  assert.deepEqual(
    r.probes,
    [
      [0, 1, 2, 3, 4, 5],
      [0, 1, 2, 3, 4, 5],
    ],
    'the same trace objects',
  );
  for (let c = 0; c < 2; c++) {
    assert.equal(after[c].traces.length, before[c].traces.length);
    after[c].traces.forEach((t, i) => assert.equal(t.n, before[c].traces[i].n + (t.role === 'line' ? 5 : 0), `${after[c].title} trace ${i}`));
  }
  await clickTab(p, 'table');
  const status = (await columnTexts(p, 'status')).find((r) => r.name === 'mellow-lagoon-1');
  assert.equal(status.text, 'running');
  const final = (await columnTexts(p, 'loss · final')).find((r) => r.name === 'mellow-lagoon-1');
  assert.match(final.text, /^0\.0123/);
  // A redraw after live points (here: smoothing on) keeps them: init data plus appended points.
  await clickTab(p, 'curves');
  await p.page.$eval('input.smoothing', (i) => {
    i.value = '0.5';
    i.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await p.page.waitForFunction(() => document.querySelector('.plot').data.length === 9);
  const [loss] = await chartsInfo(p.page);
  assert.deepEqual(
    loss.traces.filter((t) => t.role === 'line').map((t) => t.n),
    [305, 305, 305],
  );
  await p.close();
});

test("a replacing append swaps one run's series for the one reduced afresh: only its chart redraws, spike kept", async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('basic-init.json'));
  await countPlotlyCalls(p);
  // r2's loss after hours of live logging: 5,000 steps reduced to 300 buckets, one spike among them.
  const { x, y } = curve(5000, 11, 'loss');
  y[4321] = 77;
  const whole = { ...seriesData('r2', 'loss', x, y, 300), replace: true };
  const runs = basicInit().runs.map((r) => (r.id === 'r2' ? { ...r, status: 'running' } : r));
  await p.send(encode({ type: T.append, series: [whole], runs }));
  await p.waitEvents('append-done');
  await p.page.waitForFunction(() => window.__calls.react + window.__calls.newPlot >= 1);
  const r = await p.page.evaluate(() => {
    const [loss, acc] = [...document.querySelectorAll('.chart-card .plot')];
    const r2 = loss.data.filter((t) => t.meta?.run === 'r2');
    return {
      calls: window.__calls,
      lossLines: loss.data.filter((t) => t.meta?.role === 'line').map((t) => [t.meta.run, t.x.length, t.x[t.x.length - 1]]),
      r2max: Math.max(...r2.flatMap((t) => Array.from(t.y ?? [], Number).filter((v) => Number.isFinite(v)))),
      accLines: acc.data.filter((t) => t.meta?.role === 'line').map((t) => t.x.length),
    };
  });
  assert.equal(r.calls.extendTraces, 0, 'nothing extended');
  assert.equal(r.calls.react + r.calls.newPlot, 1, 'one chart redrawn (loss), accuracy untouched');
  assert.deepEqual(r.lossLines, [
    ['r1', 300, 1199],
    ['r2', 300, 4999],
    ['r3', 300, 1199],
  ]);
  assert.equal(r.r2max, 77, 'the spike is in the redrawn band');
  assert.deepEqual(r.accLines, [300, 300, 300]);
  await p.close();
});

test('table: 500 runs × 53 columns virtualised, sticky header, rows move on scroll', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(encode(manyRunsInit(500)));
  await p.page.waitForSelector('.dt-row:not([hidden])');
  const info = () =>
    p.page.evaluate(() => {
      const wrap = document.querySelector('.dt-wrap');
      const rows = [...document.querySelectorAll('.dt-row')];
      const visible = rows.filter((r) => !r.hidden).sort((a, b) => Number(a.dataset.index) - Number(b.dataset.index));
      const wrapTop = wrap.getBoundingClientRect().top;
      const inView = visible.filter((r) => {
        const b = r.getBoundingClientRect();
        return b.bottom > wrapTop + 24 && b.top < wrap.getBoundingClientRect().bottom;
      });
      return {
        rowElements: rows.length,
        rowcount: Number(wrap.getAttribute('aria-rowcount')),
        columns: document.querySelectorAll('.dt-th').length,
        firstInView: inView[0]?.querySelector('.dt-name').textContent,
        firstIndex: Number(inView[0]?.dataset.index),
        headTop: document.querySelector('.dt-head').getBoundingClientRect().top - wrapTop,
        scrollHeight: wrap.scrollHeight,
      };
    });
  const a = await info();
  assert.equal(a.rowcount, 501);
  assert.equal(a.columns, 53);
  assert.ok(a.rowElements <= 60, `${a.rowElements} row elements in the DOM`);
  assert.equal(a.firstInView, 'run-0');
  assert.ok(a.scrollHeight >= 500 * 24, 'the body is as tall as all rows');
  const renders = (await p.events('table-rendered')).length;
  await p.page.$eval('.dt-wrap', (w) => (w.scrollTop = 200 * 24));
  await p.waitEvents('table-rendered', renders + 1);
  const b = await info();
  assert.ok(b.rowElements <= 60, `${b.rowElements} row elements after scrolling`);
  assert.ok(b.firstIndex >= 195 && b.firstIndex <= 205, `row ~200 in view, got ${b.firstIndex}`);
  assert.equal(b.firstInView, `run-${b.firstIndex}`);
  assert.ok(Math.abs(b.headTop) < 1, `header stays on top (${b.headTop})`);
  await p.page.$eval('.dt-wrap', (w) => (w.scrollTop = w.scrollHeight));
  await p.waitEvents('table-rendered', renders + 2);
  const c = await info();
  assert.ok(c.rowElements <= 60);
  assert.ok(c.firstIndex > 450, `end of the table in view (${c.firstIndex})`);
  // Columns are virtualised as well: about a screen's worth of cells per row, moving when scrolled sideways.
  const cells = () =>
    p.page.evaluate(() => {
      const shown = [...document.querySelectorAll('.dt-row:not([hidden]) .dt-cell:not([hidden])')];
      return { count: document.querySelectorAll('.dt-body .dt-cell').length, maxCol: Math.max(...shown.map((e) => Number(e.getAttribute('aria-colindex')))) };
    });
  const before = await cells();
  assert.ok(before.count <= 60 * 25, `${before.count} cells in the DOM for 500 × 53`);
  assert.ok(before.maxCol < 53);
  await p.page.$eval('.dt-wrap', (w) => (w.scrollLeft = w.scrollWidth));
  await p.waitEvents('table-rendered', renders + 3);
  const after = await cells();
  assert.equal(after.maxCol, 53, 'the last column once scrolled to the right');
  assert.ok(after.count <= 60 * 25);
  const sticky = await p.page.evaluate(() => {
    const n = document.querySelector('.dt-row:not([hidden]) .dt-name');
    return n.getBoundingClientRect().left - document.querySelector('.dt-wrap').getBoundingClientRect().left;
  });
  assert.ok(Math.abs(sticky) < 1, `the run column stays on the left (${sticky})`);
  await p.close();
});

test('table: sort by header click, best value marked, only-what-differs, settings persisted', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  const msg = manyRunsInit(40);
  await p.init(encode(msg));
  await p.page.waitForSelector('.dt-row:not([hidden])');
  const col = (label) => p.page.evaluate((l) => [...document.querySelectorAll('.dt-th .dt-label')].findIndex((e) => e.textContent === l), label);
  const rowsText = async (label) => (await columnTexts(p, label)).map((r) => r.text);
  const lossCol = await col('val_loss · final');
  await p.page.click(`.dt-th:nth-child(${lossCol + 1})`);
  await p.page.waitForFunction(
    (t) => window.__posted.some((m) => m.type === t && m.settings.sort?.column === 'metric:val_loss:last' && !m.settings.sort.descending),
    T.settings,
  );
  const losses = msg.runs.map((r) => r.metrics.val_loss.last).sort((a, b) => a - b);
  let shown = await rowsText('val_loss · final');
  assert.match(shown[0], /▼$/, 'the lowest loss is the best, marked');
  assert.equal(parseFloat(shown[0]), Number(losses[0].toPrecision(5)));
  assert.ok(shown.slice(1).every((t) => !t.includes('▼')));
  await p.page.click(`.dt-th:nth-child(${lossCol + 1})`);
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.settings.sort?.descending), T.settings);
  shown = await rowsText('val_loss · final');
  assert.equal(parseFloat(shown[0]), Number(losses.at(-1).toPrecision(5)));
  // Higher is better for accuracy: the best marked ▲.
  const accTexts = await rowsText('val_acc · final');
  const best = Math.max(...msg.runs.map((r) => r.metrics.val_acc.last));
  assert.ok(
    accTexts.some((t) => t.endsWith('▲') && parseFloat(t) === Number(best.toPrecision(5))) || !accTexts.some((t) => t.endsWith('▲')),
    'acc best ▲ when in view',
  );
  // Only what differs: the constant param and the same status/experiment go away.
  assert.ok((await col('param_19')) >= 0);
  await p.page.click('vscode-checkbox.only-diff');
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.settings.onlyDiff), T.settings);
  assert.equal(await col('param_19'), -1);
  assert.equal(await col('status'), -1);
  // Double-click a row: open that run.
  await p.page.dblclick('.dt-row:not([hidden]) .dt-name');
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t), T.openRun);
  const [open] = await p.posted(T.openRun);
  assert.match(open.runId, /^run-\d{4}$/);
  const state = await p.state();
  assert.equal(state.settings.onlyDiff, true);
  assert.deepEqual(state.settings.sort, { column: 'metric:val_loss:last', descending: true });
  await p.close();
});

test('export: chart as PNG and SVG, table as CSV, posted to the host', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('hostile-init.json'));
  await p.page.click('.chart-card vscode-button.export-png');
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.format === 'png'), T.export);
  await p.page.click('.chart-card vscode-button.export-svg');
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.format === 'svg'), T.export);
  await clickTab(p, 'table');
  await p.page.click('vscode-button.export-csv');
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.format === 'csv'), T.export);
  const ex = await p.posted(T.export);
  const png = ex.find((m) => m.format === 'png');
  assert.match(png.data, /^data:image\/png;base64,[A-Za-z0-9+/]{1000,}/);
  assert.match(png.suggestedName, /\.png$/);
  assert.ok(!/[<>/\\"]/.test(png.suggestedName), `safe file name: ${png.suggestedName}`);
  const bytes = Buffer.from(png.data.split(',')[1], 'base64');
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
  const svg = ex.find((m) => m.format === 'svg');
  assert.match(svg.data, /^data:image\/svg\+xml,/);
  // The SVG file, parsed as a document (as a browser opening it would): names are text, nothing live.
  const parsed = await p.page.evaluate((url) => {
    const text = decodeURIComponent(url.slice(url.indexOf(',') + 1));
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const bad = [];
    for (const e of doc.querySelectorAll('*')) {
      if (/^(script|img|foreignObject|iframe)$/i.test(e.localName)) bad.push(e.localName);
      for (const a of e.attributes) if (/^on/i.test(a.name) || /javascript:/i.test(a.value)) bad.push(`${e.localName}[${a.name}]`);
    }
    return { error: !!doc.querySelector('parsererror'), bad, texts: [...doc.querySelectorAll('text')].map((t) => t.textContent) };
  }, svg.data);
  assert.equal(parsed.error, false);
  assert.deepEqual(parsed.bad, []);
  for (const h of HOSTILE) assert.ok(parsed.texts.includes(h), `SVG legend text ${h}`);
  const csv = ex.find((m) => m.format === 'csv');
  const lines = csv.data.trim().split('\r\n');
  assert.equal(lines.length, 1 + HOSTILE.length);
  assert.match(lines[0], /^run_id,run,status,experiment,/);
  assert.ok(csv.data.includes('"""><svg onload=window.__pwned=3>"'), 'quotes doubled inside a quoted field');
  assert.equal(await p.page.evaluate(() => window.__pwned), undefined);
  await p.close();
});

test('smoothing (debiased EMA, raw line faint behind), log y, x axis: settings saved and posted', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('basic-init.json'));
  await p.page.$eval('input.smoothing', (i) => {
    i.value = '0.6';
    i.dispatchEvent(new Event('input', { bubbles: true }));
    i.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.settings.smoothing === 0.6), T.settings);
  await p.page.waitForFunction(() => document.querySelector('.plot').data.length === 9);
  const [loss] = await chartsInfo(p.page);
  assert.deepEqual(
    loss.traces.map((t) => t.role),
    ['band', 'raw', 'line', 'band', 'raw', 'line', 'band', 'raw', 'line'],
  );
  const ys = await p.page.evaluate(() => {
    const gd = document.querySelector('.plot');
    return { raw: Array.from(gd.data[1].y.slice(0, 3)), smooth: Array.from(gd.data[2].y.slice(0, 3)), rawColor: gd._fullData[1].line.color };
  });
  assert.ok(Math.abs(ys.smooth[0] - ys.raw[0]) < 1e-12, 'debiased: the first smoothed point is the first value');
  const w = 0.6;
  const expect2 = (w * (1 - w) * ys.raw[0] + (1 - w) * ys.raw[1]) / (1 - w * w);
  assert.ok(Math.abs(ys.smooth[1] - expect2) < 1e-12);
  assert.match(ys.rawColor, /rgba\(.*0\.35\)/);
  await p.page.click('vscode-checkbox.log-y');
  await p.page.waitForFunction(() => document.querySelector('.plot')._fullLayout.yaxis.type === 'log');
  // X axis → wall time: posted for the host, which answers with a new init.
  await p.page.click('vscode-dropdown.x-axis');
  await p.page.click('vscode-dropdown.x-axis vscode-option[value="wall"]');
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.settings.xAxis === 'wall'), T.settings);
  const state = await p.state();
  assert.equal(state.settings.smoothing, 0.6);
  assert.equal(state.settings.logY, true);
  assert.equal(state.settings.xAxis, 'wall');
  const wall = loadFixture('basic-init.json');
  const t0 = 1_790_000_000_000;
  for (const s of wall.series) {
    s.xAxis = 'wall';
    s.x.$f64 = s.x.$f64.map((v) => t0 + v * 1000);
  }
  wall.settings = state.settings;
  await p.init(wall);
  const axis = await p.page.evaluate(() => {
    const gd = document.querySelector('.plot');
    return { type: gd._fullLayout.xaxis.type, title: gd._fullLayout.xaxis.title.text };
  });
  assert.deepEqual(axis, { type: 'date', title: 'wall time' });
  await p.page.evaluate(() => window.Plotly.relayout(document.querySelector('.plot'), { 'xaxis.range': ['2026-09-21 12:00:00', '2026-09-21 12:05:00'] }));
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t), T.zoom);
  const [zoom] = await p.posted(T.zoom);
  assert.equal(zoom.xAxis, 'wall');
  const local = (s) => new Date(s.replace(' ', 'T')).getTime();
  assert.equal(zoom.x0, local('2026-09-21T12:00:00'));
  assert.equal(zoom.x1, local('2026-09-21T12:05:00'));
  await p.close();
});

test('legend click hides a run on every chart and persists it; Show all brings it back', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('basic-init.json'));
  // Click the first legend entry of the first chart (plotly's legend is SVG: click where its text is).
  const box = await p.page.locator('.chart-card').first().locator('.legend .legendtext').first().boundingBox();
  await p.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.settings.hiddenRuns.includes('r1')), T.settings);
  await p.page.waitForFunction(() =>
    [...document.querySelectorAll('.plot')].slice(0, 2).every((gd) => gd.data.filter((t) => t.meta.run === 'r1').every((t) => t.visible === 'legendonly')),
  );
  const others = await p.page.evaluate(() =>
    [...document.querySelectorAll('.plot')].slice(0, 2).flatMap((gd) => gd.data.filter((t) => t.meta.run !== 'r1').map((t) => t.visible)),
  );
  assert.ok(others.every((v) => v === true));
  assert.deepEqual((await p.state()).settings.hiddenRuns, ['r1']);
  // Zoom asks only for the visible runs.
  await p.page.evaluate(() => window.Plotly.relayout(document.querySelector('.plot'), { 'xaxis.range': [10, 20] }));
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t), T.zoom);
  const [zoom] = await p.posted(T.zoom);
  assert.deepEqual(zoom.runIds, ['r2', 'r3']);
  assert.equal(zoom.maxPoints, pointsPerSeries(2));
  await p.page.click('vscode-button.show-all');
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.settings.hiddenRuns.length === 0), T.settings);
  await p.page.waitForFunction(() => document.querySelector('.plot').data.every((t) => t.visible === true));
  await p.close();
});

test('metric picker: unchecking removes a chart, checking asks the host (settings) for the metric', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('basic-init.json'));
  await p.page.click('.metric-picker > summary');
  await p.page.click('vscode-checkbox.metric-option[data-key="accuracy"]');
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.settings.metrics.join() === 'loss'), T.settings);
  await p.page.waitForFunction(() => document.querySelectorAll('.chart-card').length === 1);
  assert.equal(await p.page.$eval('.metric-picker > summary', (e) => e.textContent), 'Metrics (1 of 2)');
  await p.page.click('vscode-checkbox.metric-option[data-key="accuracy"]');
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.settings.metrics.join() === 'accuracy,loss'), T.settings);
  // Closing on a click elsewhere, like a dropdown.
  await p.page.mouse.click(900, 600);
  assert.equal(await p.page.$eval('.metric-picker', (e) => e.open), false);
  await p.close();
});

test('without WebGL, parallel coordinates say so and what to do; scatter still draws', async ({ browser, server }) => {
  // A window whose GPU and software GL are both off: no WebGL context of any kind.
  const initScript = () => {
    const orig = HTMLCanvasElement.prototype.getContext;
    HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
      return /webgl/i.test(kind) ? null : orig.call(this, kind, ...rest);
    };
  };
  const p = await openPanel(browser, server, { initScript });
  await p.init(loadFixture('basic-init.json'));
  await clickTab(p, 'parallel');
  await p.page.waitForFunction(() => /need WebGL/.test(document.querySelector('#view-parallel')?.textContent ?? ''));
  const text = await p.page.$eval('#view-parallel', (e) => e.textContent);
  assert.match(text, /Scatter and Table tabs/);
  assert.match(text, /Configure Runtime Arguments/);
  assert.equal(await p.page.evaluate(() => document.querySelector('.plot-parallel')?._fullData?.length ?? 0), 0, 'no parcoords drawn');
  await clickTab(p, 'scatter');
  await p.page.waitForFunction(() => document.querySelector('.plot-scatter')?._fullData?.length === 1);
  assert.deepEqual(p.pageErrors, []);
  await p.close();
});

test('parallel coordinates, scatter and bars draw from params and final values', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  await p.init(loadFixture('basic-init.json'));
  await clickTab(p, 'parallel');
  await p.page.waitForFunction(() => document.querySelector('.plot-parallel')?._fullData?.length === 1);
  const par = await p.page.evaluate(() => {
    const t = document.querySelector('.plot-parallel')._fullData[0];
    return { type: t.type, dims: t.dimensions.map((d) => ({ label: d.label, ticktext: d.ticktext ?? null, n: d.values.length })) };
  });
  assert.equal(par.type, 'parcoords');
  // seed is the same for every run: left out. model is categorical: ticks.
  assert.deepEqual(
    par.dims.map((d) => d.label),
    ['depth', 'lr', 'model', 'loss'],
  );
  assert.deepEqual(par.dims[2].ticktext, ['gbr', 'rf']);
  await clickTab(p, 'scatter');
  await p.page.waitForFunction(() => document.querySelector('.plot-scatter')?._fullData?.length === 1);
  const sc = await p.page.evaluate(() => {
    const gd = document.querySelector('.plot-scatter');
    return { type: gd._fullData[0].type, n: gd.data[0].x.length, x: gd._fullLayout.xaxis.title.text, y: gd._fullLayout.yaxis.title.text };
  });
  assert.deepEqual(sc, { type: 'scatter', n: 3, x: 'depth', y: 'loss' });
  // Colour by a third field.
  await p.page.click('vscode-dropdown.scatter-color');
  await p.page.click('vscode-dropdown.scatter-color vscode-option[value="param:lr"]');
  await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t && m.settings.scatter.color === 'param:lr'), T.settings);
  await p.page.waitForFunction(() => document.querySelector('.plot-scatter')._fullData[0].marker.showscale === true);
  await clickTab(p, 'bars');
  await p.page.waitForFunction(() => document.querySelector('.plot-bars')?._fullData?.length === 1);
  const bars = await p.page.evaluate(() => {
    const gd = document.querySelector('.plot-bars');
    return { type: gd._fullData[0].type, n: gd.data[0].x.length, ticks: [...gd.querySelectorAll('.ytick text')].map((t) => t.textContent) };
  });
  assert.equal(bars.type, 'bar');
  assert.equal(bars.n, 3);
  assert.deepEqual([...bars.ticks].sort(), ['brisk-meadow-2', 'mellow-lagoon-1', 'quiet-river-3']);
  assert.deepEqual(await p.violations(), []);
  await p.close();
});

test('100 runs × pointsPerSeries(100): SVG on a software GPU, and scattergl (WebGL) when asked, both without errors', async ({ browser, server }) => {
  const p = await openPanel(browser, server);
  const renderer = await p.page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl');
    return gl ? String(gl.getParameter(gl.getExtension('WEBGL_debug_renderer_info')?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER)) : 'none';
  });
  await p.init(encode(benchInit(100)));
  const r = await p.page.evaluate(() => {
    const gd = document.querySelector('.chart-card .plot');
    return { n: gd.data.length, types: [...new Set(gd._fullData.map((t) => t.type))], line: gd.data[1].x.length };
  });
  assert.equal(r.n, 200);
  assert.equal(r.line, pointsPerSeries(100));
  assert.deepEqual(r.types, /swiftshader|llvmpipe|software/i.test(renderer) ? ['scatter'] : ['scattergl'], `renderer ${renderer}`);
  await p.close();
  // WebGL lines, forced (fewer runs: SwiftShader rasterises slowly).
  const q = await openPanel(browser, server);
  await q.page.evaluate(() => (window.lineageCompareGL = 'always'));
  await q.init(encode(benchInit(10)));
  const g = await q.page.evaluate(() => {
    const gd = document.querySelector('.chart-card .plot');
    return { types: [...new Set(gd._fullData.map((t) => t.type))], canvas: !!gd.querySelector('canvas.gl-canvas, canvas') };
  });
  assert.deepEqual(g.types, ['scattergl']);
  assert.ok(g.canvas, 'a WebGL canvas');
  assert.deepEqual(await q.violations(), []);
  assert.deepEqual(q.pageErrors, []);
  await q.close();
});

// Test modules of their own: each default-exports a function registering its tests with `test`.
for (const m of ['./axe.mjs', './runDetail.mjs', './keyboard.mjs', './explain.mjs', './drift.mjs', './graph.mjs', './compareFollow.mjs'])
  (await import(m)).default(test);

// ---------- run ----------

const server = await startServer();
const browser = await launch();
let passed = 0;
let failed = 0;
for (const t of tests) {
  if (filter && !t.name.includes(filter)) continue;
  const started = Date.now();
  try {
    await t.fn({ browser, server });
    passed++;
    console.log(`ok   ${t.name} (${Date.now() - started} ms)`);
  } catch (err) {
    failed++;
    console.log(
      `FAIL ${t.name} (${Date.now() - started} ms)\n     ${String(err?.stack ?? err)
        .split('\n')
        .slice(0, 6)
        .join('\n     ')}`,
    );
  }
}
await browser.close();
await server.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
