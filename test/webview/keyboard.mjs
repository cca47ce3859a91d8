// Compare by keyboard only (issue 17): every test drives the panel with page.keyboard — no mouse clicks —
// and checks what the host receives or what the page shows. Accessible names are Chromium's own (the
// DevTools accessibility tree), not guessed from the DOM.
// Registered by run.mjs; run alone with `node test/webview/run.mjs keyboard`.
import assert from 'node:assert/strict';
import { importTs } from './tsModule.mjs';
import { runAxe } from './axe.mjs';

const { encode, loadFixture, openPanel, manyRunsInit, Compare } = await importTs('test/webview/lib.ts');
const T = { settings: Compare.CompareSettingsChanged.type, openRun: Compare.CompareOpenRun.type };

/** basic-init.json opened on a tab. */
async function open(browser, server, settings = {}) {
  const p = await openPanel(browser, server);
  const init = loadFixture('basic-init.json');
  init.settings = { ...init.settings, ...settings };
  await p.init(init);
  return p;
}

/** Presses Tab until `predicate` (run in the page) holds; returns the presses, or -1. */
async function tabTo(page, predicate, arg, max = 60) {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate, arg)) return i;
  }
  return -1;
}

/** Waits for a settings message for which `check` (a predicate source over `s`) holds. */
const settingsPosted = (p, check) =>
  p.page.waitForFunction(([t, src]) => window.__posted.some((m) => m.type === t && new Function('s', `return ${src}`)(m.settings)), [T.settings, check], {
    timeout: 10_000,
  });

/** The focused node as Chromium's accessibility tree has it: role and computed name. */
async function focusedAx(cdp) {
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  // The document is focused too (RootWebArea): the element is the other focused node.
  const n = nodes.find((x) => x.role?.value !== 'RootWebArea' && (x.properties ?? []).some((pr) => pr.name === 'focused' && pr.value.value === true));
  return n ? { role: n.role?.value, name: (n.name?.value ?? '').trim() } : null;
}

const activeText = (page) => page.evaluate(() => document.activeElement?.textContent?.trim());
/** Presses Tab until the focused element matches a selector. */
async function tabToSel(page, sel) {
  const n = await tabTo(page, (s) => document.activeElement?.matches(s) ?? false, sel);
  assert.ok(n > 0, `Tab reaches ${sel}`);
  return n;
}

