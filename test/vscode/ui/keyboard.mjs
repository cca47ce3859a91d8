// Lineage in a real VS Code with the keyboard only (issue 17): no mouse click, no wheel, only
// page.keyboard. Two short runs are recorded with the CLI in an experiment of their own (the newest, so it
// is the tree's first), then: the activity bar focused from the palette (F1) and Lineage opened from it,
// focus moved into the Experiments tree, arrows to a run (its accessible name, as Chromium computes it, is
// "<name>, finished, …"), Shift+Down to select a second one, Shift+F10 for the context menu and "Compare
// Runs…"; in the Compare webview Tab to the tab list, arrows to Table, Tab into the grid, ArrowDown to a
// row, Enter: the run detail opens on that run (its h1); there Tab to the console log (role=log) and
// PageDown scrolls it. scripts/vscode/run.mjs runs these steps after compare.mjs's, on the same page.
import { cliRunner } from './harness.mjs';
import * as fs from 'node:fs';
import * as path from 'node:path';

const EXPERIMENT = 'keyboard';
/** Recorded in this order: the tree lists the newest first. */
const RUNS = ['keys-alpha', 'keys-beta'];
const SCRIPT = 'keyboard_train.py';
/** Enough console lines that the run detail's console box (max-height 360px) scrolls. */
const CONSOLE_LINES = 300;
const COMPARE_ITEM = 'Compare Runs…';
const MAX_TABS = 40;

const SCRIPT_TEXT = `import sys

import lineage

seed = int(sys.argv[1])
lineage.log_params({"seed": seed})
for step in range(40):
    lineage.log_metric("loss", 1.0 / (step + 1) + seed / 100, step=step)
for i in range(${CONSOLE_LINES}):
    print(f"console line {i} of run seed {seed}")
`;

/**
 * @param {{ page: import('playwright-core').Page, h: ReturnType<typeof import('./harness.mjs').helpers>,
 *   root: string, workspace: string, workDir: string, url?: string, log: (...a: unknown[]) => void }} opts
 *   url: opens the workbench first (when these steps run alone, LINEAGE_VSCODE_UI=keyboard).
 */
