// The Compare panel in a real VS Code, reached as a user reaches it (the Lineage tree's selection and context
// menu), run after newUser.mjs's steps on the same page:
//   1. a sweep of 50 runs of the example recorded with the CLI, selected in the tree (click, shift+click) and
//      compared: a curve per run, parallel coordinates drawn, 50 rows in the table, values as recorded;
//   1b. that panel covered by another editor and after a window reload: runs, tab and a setting restored;
//   2. a live run compared while it trains: how long a logged point takes to reach the drawn chart;
//   3. one spike in 1,000,000 points: in the drawn data (and in view) at every zoom level, absent outside.
// Expected values are read from the run folders (events.jsonl), never written down here.
import { cliRunner } from './harness.mjs';
import * as fs from 'node:fs';
import * as path from 'node:path';

const SWEEP = 'sweep';
const SWEEP_RUNS = 50;
const CLI_PARALLEL = 2;
const COMPARE_ITEM = 'Compare Runs…';
const RUN_COMMAND = 'Lineage: Run Current File as Experiment';
const LIVE_WINDOW_MS = 6_000;
const LIVE_MIN_SAMPLES = 30;
/** What the UI pass used to require of the median; now reported by bench/vscode_latency.mjs. */
const LIVE_MEDIAN_LIMIT_MS = 1_000;

/** Varied settings, so every axis of the parallel coordinates has spread (and ridge runs have 1-point curves). */
function sweepArgs(i) {
  const pick = (list, k) => String(list[k % list.length]);
  switch (i % 5) {
    case 3:
      return ['--model', 'rf', '--n-estimators', pick([20, 40, 60], i), '--max-depth', pick([0, 4, 8], i >> 1)];
    case 4:
      return ['--model', 'ridge', '--alpha', pick([0.1, 1, 10, 30], i)];
    default:
      return [
        '--model',
        'gbr',
        '--n-estimators',
        pick([40, 60, 80, 100, 120, 150], i),
        '--learning-rate',
        pick([0.02, 0.05, 0.1, 0.2], i >> 1),
        '--max-depth',
        pick([2, 3, 4], i >> 2),
      ];
  }
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The last point of a series (the highest step; the later line among equal steps): the run's final value. */
const finalOf = (points) => points.reduce((a, p) => (!a || p.step >= a.step ? p : a), undefined);

/** The Compare webview's document (the inner iframe of the visible webview with the panel's tabs), polled for with `poll`. */
export const findCompareFrame = (page, poll) =>
  poll(
    'the Compare panel webview (its Curves tab)',
    async () => {
      for (const f of page.frames()) {
        if (f === page.mainFrame()) continue;
        const ok = await f
          .evaluate(() => !!document.querySelector('vscode-panel-tab#tab-curves') && !!document.querySelector('.content-curves'))
          .catch(() => false);
        if (ok && (await (await f.frameElement()).isVisible().catch(() => false))) return f;
      }
      return undefined;
    },
    60_000,
  );

/**
 * How long points of `metric` that a live `run` logs take to reach the Compare chart open in `frame`: for
 * `windowMs`, each new point's time from its "ts" (when the script logged it) to when the chart's line holds
 * it (`total`), and from when its line reached `events` (the run's events.jsonl) to the chart (`fromFile`:
 * the editor's side alone). Waits first for the run's line in the chart (`firstN`: its points then).
 */
export async function liveChartLatency({ page, frame, poll, events, run, metric, windowMs }) {
  /** The run's line: its length and the steps from index `from` on, with the webview's clock. */
  const lineOf = (from) =>
    frame.evaluate(
      ({ run, metric, from }) => {
        const card = [...document.querySelectorAll('.content-curves .chart-card')].find((c) => c.querySelector('h3')?.textContent === metric);
        const t = card?.querySelector('.js-plotly-plot')?.data?.find((x) => x.meta?.run === run && x.meta.role === 'line');
        return t ? { now: Date.now(), n: t.x.length, steps: Array.prototype.slice.call(t.x, from) } : null;
      },
      { run, metric, from },
    );
  const start = await poll(`the live run's ${metric} line in the Compare panel`, async () => (await lineOf(Infinity)) ?? undefined, 60_000);

  // When each new line reaches events.jsonl (the SDK writes every 0.25 s), to split the figure in two.
  const inFile = new Map();
  let offset = fs.statSync(events).size;
  let partial = '';
  const keyRe = new RegExp(`"key":${JSON.stringify(metric)}.*"step":(\\d+)`);
  const watchFile = setInterval(() => {
    const size = fs.statSync(events).size;
    if (size <= offset) return;
    const fd = fs.openSync(events, 'r');
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    fs.closeSync(fd);
    offset = size;
    const now = Date.now();
    const lines = (partial + buf.toString('utf8')).split('\n');
    partial = lines.pop();
    for (const l of lines) {
      const m = keyRe.exec(l);
      if (m && !inFile.has(Number(m[1]))) inFile.set(Number(m[1]), now);
    }
  }, 20);
  const seenAt = new Map();
  let n = start.n;
  try {
    const end = Date.now() + windowMs;
    while (Date.now() < end) {
      const r = await lineOf(n);
      if (r) {
        for (const step of r.steps) if (!seenAt.has(step)) seenAt.set(step, r.now);
        n = r.n;
      }
      await page.waitForTimeout(25);
    }
  } finally {
    clearInterval(watchFile);
  }
  const logged = new Map();
  for (const line of fs.readFileSync(events, 'utf8').split('\n')) {
    if (!line.includes('"metric"')) continue;
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a line being written
    }
    if (e.type === 'metric' && e.key === metric) logged.set(e.step, e.ts * 1000);
  }
  const total = [];
  const fromFile = [];
  for (const [step, t] of seenAt) {
    if (!logged.has(step)) throw new Error(`the chart has step ${step} of ${metric}, which the run's events.jsonl does not`);
    total.push(t - logged.get(step));
    if (inFile.has(step)) fromFile.push(t - inFile.get(step));
  }
  return { total, fromFile, firstN: start.n };
}