export default function register(test) {
  registerMore(test);
  test('keyboard: table is one Tab stop; arrows move, Enter on a row opens that run', async ({ browser, server }) => {
    const p = await open(browser, server, { tab: 'table' });
    const { page } = p;
    await page.waitForSelector('.dt-row:not([hidden])');
    assert.ok((await tabTo(page, () => !!document.activeElement?.closest('.dt-wrap'))) > 0, 'Tab reaches the table');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('role')), 'columnheader');
    assert.equal(await page.evaluate(() => document.querySelectorAll('.dt-wrap [tabindex="0"], .dt-wrap[tabindex="0"]').length), 1, 'one Tab stop in the grid');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const name = await activeText(page);
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('role')), 'rowheader');
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-colindex')), '2', 'ArrowRight: the next cell');
    await p.clearPosted();
    await page.keyboard.press('Enter');
    await page.waitForFunction((t) => window.__posted.some((m) => m.type === t), T.openRun);
    const [msg] = await p.posted(T.openRun);
    const run = loadFixture('basic-init.json').runs.find((r) => r.name === name);
    assert.ok(run, `the focused row is a run (${name})`);
    assert.equal(msg.runId, run.id);
    // Tab leaves the grid in one press, Shift+Tab comes back to the same cell.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => !!document.activeElement?.closest('.dt-wrap')), false);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-colindex')), '2');
    await p.close();
  });

  test('keyboard: the focused cell stays in view in a 500-run table (PageDown, Ctrl+End, End), clear of the sticky parts', async ({ browser, server }) => {
    const p = await openPanel(browser, server);
    const msg = manyRunsInit(500);
    msg.settings = { ...msg.settings, tab: 'table' };
    await p.init(encode(msg));
    const { page } = p;
    await page.waitForSelector('.dt-row:not([hidden])');
    await tabTo(page, () => !!document.activeElement?.closest('.dt-wrap'));
    const where = () =>
      page.evaluate(() => {
        const a = document.activeElement;
        const w = document.querySelector('.dt-wrap').getBoundingClientRect();
        const head = document.querySelector('.dt-head').getBoundingClientRect();
        const name = document.querySelector('.dt-row:not([hidden]) .dt-name').getBoundingClientRect();
        const b = a.getBoundingClientRect();
        const row = a.closest('.dt-row');
        return {
          index: row ? Number(row.dataset.index) : -1,
          col: Number(a.getAttribute('aria-colindex')),
          inView: b.top >= (row ? head.bottom : w.top) - 0.5 && b.bottom <= w.bottom + 0.5 && b.left >= w.left - 0.5 && b.right <= w.right + 0.5,
          clearOfName: a.classList.contains('dt-name') || b.left >= name.right - 0.5,
          outline: `${getComputedStyle(a).outlineStyle} ${getComputedStyle(a).outlineColor}`,
        };
      });
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('PageDown');
    await page.keyboard.press('PageDown');
    let w = await where();
    assert.ok(w.index > 20, `PageDown moved down (${w.index})`);
    assert.ok(w.inView, 'in view');
    await page.keyboard.press('Control+End');
    w = await where();
    assert.equal(w.index, 499);
    assert.equal(w.col, 53);
    assert.ok(w.inView && w.clearOfName, 'the last cell, in view');
    assert.equal(w.outline, 'solid rgb(0, 120, 212)', 'a focus ring in --vscode-focusBorder');
    await page.keyboard.press('Home');
    w = await where();
    assert.equal(w.col, 1);
    await page.keyboard.press('Control+Home');
    w = await where();
    assert.equal(w.index, -1, 'the header');
    await page.keyboard.press('End');
    w = await where();
    assert.ok(w.col === 53 && w.inView, 'the last header, scrolled to');
    await p.close();
  });

  test('keyboard: Enter and Space on a header sort, and focus stays on that header', async ({ browser, server }) => {
    const p = await open(browser, server, { tab: 'table' });
    const { page } = p;
    await page.waitForSelector('.dt-row:not([hidden])');
    await tabTo(page, () => !!document.activeElement?.closest('.dt-wrap'));
    // Along the header to "loss · final".
    for (let i = 0; i < 30 && (await page.evaluate(() => document.activeElement.querySelector('.dt-label')?.textContent)) !== 'loss · final'; i++)
      await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.querySelector('.dt-label')?.textContent), 'loss · final');
    await page.keyboard.press('Enter');
    await settingsPosted(p, "s.sort?.column === 'metric:loss:last' && !s.sort.descending");
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-sort') === 'ascending');
    assert.equal(
      await page.evaluate(() => document.activeElement.querySelector('.dt-label').textContent),
      'loss · final',
      'focus on the sorted header, not <body>',
    );
    await page.keyboard.press(' ');
    await settingsPosted(p, "s.sort?.column === 'metric:loss:last' && s.sort.descending");
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-sort') === 'descending');
    // The first row now has the highest loss: r1 (0.094).
    await page.keyboard.press('ArrowDown');
    assert.match(await activeText(page), /^0\.094/);
    await p.close();
  });

  test('keyboard: the run list hides a run on every chart (settings hiddenRuns) and shows it again', async ({ browser, server }) => {
    const p = await open(browser, server);
    const { page } = p;
    assert.ok((await tabToSel(page, '.run-picker > summary')) > 0, 'Tab reaches the run list');
    assert.equal(await activeText(page), 'Runs (3 of 3 shown)');
    await page.keyboard.press('Enter');
    assert.equal(await page.$eval('.run-picker', (d) => d.open), true);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.run), 'r1');
    await page.keyboard.press(' ');
    await settingsPosted(p, "s.hiddenRuns.join() === 'r1'");
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.chart-card .plot')].every((gd) => gd.data.filter((t) => t.meta.run === 'r1').every((t) => t.visible === 'legendonly')),
    );
    assert.deepEqual((await p.state()).settings.hiddenRuns, ['r1']);
    assert.match(await page.$eval('.chart-card', (c) => document.getElementById(c.getAttribute('aria-describedby')).textContent), /mellow-lagoon-1 \(hidden\)/);
    await page.keyboard.press(' ');
    await settingsPosted(p, 's.hiddenRuns.length === 0');
    await page.keyboard.press(' ');
    await settingsPosted(p, "s.hiddenRuns.join() === 'r1'");
    await page.keyboard.press('Escape');
    assert.equal(await page.$eval('.run-picker', (d) => d.open), false);
    assert.equal(await activeText(page), 'Runs (2 of 3 shown)');
    // In the table the hidden run is said in words and struck through, not faded.
    await page.keyboard.press('Shift+Tab');
    while (!(await page.evaluate(() => document.activeElement?.matches('vscode-panel-tab')))) await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('End');
    await settingsPosted(p, "s.tab === 'table'");
    await page.waitForSelector('.dt-row:not([hidden])');
    const row = await page.evaluate(() => {
      const r = [...document.querySelectorAll('.dt-row:not([hidden])')].find((e) => e.querySelector('.dt-name').textContent.startsWith('mellow-lagoon-1'));
      return {
        text: r.querySelector('.dt-name').textContent,
        line: getComputedStyle(r.querySelector('.dt-name-text')).textDecorationLine,
        opacity: getComputedStyle(r).opacity,
      };
    });
    assert.deepEqual(row, { text: 'mellow-lagoon-1 (hidden)', line: 'line-through', opacity: '1' });
    await p.close();
  });

  test('keyboard: every control changes by keyboard (metrics, x axis, smoothing, log y, tabs, scatter, parallel, bars, only-diff)', async ({
    browser,
    server,
  }) => {
    const p = await open(browser, server);
    const { page } = p;
    // Metric picker: open, uncheck the first metric.
    await tabToSel(page, '.metric-picker > summary');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    await page.keyboard.press(' ');
    await settingsPosted(p, "s.metrics.join() === 'loss'");
    await page.keyboard.press(' ');
    await settingsPosted(p, 's.metrics.length === 2');
    await page.keyboard.press('Escape');
    // X axis: a combobox; ArrowDown picks the next option.
    await tabToSel(page, 'vscode-dropdown.x-axis');
    await page.keyboard.press('ArrowDown');
    await settingsPosted(p, "s.xAxis === 'wall'");
    // Smoothing slider.
    await tabToSel(page, 'input.smoothing');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    await settingsPosted(p, 's.smoothing === 0.05');
    // Log y.
    await tabToSel(page, 'vscode-checkbox.log-y');
    await page.keyboard.press(' ');
    await settingsPosted(p, 's.logY === true');
    // Tabs: from the tab list, ArrowRight goes to Parallel.
    await page.keyboard.press('Shift+Tab');
    while (!(await page.evaluate(() => document.activeElement?.matches('vscode-panel-tab')))) await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('ArrowRight');
    await settingsPosted(p, "s.tab === 'parallel'");
    // Parallel metric.
    await tabToSel(page, 'vscode-dropdown.parallel-metric');
    const pm = await page.$eval('vscode-dropdown.parallel-metric', (d) => d.value);
    await page.keyboard.press(pm === 'loss' ? 'ArrowUp' : 'ArrowDown');
    await settingsPosted(p, `s.parallelMetric && s.parallelMetric !== '${pm}'`);
    // Scatter X, Y, colour.
    await tabToSel(page, 'vscode-panel-tab');
    await page.keyboard.press('ArrowRight');
    await settingsPosted(p, "s.tab === 'scatter'");
    for (const [cls, field] of [
      ['scatter-x', 'x'],
      ['scatter-y', 'y'],
      ['scatter-color', 'color'],
    ]) {
      await tabToSel(page, `vscode-dropdown.${cls}`);
      const before = await page.$eval(`vscode-dropdown.${cls}`, (d) => d.value);
      await page.keyboard.press('ArrowDown');
      await settingsPosted(p, `s.scatter.${field} && s.scatter.${field} !== '${before}'`);
    }
    // Bars' metric (the same setting as parallel's).
    await tabToSel(page, 'vscode-panel-tab');
    await page.keyboard.press('ArrowRight');
    await settingsPosted(p, "s.tab === 'bars'");
    await tabToSel(page, 'vscode-dropdown.bars-metric');
    const bm = await page.$eval('vscode-dropdown.bars-metric', (d) => d.value);
    await page.keyboard.press(bm === 'loss' ? 'ArrowUp' : 'ArrowDown');
    await settingsPosted(p, `s.parallelMetric === '${bm === 'loss' ? 'accuracy' : 'loss'}'`);
    // Table: only what differs.
    await tabToSel(page, 'vscode-panel-tab');
    await page.keyboard.press('ArrowRight');
    await settingsPosted(p, "s.tab === 'table'");
    await tabToSel(page, 'vscode-checkbox.only-diff');
    await page.keyboard.press(' ');
    await settingsPosted(p, 's.onlyDiff === true');
    const s = (await p.state()).settings;
    assert.equal(s.smoothing, 0.05);
    assert.equal(s.logY, true);
    assert.equal(s.onlyDiff, true);
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });

  test('keyboard: "Show as table" on a chart shows its values; the figure is named and described', async ({ browser, server }) => {
    const p = await open(browser, server);
    const { page } = p;
    const fig = await page.$eval('.chart-card', (c) => ({
      role: c.getAttribute('role'),
      label: c
        .getAttribute('aria-labelledby')
        .split(' ')
        .map((id) => document.getElementById(id).textContent)
        .join(''),
      summary: document.getElementById(c.getAttribute('aria-describedby')).textContent,
    }));
    assert.equal(fig.role, 'figure');
    assert.equal(fig.label, 'loss by step, linear y');
    assert.match(fig.summary, /mellow-lagoon-1: final 0\.094\d*, min 0\.081\d*, max 1\.177\d*, 1,?200 points/);
    assert.match(fig.summary, /Best final value \(lower is better\): quiet-river-3/);
    // The chart's toolbar is one Tab stop: arrows to "Show as table", Enter.
    await tabTo(page, () => !!document.activeElement?.closest('.chart-card .chart-tools'));
    assert.equal(await activeText(page), 'Reset zoom');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    assert.equal(await activeText(page), 'Show as table');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => !document.querySelector('.chart-card table').hidden);
    const rows = await page.$$eval('.chart-card table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    const head = await page.$$eval('.chart-card table thead th', (ths) => ths.map((t) => t.textContent));
    assert.deepEqual(head, ['Run', 'Final', 'Min', 'Max', 'Points']);
    const r3 = rows.find((r) => r[0] === 'quiet-river-3');
    assert.match(r3[1], /^0\.0698\d* \(best\)$/);
    assert.match(r3[2], /^0\.0657/);
    assert.equal(await activeText(page), 'Hide table');
    // Pressing Tab once leaves the chart's toolbar.
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => !!document.activeElement?.closest('.chart-card:first-child .chart-tools')), false);
    // The shown table passes axe too (headers, caption, contrast).
    const bad = (await runAxe(page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    assert.deepEqual(bad, []);
    // The Bars chart's table: each run's final value, best first.
    while (!(await page.evaluate(() => document.activeElement?.matches('vscode-panel-tab')))) await page.keyboard.press('Shift+Tab');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    await settingsPosted(p, "s.tab === 'bars'");
    await tabTo(page, () => !!document.activeElement?.closest('#view-bars .chart-tools'));
    await page.keyboard.press('End');
    assert.equal(await activeText(page), 'Show as table');
    await page.keyboard.press(' ');
    await page.waitForFunction(() => !document.querySelector('#view-bars table').hidden);
    const bars = await page.$$eval('#view-bars table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    assert.equal(bars.length, 3);
    assert.equal(bars[0][0], 'quiet-river-3');
    assert.match(bars[0][1], /\(best\)$/);
    await p.close();
  });

  test('keyboard: parallel-coordinate ranges set by the min/max inputs, and a dragged range shows in them', async ({ browser, server }) => {
    const p = await open(browser, server, { tab: 'parallel' });
    const { page } = p;
    await page.waitForFunction(() => document.querySelector('.plot-parallel')?._fullData?.length === 1);
    const names = await page.$$eval('.parallel-ranges input', (is) => is.map((i) => i.getAttribute('aria-label')));
    assert.deepEqual(names, ['depth minimum', 'depth maximum', 'lr minimum', 'lr maximum', 'loss minimum', 'loss maximum']);
    await tabTo(page, (l) => document.activeElement?.getAttribute('aria-label') === l, 'loss maximum');
    await page.keyboard.type('0.08');
    await page.keyboard.press('Tab');
    await p.waitEvents('parallel-filtered');
    const cr = await page.evaluate(() => document.querySelector('.plot-parallel').data[0].dimensions[3].constraintrange);
    assert.equal(cr[0], 0.0698296, 'an empty minimum is the axis minimum');
    assert.equal(cr[1], 0.08);
    // Dragging on the lr axis (here: what plotly does at the end of a drag) fills its inputs.
    await page.evaluate(() => window.Plotly.restyle(document.querySelector('.plot-parallel'), { 'dimensions[1].constraintrange': [[0.04, 0.07]] }, [0]));
    await page.waitForFunction(() => document.querySelector('input[aria-label="lr minimum"]').value === '0.04');
    assert.equal(await page.$eval('input[aria-label="lr maximum"]', (i) => i.value), '0.07');
    // Both ranges survive a redraw (a theme change redraws the chart from scratch).
    const themed = (await p.events('theme-applied')).length;
    await page.evaluate(() => window.__setTheme('light'));
    await p.waitEvents('theme-applied', themed + 1);
    const dims = await page.evaluate(() => document.querySelector('.plot-parallel').data[0].dimensions.map((d) => d.constraintrange ?? null));
    assert.deepEqual(dims, [null, [0.04, 0.07], null, [0.0698296, 0.08]]);
    await p.close();
  });

  test('keyboard: Curves with 2 charts has few Tab stops and every one has an accessible name', async ({ browser, server }) => {
    const p = await open(browser, server);
    const { page } = p;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Accessibility.enable');
    const stops = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const inPage = await page.evaluate(() => document.activeElement && document.activeElement !== document.body);
      if (!inPage) break;
      const ax = await focusedAx(cdp);
      const key = await page.evaluate(() => {
        const a = document.activeElement;
        return `${a.tagName.toLowerCase()}.${a.className}#${a.id}:${a.textContent.trim().slice(0, 20)}`;
      });
      if (stops.length && stops[0].key === key) break;
      stops.push({ key, ...ax });
    }
    const list = stops.map((s) => `${s.role} "${s.name}"`).join(', ');
    // Tab list, metric list, run list, X axis, smoothing, log y, and one toolbar per chart (Show all is disabled).
    assert.ok(stops.length <= 9, `${stops.length} Tab stops: ${list}`);
    assert.ok(stops.length >= 8, `${stops.length} Tab stops: ${list}`);
    for (const s of stops) assert.ok(s.name, `a name for every stop: ${list}`);
    assert.ok(
      stops.some((s) => s.role === 'combobox' && s.name === 'X axis'),
      list,
    );
    assert.ok(
      stops.some((s) => s.role === 'slider' && s.name === 'Smoothing'),
      list,
    );
    await p.close();
  });
}