export function keyboardSteps({ page, h, root, workspace, workDir, url, log }) {
  const { waitFor, poll, sidebar, runFromPalette, readRuns } = h;
  const cliLog = path.join(workDir, 'ui-cli-runs.log');
  let cdp;

  const cliRun = cliRunner(root, workspace, cliLog);

  /** What has the workbench's focus: the element, and for a list its focused row (aria-activedescendant). */
  const workbenchFocus = () =>
    page.evaluate(() => {
      const a = document.activeElement;
      const row = a?.getAttribute('aria-activedescendant') ? document.getElementById(a.getAttribute('aria-activedescendant')) : null;
      return {
        tag: a?.tagName.toLowerCase() ?? '',
        label: a?.getAttribute('aria-label') ?? '',
        cls: typeof a?.className === 'string' ? a.className : '',
        inExperiments: !!a?.closest('.pane')?.querySelector('.pane-header')?.textContent?.includes('Experiments'),
        rowId: row?.id ?? null,
        rowLabel: row?.getAttribute('aria-label') ?? null,
      };
    });

  /** Chromium's computed role and accessible name of the element with `id` in the workbench document. */
  const axOf = async (id) => {
    cdp ??= await page.context().newCDPSession(page);
    const { root: doc } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: doc.nodeId, selector: `#${id}` });
    if (!nodeId) return null;
    const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
    const n = nodes[0];
    return n ? { role: n.role?.value, name: (n.name?.value ?? '').trim() } : null;
  };

  /** The visible webview document in which `probe` (a selector) exists. */
  const webviewFrame = (what, selector) =>
    poll(
      what,
      async () => {
        for (const f of page.frames()) {
          if (f === page.mainFrame()) continue;
          const ok = await f.evaluate((s) => !!document.querySelector(s), selector).catch(() => false);
          if (ok && (await (await f.frameElement()).isVisible().catch(() => false))) return f;
        }
        return undefined;
      },
      60_000,
    );

  /** The focused element in a webview document, when that document has the focus. */
  const frameFocus = (frame) =>
    frame.evaluate(() => {
      const a = document.activeElement;
      return {
        has: document.hasFocus(),
        tag: a?.tagName.toLowerCase() ?? '',
        id: a?.id ?? '',
        role: a?.getAttribute('role') ?? '',
        selected: a?.getAttribute('aria-selected') ?? '',
        text: (a?.textContent ?? '').trim().slice(0, 80),
        inGrid: !!a?.closest('[role="grid"]'),
      };
    });

  /** Puts the keyboard focus into the active editor's webview (as a user would with the palette) if it is not there. */
  const focusWebview = async (frame) => {
    if ((await frameFocus(frame)).has) return 'already focused';
    await runFromPalette('View: Focus Active Editor Group');
    await poll('the keyboard focus in the webview (View: Focus Active Editor Group)', async () => ((await frameFocus(frame)).has ? true : undefined), 10_000);
    return 'View: Focus Active Editor Group';
  };

  /** Presses `key` until `done(focus)` holds for the webview's focused element; returns the presses. */
  const pressUntil = async (frame, key, done, what, max = MAX_TABS) => {
    let f;
    for (let i = 0; i <= max; i++) {
      f = await frameFocus(frame);
      if (f.has && done(f)) return i;
      if (i < max) await page.keyboard.press(key);
    }
    throw new Error(`${max} × ${key} did not reach ${what}; focus is on <${f.tag}${f.id ? `#${f.id}` : ''}${f.role ? ` role=${f.role}` : ''}> "${f.text}"`);
  };

  let runs = [];
  let compared;

  const steps = [
    [
      'keyboard-record-two-runs-with-the-cli',
      async () => {
        if (url) {
          await page.goto(url);
          await waitFor(page.locator('.monaco-workbench'), 'the workbench (.monaco-workbench)');
        }
        fs.writeFileSync(path.join(workspace, SCRIPT), SCRIPT_TEXT);
        for (const [i, name] of RUNS.entries()) {
          const r = await cliRun(['--name', name, '--experiment', EXPERIMENT, SCRIPT, String(i + 1)]);
          if (r.code !== 0) throw new Error(`lineage run --name ${name} exited ${r.code ?? r.signal}; see ${cliLog}`);
        }
        runs = RUNS.map((name) => readRuns().find((r) => r.name === name && r.experiment === EXPERIMENT));
        if (!runs.every((r) => r?.status === 'finished'))
          throw new Error(`expected ${RUNS.join(' and ')} finished on disk, found ${runs.map((r) => r?.status).join(', ')}`);
      },
    ],

    [
      'keyboard-open-lineage-from-the-activity-bar',
      async () => {
        await page.keyboard.press('Escape');
        await runFromPalette('View: Close All Editors');
        // Another container in the side bar first: Enter on the entry of the one already shown would close it.
        await runFromPalette('View: Show Explorer');
        await runFromPalette('View: Focus Activity Bar');
        // The activity bar is a tab list: arrows move between its entries, Enter opens one.
        const focusedEntry = () =>
          page.evaluate(() => {
            const a = document.activeElement;
            if (!a?.closest('.activitybar')) return null;
            return a.getAttribute('aria-label') || a.querySelector('[aria-label]')?.getAttribute('aria-label') || a.textContent?.trim() || '';
          });
        await poll('the focus in the activity bar (View: Focus Activity Bar)', async () => ((await focusedEntry()) !== null ? true : undefined), 10_000);
        const seen = [];
        for (let i = 0; ; i++) {
          const label = await focusedEntry();
          seen.push(label);
          if (label?.startsWith('Lineage')) break;
          if (i === 15) throw new Error(`ArrowDown through the activity bar never reached Lineage; entries: ${seen.join(' | ')}`);
          await page.keyboard.press('ArrowDown');
        }
        log(`  activity bar: ${seen.length - 1} × ArrowDown to "${seen[seen.length - 1]}"`);
        await page.keyboard.press('Enter');
        const afterEnter = await workbenchFocus();
        await waitFor(sidebar.locator('.pane-header').filter({ hasText: 'Experiments' }).first(), 'the Lineage side bar with its Experiments view');
        // Its runs listed (the extension may still be activating when these steps run alone).
        await waitFor(
          sidebar.getByRole('treeitem', { name: new RegExp(`^${EXPERIMENT}\\b`) }).first(),
          `the experiment "${EXPERIMENT}" in the Experiments tree`,
          {
            timeout: 60_000,
          },
        );
        // Into the Experiments tree: where opening the container left the focus, else Tab (a few), else the
        // view's own focus command from the palette.
        const inTree = (f) => f.inExperiments && f.cls.includes('monaco-list');
        let f = await workbenchFocus();
        log(
          `  focus right after Enter: <${afterEnter.tag} class="${afterEnter.cls}" aria-label="${afterEnter.label}">; once the runs are listed: <${f.tag} class="${f.cls}">`,
        );
        let how = 'the focus was already there';
        if (!inTree(f) && f.tag !== 'body') {
          for (let tabs = 1; tabs <= 5 && !inTree(f); tabs++) {
            await page.keyboard.press('Tab');
            f = await workbenchFocus();
            how = `${tabs} × Tab`;
          }
        }
        if (!inTree(f)) {
          how = `focus on <${f.tag} class="${f.cls}">, so F1 "Lineage: Focus on Experiments View"`;
          await runFromPalette('Lineage: Focus on Experiments View');
          f = await poll(
            'the focus in the Experiments tree',
            async () => {
              const g = await workbenchFocus();
              return inTree(g) ? g : undefined;
            },
            10_000,
          );
        }
        log(`  Enter opened Lineage; into the Experiments tree ("${f.label}"): ${how}`);
      },
    ],

    [
      'keyboard-arrow-to-a-run-and-select-two',
      async () => {
        const [older, newer] = runs;
        // Newest experiment first, newest run first: Home is the "keyboard" experiment, then keys-beta, keys-alpha.
        const want = new RegExp(`^${newer.name}, finished(,|$)`);
        let ax;
        await poll(
          `the focused tree item to be "${newer.name}, finished, …"`,
          async () => {
            // Escape clears what earlier steps left selected (list.clear), Home is the first row.
            await page.keyboard.press('Escape');
            await page.keyboard.press('Home');
            await page.keyboard.press('ArrowDown');
            const f = await workbenchFocus();
            ax = f.rowId ? await axOf(f.rowId) : null;
            return ax?.role === 'treeitem' && want.test(ax.name) ? ax : undefined;
          },
          30_000,
          { every: 500, lastSeen: () => JSON.stringify(ax) },
        );
        log(`  focused tree item: role ${ax.role}, name "${ax.name}"`);
        // Arrows move the focus, not the selection (a custom tree view): select the focused run first
        // (list.toggleSelection), then Shift+ArrowDown adds the next one.
        await page.keyboard.press('Control+Shift+Enter');
        await page.keyboard.press('Shift+ArrowDown');
        const f = await workbenchFocus();
        const next = f.rowId ? await axOf(f.rowId) : null;
        if (!next || !new RegExp(`^${older.name}, finished(,|$)`).test(next.name))
          throw new Error(`Shift+ArrowDown moved to "${next?.name}", not ${older.name}`);
        const selected = await sidebar.locator('.monaco-list-row[aria-selected="true"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label')));
        if (selected.length !== 2 || !RUNS.every((n) => selected.some((s) => s.startsWith(`${n}, `))))
          throw new Error(`Control+Shift+Enter, Shift+ArrowDown should select ${RUNS.join(' and ')}; selected: ${selected.join(' | ')}`);
        log(`  Control+Shift+Enter, Shift+ArrowDown: focus on "${next.name}"; ${selected.length} runs selected`);
      },
    ],

    [
      'keyboard-compare-from-the-context-menu',
      async () => {
        await page.keyboard.press('Shift+F10');
        const focusedItem = page.locator('.monaco-menu .action-item.focused');
        await waitFor(
          page.locator('.monaco-menu .action-item').filter({ hasText: COMPARE_ITEM }).first(),
          `"${COMPARE_ITEM}" in the context menu (Shift+F10)`,
          {
            timeout: 10_000,
          },
        );
        let text = '';
        let downs = 0;
        for (; downs < 30; downs++) {
          // (allInnerTexts does not wait: the menu may open with no item focused yet.)
          text = ((await focusedItem.allInnerTexts())[0] ?? '').trim();
          if (text.startsWith(COMPARE_ITEM)) break;
          await page.keyboard.press('ArrowDown');
        }
        if (!text.startsWith(COMPARE_ITEM)) throw new Error(`ArrowDown in the context menu never focused "${COMPARE_ITEM}" (last: "${text}")`);
        log(`  Shift+F10: ${downs} × ArrowDown to "${COMPARE_ITEM}", Enter`);
        await page.keyboard.press('Enter');
        await waitFor(
          page.locator('.tabs-container .tab.active .label-name').filter({ hasText: h.exactly('Compare 2 runs') }),
          'the active editor tab "Compare 2 runs"',
          {
            timeout: 30_000,
          },
        );
      },
    ],

    [
      'keyboard-compare-table-enter-opens-the-run',
      async () => {
        const frame = await webviewFrame('the Compare webview (its tab list)', 'vscode-panel-tab#tab-table');
        log(`  focus into the Compare webview: ${await focusWebview(frame)}`);
        const toTabs = await pressUntil(frame, 'Tab', (f) => f.tag === 'vscode-panel-tab', 'the Compare tab list');
        const toTable = await pressUntil(frame, 'ArrowRight', (f) => f.id === 'tab-table' && f.selected === 'true', 'the Table tab', 10);
        const toGrid = await pressUntil(frame, 'Tab', (f) => f.inGrid, 'the runs table grid');
        await page.keyboard.press('ArrowDown');
        const cell = await frameFocus(frame);
        if (cell.role !== 'rowheader') throw new Error(`ArrowDown in the grid focused role=${cell.role} "${cell.text}", not a row's name`);
        compared = runs.find((r) => cell.text.startsWith(r.name));
        if (!compared) throw new Error(`the focused row "${cell.text}" is neither of ${RUNS.join(', ')}`);
        log(`  Compare: ${toTabs} × Tab to the tabs, ${toTable} × ArrowRight to Table, ${toGrid} × Tab into the grid, ArrowDown to "${compared.name}"`);
        await page.keyboard.press('Enter');
      },
    ],

    [
      'keyboard-run-detail-console-scrolls',
      async () => {
        const frame = await webviewFrame('the run detail webview (its console log)', 'pre#console-log[role="log"]');
        const h1 = await poll(
          'the run detail h1',
          async () =>
            (
              await frame
                .locator('h1')
                .first()
                .innerText()
                .catch(() => '')
            ).trim() || undefined,
          30_000,
        );
        // "Run" is the loading page's heading.
        const title = await poll(
          `the run detail h1 to be ${compared.name}`,
          async () => {
            const t = (
              await frame
                .locator('h1')
                .first()
                .innerText()
                .catch(() => '')
            ).trim();
            return t === compared.name ? t : undefined;
          },
          30_000,
          { lastSeen: () => h1 },
        );
        log(`  run detail opened: h1 "${title}"`);
        log(`  focus into the run detail webview: ${await focusWebview(frame)}`);
        const toLog = await pressUntil(frame, 'Tab', (f) => f.role === 'log', 'the console log (role=log)');
        const logBox = frame.locator('pre#console-log');
        const before = await logBox.evaluate((e) => ({ top: e.scrollTop, height: e.scrollHeight, client: e.clientHeight }));
        if (!(before.height > before.client)) throw new Error(`the console log does not overflow (${before.height} ≤ ${before.client} px): nothing to scroll`);
        await page.keyboard.press('PageDown');
        const after = await poll(
          'the console log to scroll on PageDown',
          async () => {
            const t = await logBox.evaluate((e) => e.scrollTop);
            return t > before.top ? t : undefined;
          },
          5_000,
        );
        log(`  ${toLog} × Tab to the console log; PageDown: scrollTop ${before.top} → ${after} (of ${before.height - before.client})`);
        await runFromPalette('View: Close All Editors');
      },
    ],
  ];
  return steps;
}
