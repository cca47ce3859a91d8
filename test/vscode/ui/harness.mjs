// What the UI modules (newUser.mjs, compare.mjs) share: the page, helpers that drive the workbench the way
// a user would (palette, Quick Open, the Lineage tree and its context menu), the run folders on disk, and
// the step runner that stops at the first failure with a screenshot.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const STEP_TIMEOUT_MS = 120_000;
/** Debian's interpreter: the one that sees python3-sklearn (the `python3` first on PATH does not). */
export const PYTHON = '/usr/bin/python3';

/** `lineage run` from the built CLI in the workspace, its output appended to `cliLog`; each call resolves with its exit. */
export function cliRunner(root, workspace, cliLog) {
  return (args) =>
    new Promise((resolve, reject) => {
      const out = fs.openSync(cliLog, 'a');
      const child = spawn(process.execPath, [path.join(root, 'dist', 'cli.js'), 'run', '--quiet', '--python', PYTHON, ...args], {
        cwd: workspace,
        env: { ...process.env, LINEAGE_PYTHON: PYTHON },
        stdio: ['ignore', out, out],
      });
      fs.closeSync(out);
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
}

/** A page whose console goes to `consoleLog`. */
export async function openPage(context, consoleLog) {
  const page = await context.newPage();
  const pageLog = fs.createWriteStream(consoleLog);
  page.on('console', (m) => pageLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => pageLog.write(`[pageerror] ${e.message}\n`));
  page.once('close', () => pageLog.end());
  return page;
}

/** Helpers bound to `page` and the workspace. */
export function helpers(page, workspace) {
  /** Waits for `locator` to be visible (or `state`), failing with what was awaited rather than a selector. */
  const waitFor = async (locator, what, { state = 'visible', timeout = STEP_TIMEOUT_MS } = {}) => {
    try {
      await locator.waitFor({ state, timeout });
    } catch (err) {
      throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${state === 'visible' ? '' : ` to be ${state}`}`, { cause: err });
    }
  };
  /** Polls `probe` until it returns a value other than undefined; the last error or `lastSeen()` says why not. */
  const poll = async (what, probe, timeout = STEP_TIMEOUT_MS, { every = 250, lastSeen } = {}) => {
    const end = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (err) {
        last = err;
      }
      if (Date.now() > end) {
        const seen = lastSeen ? ` (last seen: ${lastSeen()})` : last ? ` (${last.message})` : '';
        throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}${seen}`);
      }
      await page.waitForTimeout(every);
    }
  };
  const quickInput = page.locator('.quick-input-widget .quick-input-box input');
  const quickRow = (text) => page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: text }).first();
  const sidebar = page.locator('.part.sidebar');
  /** The Experiments view's run rows: their accessible name is "<name>, <status>[, <metric> <value>]". */
  const runItems = (status) => sidebar.getByRole('treeitem', { name: new RegExp(`, ${status}(,|$)`) });
  /** The row of the run named `name` (any status). */
  const runRow = (name) => sidebar.getByRole('treeitem', { name: new RegExp(`^${escapeRe(name)}, `) });

  /**
   * Scrolls the Experiments tree with the mouse wheel, from the top down, until `row` is shown (the tree is
   * virtualised: only rows in view exist). Returns whether it is.
   */
  const revealInTree = async (row) => {
    const shown = () => row.isVisible().catch(() => false);
    if (await shown()) return true;
    const list = sidebar.locator('.pane-body .monaco-list').first();
    const box = await list.boundingBox();
    if (!box) return false;
    // Over the rows, clear of the sticky experiment header the tree keeps at its top.
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.6);
    // A wheel event moves the list a bounded distance, however large its delta: wheel until row 0 is in view.
    const top = list.locator('.monaco-list-rows > .monaco-list-row[data-index="0"]');
    for (let i = 0; i < 100 && !(await top.isVisible().catch(() => false)); i++) await page.mouse.wheel(0, -box.height);
    for (let i = 0; i < 100 && !(await shown()); i++) {
      await page.mouse.wheel(0, Math.max(44, box.height / 2));
      await page.waitForTimeout(50);
    }
    return shown();
  };

  /** F1, the command's title, Enter; retried while the command is not (yet) in the palette. */
  const runFromPalette = async (title, { timeout = STEP_TIMEOUT_MS } = {}) => {
    const end = Date.now() + timeout;
    for (;;) {
      await page.keyboard.press('F1');
      await waitFor(quickInput, 'the command palette (F1)');
      await quickInput.fill(`>${title}`);
      try {
        await quickRow(title).waitFor({ state: 'visible', timeout: 10_000 });
        break;
      } catch {
        await page.keyboard.press('Escape');
        if (Date.now() > end) throw new Error(`"${title}" never appeared in the command palette`);
      }
    }
    await page.keyboard.press('Enter');
  };
  /** Exactly `text` (train.py, not long_train.py). */
  const exactly = (text) => new RegExp(`^${escapeRe(text)}$`);
  const quickOpen = async (file) => {
    const activeTab = page.locator('.tabs-container .tab.active .label-name').filter({ hasText: exactly(file) });
    for (let attempt = 1; ; attempt++) {
      await page.keyboard.press('Control+P');
      await waitFor(quickInput, 'Quick Open (Control+P)');
      await quickInput.fill(file);
      // "train.py" also finds long_train.py, maybe first, and the list changes as results come in: once a
      // row named exactly `file` is there, move the focus onto it (as a user would with the arrow keys).
      const name = (row) =>
        row
          .locator('.label-name')
          .first()
          .innerText()
          .then((t) => t.trim())
          .catch(() => '');
      await waitFor(
        page
          .locator('.quick-input-widget .monaco-list-row .label-name')
          .filter({ hasText: exactly(file) })
          .first(),
        `${file} in the Quick Open list`,
      );
      await page.waitForTimeout(300);
      const focused = page.locator('.quick-input-widget .monaco-list-row.focused').first();
      for (let i = 0; i < 10 && (await name(focused)) !== file; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      try {
        await activeTab.waitFor({ state: 'visible', timeout: 10_000 });
        break;
      } catch (err) {
        await page.keyboard.press('Escape');
        if (attempt === 3) throw new Error(`${file} did not become the active editor tab (3 tries with Quick Open)`, { cause: err });
      }
    }
    await waitFor(page.locator('.editor-instance .monaco-editor .view-lines').first(), 'the editor text');
  };
  /**
   * Opens a workspace file from the Explorer, folder by folder, as a user clicks. For a file written while the
   * workbench runs: Quick Open's file search did not list such a file within 120 s in a long UI pass (CI),
   * though it did in a fresh workbench; the Explorer follows the file watcher.
   */
  const openInExplorer = async (rel) => {
    const parts = rel.split('/');
    const name = parts[parts.length - 1];
    const activeTab = page.locator('.tabs-container .tab.active .label-name').filter({ hasText: exactly(name) });
    const explorer = page.locator('.explorer-folders-view');
    const row = (label) =>
      explorer
        .locator('.monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: exactly(label) }) })
        .first();
    for (let attempt = 1; ; attempt++) {
      await runFromPalette('View: Show Explorer');
      await waitFor(explorer, 'the Explorer');
      for (const folder of parts.slice(0, -1)) {
        const r = row(folder);
        await waitFor(r, `${folder}/ in the Explorer`);
        if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
      }
      const file = row(name);
      await waitFor(file, `${rel} in the Explorer`);
      await file.click();
      try {
        await activeTab.waitFor({ state: 'visible', timeout: 10_000 });
        break;
      } catch (err) {
        if (attempt === 3) throw new Error(`${rel} did not become the active editor tab (3 tries from the Explorer)`, { cause: err });
      }
    }
    await waitFor(page.locator('.editor-instance .monaco-editor .view-lines').first(), 'the editor text');
  };
  /** Types `text` into the open input box (replacing what it holds) and presses Enter. */
  const answerInput = async (text, what) => {
    await waitFor(quickInput, what);
    await quickInput.fill(text);
    await page.keyboard.press('Enter');
    await waitFor(quickInput, what, { state: 'hidden' });
  };
  /**
   * Chooses `label` from the context menu of `row`, after `select()` made the selection. The menu sometimes
   * opens before the selection settles or closes under the pointer: the whole gesture is retried.
   */
  const contextMenu = async (row, label, { select = async () => {}, tries = 4, log = () => {} } = {}) => {
    const item = page.locator('.monaco-menu .action-item').filter({ hasText: label }).first();
    for (let attempt = 1; attempt <= tries; attempt++) {
      await page.keyboard.press('Escape');
      await select();
      await page.waitForTimeout(300);
      await row.click({ button: 'right' });
      try {
        await item.waitFor({ state: 'visible', timeout: 5_000 });
        // The menu acts on mouse up over an item it has highlighted: hover first, then click.
        await item.hover({ timeout: 5_000 });
        await item.locator('a.action-menu-item').first().click({ timeout: 5_000 });
        // A click the menu did not act on leaves it open with the item highlighted: Enter chooses it then.
        const menu = page.locator('.monaco-menu').first();
        if (await menu.isVisible().catch(() => false)) {
          await page.waitForTimeout(500);
          if (await menu.isVisible().catch(() => false)) {
            log(`  (the context menu stayed open after the click on "${label}"; pressing Enter)`);
            await page.keyboard.press('Enter');
            await menu.waitFor({ state: 'hidden', timeout: 5_000 });
          }
        }
        return;
      } catch {
        log(`  (context menu attempt ${attempt} for "${label}" missed; retrying)`);
      }
    }
    throw new Error(`"${label}" could not be chosen from the context menu in ${tries} tries`);
  };

  const runsDir = path.join(workspace, '.lineage', 'runs');
  const readRuns = () => readRunRecords(runsDir);
  /** Params, and per metric its points in file order, from the run's events.jsonl (what the script wrote). */
  const eventsOf = (id) => {
    const params = {};
    const metrics = {};
    const file = path.join(runsDir, id, 'events.jsonl');
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line);
      if (e.type === 'param') params[e.key] = e.value;
      else if (e.type === 'metric') (metrics[e.key] ??= []).push({ step: e.step, value: e.value, ts: e.ts });
    }
    return { params, metrics };
  };
  const paramsOf = (id) => eventsOf(id).params;

  return {
    waitFor,
    poll,
    quickInput,
    quickRow,
    sidebar,
    runItems,
    runRow,
    revealInTree,
    runFromPalette,
    exactly,
    quickOpen,
    openInExplorer,
    answerInput,
    contextMenu,
    runsDir,
    readRuns,
    eventsOf,
    paramsOf,
  };
}

