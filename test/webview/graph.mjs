// Lineage graph panel webview tests: the built dist/webview/graph.js + graph.css in the stand-in host with the
// panel's real CSP (no 'unsafe-eval'), fed graph/show messages holding REAL graphs built by the engine
// (fixtures/graph.ts: core/graph's buildGraph over an index, staleness from edited versions). Nodes drawn,
// stale marked in words, hostile names inert, keyboard, axe in three themes; and the Run panel's new buttons.
// Registered by run.mjs; run alone with `node test/webview/run.mjs graph`.
import assert from 'node:assert/strict';
import { importTs } from './tsModule.mjs';
import { injected } from './pageChecks.mjs';
import { runAxe, THEME_NAMES } from './axe.mjs';

const { openPanel, HOSTILE, openRunDetail, runDetailShow, encode, RunDetail } = await importTs('test/webview/lib.ts');
const { pipelineGraph, graphShowMessage, Graph } = await importTs('test/webview/fixtures/graph.ts');

async function openGraph(browser, server, opts = {}) {
  return openPanel(browser, server, {
    scripts: ['graph.js'],
    styles: ['graph.css'],
    cspOptions: { evalAllowed: false },
    title: 'Lineage: Graph',
    readyType: Graph.GraphReady.type,
    initScript: () => document.addEventListener('lineage-graph', (e) => window.__events?.push({ t: performance.now(), ...e.detail })),
    ...opts,
  });
}

async function shownGraph(browser, server, graphOpts = {}, pageOpts = {}) {
  const graph = pipelineGraph(graphOpts);
  const p = await openGraph(browser, server, pageOpts);
  await p.send(graphShowMessage(graph));
  await p.waitEvents('drawn');
  return { p, graph };
}

const focusedNode = (page) => page.evaluate(() => document.activeElement?.getAttribute('data-node'));

