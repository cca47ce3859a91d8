// Explain panel webview tests: the built dist/webview/explain.js + explain.css + plotly in the stand-in host
// with the panel's real CSP (no 'unsafe-eval'), fed explain/init messages built by the engine's own views
// from synthetic explanations (fixtures/explain.ts). The stand-in host answers the panel's requests (rows,
// dependence, PDP, what-if, counterfactual, comparison) from the same engine functions.
// Registered by run.mjs; run alone with `node test/webview/run.mjs explain`.
import assert from 'node:assert/strict';
import { importTs } from './tsModule.mjs';
import { injected, marks } from './pageChecks.mjs';

const {
  openPanel,
  Explain,
  explanation,
  explainInit,
  encodeExplain,
  rowView,
  dependenceView,
  findRows,
  comparisonView,
  pdpOf,
  whatIfAnswer,
  HOSTILE,
  HOSTILE_FEATURES,
  openRunDetail,
  runDetailShow,
  RunDetail,
  encode,
} = await importTs('test/webview/lib.ts');

const T = Object.fromEntries(
  Object.entries(Explain)
    .filter(([, v]) => v && typeof v.type === 'string')
    .map(([k, v]) => [k, v]),
);

/** The panel in the stand-in host; `lineage-explain` events go to window.__events like Compare's. */
export async function openExplain(browser, server, opts = {}) {
  return openPanel(browser, server, {
    scripts: ['plotly.min.js', 'explain.js'],
    styles: ['explain.css'],
    cspOptions: { evalAllowed: false },
    title: 'Lineage: Explain',
    readyType: Explain.ExplainReady.type,
    initScript: () => document.addEventListener('lineage-explain', (e) => window.__events?.push({ t: performance.now(), ...e.detail })),
    ...opts,
  });
}

/**
 * A stand-in host for the requests: answers every request of the panel from `ex` (and `other` for the
 * comparison) with the engine's functions, as explainPanel.ts does. Returns a stop function.
 */
