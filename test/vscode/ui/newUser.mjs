// The UI pass, as a new user would do it in a real VS Code (code-server) with Chromium: open the example
// folder, open train.py, run it from its "▶ Run experiment" code lens, see the notification and the run's
// terminal, open the Lineage view and find the run finished with its metric, filter the tree (a match, then
// no match, then clear), rerun it with a changed parameter from the tree's context menu, run the long
// long_train.py from the command palette and stop it from the status bar, and end with a screenshot of the
// view, the lenses and the finished runs. scripts/vscode/run.mjs runs these steps (harness.mjs's runSteps),
// then compare.mjs's, on one page; it puts long_train.py in the workspace (test/vscode/fixtures/).
import * as path from 'node:path';
import { STEP_TIMEOUT_MS } from './harness.mjs';

const RUN_COMMAND = 'Lineage: Run Current File as Experiment';
const TERMINAL_NAME = 'Lineage: train.py';
const RUN_LENS = '▶ Run experiment';
const GBR_FILTER = 'params.model = "gbr"';
const RF_FILTER = 'params.model = "rf"';
const NO_MATCH = 'No run matches the filter.';
const RERUN_ITEM = 'Rerun with Changed Parameters…';
const NEW_ARGS = '--n-estimators 30';

/**
 * The steps, as [name, fn] pairs for runSteps (harness.mjs).
 * @param {{ page: import('playwright-core').Page, h: ReturnType<typeof import('./harness.mjs').helpers>,
 *   url: string, resultsDir: string, log: (...a: unknown[]) => void }} opts
 */
