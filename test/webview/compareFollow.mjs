// Compare on a sweep follows the sweep: an append naming a run the panel does not show yet (the sweep just
// started it) adds that run to the curves, the table and the saved state; the other runs keep their colours.
// The sweep the panel follows is saved with its state, so the panel restored after a window reload hands it
// back to the host in compare/ready and goes on following the sweep.
// Registered by run.mjs; run alone with `node test/webview/run.mjs "new run"`.
import assert from 'node:assert/strict';
import { importTs } from './tsModule.mjs';

const { openPanel, loadFixture, encode, curve, seriesData, runInfo, Compare } = await importTs('test/webview/lib.ts');

export default function register(test) {
  test('an append with a new run (a sweep started it) draws that run and keeps it in the saved state', async ({ browser, server }) => {
    const p = await openPanel(browser, server);
    await p.init(loadFixture('basic-init.json'));
    const colours = () =>
      p.page.evaluate(() =>
        Object.fromEntries(
          document
            .querySelector('.chart-card .plot')
            .data.filter((t) => t.meta?.role === 'line')
            .map((t) => [t.meta.run, t.line?.color]),
        ),
      );
    const before = await colours();
    assert.deepEqual(Object.keys(before), ['r1', 'r2', 'r3']);
    // r4 has logged 40 steps of loss when the host first sees it: all of them come as one exact append.
    const loss = curve(40, 44, 'loss');
    const r4 = runInfo(3, { id: 'r4', name: 'fresh-sweep-4', status: 'running', params: { lr: 0.01, depth: 7, model: 'gbr', seed: 1 } });
    const s = { ...seriesData('r4', 'loss', loss.x, loss.y, 300), exact: true };
    await p.send(encode({ type: Compare.CompareAppend.type, series: [s], runs: [r4] }));
    await p.waitEvents('append-done');
    await p.page.waitForFunction(() => document.querySelector('.chart-card .plot').data.some((t) => t.meta?.run === 'r4'));
    const after = await colours();
    assert.deepEqual(Object.keys(after), ['r1', 'r2', 'r3', 'r4'], 'the new run is drawn after the others');
    for (const id of ['r1', 'r2', 'r3']) assert.equal(after[id], before[id], `${id} keeps its colour`);
    const n = await p.page.evaluate(
      () => document.querySelector('.chart-card .plot').data.find((t) => t.meta?.run === 'r4' && t.meta?.role === 'line').x.length,
    );
    assert.equal(n, 40);
    assert.deepEqual((await p.state()).runIds, ['r1', 'r2', 'r3', 'r4'], 'a restored panel shows it too');
    // Later points of the new run extend its trace like any other run's.
    const more = curve(45, 44, 'loss');
    const tail = { ...seriesData('r4', 'loss', more.x.slice(40), more.y.slice(40), 300), total: 45, exact: true };
    await p.send(encode({ type: Compare.CompareAppend.type, series: [tail], runs: [r4] }));
    await p.waitEvents('append-done', 2);
    const n2 = await p.page.evaluate(
      () => document.querySelector('.chart-card .plot').data.find((t) => t.meta?.run === 'r4' && t.meta?.role === 'line').x.length,
    );
    assert.equal(n2, 45);
    await p.close();
  });

  test('the followed sweep is kept in the saved state and handed back in compare/ready after a reload', async ({ browser, server }) => {
    const SWEEP = '20261205-151500-abc123';
    const init = loadFixture('basic-init.json');
    const p = await openPanel(browser, server);
    await p.init({ ...init, parentId: SWEEP });
    assert.equal((await p.state()).parentId, SWEEP, 'saved with the state');
    // A later init (new metrics) without it keeps it.
    await p.init(init);
    const saved = await p.state();
    assert.equal(saved.parentId, SWEEP, 'kept across inits');
    await p.close();
    // The restored webview (the serializer gives it the saved state) tells the host which sweep to follow.
    const q = await openPanel(browser, server, { state: saved });
    const [ready] = await q.posted(Compare.CompareReady.type);
    assert.equal(ready.state?.parentId, SWEEP, 'compare/ready carries the followed sweep');
    await q.init(init);
    assert.equal((await q.state()).parentId, SWEEP, 'still saved after the restored panel was initialised');
    await q.close();
  });
}