/** More keyboard paths (registered by `register`). */
function registerMore(test) {
  registerExplain(test);
  registerDrift(test);
  test('keyboard: Reset zoom from a chart toolbar; focus rings in high contrast use the contrast border', async ({ browser, server }) => {
    const p = await openPanel(browser, server, { theme: 'high-contrast' });
    await p.init(loadFixture('basic-init.json'));
    const { page } = p;
    await p.clearPosted();
    await page.evaluate(() => window.Plotly.relayout(document.querySelector('.plot'), { 'xaxis.range': [100, 300] }));
    await page.waitForFunction((t) => window.__posted.some((m) => m.type === t), Compare.CompareZoom.type);
    const [zoom] = await p.posted(Compare.CompareZoom.type);
    const draws = (await p.events('chart-drawn')).length;
    await p.send({ ...loadFixture('basic-range.json'), id: zoom.id });
    await p.waitEvents('chart-drawn', draws + 1);
    assert.match(await page.$eval('.chart-note', (e) => e.textContent), /zoomed/);
    await tabTo(page, () => !!document.activeElement?.closest('.chart-card .chart-tools'));
    assert.equal(await activeText(page), 'Reset zoom');
    await page.keyboard.press('Enter');
    await p.waitEvents('chart-drawn', draws + 2);
    assert.doesNotMatch(await page.$eval('.chart-note', (e) => e.textContent), /zoomed/);
    // The smoothing slider's focus ring: the high-contrast border colour (#f38518).
    await page.keyboard.press('Shift+Tab');
    while (!(await page.evaluate(() => document.activeElement?.matches('input.smoothing')))) await page.keyboard.press('Shift+Tab');
    assert.equal(await page.evaluate(() => getComputedStyle(document.activeElement).outlineColor), 'rgb(243, 133, 24)');
    await p.close();
  });
}