export function newUserSteps({ page, h, url, resultsDir, log }) {
  const { waitFor, poll, quickInput, sidebar, runItems, runFromPalette, quickOpen, answerInput, runsDir, readRuns, paramsOf } = h;

  let toastText;
  let firstRun;
  let longRun;

  const steps = [
    [
      'open-workbench',
      async () => {
        await page.goto(url);
        await waitFor(page.locator('.monaco-workbench'), 'the workbench (.monaco-workbench)');
        // The folder is open once the explorer lists the example's files.
        await waitFor(page.getByRole('treeitem', { name: 'train.py' }).first(), 'train.py in the explorer');
      },
    ],
    [
      'quick-open-train-py',
      async () => {
        await quickOpen('train.py');
      },
    ],
    [
      'run-from-code-lens',
      async () => {
        // The lenses come once the extension (activated by the Python editor) has provided them.
        const lens = page.locator('.monaco-editor .codelens-decoration a').filter({ hasText: RUN_LENS }).first();
        await waitFor(lens, `the "${RUN_LENS}" code lens above train.py`);
        const lenses = (await page.locator('.monaco-editor .codelens-decoration').first().innerText()).replace(/\s+/g, ' ').trim();
        log(`  lenses: ${lenses}`);
        await lens.click();
      },
    ],
    [
      'notification',
      async () => {
        const toast = page
          .locator('.notifications-toasts .notification-list-item-message')
          .filter({ hasText: /Lineage: run .* (finished|failed|killed)/ })
          .first();
        await waitFor(toast, 'the notification "Lineage: run … finished/failed"');
        toastText = (await toast.innerText()).trim();
        log(`  toast: ${toastText}`);
        // "Lineage: run <name> finished in 2.9 s · val_rmse 23,577": the key metric (validation first).
        if (!/ finished in [\d.]+ s · val_\w+ [\d,.]+/.test(toastText)) {
          throw new Error(`the notification does not say "finished" with a validation metric: "${toastText}"`);
        }
      },
    ],
    [
      'terminal',
      async () => {
        // The run streams into a terminal named after the script; its tab (or the single-terminal title) shows it.
        const panel = page.locator('.part.panel');
        await waitFor(panel, 'the panel');
        await waitFor(panel.getByText(TERMINAL_NAME, { exact: false }).first(), `the terminal "${TERMINAL_NAME}" in the panel`);
        // Its text (DOM renderer: terminal.integrated.gpuAcceleration is off in the test settings) ends with the
        // script's summary and Lineage's closing line.
        const rows = panel.locator('.terminal-wrapper.active .xterm-rows, .terminal-wrapper .xterm-rows').first();
        const end = Date.now() + STEP_TIMEOUT_MS;
        let text;
        for (;;) {
          text = (await rows.innerText().catch(() => '')).replace(/\u00a0/g, ' ');
          if (/val_rmse=\s*[\d.]+/.test(text) && /\[Lineage\] run finished in/.test(text)) break;
          if (Date.now() > end) throw new Error(`the terminal does not show val_rmse and "[Lineage] run finished"; it shows:\n${text.slice(-600)}`);
          await page.waitForTimeout(250);
        }
        log(
          `  terminal: ${text
            .trim()
            .split('\n')
            .filter((l) => /val_rmse=\S+ EUR|\[Lineage\] run/.test(l))
            .map((l) => l.trim())
            .join(' | ')}`,
        );
        // The run folder is on disk as the notification said.
        const finished = readRuns().filter((r) => r.status === 'finished');
        if (finished.length !== 1) throw new Error(`expected one finished run.json under ${runsDir}, found ${finished.length}`);
        firstRun = finished[0];
      },
    ],
    [
      'open-lineage-view',
      async () => {
        const entry = page.locator('.activitybar .action-item a.action-label[aria-label^="Lineage"]').first();
        await waitFor(entry, 'the Lineage entry in the activity bar');
        log(`  activity bar: aria-label "${await entry.getAttribute('aria-label')}"`);
        // A click on the active container's entry would close it: click only when Lineage is not shown.
        const active = await entry.evaluate((a) => a.closest('.action-item')?.classList.contains('checked') ?? false);
        if (!active) await entry.click();
        await waitFor(
          sidebar
            .locator('.pane-header')
            .filter({ hasText: /Experiments/i })
            .first(),
          'the Experiments view in the side bar',
        );
      },
    ],
    [
      'run-in-tree',
      async () => {
        // Finished, with its key metric in the row: "<name>, finished, val_rmse 23,577".
        const row = runItems('finished').filter({ hasText: 'val_rmse' }).first();
        await waitFor(row, 'the run finished in the Experiments tree with val_rmse');
        const label = await row.getAttribute('aria-label');
        const description = (
          await row
            .locator('.label-description')
            .first()
            .innerText()
            .catch(() => '')
        ).trim();
        log(`  tree: "${label}" (description "${description}")`);
        if (!label?.startsWith(`${firstRun.name}, finished`)) throw new Error(`the tree row is not run ${firstRun.name}: "${label}"`);
      },
    ],
    [
      'filter-match',
      async () => {
        await runFromPalette('Lineage: Filter Runs…');
        await answerInput(GBR_FILTER, 'the filter input box');
        // The view says what it shows, and the run is still listed.
        await waitFor(sidebar.getByText(`Filter: ${GBR_FILTER} — 1 run(s)`).first(), `the view message "Filter: ${GBR_FILTER} — 1 run(s)"`);
        await waitFor(runItems('finished').filter({ hasText: 'val_rmse' }).first(), 'the run listed under the filter');
      },
    ],
    [
      'filter-no-match',
      async () => {
        await runFromPalette('Lineage: Filter Runs…');
        // The box opens with the current filter; it is replaced.
        await waitFor(quickInput, 'the filter input box');
        const prefilled = await quickInput.inputValue();
        if (prefilled !== GBR_FILTER) throw new Error(`the filter box should open with the current filter "${GBR_FILTER}", it holds "${prefilled}"`);
        await answerInput(RF_FILTER, 'the filter input box');
        await waitFor(sidebar.getByRole('treeitem', { name: NO_MATCH }).first(), `"${NO_MATCH}" in the tree`);
        await waitFor(runItems('finished').first(), 'the run hidden by the filter', { state: 'hidden', timeout: 10_000 });
      },
    ],
    [
      'clear-filter',
      async () => {
        await runFromPalette('Lineage: Clear Filter');
        await waitFor(runItems('finished').filter({ hasText: 'val_rmse' }).first(), 'the run listed again');
        await waitFor(sidebar.getByRole('treeitem', { name: NO_MATCH }).first(), `"${NO_MATCH}" gone`, { state: 'hidden', timeout: 10_000 });
      },
    ],
    [
      'rerun-with-changed-params',
      async () => {
        const row = runItems('finished').first();
        await row.click({ button: 'right' });
        const item = page.locator('.monaco-menu .action-item').filter({ hasText: RERUN_ITEM }).first();
        await waitFor(item, `"${RERUN_ITEM}" in the run's context menu`);
        // The menu acts on mouse up over an item it has highlighted: hover first, then click; Enter on the
        // highlighted item if the menu is still open.
        await item.hover();
        await item.locator('a.action-menu-item').first().click();
        if (await item.isVisible().catch(() => false)) {
          await page.waitForTimeout(500);
          if (await item.isVisible().catch(() => false)) await page.keyboard.press('Enter');
        }
        await waitFor(quickInput, 'the arguments input box');
        // Prefilled with the run's arguments (the lens ran train.py without any).
        const expected = firstRun.command.slice(firstRun.command.findIndex((a) => a.endsWith('.py')) + 1).join(' ');
        const prefilled = await quickInput.inputValue();
        if (prefilled !== expected) throw new Error(`the box should hold the run's arguments "${expected}", it holds "${prefilled}"`);
        await answerInput(`${prefilled} ${NEW_ARGS}`.trim(), 'the arguments input box');
        // A second run, finished, in the tree.
        await poll('two finished runs in the Experiments tree', async () => ((await runItems('finished').count()) === 2 ? true : undefined));
        const second = readRuns().find((r) => r.id !== firstRun.id && r.status === 'finished');
        if (!second) throw new Error('no second finished run.json');
        if (!second.command.join(' ').endsWith(`train.py ${NEW_ARGS}`)) throw new Error(`the rerun's command is "${second.command.join(' ')}"`);
        const params = paramsOf(second.id);
        if (params.n_estimators !== 30) throw new Error(`the rerun's n_estimators param is ${JSON.stringify(params.n_estimators)}, not 30`);
        if (paramsOf(firstRun.id).n_estimators !== 200) throw new Error("the first run's n_estimators is not 200");
        log(`  rerun: ${second.name} (${second.id}) with ${NEW_ARGS}: params.n_estimators = ${params.n_estimators}`);
      },
    ],
    [
      'compare-two-runs-from-the-tree',
      async () => {
        // Select both finished runs, then "Compare Runs…" from the context menu: curves, then the table.
        const rows = runItems('finished');
        await h.contextMenu(rows.nth(1), 'Compare Runs…', {
          log,
          select: async () => {
            await rows.nth(0).click();
            await rows.nth(1).click({ modifiers: ['Control'] });
          },
        });
        const frame = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
        await waitFor(frame.locator('.js-plotly-plot').first(), 'a curve chart in the Compare panel', { timeout: 60_000 });
        const traces = await frame.locator('.js-plotly-plot .scatterlayer .trace').count();
        if (traces < 2) throw new Error(`the curves show ${traces} trace(s) for two runs`);
        await frame.locator('#tab-table').click();
        await poll('two runs in the Compare table', async () => ((await frame.locator('.dt-row').count()) >= 2 ? true : undefined), 30_000);
        const text = (await frame.locator('.dt-body').innerText()).replace(/\s+/g, ' ');
        for (const r of readRuns().filter((x) => x.status === 'finished'))
          if (!text.includes(r.name)) throw new Error(`the table does not name run ${r.name}: ${text.slice(0, 200)}`);
        const head = (await frame.locator('.dt-head').innerText()).replace(/\s+/g, ' ');
        if (!/val_rmse/.test(head)) throw new Error(`the table has no val_rmse column: ${head.slice(0, 300)}`);
        if (!/n_estimators/.test(head)) throw new Error(`the table has no n_estimators column: ${head.slice(0, 300)}`);
        log(`  compare: ${traces} traces; table: ${text.slice(0, 120)}…`);
        await runFromPalette('View: Close Editor');
      },
    ],
    [
      'stop-from-status-bar',
      async () => {
        await quickOpen('long_train.py');
        await runFromPalette(RUN_COMMAND);
        // The status bar shows the live run (newest metric) and stops it on click.
        const item = page
          .locator('.statusbar .statusbar-item')
          .filter({ has: page.locator('[aria-label*="Lineage"]') })
          .or(page.locator('.statusbar .statusbar-item[aria-label*="Lineage"]'))
          .first();
        await waitFor(item, 'the Lineage status bar item of the live run');
        longRun = await poll('the live run of long_train.py on disk', () =>
          readRuns().find((r) => r.status === 'running' && r.command.some((a) => a.endsWith('long_train.py'))),
        );
        await waitFor(runItems('running').first(), 'the running run in the tree');
        // Let it log a little so the item shows a metric.
        await poll('a metric in the status bar item', async () => (/loss/.test(await item.innerText()) ? true : undefined), 30_000);
        log(`  status bar: "${(await item.innerText()).replace(/\s+/g, ' ').trim()}"`);
        await item.click();
        const killed = await poll(
          'run.json status killed',
          () => {
            const r = readRuns().find((x) => x.id === longRun.id);
            return r && r.status !== 'running' ? r : undefined;
          },
          30_000,
        );
        if (killed.status !== 'killed') throw new Error(`the long run ended ${killed.status}, not killed`);
        await waitFor(runItems('killed').first(), 'the run killed in the tree', { timeout: 30_000 });
        await waitFor(item, 'the status bar item gone', { state: 'hidden', timeout: 30_000 });
        log(`  stopped: ${await runItems('killed').first().getAttribute('aria-label')}`);
      },
    ],
    [
      'final-screenshot',
      async () => {
        // train.py in the editor with its lenses (the last run's metric among them), the Lineage view beside it.
        await quickOpen('train.py');
        await waitFor(
          page
            .locator('.monaco-editor .codelens-decoration')
            .filter({ hasText: /Last run: val_rmse/ })
            .first(),
          'the "Last run: val_rmse …" code lens on train.py',
        );
        await runFromPalette('Notifications: Clear All Notifications');
        await waitFor(page.locator('.notifications-toasts .notification-list-item').first(), 'the notifications cleared', { state: 'hidden', timeout: 10_000 });
        await waitFor(runItems('finished').filter({ hasText: 'val_rmse' }).first(), 'a finished run in the tree');
        // The pointer off any hover (it last clicked the status bar).
        await page.mouse.move(900, 320);
        await page.waitForTimeout(800);
        await page.screenshot({ path: path.join(resultsDir, 'final.png') });
      },
    ],
  ];
  return steps;
}
