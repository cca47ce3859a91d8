// Drift panel webview tests: the built dist/webview/drift.js + drift.css + plotly in the stand-in host with the
// panel's real CSP (no 'unsafe-eval'), fed drift/report messages holding REAL reports: the engine's driftReport
// on the house-prices example's training data and its four committed live batches (fixtures/drift.ts).
// Registered by run.mjs; run alone with `node test/webview/run.mjs drift`.
import assert from 'node:assert/strict';
import { importTs } from './tsModule.mjs';
import { injected, marks } from './pageChecks.mjs';

const { openPanel, HOSTILE } = await importTs('test/webview/lib.ts');
const { exampleReport, driftReportMessage, Drift } = await importTs('test/webview/fixtures/drift.ts');

/** The panel in the stand-in host; `lineage-drift` events go to window.__events. */
export async function openDrift(browser, server, opts = {}) {
  return openPanel(browser, server, {
    scripts: ['plotly.min.js', 'drift.js'],
    styles: ['drift.css'],
    cspOptions: { evalAllowed: false },
    title: 'Lineage: Drift',
    readyType: Drift.DriftReady.type,
    initScript: () => document.addEventListener('lineage-drift', (e) => window.__events?.push({ t: performance.now(), ...e.detail })),
    ...opts,
  });
}

/** Opens the panel and sends a real report (fixture options), with the state patched by `state`. */
export async function shownDrift(browser, server, fixture = {}, state = {}, pageOpts = {}) {
  const { report, state: s } = await exampleReport(fixture);
  const p = await openDrift(browser, server, pageOpts);
  await p.send(driftReportMessage(report, { ...s, ...state }));
  await p.waitEvents('report-done');
  await p.waitEvents('detail-drawn');
  return { p, report };
}