export default function register(test) {
  test('graph: ready, then every node drawn left to right by layer, edges for every read and write, the target marked', async ({ browser, server }) => {
    const { p, graph } = await shownGraph(browser, server);
    const { page } = p;
    assert.deepEqual(await p.posted(Graph.GraphReady.type), [{ type: Graph.GraphReady.type, state: null }]);
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
    assert.doesNotMatch(csp, /unsafe-eval/);
    const drawn = await page.$$eval('[data-node]', (gs) =>
      gs.map((g) => ({
        id: g.getAttribute('data-node'),
        x: g.getCTM().e,
        cls: g.getAttribute('class'),
        role: g.getAttribute('role'),
        tab: g.getAttribute('tabindex'),
      })),
    );
    assert.equal(drawn.length, graph.nodes.length);
    assert.deepEqual(new Set(drawn.map((d) => d.id)), new Set(graph.nodes.map((n) => n.id)));
    const x = (id) => drawn.find((d) => d.id === id).x;
    for (const e of graph.edges) assert.ok(x(e.from) < x(e.to), `edge ${e.from} → ${e.to} goes left to right`);
    assert.equal(await page.locator('path.edge').count(), graph.edges.length);
    assert.ok(drawn.every((d) => d.role === 'button' && d.tab === '0'));
    assert.match(drawn.find((d) => d.id === 'run:t1').cls, /\btarget\b/);
    assert.match(await page.textContent('.status-line'), /^\d+ nodes: 3 runs, \d+ reads and writes\. Up to date\.$/);
    assert.equal(await page.isVisible('.rerun-stale'), false, 'nothing stale: no re-run button');
    assert.deepEqual(p.pageErrors, []);
    assert.deepEqual(await p.violations(), []);
    await p.close();
  });

  test('graph: stale steps and what they made say STALE in text and in their names, with the reason; the re-run button posts', async ({ browser, server }) => {
    const { p } = await shownGraph(browser, server, { stale: true });
    const { page } = p;
    const stale = await page.$$eval('[data-node].stale', (gs) =>
      gs.map((g) => ({ id: g.getAttribute('data-node'), tag: g.querySelector('.stale-tag')?.textContent, name: g.getAttribute('aria-label') })),
    );
    assert.deepEqual(
      stale.map((s) => s.id).sort(),
      ['data:data/prepared.csv@' + '2'.padStart(64, '0'), 'model:t1:artifacts/model.pkl', 'run:p1', 'run:t1'].sort(),
    );
    for (const s of stale) assert.equal(s.tag, '⚠ STALE');
    assert.match(
      stale.find((s) => s.id === 'run:p1').name,
      /^Run prepare, finished, stale: data\/raw.csv changed since prepare ran, 1 input, 1 output, Enter opens the run$/,
    );
    assert.match(stale.find((s) => s.id === 'run:t1').name, /stale: upstream step prepare is stale/);
    assert.equal(await page.$eval('[data-node="run:l1"]', (g) => g.classList.contains('stale')), false, 'the side branch is fresh');
    // The old raw version is marked as such, not stale.
    assert.match(await page.$eval('[data-node^="data:data/raw.csv"]', (g) => g.getAttribute('aria-label')), /the file holds other content now, up to date/);
    assert.match(await page.textContent('.status-line'), /2 stale steps: prepare, train\./);
    await page.click('.rerun-stale');
    assert.equal((await p.posted(Graph.GraphRerunStale.type)).length, 1);
    await p.close();
  });

  test('graph: hostile run names and paths are only text: no markup, no handlers, shown whole in names and details', async ({ browser, server }) => {
    const { p, graph } = await shownGraph(browser, server, { hostile: true, stale: true });
    const { page } = p;
    assert.deepEqual(await injected(page), []);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    const names = await page.$$eval('[data-node]', (gs) => gs.map((g) => g.getAttribute('aria-label')).join('\n'));
    for (const n of graph.nodes.filter((x) => x.kind === 'run')) assert.ok(names.includes(n.label), `named in full: ${n.label}`);
    await page.focus('[data-node="run:p1"]');
    const detail = await page.textContent('.detail');
    assert.ok(detail.includes(HOSTILE[0]), 'the details show the hostile name as text');
    assert.equal(await page.locator('svg.graph script, svg.graph foreignObject').count(), 0);
    assert.deepEqual(p.pageErrors, []);
    assert.deepEqual(await p.violations(), []);
    await p.close();
  });

  test('graph keyboard: Tab reaches the nodes in layer order; arrows follow the edges and the layer; Enter and Space open; focus is saved', async ({
    browser,
    server,
  }) => {
    const { p, graph } = await shownGraph(browser, server);
    const { page } = p;
    // Tab from the page start: the toolbar's three controls, then the first node (a raw input, layer 0).
    let first;
    for (let i = 0; i < 8 && !first; i++) {
      await page.keyboard.press('Tab');
      first = await focusedNode(page);
    }
    assert.ok(first, 'a node is reached with Tab');
    assert.equal(graph.nodes.find((n) => n.id === first).depth, 0);
    await page.focus('[data-node="run:t1"]');
    await page.keyboard.press('ArrowLeft');
    const left = await focusedNode(page);
    assert.ok(
      graph.edges.some((e) => e.from === left && e.to === 'run:t1'),
      `Left goes to an input of train (${left})`,
    );
    await page.keyboard.press('ArrowRight');
    assert.equal(await focusedNode(page), 'run:t1', 'Right comes back along the edge');
    await page.keyboard.press('ArrowRight');
    assert.equal(await focusedNode(page), 'model:t1:artifacts/model.pkl');
    await page.focus('[data-node="run:p1"]');
    const layer = graph.nodes.filter((n) => n.depth === graph.nodes.find((x) => x.id === 'run:p1').depth).sort((a, b) => a.row - b.row);
    await page.keyboard.press(layer[0].id === 'run:p1' ? 'ArrowDown' : 'ArrowUp');
    assert.equal(await focusedNode(page), layer.find((n) => n.id !== 'run:p1').id, 'Up/Down move within the layer');
    await page.focus('[data-node="run:p1"]');
    await p.clearPosted();
    await page.keyboard.press('Enter');
    await page.focus('[data-node^="data:data/raw.csv"]');
    await page.keyboard.press(' ');
    const opened = (await p.posted(Graph.GraphOpenNode.type)).map((m) => m.nodeId);
    assert.deepEqual(opened, ['run:p1', graph.nodes.find((n) => n.label === 'data/raw.csv').id]);
    assert.equal((await p.state()).focused, graph.nodes.find((n) => n.label === 'data/raw.csv').id, 'the focused node is saved for a restore');
    assert.match(await page.textContent('.detail'), /Pathdata\/raw.csv/);
    await page.click('[data-node="run:l1"]');
    assert.equal((await p.posted(Graph.GraphOpenNode.type)).at(-1).nodeId, 'run:l1', 'a click opens too');
    await page.selectOption('#direction', 'up');
    assert.deepEqual((await p.posted(Graph.GraphSetDirection.type)).at(-1).direction, 'up');
    await p.close();
  });

  test('graph: a failure message replaces the graph and is announced', async ({ browser, server }) => {
    const p = await openGraph(browser, server);
    await p.send({ type: Graph.GraphFailed.type, message: 'No run "x". <b>lineage ls</b> lists the runs.' });
    await p.waitEvents('failed');
    assert.equal(await p.page.getAttribute('.status-line', 'role'), 'alert');
    assert.equal(await p.page.textContent('.status-line'), 'No run "x". <b>lineage ls</b> lists the runs.');
    await p.close();
  });

  for (const theme of THEME_NAMES)
    test(`graph axe (${theme}): no violations, stale and hostile graph, a node focused`, async ({ browser, server }) => {
      const { p } = await shownGraph(browser, server, { stale: true, hostile: true }, { theme });
      await p.page.focus('[data-node="run:p1"]');
      const violations = await runAxe(p.page);
      assert.deepEqual(violations, [], JSON.stringify(violations, null, 2));
      assert.deepEqual(await p.violations(), [], 'no CSP violation');
      await p.close();
    });

  test('run detail: Show Lineage, Reproduce and Push Model… post their actions (Push only with a model, Reproduce not while running)', async ({
    browser,
    server,
  }) => {
    const show = runDetailShow();
    const p = await openRunDetail(browser, server);
    await p.send(encode(show));
    await p.page.waitForFunction((name) => document.querySelector('h1')?.textContent === name, show.run.name);
    await p.page.getByRole('button', { name: 'Show the lineage graph of this run', exact: true }).click();
    await p.page.getByRole('button', { name: 'Reproduce this run from its recorded code, data and environment', exact: true }).click();
    await p.page.getByRole('button', { name: 'Push this run’s model to a registry', exact: true }).click();
    const posted = (await p.posted(RunDetail.RunDetailAction.type)).map((m) => m.action);
    assert.deepEqual(posted, ['showLineage', 'reproduce', 'pushModel']);
    const running = runDetailShow();
    running.run = { ...running.run, status: 'running', artifacts: running.run.artifacts.filter((a) => a.kind !== 'model') };
    await p.send(encode(running));
    await p.page.waitForFunction(() => !document.querySelector('[data-focus="reproduce:"]'));
    assert.equal(await p.page.locator('[data-focus="pushModel:"]').count(), 0);
    assert.equal(await p.page.locator('[data-focus="showLineage:"]').count(), 1);
    // A run imported from MLflow is a read-only copy: no Rerun, no Reproduce.
    const imported = runDetailShow();
    imported.run = { ...imported.run, tags: { ...imported.run.tags, 'lineage.imported_from': '127.0.0.1:5000/abc' } };
    await p.send(encode(imported));
    await p.page.waitForFunction(() => !document.querySelector('[data-focus="reproduce:"]') && !!document.querySelector('[data-focus="showLineage:"]'));
    assert.equal(await p.page.locator('[data-focus="rerun:"]').count(), 0);
    assert.equal(await p.page.locator('[data-focus="reproduce:"]').count(), 0);
    await p.close();
  });
}