/** The Explain panel by keyboard only: tabs with the arrow keys, a row by number, a search, what-if with Enter. */
function registerExplain(test) {
  test('keyboard: Explain — every Tab stop is named; arrows switch tabs; a row by number and by search; what-if submits with Enter', async ({
    browser,
    server,
  }) => {
    const { shownExplain } = await import('./explain.mjs');
    const { explanation, Explain } = await importTs('test/webview/lib.ts');
    const { p } = await shownExplain(browser, server, explanation({ rows: 120, features: 8 }));
    const { page } = p;
    await p.waitEvents('dependence-drawn');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Accessibility.enable');
    const stops = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      if (!(await page.evaluate(() => document.activeElement && document.activeElement !== document.body))) break;
      const key = await page.evaluate(() => {
        const a = document.activeElement;
        return `${a.tagName}#${a.id}.${a.className}:${a.textContent.trim().slice(0, 20)}:${[...document.querySelectorAll('*')].indexOf(a)}`;
      });
      if (stops.length && stops[0].key === key) break;
      stops.push({ key, ...(await focusedAx(cdp)) });
    }
    const list = stops.map((s) => `${s.role} "${s.name}"`).join(', ');
    for (const s of stops) assert.ok(s.name, `a name for every stop: ${list}`);
    assert.ok(
      stops.some((s) => s.role === 'tab' && s.name === 'Global'),
      list,
    );
    assert.ok(
      stops.some((s) => s.role === 'combobox' && s.name === 'Dependence: feature'),
      list,
    );
    assert.equal(stops.filter((s) => s.role === 'tab').length, 1, `the tab list is one Tab stop: ${list}`);
    assert.ok(stops.filter((s) => s.name === 'Show as table').length >= 4, list);
    // Tabs: ArrowRight from the selected tab opens Row.
    await tabTo(page, () => document.activeElement?.getAttribute('role') === 'tab');
    await page.keyboard.press('ArrowRight');
    await p.waitEvents('row-drawn');
    assert.equal((await p.state()).tab, 'row');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-row');
    // A row by number: Tab to the field, type, Enter.
    await tabTo(page, () => document.activeElement?.id === 'row-index');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('7');
    await page.keyboard.press('Enter');
    await p.waitEvents('row-drawn', 2);
    assert.equal((await p.state()).row, 7);
    // By search: Tab to the search field, type, Enter; Tab to the first result's Show, Enter.
    await tabTo(page, () => document.activeElement?.id === 'row-search');
    await page.keyboard.type('location=center');
    await page.keyboard.press('Enter');
    await p.waitEvents('rows-found');
    await tabTo(page, () => document.activeElement?.closest('.found-rows') !== null && document.activeElement?.tagName === 'BUTTON');
    const label = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
    assert.match(label, /^Show row \d+$/);
    await page.keyboard.press('Enter');
    await p.waitEvents('row-drawn', 3);
    assert.equal((await p.state()).row, Number(label.split(' ').pop()));
    // What-if: back to the tab list, ArrowRight, Tab into the form, change a number, Enter predicts.
    await page.keyboard.press('Shift+Tab');
    while (!(await page.evaluate(() => document.activeElement?.getAttribute('role') === 'tab'))) await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('ArrowRight');
    await p.waitEvents('whatif-form');
    await tabTo(page, () => document.activeElement?.id === 'whatif-1');
    await page.keyboard.press('Control+A');
    await page.keyboard.type('4.25');
    await page.keyboard.press('Enter');
    await p.waitEvents('whatif-drawn');
    const [req] = await p.posted(Explain.ExplainPredict.type);
    assert.equal(req.row.feature_1, 4.25);
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });
}

