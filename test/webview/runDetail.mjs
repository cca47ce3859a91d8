// Run detail webview tests: the built dist/webview/runDetail.js + runDetail.css in the stand-in host with
// the panel's real CSP (no 'unsafe-eval'), fed a runDetail/show message like the host's (with hostile
// strings in every user field). Rendering, the actions it posts, and the keyboard paths of issue 17.
// Registered by run.mjs; run alone with `node test/webview/run.mjs "run detail"`.
import assert from 'node:assert/strict';
import { importTs } from './tsModule.mjs';

const { encode, HOSTILE, openRunDetail, runDetailShow, RunDetail, THEMES } = await importTs('test/webview/lib.ts');
const ACTION = RunDetail.RunDetailAction.type;

async function shown(browser, server, opts = {}, show = runDetailShow()) {
  const p = await openRunDetail(browser, server, opts);
  await p.send(encode(show));
  await p.page.waitForFunction((name) => document.querySelector('h1')?.textContent === name, show.run.name);
  return { p, show };
}

/** Presses Tab until `predicate` (run in the page on document.activeElement) holds; returns the presses, or -1. */
async function tabTo(page, predicate, max = 60) {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate)) return i;
  }
  return -1;
}

const hexToRgb = (hex) => {
  const n = parseInt(hex.slice(1, 7), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
};

export default function register(test) {
  test('run detail: ready, then the run rendered as text; one h1, no empty headers, named sparklines, hostile strings inert', async ({ browser, server }) => {
    const { p, show } = await shown(browser, server);
    assert.deepEqual(await p.posted(RunDetail.RunDetailReady.type), [{ type: RunDetail.RunDetailReady.type, runId: null }]);
    const info = await p.page.evaluate(() => ({
      h1: [...document.querySelectorAll('h1')].map((h) => h.textContent),
      banners: document.querySelectorAll('header, [role=banner]').length,
      mains: document.querySelectorAll('main, [role=main]').length,
      emptyHeaders: [...document.querySelectorAll('th')].filter((th) => !th.textContent.trim()).length,
      hiddenHeader: [...document.querySelectorAll('th .visually-hidden')].map((e) => e.textContent),
      sparks: [...document.querySelectorAll('svg.spark')].map((s) => ({ role: s.getAttribute('role'), label: s.getAttribute('aria-label') })),
      text: document.body.innerText,
      pwned: window.__pwned,
      injected: [...document.querySelectorAll('*')]
        .flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}[${a.name}]`))
        .concat(
          [...document.querySelectorAll('img, iframe, object, embed')].map((e) => e.tagName),
          [...document.scripts].filter((e) => !e.src && !e.nonce).map((e) => `inline script ${e.textContent.slice(0, 40)}`),
        ),
    }));
    assert.deepEqual(info.h1, [show.run.name]);
    assert.equal(info.banners, 0, 'no banner landmark inside main');
    assert.equal(info.mains, 1);
    assert.equal(info.emptyHeaders, 0);
    assert.deepEqual(info.hiddenHeader, ['actions']);
    assert.equal(info.sparks.length, 3);
    for (const s of info.sparks) assert.equal(s.role, 'img');
    const m = info.sparks[0].label.match(/^loss: 1,200 points, from ([\d.]+) to ([\d.]+), min ([\d.]+), max ([\d.]+)$/);
    assert.ok(m, info.sparks[0].label);
    const loss = show.run.metrics[0];
    const near = (text, v) => Math.abs(Number(text) - v) <= Math.abs(v) * 1e-3;
    assert.ok(
      near(m[1], loss.spark.y[0]) && near(m[2], loss.last) && near(m[3], loss.min) && near(m[4], loss.max),
      `the label's numbers are the curve's: ${m[0]}`,
    );
    assert.match(info.sparks[1].label, /^accuracy: 1,200 points, from /);
    assert.ok(info.sparks[2].label.startsWith(`${HOSTILE[0]}: 150 points`), 'a hostile metric name is only text in the label');
    for (const h of HOSTILE) assert.ok(info.text.includes(h), `shown as text: ${h}`);
    assert.equal(info.pwned, undefined);
    assert.deepEqual(info.injected, []);
    assert.deepEqual(await p.violations(), []);
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });

  test('run detail: every button posts its action; Open/Reveal name their file', async ({ browser, server }) => {
    const { p } = await shown(browser, server);
    const names = await p.page.$$eval('button', (bs) => bs.map((b) => b.getAttribute('aria-label') ?? b.textContent));
    for (const n of [
      'Open artifacts/model.pkl',
      'Reveal artifacts/model.pkl',
      'Open artifacts/confusion.png',
      'Rerun',
      'Compare with previous',
      'Open the whole log',
      'Check whether the data changed',
    ])
      assert.ok(names.includes(n), `a button named ${n} (have ${names.join(' / ')})`);
    // Accessible names as a screen reader gets them (Playwright's role queries use the accessibility tree).
    await p.page.getByRole('button', { name: 'Reveal artifacts/confusion.png', exact: true }).click();
    await p.page.getByRole('button', { name: 'Rerun', exact: true }).click();
    await p.page.getByRole('button', { name: /^Uncommitted changes \(2 files\)$/ }).click();
    await p.page.getByRole('button', { name: 'Open the whole log', exact: true }).click();
    const posted = (await p.posted(ACTION)).map(({ type, ...m }) => (assert.equal(type, ACTION), m));
    assert.deepEqual(posted, [
      { action: 'revealArtifact', path: 'artifacts/confusion.png' },
      { action: 'rerun' },
      { action: 'openDiff' },
      { action: 'openConsole' },
    ]);
    await p.close();
  });

  test('run detail keyboard: Tab to Open + Enter posts the artifact; Tab to the console log and scroll it; focus survives an update', async ({
    browser,
    server,
  }) => {
    const { p, show } = await shown(browser, server);
    const { page } = p;
    const open = await tabTo(page, () => document.activeElement?.getAttribute('aria-label') === 'Open artifacts/model.pkl');
    assert.ok(open > 0, 'the Open button is reached with Tab');
    await page.keyboard.press('Enter');
    assert.deepEqual((await p.posted(ACTION)).at(-1), { type: ACTION, action: 'openArtifact', path: 'artifacts/model.pkl' });
    const toConsole = await tabTo(page, () => document.activeElement?.getAttribute('role') === 'log');
    assert.ok(toConsole > 0, 'the console log is a Tab stop');
    const log = page.getByRole('log', { name: /^Console log \(last [\d,]+ of 1,048,576 bytes\)$/ });
    assert.equal(await log.count(), 1, 'the log region is named by its heading');
    const scroll = () => page.$eval('[role=log]', (e) => ({ top: e.scrollTop, max: e.scrollHeight - e.clientHeight }));
    const s0 = await scroll();
    assert.equal(s0.top, 0);
    assert.ok(s0.max > 1000, 'the log is longer than its box');
    await page.keyboard.press('PageDown');
    await page.waitForFunction(() => document.querySelector('[role=log]').scrollTop > 0);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('End');
    await page.waitForFunction(() => {
      const e = document.querySelector('[role=log]');
      return e.scrollTop >= e.scrollHeight - e.clientHeight - 2;
    });
    // The run goes on: the host sends the run again with more log; focus stays on the log, which follows its end.
    const more = runDetailShow({ consoleLines: 450 });
    await p.send(encode(more));
    await page.waitForFunction(() => document.querySelector('[role=log]').textContent.includes('epoch 449'));
    const after = await page.evaluate(() => {
      const e = document.querySelector('[role=log]');
      return { focused: document.activeElement === e, atEnd: e.scrollTop >= e.scrollHeight - e.clientHeight - 2 };
    });
    assert.deepEqual(after, { focused: true, atEnd: true });
    assert.equal(show.run.id, more.run.id);
    assert.deepEqual(p.pageErrors, []);
    await p.close();
  });

  test('run detail: the keyboard focus ring is drawn in --vscode-focusBorder in light, dark and high contrast', async ({ browser, server }) => {
    for (const theme of ['light', 'dark', 'high-contrast']) {
      const { p } = await shown(browser, server, { theme });
      const want = hexToRgb(THEMES[theme].vars['--vscode-focusBorder']);
      for (const target of ['button', 'searchbox', 'log']) {
        const presses = await tabTo(p.page, (t) => {
          const a = document.activeElement;
          return t === 'button' ? a?.tagName === 'BUTTON' : t === 'log' ? a?.getAttribute('role') === 'log' : a?.type === 'search';
        });
        assert.ok(presses > 0, `${theme}: a ${target} is reached with Tab`);
        const ring = await p.page.evaluate(() => {
          const cs = getComputedStyle(document.activeElement);
          return { style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), color: cs.outlineColor };
        });
        assert.equal(ring.style, 'solid', `${theme} ${target}`);
        assert.ok(ring.width >= 1, `${theme} ${target}: outline ${ring.width}px`);
        assert.equal(ring.color, want, `${theme} ${target}: focus ring colour`);
      }
      await p.close();
    }
  });
}
