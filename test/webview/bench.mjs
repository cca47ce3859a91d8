// Compare webview benchmark, in Debian's Chromium (headless, WebGL through SwiftShader, 2 cores here):
//  1. first chart: 100 runs × pointsPerSeries(100) buckets of one metric — time from posting `init` to the
//     first chart's plotly_afterplot, and to two frames later (painted). Budget 1.5 s to painted.
//     Anchor, same run: the very traces and layout our panel drew, given to Plotly.newPlot in a blank page
//     with only plotly (so the difference is our cost: message, trace building, controls).
//  2. table scroll: 500 runs × 53 columns, a scripted scroll of 2 rows per frame through the whole table;
//     frame intervals (mean, 95th percentile, max) and our render work per frame. Anchor, same run: the
//     same table as one plain <table> with every row in the DOM, scrolled the same way.
// Prints the figures and a JSON line last; exits 1 if the median first chart misses the budget.
//   node test/webview/bench.mjs [--runs N]      (build first: node scripts/build.mjs)
import { loadavg, cpus } from 'node:os';
import { importTs } from './tsModule.mjs';

const { launch, openPanel, startServer, benchInit, encode, manyRunsInit, pointsPerSeries } = await importTs('test/webview/lib.ts');

const REPEATS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const BUDGET_MS = 1500;

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return {
    n: s.length,
    mean: +(s.reduce((a, b) => a + b, 0) / s.length).toFixed(2),
    median: +q(0.5).toFixed(2),
    p95: +q(0.95).toFixed(2),
    min: +s[0].toFixed(2),
    max: +s.at(-1).toFixed(2),
  };
};

const loadBefore = loadavg()[0];
const server = await startServer();
const browser = await launch();
const runs = 100;
const buckets = pointsPerSeries(runs);
const encoded = encode(benchInit(runs));

// ---------- 1. first chart ----------
const ours = [];
const oursFrame = [];
const anchor = [];
const anchorFrame = [];
let traceCount = 0;
let traceType = '';
for (let i = 0; i < REPEATS; i++) {
  const p = await openPanel(browser, server);
  await p.page.evaluate((m) => void (window.__msg = window.__decode(m)), encoded);
  const r = await p.page.evaluate(
    () =>
      new Promise((resolve) => {
        // plotly_afterplot of the first chart, and two frames later (painted: the frame with it was presented).
        const orig = window.Plotly.newPlot;
        window.Plotly.newPlot = (gd, ...rest) => {
          const done = orig.call(window.Plotly, gd, ...rest);
          gd.on('plotly_afterplot', function once() {
            gd.removeListener?.('plotly_afterplot', once);
            const drawn = performance.now() - t0;
            requestAnimationFrame(() => requestAnimationFrame(() => resolve({ drawn, frame: performance.now() - t0 })));
          });
          window.Plotly.newPlot = orig;
          return done;
        };
        const t0 = performance.now();
        window.postMessage(window.__msg, '*');
      }),
  );
  ours.push(r.drawn);
  oursFrame.push(r.frame);
  // The traces and layout as our panel gave them to plotly, for the anchor.
  const drawn = await p.page.evaluate(() => {
    const gd = document.querySelector('.chart-card .plot');
    const plain = (v) => (ArrayBuffer.isView(v) ? { $typed: v.constructor.name, data: Array.from(v) } : v);
    return {
      data: gd.data.map((t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, k === 'x' || k === 'y' ? plain(v) : v]))),
      layout: gd.layout,
      width: gd.offsetWidth,
      height: gd.offsetHeight,
    };
  });
  traceCount = drawn.data.length;
  traceType = drawn.data[0].type;
  await p.close();

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const blank = await ctx.newPage();
  await blank.goto(server.blankPage());
  await blank.waitForFunction(() => typeof window.Plotly === 'object');
  const a = await blank.evaluate(async (d) => {
    const typed = (v) => (v && v.$typed ? new globalThis[v.$typed](v.data) : v);
    const data = d.data.map((t) => ({ ...t, x: typed(t.x), y: typed(t.y) }));
    const div = document.getElementById('plot');
    div.style.width = `${d.width}px`;
    div.style.height = `${d.height}px`;
    const config = { displaylogo: false, responsive: false };
    return new Promise((resolve) => {
      const t0 = performance.now();
      void window.Plotly.newPlot(div, data, d.layout, config);
      div.on('plotly_afterplot', () => {
        const drawn = performance.now() - t0;
        requestAnimationFrame(() => requestAnimationFrame(() => resolve({ drawn, frame: performance.now() - t0 })));
      });
    });
  }, drawn);
  anchor.push(a.drawn);
  anchorFrame.push(a.frame);
  await ctx.close();
}

