// Accessibility audit of every webview page (issue 17): axe-core (Deque's rule engine, a dev dependency)
// run inside the stand-in host on every panel and tab — Compare: curves, parallel, scatter, bars, table,
// table with hidden runs; Run detail — in VS Code's light, dark and high-contrast themes, with the rules
// tagged wcag2a, wcag2aa, wcag21aa and best-practice.
//
// A page fails on any serious or critical violation, and on any moderate or minor one not in ALLOWED (each
// kept rule with the reason it is kept). A table of counts by impact, per page and theme, is printed.
//
// axe is evaluated through the DevTools protocol (page.evaluate of its source), which the page's
// Content-Security-Policy does not govern: the page keeps its real CSP (no nonce for axe, no
// 'unsafe-eval' on Run detail), and each audit checks that no CSP violation was reported.
// Registered by run.mjs; run alone with `node test/webview/run.mjs axe`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importTs } from './tsModule.mjs';

const { encode, loadFixture, openPanel, openRunDetail, root, runDetailShow, RunDetail } = await importTs('test/webview/lib.ts');

const AXE_SOURCE = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
export const THEME_NAMES = ['light', 'dark', 'high-contrast'];
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'];
const IMPACTS = ['critical', 'serious', 'moderate', 'minor'];

/**
 * Moderate or minor rules a page may still break, each with why it is kept. Serious and critical ones are
 * never allowed. Empty: every page passes every rule; add an entry only with a reason a reviewer accepts.
 */
export const ALLOWED = {};

/** Runs axe on the page as it is; returns its violations (rule, impact, help, the first nodes). */
export async function runAxe(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    // A sanity check that the engine ran here (and not on an empty or blocked page): rules that passed.
    if (r.passes.length < 10) throw new Error(`axe ran only ${r.passes.length} passing rules on ${document.title}`);
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), why: n.failureSummary })),
    }));
  }, TAGS);
}

/** The violations that fail a page: serious/critical, or moderate/minor outside ALLOWED. */
export function failing(violations) {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || !(v.id in ALLOWED));
}

const describe = (vs) =>
  vs
    .map(
      (v) =>
        `  ${v.impact} ${v.id} (${v.help}), ${v.nodes.length} node(s): ${v.nodes
          .slice(0, 3)
          .map((n) => `${n.target} — ${n.why.replace(/\s+/g, ' ').slice(0, 160)}`)
          .join(' | ')}`,
    )
    .join('\n');

function printTable(page, rows) {
  const head = `axe ${page}`.padEnd(34) + IMPACTS.map((i) => i.padStart(9)).join('') + '  allowed  rules';
  console.log(`     ${head}`);
  for (const r of rows) {
    const count = (i) => r.violations.filter((v) => v.impact === i).reduce((n, v) => n + v.nodes.length, 0);
    const allowed = r.violations.filter((v) => !failing([v]).length).length;
    console.log(
      `     ${`  ${r.theme}`.padEnd(34)}${IMPACTS.map((i) => String(count(i)).padStart(9)).join('')}${String(allowed).padStart(9)}  ${r.violations.map((v) => v.id).join(', ') || '—'}`,
    );
  }
}

/** Audits one page in every theme; `open(theme)` returns a panel showing it, ready to check. */
async function auditPage(name, open) {
  const rows = [];
  for (const theme of THEME_NAMES) {
    const p = await open(theme);
    try {
      const violations = await runAxe(p.page);
      rows.push({ theme, violations, csp: await p.violations(), errors: [...p.pageErrors] });
    } finally {
      await p.close();
    }
  }
  printTable(name, rows);
  const problems = [];
  for (const r of rows) {
    const bad = failing(r.violations);
    if (bad.length) problems.push(`${name} / ${r.theme}:\n${describe(bad)}`);
    if (r.csp.length) problems.push(`${name} / ${r.theme}: CSP violations ${JSON.stringify(r.csp)}`);
    if (r.errors.length) problems.push(`${name} / ${r.theme}: page errors ${r.errors.join('; ')}`);
  }
  assert.ok(problems.length === 0, `accessibility violations:\n${problems.join('\n')}`);
}

/** Lets the page finish what the last frame started (plotly's deferred layout, fonts). */
const settle = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 150)))));

/** Compare's tabs, each opened from an init whose settings show it (the way a reopened panel starts). */
const COMPARE_PAGES = [
  { name: 'Compare: curves', settings: { tab: 'curves' } },
  { name: 'Compare: parallel', settings: { tab: 'parallel' } },
  { name: 'Compare: scatter', settings: { tab: 'scatter' } },
  { name: 'Compare: bars', settings: { tab: 'bars' } },
  { name: 'Compare: table', settings: { tab: 'table' } },
  { name: 'Compare: table, a run hidden', settings: { tab: 'table', hiddenRuns: ['r2'] } },
];