export function standInHost(p, ex, { other = explanation({ seed: 99, name: 'default' }), predict, counterfactual } = {}) {
  let stopped = false;
  const seen = new Set();
  const answer = async () => {
    while (!stopped) {
      let posted;
      try {
        posted = await p.posted();
      } catch {
        return;
      }
      for (const m of posted) {
        if (typeof m.id !== 'number' || seen.has(m.id)) continue;
        seen.add(m.id);
        let r;
        switch (m.type) {
          case T.ExplainRow.type:
            r = { row: m.index >= 0 && m.index < ex.manifest.rows ? rowView(ex, m.index) : null };
            break;
          case T.ExplainFindRows.type:
            try {
              r = { rows: findRows(ex, { sort: m.sort, search: m.search, limit: m.limit }), error: null };
            } catch (err) {
              r = { rows: [], error: err.message };
            }
            break;
          case T.ExplainDependence.type:
            r = { view: dependenceView(ex, m.feature) };
            break;
          case T.ExplainPdp.type:
            r = { pdp: pdpOf(ex, m.feature) };
            break;
          case T.ExplainCompare.type:
            r = { features: comparisonView(ex, other), otherRunName: 'older-run', error: null };
            break;
          case T.ExplainPredict.type:
            r = predict ? await predict(m) : { result: whatIfAnswer(ex, m.index, m.row), error: null };
            break;
          case T.ExplainCounterfactual.type:
            r = counterfactual
              ? await counterfactual(m)
              : {
                  result: { found: true, changes: [{ feature: ex.manifest.features[1], from: 3, to: 7.5 }], prediction: m.target + 1, reason: null },
                  error: null,
                };
            break;
          case T.ExplainExportReport.type:
            r = { path: '/tmp/report.md', error: null };
            break;
          default:
            continue;
        }
        await p.send(encodeExplain({ ...r, type: `${m.type}/response`, id: m.id }));
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  };
  void answer();
  return () => (stopped = true);
}

/** Opens the panel, sends the init, waits for the tab it opens on to be drawn. */
export async function shownExplain(browser, server, ex, initOpts = {}, pageOpts = {}) {
  const p = await openExplain(browser, server, pageOpts);
  const stop = standInHost(p, ex, pageOpts.host);
  const msg = explainInit(ex, initOpts);
  await p.send(encodeExplain(msg));
  await p.waitEvents('init-done');
  if ((initOpts.tab ?? 'global') === 'global') await p.waitEvents('global-done');
  const close = p.close;
  p.close = async () => {
    stop();
    await close();
  };
  return { p, msg };
}

async function clickTab(p, tab) {
  await p.page.click(`#tab-${tab}`);
  await p.page.waitForFunction((t) => document.getElementById(`tab-${t}`).getAttribute('aria-selected') === 'true', tab);
}

export default function register(test) {
  test('explain: ready with the saved state; the CSP has no unsafe-eval; the global view draws every plot as SVG', async ({ browser, server }) => {
    const ex = explanation({ rows: 300, features: 8 });
    const { p, msg } = await shownExplain(browser, server, ex);
    const { page } = p;
    assert.deepEqual(await p.posted(Explain.ExplainReady.type), [{ type: Explain.ExplainReady.type, state: null }]);
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.match(csp, /script-src 'nonce-/);
    await p.waitEvents('dependence-drawn');
    await p.waitEvents('pdp-drawn');
    const g = msg.global;
    const imp = await marks(page, '.plot-importance');
    assert.equal(imp.bars, 8, 'one bar per feature');
    const bee = await marks(page, '.plot-beeswarm');
    const beePoints = g.beeswarm.reduce((n, f) => n + f.x.length, 0);
    assert.equal(bee.points, beePoints, `every reduced beeswarm point drawn (${beePoints})`);
    assert.ok(beePoints < 300 * 8, 'the host reduced the 2,400 dots');
    const dep = await marks(page, '.plot-dependence');
    assert.equal(dep.points, 300, 'one dependence point per row');
    const perm = await marks(page, '.plot-permutation');
    assert.equal(perm.bars, 8);
    assert.ok(perm.errorbars >= 8, 'permutation importance has error bars');
    const pdp = await marks(page, '.plot-pdp');
    assert.equal(pdp.lines, 31, '30 ICE curves (one trace, cut at the gaps) and the PDP line');
    assert.equal(await page.$eval('.plot-pdp', (gd) => gd.data.find((t) => t.meta.role === 'ice').x.filter((v) => v === null).length), 30, '30 ICE curves');
    for (const sel of ['.plot-importance', '.plot-beeswarm', '.plot-dependence', '.plot-permutation', '.plot-pdp'])
      assert.equal((await marks(page, sel)).canvas, 0, `${sel}: SVG, no WebGL canvas`);
    // The importance order and values are the engine's.
    const x = await page.$eval('.plot-importance', (gd) => Array.from(gd.data[0].x));
    assert.deepEqual(
      x,
      g.importance.map((f) => f.meanAbs),
    );
    // The beeswarm's colour bar says low → high.
    assert.deepEqual(await page.$eval('.plot-beeswarm', (gd) => gd.data[0].marker.colorbar.ticktext), ['low', 'high']);
    // Dependence is coloured by the interacting feature the engine found (feature_2: the fixture's interaction).
    assert.equal(
      await page.$eval('.plot-dependence', (gd) => gd.data[0].marker.colorbar?.title.text ?? null),
      dependenceView(ex, g.importance[0].feature).colorFeature,
    );
    assert.deepEqual(await p.violations(), []);
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });

  test('explain: the waterfall adds up (base + every bar incl. "N other features" = the output, 1e-9 relative), and says so', async ({ browser, server }) => {
    const ex = explanation({ rows: 200, features: 30, seed: 3 });
    for (const index of [0, 17, 199]) {
      const { p, msg } = await shownExplain(browser, server, ex, { tab: 'row', row: index });
      await p.waitEvents('row-drawn');
      const w = await p.page.$eval('.plot-waterfall', (gd) => ({
        x: Array.from(gd.data[0].x),
        measure: gd.data[0].measure,
        ticks: gd.layout.yaxis.ticktext,
        drawn: gd.querySelectorAll('.waterfalllayer .point').length,
      }));
      assert.equal(w.measure[0], 'absolute');
      assert.equal(w.measure.at(-1), 'total');
      assert.equal(w.measure.filter((m) => m === 'relative').length, 11, 'top 10 features + the other bar');
      assert.equal(w.drawn, 13, 'base, 11 steps, total drawn');
      assert.ok(w.ticks.includes('20 other features'), w.ticks.join(' | '));
      const sum = w.x.slice(0, -1).reduce((s, v) => s + v, 0);
      const row = msg.row;
      assert.ok(Math.abs(sum - row.output) <= 1e-9 * Math.abs(row.output), `row ${index}: ${sum} vs ${row.output}`);
      // The total bar plotly computed is the prediction too.
      const total = await p.page.$eval('.plot-waterfall', (gd) => gd.calcdata[0].at(-1).s);
      assert.ok(Math.abs(total - row.output) <= 1e-9 * Math.abs(row.output), `total ${total}`);
      // The value axis spans the running total, not 0…prediction: steps of a few thousand on a base of
      // 250,000 are bars, not slivers (each step at least 1 % of the axis unless it is tiny itself).
      const axis = await p.page.$eval('.plot-waterfall', (gd) => gd._fullLayout.xaxis.range);
      let run = 0;
      const totals = w.x.map((v, i) => (run = w.measure[i] === 'relative' ? run + v : v));
      assert.ok(axis[0] > 0 && axis[0] <= Math.min(...totals) && axis[1] >= Math.max(...totals), `axis ${axis} around ${totals}`);
      assert.ok(axis[1] - axis[0] < 0.5 * row.output, `zoomed to the steps: axis ${axis}, prediction ${row.output}`);
      assert.match(await p.page.$eval('.additivity', (e) => e.textContent), /^Additivity check: base 250,000 \+ contributions .* \(gap /);
      // The waterfall as a table: every step with its running total.
      const rows = await p.page.$$eval('.chart-waterfall table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      assert.equal(rows.length, 13);
      assert.equal(rows[0][0], 'Base value (average prediction)');
      assert.equal(rows.at(-1)[0], 'Prediction');
      assert.equal(await p.page.$eval('.trust-warning', (e) => e.hidden), true, 'exact: no warning');
      assert.deepEqual(p.pageErrors, []);
      await p.close();
    }
  });

  test('explain: an approximate method shows its standard errors; a failed check is an alert; a logit link shows the probability', async ({
    browser,
    server,
  }) => {
    const kernel = explanation({ rows: 120, features: 6, method: 'kernel' });
    let { p } = await shownExplain(browser, server, kernel, { tab: 'row' });
    await p.waitEvents('row-drawn');
    assert.match(
      await p.page.$eval('.trust-warning', (e) => e.textContent),
      /^Approximate: Approximate \(Kernel SHAP, 2048 samples per row, 50 background rows\)/,
    );
    assert.equal(await p.page.$eval('.trust-warning', (e) => e.getAttribute('role')), 'note');
    assert.equal(await p.page.$eval('.chart-waterfall-stderr', (e) => e.hidden), false);
    const err = await marks(p.page, '.plot-waterfall-stderr');
    assert.equal(err.bars, 6);
    assert.ok(err.errorbars >= 6);
    const head = await p.page.$$eval('.chart-waterfall table thead th', (t) => t.map((x) => x.textContent));
    assert.ok(head.includes('Std error'), head.join());
    await p.close();

    const failed = explanation({ rows: 50, features: 5, gap: 5 });
    ({ p } = await shownExplain(browser, server, failed, { tab: 'row' }));
    await p.waitEvents('row-drawn');
    assert.equal(await p.page.$eval('.trust-warning', (e) => e.getAttribute('role')), 'alert');
    assert.match(await p.page.$eval('.trust-warning', (e) => e.textContent), /^Warning: Check failed/);
    assert.match(await p.page.$eval('.additivity', (e) => e.textContent), /larger than rounding/);
    assert.equal(await p.page.$eval('.trust', (e) => e.getAttribute('role')), 'alert');
    await p.close();

    const logit = explanation({ rows: 80, features: 5, link: 'logit' });
    ({ p } = await shownExplain(browser, server, logit, { tab: 'row', row: 3 }));
    await p.waitEvents('row-drawn');
    const z = logit.output[3];
    const prob = ((1 / (1 + Math.exp(-z))) * 100).toFixed(1);
    const summary = await p.page.$eval('.row-summary', (e) => e.textContent);
    assert.ok(summary.includes(`probability of "approved" ${prob}%`), summary);
    assert.match(summary, /log-odds/);
    await p.close();
  });

  test('explain: hostile feature names, categories and output name are inert text everywhere', async ({ browser, server }) => {
    const ex = explanation({ rows: 100, features: 8, hostile: true });
    const dialogs = [];
    const { p } = await shownExplain(browser, server, ex);
    const { page } = p;
    page.on('dialog', (d) => (dialogs.push(d.message()), d.dismiss()));
    await p.waitEvents('dependence-drawn');
    // Tables and selects: the names literally.
    for (const b of await page.$$('.chart-importance button')) await b.click();
    const text = await page.evaluate(() => document.body.innerText);
    for (const h of HOSTILE_FEATURES) assert.ok(text.includes(h), `shown as text: ${h}`);
    // Plot labels: plotly shows the characters, makes no element of them.
    const ticks = await page.$eval('.plot-importance', (gd) => [...gd.querySelectorAll('.ytick text')].map((t) => t.textContent));
    for (const h of HOSTILE_FEATURES.filter((s) => s.length <= 40)) assert.ok(ticks.includes(h), `tick ${h} in ${ticks.join(' | ')}`);
    // Hover over the beeswarm: the name literally.
    const hover = await page.evaluate(() => {
      const gd = document.querySelector('.plot-beeswarm');
      window.Plotly.Fx.hover(gd, [{ curveNumber: 0, pointNumber: 0 }]);
      return gd.querySelector('.hoverlayer').textContent;
    });
    assert.ok(
      HOSTILE_FEATURES.some((h) => hover.includes(h)),
      hover,
    );
    // Row and what-if tabs (category select, waterfall ticks).
    await clickTab(p, 'row');
    await p.waitEvents('row-drawn');
    await clickTab(p, 'whatif');
    const options = await page.$$eval('.whatif-field select option', (os) => os.map((o) => o.textContent));
    assert.ok(options.includes(HOSTILE[0]) && options.includes(HOSTILE[3]), options.join(' | '));
    await page.waitForTimeout(100);
    assert.deepEqual(await injected(page), []);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(await p.violations(), []);
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });

  test('explain: rows picked by sort and search (findRows) and by number; the state saves the row and tab', async ({ browser, server }) => {
    const ex = explanation({ rows: 300, features: 8 });
    const { p } = await shownExplain(browser, server, ex, { tab: 'row' });
    const { page } = p;
    await p.waitEvents('row-drawn');
    await page.selectOption('#row-sort', 'error-desc');
    await page.click('button.find-rows');
    await p.waitEvents('rows-found');
    const found = await page.$$eval('.found-rows tbody th', (ths) => ths.map((t) => Number(t.textContent)));
    assert.deepEqual(
      found,
      findRows(ex, { sort: 'error-desc', limit: 20 }).map((r) => r.index),
    );
    // Search by a category: every hit has it.
    await page.fill('#row-search', 'location=rural');
    await page.click('button.find-rows');
    await p.waitEvents('rows-found', 2);
    const hits = await page.$$eval('.found-rows tbody th', (ths) => ths.map((t) => Number(t.textContent)));
    assert.ok(hits.length > 0);
    for (const i of hits) assert.equal(rowView(ex, i).inputs[0].value, 'rural');
    // Show the first hit: its waterfall, and the state remembers it.
    await page.click('.found-rows tbody button');
    await p.waitEvents('row-drawn', 2);
    assert.equal(await page.$eval('.plot-waterfall', (gd) => gd.data[0].x[0]), rowView(ex, hits[0]).base);
    assert.equal((await p.state()).row, hits[0]);
    assert.equal((await p.state()).tab, 'row');
    const changed = (await p.posted(Explain.ExplainStateChanged.type)).at(-1);
    assert.equal(changed.state.row, hits[0]);
    // A search the engine cannot read: its message, as the host sends it.
    await page.fill('#row-search', 'no_such_feature=3');
    await page.click('button.find-rows');
    await p.waitEvents('rows-found', 3);
    const said = await page.$eval('.found-rows [role=alert]', (e) => e.textContent);
    assert.equal(
      said,
      (() => {
        try {
          findRows(ex, { sort: 'error-desc', search: 'no_such_feature=3', limit: 20 });
          return 'no error';
        } catch (err) {
          return err.message;
        }
      })(),
    );
    // By number, out of range: a message, no change.
    await page.fill('#row-index', '5000');
    await page.click('button.show-row');
    await page.waitForFunction(() => /There is no row 5000/.test(document.querySelector('.status-line').textContent));
    await p.close();
    // Reopened with that state: ready carries it.
    const q = await openExplain(browser, server, { state: { runId: 'r-20261101-0001', name: 'default', row: hits[0], tab: 'row' } });
    const [ready] = await q.posted(Explain.ExplainReady.type);
    assert.deepEqual(ready.state, { runId: 'r-20261101-0001', name: 'default', row: hits[0], tab: 'row' });
    await q.close();
  });

  test('explain: what-if round trip — edit an input, Predict, the new prediction, its change and waterfall; the counterfactual in words', async ({
    browser,
    server,
  }) => {
    const ex = explanation({ rows: 100, features: 6 });
    const { p } = await shownExplain(browser, server, ex, { tab: 'whatif', row: 4 });
    const { page } = p;
    await p.waitEvents('whatif-form');
    const row = rowView(ex, 4);
    const labels = await page.$$eval('.whatif-field label', (ls) => ls.map((l) => l.textContent));
    assert.deepEqual(labels, ex.manifest.features);
    assert.match(await page.$eval('#whatif-hint-1', (e) => e.textContent), /^observed 1 to 12$/);
    // The scorer starts: the page says so.
    await p.send({ type: Explain.ExplainScorer.type, state: 'starting', message: null });
    await page.waitForFunction(() => /Starting the model/.test(document.querySelector('.scorer-status').textContent));
    await page.fill('#whatif-1', '9.5');
    await page.selectOption('#whatif-0', 'center');
    await page.click('button.predict');
    await p.waitEvents('whatif-drawn');
    const [req] = await p.posted(Explain.ExplainPredict.type);
    assert.equal(req.index, 4);
    assert.equal(req.row[ex.manifest.features[1]], 9.5);
    assert.equal(req.row.location, 'center');
    assert.equal(req.row[ex.manifest.features[2]], row.inputs[2].value);
    const want = whatIfAnswer(ex, 4, req.row);
    const result = await page.$eval('.whatif-result', (e) => e.textContent);
    assert.ok(result.startsWith('New prediction: price'), result);
    const x = await page.$eval('.plot-whatif-waterfall', (gd) => Array.from(gd.data[0].x));
    const sum = x.slice(0, -1).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - want.output) <= 1e-9 * Math.abs(want.output), `${sum} vs ${want.output}`);
    // A theme change draws the edited row's waterfall again in the new theme's colours (it kept the old ones).
    const colourOf = () => page.$eval('.plot-whatif-waterfall', (gd) => gd._fullData[0].totals.marker.color);
    const before = await colourOf();
    const themed = (await p.events('theme-applied')).length;
    await page.evaluate(() => window.__setTheme('light'));
    await p.waitEvents('theme-applied', themed + 1);
    await page.waitForFunction((c) => document.querySelector('.plot-whatif-waterfall')._fullData[0].totals.marker.color !== c, before);
    const again = await page.$eval('.plot-whatif-waterfall', (gd) => Array.from(gd.data[0].x));
    assert.deepEqual(again, x, 'the same numbers, redrawn');
    // Counterfactual.
    await page.fill('#cf-target', '300000');
    await page.click('button.find-counterfactual');
    await p.waitEvents('counterfactual-drawn');
    const [cf] = await p.posted(Explain.ExplainCounterfactual.type);
    assert.equal(cf.target, 300000);
    assert.equal(cf.maxFeatures, 2);
    assert.match(await page.$eval('.cf-result p', (e) => e.textContent), /^Changing feature_1 from 3 to 7\.5 gives 300,001 \(target 300,000\)\.$/);
    // A scorer error is shown with its message.
    await p.send({ type: Explain.ExplainScorer.type, state: 'failed', message: 'No module named sklearn: install it in the run’s interpreter' });
    await page.waitForFunction(() => /No module named sklearn/.test(document.querySelector('.scorer-status').textContent));
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });

  test('explain: what-if errors are shown; in an untrusted workspace the form is disabled and says how to trust', async ({ browser, server }) => {
    const ex = explanation({ rows: 50, features: 5 });
    let { p } = await shownExplain(
      browser,
      server,
      ex,
      { tab: 'whatif' },
      { host: { predict: async () => ({ result: null, error: 'The model raised ValueError: bad input' }) } },
    );
    await p.waitEvents('whatif-form');
    await p.page.click('button.predict');
    await p.waitEvents('whatif-error');
    assert.equal(await p.page.$eval('.whatif-error', (e) => e.textContent), 'The model raised ValueError: bad input');
    await p.close();
    ({ p } = await shownExplain(browser, server, ex, {
      tab: 'whatif',
      whatIf: { enabled: false, reason: 'Lineage runs the model only in a trusted workspace. Trust this folder to use what-if.', needsTrust: true },
    }));
    await p.waitEvents('whatif-form');
    const state = await p.page.evaluate(() => ({
      disabled: [...document.querySelectorAll('.whatif-field input, .whatif-field select, button.predict, button.find-counterfactual')].every(
        (e) => e.disabled,
      ),
      note: document.querySelector('.whatif-disabled').textContent,
    }));
    assert.equal(state.disabled, true);
    assert.match(state.note, /trusted workspace/);
    await p.page.click('button.manage-trust');
    await p.page.waitForFunction((t) => window.__posted.some((m) => m.type === t), Explain.ExplainManageTrust.type);
    assert.equal((await p.posted(Explain.ExplainPredict.type)).length, 0);
    await p.close();
  });

  test('explain: two runs side by side — grouped bars and which features changed rank; report export asks the host', async ({ browser, server }) => {
    const ex = explanation({ rows: 100, features: 8 });
    const { p } = await shownExplain(browser, server, ex, { tab: 'compare' });
    await p.waitEvents('compare-drawn');
    const c = await marks(p.page, '.plot-compare');
    assert.equal(c.bars, 16, '8 features × 2 runs');
    const text = await p.page.$eval('.rank-changes', (e) => e.textContent);
    const other = explanation({ seed: 99 });
    const expect = comparisonView(ex, other);
    const moved = expect.filter((r, _, all) => {
      const rank = (k) => [...all].sort((a, b) => b[k] - a[k]).indexOf(r);
      return rank('a') !== rank('b');
    }).length;
    assert.ok(text.startsWith(moved ? `${moved} feature` : 'The features rank in the same order'), text);
    await clickTab(p, 'row');
    await p.waitEvents('row-drawn');
    await p.page.click('button.export-report');
    await p.waitEvents('report-exported');
    const [req] = await p.posted(Explain.ExplainExportReport.type);
    assert.equal(req.index, 0);
    assert.equal(await p.page.$eval('.export-report + [role=status]', (e) => e.textContent), 'Saved /tmp/report.md');
    await p.close();
  });

  test('explain: the run panel offers Explain only for a run with an explanation, and posts the action', async ({ browser, server }) => {
    for (const explanations of [['default'], []]) {
      const p = await openRunDetail(browser, server);
      const show = runDetailShow();
      show.run.explanations = explanations;
      await p.send(encode(show));
      await p.page.waitForFunction((name) => document.querySelector('h1')?.textContent === name, show.run.name);
      const button = p.page.getByRole('button', { name: 'Explain this run’s predictions', exact: true });
      assert.equal(await button.count(), explanations.length ? 1 : 0);
      if (explanations.length) {
        await button.click();
        assert.deepEqual((await p.posted(RunDetail.RunDetailAction.type)).at(-1), { type: RunDetail.RunDetailAction.type, action: 'explain' });
      }
      await p.close();
    }
  });

  test('explain: a failed load shows its message, and nothing else', async ({ browser, server }) => {
    const p = await openExplain(browser, server);
    await p.send({
      type: Explain.ExplainFailed.type,
      message: 'Run r1 has no explanation "default". Call lineage.explain(model, X) in the script and run it again.',
    });
    await p.waitEvents('failed');
    assert.equal(await p.page.$eval('.status-line', (e) => e.getAttribute('role')), 'alert');
    assert.match(await p.page.$eval('.status-line', (e) => e.textContent), /has no explanation/);
    assert.equal(await p.page.$eval('.explain-body', (e) => e.hidden), true);
    await p.close();
  });
}