// ---------- 2. table scroll ----------
async function scrollFrames(page, selector) {
  return page.evaluate(
    (sel) =>
      new Promise((resolve) => {
        const el = document.querySelector(sel);
        const step = 48; // two rows a frame
        const times = [];
        const tick = () => {
          times.push(performance.now());
          if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return resolve({ times, rows: el.scrollHeight });
          el.scrollTop += step;
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    selector,
  );
}

const p = await openPanel(browser, server);
await p.init(encode(manyRunsInit(500)));
await p.page.waitForSelector('.dt-row:not([hidden])');
await p.page.evaluate(() => (window.__events.length = 0));
const panelScroll = await scrollFrames(p.page, '.dt-wrap');
const renderMs = (await p.events('table-rendered')).map((e) => e.ms);
const rowElements = await p.page.evaluate(() => document.querySelectorAll('.dt-row').length);
const columns = await p.page.evaluate(() => document.querySelectorAll('.dt-th').length);
await p.close();
const intervals = (t) => t.slice(1).map((v, i) => v - t[i]);
const tableFrames = stats(intervals(panelScroll.times));

// Anchor: every row in the DOM, one plain table, same size and rows, same scroll.
const nctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const naive = await nctx.newPage();
await naive.goto(server.blankPage());
const naiveBuild = await naive.evaluate(
  (msg) => {
    const t0 = performance.now();
    const wrap = document.createElement('div');
    wrap.id = 'wrap';
    wrap.style.height = '800px';
    wrap.style.overflow = 'auto';
    const table = document.createElement('table');
    const keys = Object.keys(msg.runs[0].params);
    const mkeys = Object.keys(msg.runs[0].metrics);
    const head = table.createTHead().insertRow();
    for (const h of ['run', 'status', 'experiment', ...keys, ...mkeys.flatMap((k) => [`${k} final`, `${k} min`, `${k} max`])])
      head.insertCell().textContent = h;
    const body = table.createTBody();
    for (const r of msg.runs) {
      const row = body.insertRow();
      for (const v of [
        r.name,
        r.status,
        r.experiment,
        ...keys.map((k) => r.params[k]),
        ...mkeys.flatMap((k) => [r.metrics[k].last, r.metrics[k].min, r.metrics[k].max]),
      ])
        row.insertCell().textContent = String(v);
    }
    wrap.append(table);
    document.body.append(wrap);
    void wrap.offsetHeight;
    return performance.now() - t0;
  },
  manyRunsInit(500, { seriesMetric: null }),
);
const naiveScroll = await scrollFrames(naive, '#wrap');
const naiveCells = await naive.evaluate(() => document.querySelectorAll('td').length);
await nctx.close();
const naiveFrames = stats(intervals(naiveScroll.times));

await browser.close();
await server.close();

// ---------- report ----------
const o = stats(ours);
const of = stats(oursFrame);
const a = stats(anchor);
const af = stats(anchorFrame);
const r = stats(renderMs);
console.log(`first chart, ${runs} runs × ${buckets} buckets (${traceCount} ${traceType} traces: band + line per run), ${REPEATS} fresh pages:`);
console.log(`  ours   init posted → plotly_afterplot median ${o.median} ms (min ${o.min}, max ${o.max}); → painted median ${of.median} ms (max ${of.max})`);
console.log(
  `  anchor Plotly.newPlot → plotly_afterplot, blank page median ${a.median} ms (min ${a.min}, max ${a.max}); → painted median ${af.median} ms (max ${af.max})`,
);
console.log(
  `  our overhead over plotly alone: ${(o.median - a.median).toFixed(1)} ms (median); budget ${BUDGET_MS} ms (median, painted): ${of.median <= BUDGET_MS ? 'met' : 'MISSED'}`,
);
console.log(`table scroll, 500 runs × ${columns} columns, ${panelScroll.times.length} frames at 2 rows/frame:`);
console.log(
  `  ours   frame interval mean ${tableFrames.mean} ms, p95 ${tableFrames.p95} ms, max ${tableFrames.max} ms; render work mean ${r.mean} ms, p95 ${r.p95} ms; ${rowElements} row elements in the DOM`,
);
console.log(
  `  anchor plain <table>, all ${naiveCells} cells in the DOM (built in ${naiveBuild.toFixed(0)} ms): frame interval mean ${naiveFrames.mean} ms, p95 ${naiveFrames.p95} ms, max ${naiveFrames.max} ms`,
);
const loadAfter = loadavg()[0];
console.log(
  `machine: ${cpus().length} cores, load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after (shared machine: figures move with it)`,
);
const result = {
  bench: 'webview-compare',
  machine: { cores: cpus().length, load1Before: +loadBefore.toFixed(2), load1After: +loadAfter.toFixed(2) },
  firstChart: {
    runs,
    buckets,
    traces: traceCount,
    traceType,
    repeats: REPEATS,
    afterplotMs: o,
    paintedMs: of,
    budgetMs: BUDGET_MS,
    withinBudget: of.median <= BUDGET_MS,
  },
  anchorNewPlot: { afterplotMs: a, paintedMs: af },
  overheadMedianMs: +(o.median - a.median).toFixed(1),
  tableScroll: { runs: 500, columns, frames: panelScroll.times.length, frameMs: tableFrames, renderMs: r, rowElements },
  anchorPlainTable: { cells: naiveCells, buildMs: +naiveBuild.toFixed(1), frameMs: naiveFrames },
};
console.log(JSON.stringify(result));
process.exit(result.firstChart.withinBudget ? 0 : 1);