/** The Drift panel by keyboard only: a batch from the list (the chart's points are mouse-only), a column, the sort. */
function registerDrift(test) {
  test('keyboard: Drift — every Tab stop is named; a batch from the list, a column with Enter, the sort by risk', async ({ browser, server }) => {
    const { shownDrift } = await import('./drift.mjs');
    const { p, report } = await shownDrift(browser, server, { predictions: true }, { batch: 0 });
    const { page } = p;
    await p.waitEvents('distribution-drawn');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Accessibility.enable');
    const stops = [];
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      if (!(await page.evaluate(() => document.activeElement && document.activeElement !== document.body))) break;
      const key = await page.evaluate(() => [...document.querySelectorAll('*')].indexOf(document.activeElement));
      if (stops.length && stops[0].key === key) break;
      stops.push({ key, ...(await focusedAx(cdp)) });
    }
    const list = stops.map((s) => `${s.role} "${s.name}"`).join(', ');
    for (const s of stops) assert.ok(s.name, `a name for every stop: ${list}`);
    assert.ok(
      stops.some((s) => s.role === 'combobox' && s.name === 'Batch'),
      list,
    );
    assert.ok(
      stops.some((s) => s.role === 'combobox' && s.name === 'Sort by'),
      list,
    );
    assert.ok(
      stops.some((s) => s.role === 'button' && s.name === 'location'),
      list,
    );
    // The batch list: focus it, ArrowDown twice picks batch 3 (the keyboard's way to a point of the chart).
    await page.focus('body');
    await tabTo(page, () => document.activeElement?.id === 'batch-pick');
    const n = (await p.events('detail-drawn')).length;
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await p.waitEvents('detail-drawn', n + 2);
    assert.equal(await page.$eval('#batch-title', (e) => e.textContent), 'Batch 3: batch-03.jsonl');
    assert.equal((await p.state()).batch, 2);
    // A column: Tab to its button, Enter draws its distributions.
    const drawn = (await p.events('distribution-drawn')).length;
    await tabTo(page, () => document.activeElement?.dataset?.column === 'location');
    await page.keyboard.press('Enter');
    await p.waitEvents('distribution-drawn', drawn + 1);
    assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-pressed')), 'true');
    assert.equal((await p.state()).column, 'location');
    // The sort: Shift+Tab back to it, ArrowDown picks risk.
    while (!(await page.evaluate(() => document.activeElement?.id === 'column-sort'))) await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => /sorted by risk/.test(document.querySelector('.columns-table caption').textContent));
    assert.equal((await p.state()).sort, 'risk');
    const first = await page.$eval('.columns-table tbody th', (e) => e.textContent);
    assert.equal(first, report.batches[2].risk[0].column);
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });
}