export function escapeRe(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function readRunRecords(runsDir) {
  return (fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : []).flatMap((id) => {
    try {
      return [JSON.parse(fs.readFileSync(path.join(runsDir, id, 'run.json'), 'utf8'))];
    } catch {
      return [];
    }
  });
}

/**
 * Runs `steps` ([name, fn] pairs) in order until one fails; a failure leaves a screenshot. Then ends any run
 * still going: the launcher starts scripts in their own process group, which stopping code-server does not
 * reach (found by the pid its run.json recorded).
 */
export async function runSteps(page, steps, { workspace, resultsDir, log, consoleLog }) {
  fs.mkdirSync(resultsDir, { recursive: true });
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (let i = 0; i < steps.length; i++) {
    const [name, fn] = steps[i];
    const t0 = Date.now();
    try {
      await fn();
      passed++;
      log(`  ✓ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (err) {
      failed++;
      skipped = steps.length - i - 1;
      const shot = path.join(resultsDir, `failure-${name}.png`);
      await page.screenshot({ path: shot }).catch(() => {});
      log(`  ✗ ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s): ${String(err?.message ?? err).split('\n')[0]}`);
      log(`    screenshot: ${shot}; browser console: ${consoleLog}`);
      break;
    }
  }
  for (const r of readRunRecords(path.join(workspace, '.lineage', 'runs'))) {
    if (r.status === 'running' && r.childPid) {
      try {
        process.kill(-r.childPid, 'SIGTERM');
        log(`  (stopped the leftover run ${r.id} of ${r.command.find((a) => a.endsWith('.py')) ?? r.command[0]}, process group ${r.childPid})`);
      } catch {
        /* already gone */
      }
    }
  }
  return { passed, failed, skipped };
}