export default function register(test) {
  for (const c of COMPARE_PAGES) {
    test(`axe: ${c.name} in light, dark and high-contrast themes`, async ({ browser, server }) => {
      await auditPage(c.name, async (theme) => {
        const p = await openPanel(browser, server, { theme });
        const init = loadFixture('basic-init.json');
        init.settings = { ...init.settings, ...c.settings };
        await p.init(init);
        const shown = await p.page.evaluate((tab) => {
          const view = document.getElementById(`view-${tab}`);
          return !!view && !view.hidden && getComputedStyle(view).display !== 'none';
        }, c.settings.tab);
        assert.ok(shown, `the ${c.settings.tab} tab is shown`);
        await settle(p.page);
        return p;
      });
    });
  }

  test('axe: Run detail in light, dark and high-contrast themes', async ({ browser, server }) => {
    await auditPage('Run detail', async (theme) => {
      const p = await openRunDetail(browser, server, { theme });
      // Before the host answers: the loading page is audited as part of the first theme.
      if (theme === THEME_NAMES[0]) {
        const early = failing(await runAxe(p.page));
        assert.ok(early.length === 0, `Run detail before its data:\n${describe(early)}`);
      }
      const show = runDetailShow();
      await p.send(encode(show));
      await p.page.waitForFunction((name) => document.querySelector('h1')?.textContent === name, show.run.name);
      assert.equal((await p.posted(RunDetail.RunDetailReady.type)).length, 1);
      await settle(p.page);
      return p;
    });
  });

  // The Explain panel: every tab, an approximate explanation (warning, error bars) and hostile names;
  // What-if both enabled (after a prediction) and disabled (untrusted workspace), with tables shown.
  for (const c of EXPLAIN_PAGES) {
    test(`axe: Explain: ${c.name} in light, dark and high-contrast themes`, async ({ browser, server }) => {
      const { shownExplain, explanation, whatIfAnswerReady } = await explainHelpers();
      await auditPage(`Explain: ${c.name}`, async (theme) => {
        const { p } = await shownExplain(browser, server, explanation(c.explanation), c.init, { theme });
        await c.then?.(p, whatIfAnswerReady);
        await settle(p.page);
        return p;
      });
    });
  }

  // The Drift panel: a drifted batch with a categorical column's distribution (the new category) and the tables
  // shown, a batch that could not be read, and hostile column names; over time drawn on each.
  for (const c of DRIFT_PAGES) {
    test(`axe: Drift: ${c.name} in light, dark and high-contrast themes`, async ({ browser, server }) => {
      const { shownDrift } = await import('./drift.mjs');
      await auditPage(`Drift: ${c.name}`, async (theme) => {
        const { p } = await shownDrift(browser, server, c.fixture, c.state, { theme });
        await c.then?.(p);
        await settle(p.page);
        return p;
      });
    });
  }
}

const DRIFT_PAGES = [
  {
    name: 'drifted batch, location, tables shown',
    fixture: { predictions: true },
    state: { batch: 3, column: 'location' },
    then: async (p) => {
      await p.waitEvents('distribution-drawn');
      await showTables(p);
    },
  },
  { name: 'a batch that could not be read', fixture: { failing: true, batches: 2 }, state: { batch: 2 } },
  {
    name: 'hostile column names, sorted by risk',
    fixture: { hostile: true },
    state: { batch: 2, sort: 'risk' },
    then: (p) => p.waitEvents('distribution-drawn'),
  },
];

/** The Explain panel's helpers (explain.mjs and its fixtures), loaded when an Explain audit runs. */
async function explainHelpers() {
  const m = await import('./explain.mjs');
  const { explanation } = await importTs('test/webview/lib.ts');
  return { shownExplain: m.shownExplain, explanation, whatIfAnswerReady: (p) => p.waitEvents('whatif-drawn') };
}

const showTables = (p) => p.page.$$eval('.chart-card:not([hidden]) .chart-tools button[aria-pressed]', (bs) => bs.forEach((b) => b.click()));

const EXPLAIN_PAGES = [
  {
    name: 'global, tables shown',
    explanation: { rows: 200, features: 8 },
    init: { tab: 'global' },
    then: async (p) => {
      await p.waitEvents('dependence-drawn');
      await showTables(p);
    },
  },
  { name: 'global, hostile names', explanation: { rows: 100, features: 8, hostile: true }, init: { tab: 'global' } },
  {
    name: 'row, approximate (Kernel SHAP)',
    explanation: { rows: 100, features: 14, method: 'kernel' },
    init: { tab: 'row' },
    then: async (p) => {
      await p.waitEvents('row-drawn');
      await p.page.click('button.find-rows');
      await p.waitEvents('rows-found');
      await showTables(p);
    },
  },
  {
    name: 'what-if after a prediction and a counterfactual',
    explanation: { rows: 100, features: 6 },
    init: { tab: 'whatif' },
    then: async (p, drawn) => {
      await p.waitEvents('whatif-form');
      await p.page.click('button.predict');
      await drawn(p);
      await p.page.fill('#cf-target', '1');
      await p.page.click('button.find-counterfactual');
      await p.waitEvents('counterfactual-drawn');
    },
  },
  {
    name: 'what-if in an untrusted workspace',
    explanation: { rows: 50, features: 5 },
    init: { tab: 'whatif', whatIf: { enabled: false, reason: 'What-if is off in an untrusted workspace. Trust this folder to use it.', needsTrust: true } },
    then: (p) => p.waitEvents('whatif-form'),
  },
  { name: 'compare runs', explanation: { rows: 100, features: 8 }, init: { tab: 'compare' }, then: (p) => p.waitEvents('compare-drawn') },
];
