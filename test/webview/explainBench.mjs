// Explain panel benchmark, in Debian's Chromium (headless): an explanation of 10,000 rows × 50 features
// (500,000 attributions) opened on the Global tab.
//  host:  the engine's globalView (mean |φ|, the density-binned beeswarm) and the first row's rowView on
//         the in-memory arrays, in Node, as the panel host computes them before posting explain/init.
//  page:  from posting explain/init to the importance bars and the beeswarm drawn (both plotly_afterplot),
//         and two frames later (painted). Budget: host + page painted ≤ 1.5 s (median).
//  anchor, same run: the very traces and layouts the panel drew, given to Plotly.newPlot in a blank page with
//         only plotly and the same CSP (so the difference is the panel's own cost: message, traces, DOM).
// Prints the figures and a JSON line last; exits 1 if the median misses the budget.
//   node test/webview/explainBench.mjs [--runs N]      (build first: node scripts/build.mjs)
import { cpus, loadavg } from 'node:os';
import { importTs } from './tsModule.mjs';
import { openExplain } from './explain.mjs';

const { launch, startServer, explanation, explainInit, encodeExplain, globalView, rowView } = await importTs('test/webview/lib.ts');

const REPEATS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const BUDGET_MS = 1500;
const ROWS = 10_000;
const FEATURES = 50;

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  return { n: s.length, median: +q(0.5).toFixed(1), min: +s[0].toFixed(1), max: +s.at(-1).toFixed(1) };
};

const loadBefore = loadavg()[0];
const ex = explanation({ rows: ROWS, features: FEATURES, seed: 11 });

// ---------- host ----------
const hostMs = [];

for (let i = 0; i < REPEATS; i++) {
  const t0 = performance.now();
  globalView('r', ex, { shown: 20, pointsPerFeature: 200 });
  rowView(ex, 0);
  hostMs.push(performance.now() - t0);
}
const init = explainInit(ex, { shown: 20, pointsPerFeature: 200 });
const points = init.global.beeswarm.reduce((n, f) => n + f.x.length, 0);
const encoded = encodeExplain(init);

const server = await startServer();
const browser = await launch();
const ours = [];
const oursPainted = [];
const anchor = [];
const anchorPainted = [];
for (let i = 0; i < REPEATS; i++) {
  const p = await openExplain(browser, server);
  await p.page.evaluate((m) => void (window.__msg = window.__decode(m)), encoded);
  const r = await p.page.evaluate(
    () =>
      new Promise((resolve) => {
        document.addEventListener('lineage-explain', function on(e) {
          if (e.detail.kind !== 'global-drawn') return;
          document.removeEventListener('lineage-explain', on);
          const drawn = performance.now() - t0;
          requestAnimationFrame(() => requestAnimationFrame(() => resolve({ drawn, painted: performance.now() - t0 })));
        });
        const t0 = performance.now();
        window.postMessage(window.__msg, '*');
      }),
  );
  ours.push(r.drawn);
  oursPainted.push(r.painted);
  const drawn = await p.page.evaluate(() =>
    ['.plot-importance', '.plot-beeswarm'].map((sel) => {
      const gd = document.querySelector(sel);
      const plain = (v) => (ArrayBuffer.isView(v) ? { $typed: v.constructor.name, data: Array.from(v) } : v);
      const deep = (t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, k === 'marker' ? deep(v) : plain(v)]));
      return { data: gd.data.map(deep), layout: gd.layout, width: gd.offsetWidth, height: gd.offsetHeight };
    }),
  );
  await p.close();

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const blank = await ctx.newPage();
  await blank.goto(server.blankPage());
  await blank.waitForFunction(() => typeof window.Plotly === 'object');
  const a = await blank.evaluate(async (charts) => {
    const typed = (v) => (v && v.$typed ? new globalThis[v.$typed](v.data) : v);
    const deep = (t) => Object.fromEntries(Object.entries(t).map(([k, v]) => [k, k === 'marker' ? deep(v) : typed(v)]));
    const t0 = performance.now();
    await Promise.all(
      charts.map((c) => {
        const div = document.body.appendChild(document.createElement('div'));
        div.style.width = `${c.width}px`;
        div.style.height = `${c.height}px`;
        return window.Plotly.newPlot(div, c.data.map(deep), c.layout, { displaylogo: false, responsive: false, displayModeBar: false });
      }),
    );
    const drawn = performance.now() - t0;
    return new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve({ drawn, painted: performance.now() - t0 }))));
  }, drawn);
  anchor.push(a.drawn);
  anchorPainted.push(a.painted);
  await ctx.close();
}
await browser.close();
await server.close();

const h = stats(hostMs);
const o = stats(ours);
const op = stats(oursPainted);
const an = stats(anchor);
const ap = stats(anchorPainted);
const total = +(h.median + op.median).toFixed(1);
console.log(
  `Explain first paint, ${ROWS.toLocaleString('en-US')} rows × ${FEATURES} features (${(ROWS * FEATURES).toLocaleString('en-US')} attributions), ${REPEATS} fresh pages:`,
);
console.log(
  `  host   globalView + rowView median ${h.median} ms (min ${h.min}, max ${h.max}); beeswarm reduced to ${points.toLocaleString('en-US')} points (20 features)`,
);
console.log(`  page   init posted → importance + beeswarm afterplot median ${o.median} ms (max ${o.max}); → painted median ${op.median} ms (max ${op.max})`);
console.log(`  anchor the same traces via Plotly.newPlot in a blank page: afterplot median ${an.median} ms; painted median ${ap.median} ms`);
console.log(
  `  our overhead over plotly alone ${(op.median - ap.median).toFixed(1)} ms; host + page painted ${total} ms, budget ${BUDGET_MS} ms: ${total <= BUDGET_MS ? 'met' : 'MISSED'}`,
);
const loadAfter = loadavg()[0];
console.log(
  `machine: ${cpus().length} cores, load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after (shared machine: figures move with it)`,
);
const result = {
  bench: 'webview-explain',
  rows: ROWS,
  features: FEATURES,
  beeswarmPoints: points,
  hostMs: h,
  pageAfterplotMs: o,
  pagePaintedMs: op,
  anchorAfterplotMs: an,
  anchorPaintedMs: ap,
  totalMedianMs: total,
  budgetMs: BUDGET_MS,
  withinBudget: total <= BUDGET_MS,
  machine: { cores: cpus().length, load1Before: +loadBefore.toFixed(2), load1After: +loadAfter.toFixed(2) },
};
console.log(JSON.stringify(result));
process.exit(result.withinBudget ? 0 : 1);