/**
 * @param {{ page: import('playwright-core').Page, h: ReturnType<typeof import('./harness.mjs').helpers>,
 *   root: string, workspace: string, workDir: string, log: (...a: unknown[]) => void }} opts
 */
export function compareSteps({ page, h, root, workspace, workDir, log }) {
  const { waitFor, poll, sidebar, runRow, revealInTree, runFromPalette, quickOpen, contextMenu, readRuns, eventsOf } = h;
  const cliLog = path.join(workDir, 'ui-cli-runs.log');
  let sweep = [];

  const cliRun = cliRunner(root, workspace, cliLog);
  const cliTail = () => fs.readFileSync(cliLog, 'utf8').trimEnd().split('\n').slice(-8).join('\n');

  const reveal = (row, what) => poll(what, async () => (await revealInTree(row)) || undefined, 30_000);

  const compareFrame = () => findCompareFrame(page, poll);

  /** Opens Compare from the context menu of `row` after `select()`; returns the webview frame once the tab says `runs`. */
  const openCompare = async (row, select, runs) => {
    const title = `Compare ${runs} runs`;
    const tab = page.locator('.tabs-container .tab.active .label-name').filter({ hasText: h.exactly(title) });
    // Fewer than two runs selected: the command asks for runs instead.
    const askedForRuns = page.locator('.quick-input-widget').filter({ hasText: 'compare which runs?' });
    for (let attempt = 1; ; attempt++) {
      await runFromPalette('View: Close All Editors');
      await contextMenu(row, COMPARE_ITEM, { select, log });
      const got = await poll(
        `the active editor tab "${title}"`,
        async () => ((await tab.isVisible()) ? 'tab' : (await askedForRuns.isVisible()) ? 'asked' : undefined),
        30_000,
      );
      if (got === 'tab') return compareFrame();
      // A slow machine can still drop a click (the whole tree is redrawn when a run appears): select again.
      await page.keyboard.press('Escape');
      if (attempt === 3) throw new Error(`"${COMPARE_ITEM}" got fewer than ${runs} selected runs from the tree (it asked which runs to compare), 3 times`);
      log(`  (the tree's selection did not hold ${runs} runs; selecting again)`);
    }
  };

  /** What one curve chart holds for `run` (band, raw and line traces alike), as plotly has it to draw. */
  const drawn = (frame, metric, run) =>
    frame.evaluate(
      ({ metric, run }) => {
        const card = [...document.querySelectorAll('.content-curves .chart-card')].find((c) => c.querySelector('h3')?.textContent === metric);
        const gd = card?.querySelector('.js-plotly-plot');
        if (!gd?.data || !gd._fullLayout?.xaxis) return null;
        const out = {
          note: card.querySelector('.chart-note')?.textContent ?? '',
          xRange: [...gd._fullLayout.xaxis.range],
          yRange: [...gd._fullLayout.yaxis.range],
          roles: [],
          n: 0,
          maxY: -Infinity,
          maxAt: null,
          xMin: Infinity,
          xMax: -Infinity,
        };
        for (const t of gd.data) {
          if (t.meta?.run !== run) continue;
          out.roles.push(`${t.meta.role}:${t.y.length}`);
          for (let i = 0; i < t.y.length; i++) {
            const x = t.x[i];
            const y = t.y[i];
            if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) continue;
            out.n++;
            if (y > out.maxY) {
              out.maxY = y;
              out.maxAt = x;
            }
            if (x < out.xMin) out.xMin = x;
            if (x > out.xMax) out.xMax = x;
          }
        }
        return out;
      },
      { metric, run },
    );

  /** A drag from data x0 to x1 across the middle of a chart's plot area: plotly's zoom box, x only. */
  const dragZoom = async (frame, metric, x0, x1) => {
    const geo = await frame.evaluate(
      ({ metric, x0, x1 }) => {
        const cards = [...document.querySelectorAll('.content-curves .chart-card')];
        const index = cards.findIndex((c) => c.querySelector('h3')?.textContent === metric);
        const gd = cards[index].querySelector('.js-plotly-plot');
        const xa = gd._fullLayout.xaxis;
        const ya = gd._fullLayout.yaxis;
        return { index, p0: xa._offset + xa.d2p(x0), p1: xa._offset + xa.d2p(x1), py: ya._offset + ya._length / 2, width: gd.getBoundingClientRect().width };
      },
      { metric, x0, x1 },
    );
    // The plot's box in page coordinates (through the webview's two iframes), where the mouse acts.
    const box = await frame.locator('.content-curves .chart-card').nth(geo.index).locator('.js-plotly-plot').boundingBox();
    const scale = box.width / geo.width;
    const y = box.y + geo.py * scale;
    await page.mouse.move(box.x + geo.p0 * scale, y);
    await page.mouse.down();
    await page.mouse.move(box.x + ((geo.p0 + geo.p1) / 2) * scale, y, { steps: 4 });
    await page.mouse.move(box.x + geo.p1 * scale, y, { steps: 4 });
    await page.mouse.up();
  };

  return [
    [
      'record-50-runs-with-the-cli',
      async () => {
        // A sweep, as one would start it from a terminal: 2 at a time (2 cores), output in ui-cli-runs.log.
        const before = new Set(readRuns().map((r) => r.id));
        const failures = [];
        let next = 0;
        const worker = async () => {
          while (next < SWEEP_RUNS) {
            const args = ['--experiment', SWEEP, 'train.py', ...sweepArgs(next++)];
            const r = await cliRun(args);
            if (r.code !== 0) failures.push(`lineage run ${args.join(' ')} exited ${r.code ?? r.signal}`);
          }
        };
        await Promise.all(Array.from({ length: CLI_PARALLEL }, worker));
        if (failures.length) throw new Error(`${failures.length} CLI run(s) failed: ${failures[0]}; ${cliLog}:\n${cliTail()}`);
        sweep = readRuns().filter((r) => !before.has(r.id) && r.experiment === SWEEP);
        const finished = sweep.filter((r) => r.status === 'finished');
        if (sweep.length !== SWEEP_RUNS || finished.length !== SWEEP_RUNS)
          throw new Error(`expected ${SWEEP_RUNS} finished runs of experiment ${SWEEP} on disk, found ${finished.length} finished of ${sweep.length}`);
        // No Refresh: the window watches .lineage/runs, so runs recorded in a terminal show by themselves.
        const lastExit = Date.now();
        const exp = sidebar.getByRole('treeitem', { name: new RegExp(`^${SWEEP}\\b`) }).first();
        let expText = '(not in the tree)';
        await poll(
          `the experiment "${SWEEP}" in the tree with "${SWEEP_RUNS} runs"`,
          async () => {
            if (!(await revealInTree(exp))) return undefined;
            expText = (await exp.innerText()).replace(/\s+/g, ' ');
            return expText.includes(`${SWEEP_RUNS} runs`) ? true : undefined;
          },
          60_000,
          { lastSeen: () => expText },
        );
        log(`  the tree showed all ${SWEEP_RUNS} CLI runs ${Date.now() - lastExit} ms after the last "lineage run" exited (no Refresh)`);
      },
    ],

    [
      'compare-50-runs-from-the-tree',
      async () => {
        const ids = new Set(sweep.map((r) => r.id));
        const byName = new Map(sweep.map((r) => [r.name, r]));
        // The experiment's first and last run rows (the tree announces each row's position in its experiment).
        const row = (pos) => sidebar.locator(`.monaco-list-row[aria-level="2"][aria-setsize="${SWEEP_RUNS}"][aria-posinset="${pos}"]`);
        const first = row(1);
        const last = row(SWEEP_RUNS);
        let names = [];
        const frame = await openCompare(
          last,
          async () => {
            await reveal(first, `the first run of experiment "${SWEEP}" in the tree`);
            names = [await first.getAttribute('aria-label')];
            await first.click();
            await reveal(last, `the last (${SWEEP_RUNS}th) run of experiment "${SWEEP}" in the tree`);
            names.push(await last.getAttribute('aria-label'));
            await last.click({ modifiers: ['Shift'] });
          },
          SWEEP_RUNS,
        );
        log(`  selected: ${names.map((n) => n.split(',')[0]).join(' … shift+click … ')} (${SWEEP_RUNS} runs)`);

        // Curves: the charts of the key metrics, one line per run.
        const curves = await poll(
          `a curve chart with ${SWEEP_RUNS} runs' lines`,
          async () => {
            const charts = await frame.evaluate(() =>
              [...document.querySelectorAll('.content-curves .chart-card')].map((card) => {
                const gd = card.querySelector('.js-plotly-plot');
                const lines = (gd?.data ?? []).filter((t) => t.meta?.role === 'line');
                return {
                  metric: card.querySelector('h3')?.textContent,
                  svgTraces: gd?.querySelectorAll('.scatterlayer .trace').length ?? 0,
                  lines: lines.map((t) => ({ run: t.meta.run, n: t.y.length, lastX: t.x[t.x.length - 1], lastY: t.y[t.y.length - 1] })),
                };
              }),
            );
            const full = charts.find((c) => new Set(c.lines.map((l) => l.run)).size === SWEEP_RUNS && c.svgTraces >= SWEEP_RUNS);
            return full ? { charts, full } : undefined;
          },
          60_000,
        );
        const { full } = curves;
        const stray = full.lines.filter((l) => !ids.has(l.run));
        if (stray.length) throw new Error(`the ${full.metric} chart draws ${stray.length} run(s) not in the sweep: ${stray[0].run}`);
        // Its lines end where the runs' own records end (the chart holds each whole series: a few hundred points).
        for (const l of full.lines) {
          const fin = finalOf(eventsOf(l.run).metrics[full.metric] ?? []);
          if (!fin || l.lastX !== fin.step || l.lastY !== fin.value)
            throw new Error(
              `run ${l.run}: the ${full.metric} line ends at step ${l.lastX} = ${l.lastY}, its events.jsonl at step ${fin?.step} = ${fin?.value}`,
            );
        }
        log(
          `  curves: ${curves.charts.map((c) => `${c.metric} (${new Set(c.lines.map((l) => l.run)).size} runs)`).join(', ')}; ${full.metric} lines end at each run's recorded final value`,
        );

        // Parallel coordinates: an axis per param that differs, then the metric; every run a line.
        await frame.locator('vscode-panel-tab#tab-parallel').click();
        const par = await poll(
          'the parallel coordinates drawn (plotly parcoords with its axes and WebGL lines)',
          () =>
            frame.evaluate(() => {
              const gd = document.querySelector('.plot-parallel');
              const message = document.querySelector('.content-parallel .empty:not([hidden])')?.textContent ?? '';
              if (/WebGL/.test(message) || gd?.textContent.includes('WebGL is not supported')) return { webglError: message || 'WebGL is not supported' };
              const t = gd?._fullData?.[0];
              if (t?.type !== 'parcoords') return undefined;
              const axes = [...gd.querySelectorAll('.parcoords .y-axis .axis-title')].map((e) => e.textContent);
              // The lines are drawn on WebGL canvases: count the pixels that are not blank.
              let inked = 0;
              for (const c of gd.querySelectorAll('canvas')) {
                if (!c.width || !c.height) continue;
                const copy = document.createElement('canvas');
                copy.width = c.width;
                copy.height = c.height;
                const g = copy.getContext('2d');
                g.drawImage(c, 0, 0);
                const px = g.getImageData(0, 0, c.width, c.height).data;
                for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
              }
              if (axes.length < 2 || inked === 0) return undefined;
              return {
                runs: gd.data[0].meta.runs,
                dims: gd.data[0].dimensions.map((d) => ({ label: d.label, values: Array.from(d.values), ticktext: d.ticktext ?? null })),
                axes,
                inked,
              };
            }),
          60_000,
        );
        if (par.webglError) throw new Error(`the parallel coordinates are not drawn: "${par.webglError}"`);
        if (par.runs.length !== SWEEP_RUNS || !par.runs.every((id) => ids.has(id)))
          throw new Error(`the parallel coordinates draw ${par.runs.length} runs, not the ${SWEEP_RUNS} of the sweep`);
        const target = par.dims[par.dims.length - 1];
        for (const want of ['model', 'n_estimators', 'learning_rate', 'max_depth']) {
          if (!par.dims.some((d) => d.label === want))
            throw new Error(`no parallel axis for the varied param ${want}; axes: ${par.dims.map((d) => d.label).join(', ')}`);
        }
        par.runs.forEach((id, i) => {
          const fin = finalOf(eventsOf(id).metrics[target.label] ?? []);
          if (target.values[i] !== fin?.value)
            throw new Error(`run ${id} is at ${target.values[i]} on the ${target.label} axis; its final ${target.label} on disk is ${fin?.value}`);
        });
        log(
          `  parallel: ${par.runs.length} lines over ${par.dims.length} axes (${par.axes.join(', ')}); ${par.inked} inked pixels; the ${target.label} axis holds each run's final value`,
        );

        // The table: 50 rows (virtualised: scrolled through), and one run's final val_rmse as recorded.
        await frame.locator('vscode-panel-tab#tab-table').click();
        const wrap = frame.locator('.dt-wrap');
        await waitFor(wrap.and(frame.locator(`[aria-rowcount="${SWEEP_RUNS + 1}"]`)), `the table announcing ${SWEEP_RUNS} rows + the header (aria-rowcount)`, {
          timeout: 30_000,
        });
        const info = (await frame.locator('.table-info').innerText()).trim();
        if (!info.startsWith(`${SWEEP_RUNS} runs`)) throw new Error(`the table's toolbar says "${info}"`);
        // Rows by position (aria-rowindex), not by name: generated run names can repeat.
        const seen = new Map();
        const wbox = await wrap.boundingBox();
        await page.mouse.move(wbox.x + wbox.width / 2, wbox.y + wbox.height / 2);
        for (let i = 0; i < 40 && seen.size < SWEEP_RUNS; i++) {
          const rows = await frame
            .locator('.dt-row:not([hidden])')
            .evaluateAll((rs) => rs.map((r) => [r.getAttribute('aria-rowindex'), r.querySelector('.dt-name')?.textContent ?? '']));
          for (const [index, name] of rows) seen.set(index, name);
          await page.mouse.wheel(0, 200);
          await page.waitForTimeout(80);
        }
        const sorted = (names) => [...names].sort().join(', ');
        if (seen.size !== SWEEP_RUNS || sorted(seen.values()) !== sorted(sweep.map((r) => r.name))) {
          const unknown = [...seen.values()].filter((n) => !byName.has(n));
          throw new Error(
            `scrolling the table showed ${seen.size} rows${unknown.length ? ` (not in the sweep: ${unknown.slice(0, 3).join(', ')})` : ''}, not the ${SWEEP_RUNS} runs compared`,
          );
        }
        // One run's final val_rmse: the sweep's first run (with a name of its own), usually a bottom row and always
        // a far-right column.
        const metric = 'val_rmse';
        const unique = sweep.filter((r) => sweep.filter((x) => x.name === r.name).length === 1);
        const run = unique.sort((a, b) => a.startedAt.localeCompare(b.startedAt))[0];
        const fin = finalOf(eventsOf(run.id).metrics[metric] ?? []);
        if (!fin) throw new Error(`run ${run.id} has no ${metric} in its events.jsonl`);
        const col = await frame
          .locator('.dt-th')
          .filter({ hasText: h.exactly(`${metric} · final`) })
          .first()
          .getAttribute('aria-colindex');
        if (!col) throw new Error(`the table has no "${metric} · final" column`);
        const rowOf = frame.locator('.dt-row:not([hidden])').filter({ has: frame.locator('.dt-name', { hasText: h.exactly(run.name) }) });
        const cell = rowOf.locator(`.dt-cell[aria-colindex="${col}"]:not([hidden])`);
        await page.mouse.move(wbox.x + wbox.width / 2, wbox.y + wbox.height / 2);
        const boxOf = async (loc) => ((await loc.count()) ? loc.first().boundingBox() : null);
        const within = (b, { x = true } = {}) =>
          !!b && b.y >= wbox.y - 1 && b.y + b.height <= wbox.y + wbox.height + 1 && (!x || (b.x >= wbox.x - 1 && b.x + b.width <= wbox.x + wbox.width + 1));
        const inView = async () => within(await boxOf(cell));
        // Up to its row (the table was left scrolled to the bottom), then right to the column.
        for (let i = 0; i < 60 && !(await inView()); i++) {
          const rowShown = within(await boxOf(rowOf), { x: false });
          await page.mouse.wheel(rowShown ? wbox.width / 2 : 0, rowShown ? 0 : -wbox.height / 3);
          await page.waitForTimeout(80);
        }
        if (!(await inView())) throw new Error(`could not scroll the table to run ${run.name}'s "${metric} · final" cell`);
        const text = (await cell.innerText()).trim();
        const shown = Number(text.replace(/[,▲▼\s]/g, ''));
        const decimals = /\.(\d+)/.exec(text.replace(/[▲▼\s]/g, ''))?.[1].length ?? 0;
        if (!(Math.abs(shown - fin.value) <= 0.5 * 10 ** -decimals + 1e-9))
          throw new Error(`the table shows ${metric} ${text} for ${run.name}; its events.jsonl says ${fin.value}`);
        log(`  table: ${info}; all ${seen.size} rows scrolled through; ${run.name} ${metric} ${text} (events.jsonl: ${fin.value})`);
      },
    ],

    [
      'compare-restored-when-hidden-and-after-a-reload',
      async () => {
        // The panel keeps no hidden webview (no retainContextWhenHidden): its own state and the serializer must
        // bring back the 50 runs, the tab and a table setting, after another editor covers it and after a reload.
        const title = `Compare ${SWEEP_RUNS} runs`;
        const compareTab = page
          .locator('.tabs-container .tab')
          .filter({ has: page.locator('.label-name', { hasText: h.exactly(title) }) })
          .first();
        let frame = await compareFrame();
        await frame.locator('vscode-panel-tab#tab-table').click();
        const onlyDiff = frame.locator('vscode-checkbox.only-diff');
        await onlyDiff.click();
        await poll('"Only what differs" ticked', async () => ((await onlyDiff.evaluate((c) => c.checked)) ? true : undefined), 10_000);
        const check = async (when) => {
          frame = await compareFrame();
          const got = await poll(
            `the Compare panel ${when}: 50 runs in the table, its tab and setting kept`,
            () =>
              frame.evaluate((runs) => {
                const table = document.querySelector('vscode-panel-tab#tab-table');
                const wrap = document.querySelector('.dt-wrap');
                const info = document.querySelector('.table-info')?.textContent ?? '';
                if (!table || wrap?.getAttribute('aria-rowcount') !== String(runs + 1) || !info.startsWith(`${runs} runs`)) return undefined;
                return {
                  tableSelected: table.getAttribute('aria-selected') === 'true',
                  onlyDiff: document.querySelector('vscode-checkbox.only-diff')?.checked === true,
                  info,
                };
              }, SWEEP_RUNS),
            60_000,
          );
          if (!got.tableSelected) throw new Error(`${when}: the Table tab is no longer the one shown`);
          if (!got.onlyDiff) throw new Error(`${when}: "Only what differs" is no longer ticked`);
          log(`  ${when}: table shown, "Only what differs" ticked, "${got.info.trim()}"`);
        };
        await quickOpen('train.py');
        await compareTab.click();
        await check('shown again after train.py covered it');
        await runFromPalette('Developer: Reload Window');
        await waitFor(compareTab, `the "${title}" editor tab after the reload`, { timeout: 120_000 });
        await compareTab.click();
        await check('after Developer: Reload Window');
        await runFromPalette('View: Close All Editors');
      },
    ],

    [
      'compare-live-updates',
      async () => {
        // long_train.py logs `loss` every 0.1 s: compare the new live run with the earlier (killed) one, and time
        // each point from its "ts" (when the script logged it) to when the chart's trace holds it.
        const earlier = readRuns()
          .filter((r) => r.command.some((a) => a.endsWith('long_train.py')))
          .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
        if (!earlier || earlier.status === 'running') throw new Error('no earlier, ended long_train.py run to compare with');
        await runFromPalette('View: Close All Editors');
        await quickOpen('long_train.py');
        await runFromPalette(RUN_COMMAND);
        const live = await poll(
          'the new live run of long_train.py on disk',
          () => readRuns().find((r) => r.status === 'running' && r.command.some((a) => a.endsWith('long_train.py'))),
          60_000,
        );
        // Names can repeat: the status narrows each row down to the run meant.
        const liveRow = runRow(live.name).and(h.runItems('running')).first();
        const earlierRow = runRow(earlier.name).and(h.runItems(earlier.status)).first();
        await poll(`the live run ${live.name} running in the tree`, async () => (await revealInTree(liveRow)) || undefined, 60_000);
        const frame = await openCompare(
          liveRow,
          async () => {
            await reveal(earlierRow, `the earlier run ${earlier.name} in the tree`);
            await earlierRow.click();
            await reveal(liveRow, `the live run ${live.name} in the tree`);
            await liveRow.click({ modifiers: ['Control'] });
          },
          2,
        );
        const { total, fromFile, firstN } = await liveChartLatency({
          page,
          frame,
          poll,
          events: path.join(h.runsDir, live.id, 'events.jsonl'),
          run: live.id,
          metric: 'loss',
          windowMs: LIVE_WINDOW_MS,
        });
        if (total.length < LIVE_MIN_SAMPLES)
          throw new Error(
            `only ${total.length} new loss points reached the chart in ${LIVE_WINDOW_MS / 1000} s (after its first ${firstN}); expected ≥ ${LIVE_MIN_SAMPLES}`,
          );
        const m = median(total);
        log(`  compare live update latency: median ${Math.round(m)} ms (max ${Math.round(Math.max(...total))} ms, ${total.length} samples)`);
        if (fromFile.length)
          log(
            `    of which events.jsonl → chart: median ${Math.round(median(fromFile))} ms (max ${Math.round(Math.max(...fromFile))} ms); the rest is the SDK's 0.5 s write buffer`,
          );
        // A timing, not a verdict: bench/vscode_latency.mjs reports it against the editor-side part alone.
        if (fromFile.length) {
          log(
            `LINEAGE_FIGURE ${JSON.stringify({ name: 'compare live update latency (median, logged point → chart)', ms: Math.round(m), anchor: 'events.jsonl → chart (editor side alone)', anchorMs: Math.round(median(fromFile)), formerLimitMs: LIVE_MEDIAN_LIMIT_MS })}`,
          );
        }

        // Stop it from its row's context menu: run.json says killed, the tree too.
        // Selected alone: with others selected, the menu offers only what applies to all of them (no Stop).
        await contextMenu(liveRow, 'Stop Run', {
          log,
          select: async () => {
            await reveal(liveRow, `the live run ${live.name} in the tree`);
            await liveRow.click();
          },
        });
        const ended = await poll(
          'run.json of the live run to leave "running"',
          () => {
            const r = readRuns().find((x) => x.id === live.id);
            return r && r.status !== 'running' ? r : undefined;
          },
          30_000,
        );
        if (ended.status !== 'killed') throw new Error(`the live run ended ${ended.status}, not killed`);
        await poll(`${live.name} killed in the tree`, async () => (await revealInTree(runRow(live.name).and(h.runItems('killed')))) || undefined, 30_000);
        await runFromPalette('View: Close All Editors');
      },
    ],

    [
      'compare-spike-at-every-zoom',
      async () => {
        // 1,000,000 points with one spike; the chart gets ~2,000 buckets with a min–max band, and every zoom asks
        // the host for the range at full resolution.
        const before = new Set(readRuns().map((r) => r.id));
        const r = await cliRun(['spike_train.py']);
        if (r.code !== 0) throw new Error(`lineage run spike_train.py exited ${r.code ?? r.signal}; ${cliLog}:\n${cliTail()}`);
        const spikeRun = readRuns().find((x) => !before.has(x.id));
        // The truth, from the file: the highest value and its step, and that nothing else comes near it.
        const text = fs.readFileSync(path.join(h.runsDir, spikeRun.id, 'events.jsonl'), 'utf8');
        let points = 0;
        let spike = { value: -Infinity, step: -1 };
        let second = -Infinity;
        for (const m of text.matchAll(/"key":"loss","value":([^,]+),"step":(\d+)/g)) {
          points++;
          const v = Number(m[1]);
          if (v > spike.value) {
            second = spike.value;
            spike = { value: v, step: Number(m[2]) };
          } else if (v > second) second = v;
        }
        if (points < 500_000 || !(second < spike.value / 10))
          throw new Error(
            `spike_train.py should log one spike in ≥ 500,000 points; events.jsonl has ${points} points, top ${spike.value} at step ${spike.step}, next ${second}`,
          );
        log(
          `  ${spikeRun.name}: ${points.toLocaleString('en-US')} points of loss, spike ${spike.value} at step ${spike.step} (all others ≤ ${second.toFixed(3)})`,
        );
        const spikeRow = runRow(spikeRun.name).and(h.runItems('finished')).filter({ hasText: 'loss' }).first();
        await poll(`${spikeRun.name} finished in the tree with its loss`, async () => (await revealInTree(spikeRow)) || undefined, 60_000);
        const other = readRuns()
          .filter((x) => x.command.some((a) => a.endsWith('long_train.py')) && x.status === 'killed')
          .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0];
        if (!other) throw new Error('no killed long_train.py run to compare the spike run with');
        // Compare needs two runs: the other is a short loss curve (hundreds of steps, all < 1) far from the spike.
        const otherRow = runRow(other.name).and(h.runItems('killed')).first();
        const frame = await openCompare(
          spikeRow,
          async () => {
            await reveal(otherRow, `the run ${other.name} in the tree`);
            await otherRow.click();
            await reveal(spikeRow, `the spike run ${spikeRun.name} in the tree`);
            await spikeRow.click({ modifiers: ['Control'] });
          },
          2,
        );
        const plot = frame.locator('.content-curves .chart-card .js-plotly-plot').first();
        await waitFor(plot, 'the loss chart in the Compare panel', { timeout: 60_000 });

        /** Waits for the chart to hold data for [x0, x1] (a fresh answer, not the previous level's) and checks the spike. */
        const level = async (what, x0, x1, { present, zoomed = true }) => {
          const margin = (x1 - x0) * 0.02 + 2;
          let last;
          const d = await poll(
            `the loss chart to show ${what} (steps ${Math.round(x0)}–${Math.round(x1)})`,
            async () => {
              last = await drawn(frame, 'loss', spikeRun.id);
              if (!last || last.n === 0 || last.note.includes('zoomed') !== zoomed) return undefined;
              const [r0, r1] = last.xRange;
              if (zoomed && (last.xMin < r0 - margin || last.xMax > r1 + margin)) return undefined; // still the previous range's data
              return last;
            },
            30_000,
            { every: 100, lastSeen: () => JSON.stringify(last) },
          );
          const [r0, r1] = d.xRange;
          // (The band is Float32: the spike may come back rounded to that.)
          const has = Math.abs(d.maxY - spike.value) <= Math.abs(spike.value) * 1e-6;
          if (present) {
            if (!has)
              throw new Error(
                `${what}: the spike (${spike.value}) is not in the drawn data; its highest point is ${d.maxY} at ${d.maxAt} (range ${r0}–${r1}, traces ${d.roles.join(' ')})`,
              );
            if (!(r0 <= spike.step && spike.step <= r1 && d.maxAt >= r0 && d.maxAt <= r1))
              throw new Error(`${what}: the spike is drawn at x ${d.maxAt}, outside the shown range ${r0}–${r1}`);
            if (!(d.yRange[0] <= spike.value && spike.value <= d.yRange[1]))
              throw new Error(`${what}: the y axis (${d.yRange.join('–')}) does not reach the spike ${spike.value}`);
          } else if (has || d.maxY > spike.value / 10) {
            throw new Error(`${what}: the spike (${spike.value}) is drawn in a range that does not contain step ${spike.step} (${r0}–${r1})`);
          }
          // Without a band the host sent the range whole: every step in view must be there.
          const steps = Math.floor(r1) - Math.ceil(r0) + 1;
          if (zoomed && d.roles.includes('band:0') && d.n < steps)
            throw new Error(`${what}: ${d.n} points drawn for the ${steps} steps in view; a zoomed chart should be at full resolution`);
          log(
            `    ${what}: x ${Math.round(r0)}–${Math.round(r1)}, ${d.n} points drawn (${d.roles.join(' ')}), highest ${d.maxY} at ${Math.round(d.maxAt)} — spike ${present ? 'present' : 'absent'}`,
          );
          return d;
        };

        const all = await level('the whole run', 0, points, { present: true, zoomed: false });
        if (!all.roles.some((x) => x.startsWith('band:') && !x.endsWith(':0')))
          throw new Error(`the whole run should be drawn reduced with a min–max band; traces: ${all.roles.join(' ')}`);
        const S = spike.step;
        // Narrower and narrower around the spike (each about a tenth of the one before, so each box is wide enough to drag).
        for (const [what, w] of [
          ['1/10 of the run', 100_000],
          ['1/100', 10_000],
          ['1/1000', 1_000],
          ['a few hundred steps', 300],
        ]) {
          const x0 = S - 0.4 * w;
          const x1 = S + 0.6 * w;
          await dragZoom(frame, 'loss', x0, x1);
          await level(what, x0, x1, { present: true });
        }
        // Beside it, and (after a double-click back to the whole run) far from it: the spike must not be there.
        await dragZoom(frame, 'loss', S - 110, S - 20);
        await level('90 steps just before the spike', S - 110, S - 20, { present: false });
        const box = await plot.boundingBox();
        await page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
        await level('the whole run again (double-click)', 0, points, { present: true, zoomed: false });
        await dragZoom(frame, 'loss', 100_000, 200_000);
        await level('a tenth of the run away from the spike', 100_000, 200_000, { present: false });
        await runFromPalette('View: Close All Editors');
      },
    ],
  ];
}