/** The column table as text: [name, test, statistic, p-value, threshold, verdict, PSI, missing, out of range, new]. */
const tableRows = (page) => page.$$eval('.columns-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));

const fmtVerdict = (c) => (c.test === null ? 'not tested' : c.drifted ? 'drift' : 'ok');
const countDetail = (p) => p.events('detail-drawn').then((e) => e.length);

export default function register(test) {
  test('drift: ready; CSP without unsafe-eval; the table rows and verdicts are the report’s, sorted by drift; the summary says the verdict', async ({
    browser,
    server,
  }) => {
    const { p, report } = await shownDrift(browser, server);
    const { page } = p;
    assert.deepEqual(await p.posted(Drift.DriftReady.type), [{ type: Drift.DriftReady.type, state: null }]);
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.match(csp, /script-src 'nonce-/);
    for (const index of [0, 3]) {
      if (index) {
        const n = await countDetail(p);
        await page.selectOption('#batch-pick', String(index));
        await p.waitEvents('detail-drawn', n + 1);
      }
      const b = report.batches[index];
      const rows = await tableRows(page);
      // Features (drifted first), then the actual column.
      assert.equal(rows.length, b.columns.length + 1);
      const byName = new Map(rows.map((r) => [r[0], r]));
      for (const c of b.columns) {
        const r = byName.get(c.name);
        assert.ok(r, `a row for ${c.name}`);
        assert.equal(r[5], fmtVerdict(c), `${c.name} verdict`);
        assert.equal(Number(r[2].replace(/,/g, '')), Number(c.statistic.toPrecision(5)), `${c.name} statistic`);
        assert.equal(r[4], `≥ ${c.threshold}`);
      }
      assert.equal(rows.at(-1)[0], 'price (actual)');
      const features = rows.slice(0, -1);
      const drifted = features.filter((r) => r[5] === 'drift').map((r) => r[0]);
      assert.deepEqual(
        drifted,
        features.slice(0, drifted.length).map((r) => r[0]),
        'drifted columns first',
      );
      assert.equal(rows.at(-1)[5], fmtVerdict(b.actual));
      assert.deepEqual(
        [...drifted].sort(),
        b.columns
          .filter((c) => c.drifted)
          .map((c) => c.name)
          .sort(),
      );
      const verdict = await page.$eval('.dataset-verdict', (e) => e.textContent);
      assert.equal(
        verdict,
        `Dataset: ${b.dataset.drifted ? 'drift' : 'no drift'}: ${b.dataset.driftedColumns} of ${b.dataset.testedColumns} columns drifted (${b.dataset.share * 100}%; the dataset drifts at 50%).`,
      );
      assert.equal(await page.$eval('.batch-summary .risk', (e) => e.textContent), `Risk: ${b.riskSentence}`);
      assert.equal(await page.$eval('.batch-summary .schema', (e) => e.textContent), 'Schema: no changes.');
    }
    // The batch list says each batch's status.
    const options = await page.$$eval('#batch-pick option', (os) => os.map((o) => o.textContent));
    assert.deepEqual(options, ['1: batch-01.jsonl — ok', ...[2, 3, 4].map((i) => `${i}: batch-0${i}.jsonl — dataset drift: 2 of 4 columns`)]);
    assert.deepEqual(p.pageErrors, []);
    assert.deepEqual(await p.violations(), []);
    await p.close();
  });

  test('drift: a selected column draws reference and current overlaid — histogram bars on the common edges; category bars with "harbour" marked new', async ({
    browser,
    server,
  }) => {
    const { p, report } = await shownDrift(browser, server, {}, { batch: 2, column: 'floor_area_m2' });
    const { page } = p;
    await p.waitEvents('distribution-drawn');
    const b = report.batches[2];
    const area = b.columns.find((c) => c.name === 'floor_area_m2');
    const bins = area.refSummary.shares.length;
    const m = await marks(page, '.plot-distribution');
    assert.equal(m.bars, 2 * bins, `${bins} reference + ${bins} current bars`);
    assert.equal(m.canvas, 0);
    const x = await page.$eval('.plot-distribution', (gd) => ({ x: Array.from(gd.data[0].x), y: Array.from(gd.data[1].y), w: Array.from(gd.data[0].width) }));
    assert.deepEqual(x.y, area.curSummary.shares);
    assert.ok(Math.abs(x.x[0] - x.w[0] / 2 - area.refSummary.edges[0]) < 1e-9, 'bars start at the first edge');
    assert.match(
      await page.$eval('.chart-distribution .chart-summary', (e) => e.textContent),
      /^Wasserstein \/ std 0\.664\d* \(drift at ≥ 0\.1\): drift\. PSI 0\.52/,
    );
    // Location: category bars side by side, the new category marked.
    const n = (await p.events('distribution-drawn')).length;
    await page.click('button.column-pick[data-column="location"]');
    await p.waitEvents('distribution-drawn', n + 1);
    const loc = b.columns.find((c) => c.name === 'location');
    const cats = await page.$eval('.plot-distribution', (gd) => ({
      ticks: [...gd.querySelectorAll('.xtick text')].map((t) => t.textContent),
      text: Array.from(gd.data[1].text),
      refHarbour: gd.data[0].y[gd.data[0].x.indexOf('harbour')],
      bars: gd.querySelectorAll('.barlayer .point').length,
    }));
    assert.ok(cats.ticks.includes('harbour (new)'), cats.ticks.join(' | '));
    assert.equal(cats.text.filter((t) => t === 'new').length, 1);
    const shown = new Set([...loc.refSummary.categories, ...loc.curSummary.categories].map((c) => c.value)).size;
    assert.equal(cats.bars, 2 * shown, 'a reference and a current bar for every category of both sides');
    assert.equal(cats.refHarbour, 0, 'harbour: no reference share');
    assert.match(await page.$eval('.chart-distribution .chart-summary', (e) => e.textContent), /New categories: harbour \(88 rows, 17\.6%\)\./);
    assert.equal(await page.$eval('tr[data-column="location"] .new-categories', (e) => e.textContent), 'harbour (88 rows, 17.6%)');
    assert.equal((await p.state()).column, 'location');
    assert.deepEqual((await p.posted(Drift.DriftStateChanged.type)).at(-1), {
      type: Drift.DriftStateChanged.type,
      batch: 2,
      column: 'location',
      sort: 'drift',
    });
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });

  test('drift: over time — one line per feature, a point per batch, RMSE on a second axis; clicking a point opens that batch', async ({ browser, server }) => {
    const { p, report } = await shownDrift(browser, server, { predictions: true }, { batch: 0 });
    const { page } = p;
    const m = await marks(page, '.plot-over-time');
    const features = report.batches[0].columns.length;
    // Features plus the RMSE line; a marker per batch on each.
    assert.equal(m.lines, features + 1);
    assert.equal(m.points, (features + 1) * 4);
    const traces = await page.$eval('.plot-over-time', (gd) =>
      gd.data.map((t) => ({ name: t.name, y: Array.from(t.y), axis: t.yaxis ?? 'y', role: t.meta.role })),
    );
    assert.deepEqual(
      traces.filter((t) => t.role === 'feature').map((t) => t.name),
      report.batches[0].columns.map((c) => c.name),
    );
    const area = traces.find((t) => t.name === 'floor_area_m2');
    assert.deepEqual(
      area.y,
      report.batches.map((b) => b.columns.find((c) => c.name === 'floor_area_m2').statistic / 0.1),
    );
    const rmse = traces.find((t) => t.role === 'performance');
    assert.equal(rmse.axis, 'y2');
    assert.deepEqual(
      rmse.y,
      report.batches.map((b) => b.performance.rmse),
    );
    // Performance beside the run's own metric, and prediction drift, in the summary.
    assert.match(
      await page.$eval('.batch-summary .performance', (e) => e.textContent),
      /^Performance: RMSE 82,504\.2, MAE 69,847\.9 on 500 rows; the run's own val_rmse: 41,250\.$/,
    );
    assert.match(await page.$eval('.batch-summary .prediction', (e) => e.textContent), /^Prediction drift: predicted_price: Wasserstein \/ std 0\.37/);
    // Click batch 3's floor_area_m2 point.
    const n = await countDetail(p);
    const box = await page.$$eval(
      '.plot-over-time .scatterlayer .trace',
      (ts, name) => {
        const t = ts.find((x) => x.__data__?.[0]?.trace?.name === name);
        const r = t.querySelectorAll('.points .point')[2].getBoundingClientRect();
        return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
      },
      'floor_area_m2',
    );
    await page.mouse.move(box.x, box.y);
    await page.mouse.click(box.x, box.y);
    await p.waitEvents('batch-picked');
    await p.waitEvents('detail-drawn', n + 1);
    assert.equal(await page.$eval('#batch-title', (e) => e.textContent), 'Batch 3: batch-03.jsonl');
    assert.equal(await page.$eval('#batch-pick', (e) => e.value), '2');
    assert.equal((await p.state()).batch, 2);
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });

  test('drift: a batch that cannot be read shows its message; progress while batches are read; export asks the host', async ({ browser, server }) => {
    const { report, state } = await exampleReport({ failing: true, batches: 2 });
    const p = await openDrift(browser, server);
    const { page } = p;
    await p.send({ type: Drift.DriftProgress.type, message: 'reading batch-04.jsonl…', done: 1, total: 3 });
    await p.waitEvents('progress');
    assert.equal(await page.$eval('.status-line', (e) => e.textContent), 'reading batch-04.jsonl… (2 of 3)');
    await p.send(driftReportMessage(report, { ...state, batch: 2 }));
    await p.waitEvents('detail-drawn');
    const failure = report.batches[2];
    assert.ok(failure.error, 'the engine refused the truncated gzip');
    assert.equal(await page.$eval('.batch-error', (e) => e.getAttribute('role')), 'alert');
    assert.equal(await page.$eval('.batch-error', (e) => e.textContent), `This batch could not be evaluated: ${failure.error}`);
    assert.equal(await page.$eval('.columns-part', (e) => e.hidden), true);
    assert.equal(await page.$eval('.status-line', (e) => e.textContent), '1 of 3 batches could not be read.');
    // The over-time lines break at the failed batch.
    assert.deepEqual(await page.$eval('.plot-over-time', (gd) => gd.data[0].y[2]), null);
    assert.equal(await page.$eval('#batch-pick option:last-child', (e) => e.textContent), '3: batch-05.jsonl.gz — could not be read');
    // Export: the request goes to the host, its answer is shown.
    await page.click('button.export-html');
    await page.waitForFunction((t) => window.__posted.some((m) => m.type === t), Drift.DriftExportHtml.type);
    const [req] = await p.posted(Drift.DriftExportHtml.type);
    await p.send({ type: Drift.DriftExportHtml.responseType, id: req.id, path: '/tmp/drift.html', error: null });
    await p.waitEvents('exported');
    assert.equal(await page.$eval('.export-status', (e) => e.textContent), 'Saved /tmp/drift.html');
    // Evaluate again asks the host.
    await page.click('button.refresh');
    assert.equal((await p.posted(Drift.DriftRefresh.type)).length, 1);
    // A failure of the whole report: its message as an alert, nothing else.
    await p.send({ type: Drift.DriftFailed.type, message: 'run r1 recorded no table it read; give the training file instead.' });
    await p.waitEvents('failed');
    assert.equal(await page.$eval('.status-line', (e) => e.getAttribute('role')), 'alert');
    assert.equal(await page.$eval('.drift-body', (e) => e.hidden), true);
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });

  test('drift: sort by risk follows the engine’s ranking; the state (batch, column, sort) is saved and comes back with ready', async ({ browser, server }) => {
    const { p, report } = await shownDrift(browser, server, {}, { batch: 1 });
    const { page } = p;
    const n = (await p.events('detail-drawn')).length;
    await page.selectOption('#column-sort', 'risk');
    await page.waitForFunction(() => /sorted by risk/.test(document.querySelector('.columns-table caption').textContent));
    const names = (await tableRows(page)).map((r) => r[0]).slice(0, -1);
    assert.deepEqual(
      names,
      report.batches[1].risk.map((r) => r.column),
    );
    await page.click('button.column-pick[data-column="age_years"]');
    await p.waitEvents('distribution-drawn', 2);
    const s = await p.state();
    assert.equal(s.sort, 'risk');
    assert.equal(s.column, 'age_years');
    assert.equal(s.batch, 1);
    assert.ok(n >= 1);
    await p.close();
    const q = await openDrift(browser, server, { state: s });
    const [ready] = await q.posted(Drift.DriftReady.type);
    assert.deepEqual(ready.state, s);
    await q.close();
  });

  test('drift: hostile column names and categories are inert text in the table, the charts and the batch list', async ({ browser, server }) => {
    const { p, report } = await shownDrift(browser, server, { hostile: true }, { batch: 3 });
    const { page } = p;
    const dialogs = [];
    page.on('dialog', (d) => (dialogs.push(d.message()), d.dismiss()));
    const names = report.batches[3].columns.map((c) => c.name);
    assert.ok(names.includes(HOSTILE[0]) && names.includes(HOSTILE[3]));
    const rows = (await tableRows(page)).map((r) => r[0]);
    for (const h of [HOSTILE[0], HOSTILE[3], '"]}%{y}']) assert.ok(rows.includes(h), `row ${h} in ${rows.join(' | ')}`);
    // The distribution of a hostile-named categorical column, and the over-time legend.
    const n = (await p.events('distribution-drawn')).length;
    await page.click(`button.column-pick[data-column="${HOSTILE[0].replace(/"/g, '\\"')}"]`);
    await p.waitEvents('distribution-drawn', n + 1);
    const title = await page.$eval('.chart-distribution h3', (e) => e.textContent);
    assert.equal(title, `Distributions of ${HOSTILE[0]}: reference and current`);
    const legend = await page.$eval('.plot-over-time', (gd) => [...gd.querySelectorAll('.legendtext')].map((t) => t.textContent));
    for (const h of [HOSTILE[0], HOSTILE[3], '"]}%{y}']) assert.ok(legend.includes(h), `legend ${h} in ${legend.join(' | ')}`);
    await page.waitForTimeout(100);
    assert.deepEqual(await injected(page), []);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(await p.violations(), []);
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });
}
