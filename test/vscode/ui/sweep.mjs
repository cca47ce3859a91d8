// A sweep in a real VS Code, as a user runs one (issue 16 §3), and a window reload in the middle of it:
//   1. "Lineage: Run Sweep…" from the palette on an open script, through its real pickers: Grid, --lr and
//      --depth ticked, 4 × 2 values, 2 at a time, the objective typed in (the script has no earlier runs);
//   2. Compare from the sweep row's context menu in the Experiments tree opens on its first runs and follows
//      the sweep live: the runs it starts later join the open panel (tab title and drawn curves);
//   3. Developer: Reload Window while runs are still queued. The extension host really restarted (the sweep's
//      owner pid, the extension host process, changes and the old one has exited), and the sweep goes on by
//      itself (no "Resume it?" prompt); the restored Compare panel still follows it (runs started after the
//      reload join it);
//   4. the sweep ends with all 8 runs finished, each grid point run exactly once (no run done twice, none
//      lost), all 8 folded under the sweep in the Experiments tree, the best one as the queue file says.
// Expected values are read from .lineage (the queue file, run.json), never written down here.
import * as fs from 'node:fs';
import * as path from 'node:path';

const EXPERIMENT = 'sweep_demo';
const SCRIPT = 'sweep_train.py';
const LR = ['0.01', '0.1', '0.2', '0.3'];
const DEPTH = ['3', '5'];
const RUNS = LR.length * DEPTH.length;
const PARALLEL = 2;
const COMPARE_ITEM = 'Compare Runs…';

/**
 * ~20 s per run: long enough that Compare opens, and the reload lands, while runs are still queued even when the
 * tree's redraws make a right-click miss a row a few times (in a long UI pass, 10 s runs let the whole sweep end
 * first); short enough for a 2-minute step.
 */
const SCRIPT_TEXT = `import argparse, time
import lineage

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.1)
p.add_argument("--depth", type=int, default=3)
a = p.parse_args()
target = (a.lr - 0.05) ** 2 + (a.depth - 4.2) ** 2
for step in range(24):
    lineage.log_metric("loss", target + 1.0 / (step + 1), step=step)
    time.sleep(0.8)
lineage.log_metric("val_rmse", target)
`;

const ENDED = new Set(['finished', 'failed', 'killed']);

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '(gone)';
  }
}

/**
 * @param {{ page: import('playwright-core').Page, h: ReturnType<typeof import('./harness.mjs').helpers>,
 *   workspace: string, url?: string, log: (...a: unknown[]) => void }} opts
 *   url: opens the workbench first (when these steps run alone, LINEAGE_VSCODE_UI=sweep).
 */
export function sweepSteps({ page, h, workspace, url, log }) {
  const { waitFor, poll, sidebar, quickInput, quickRow, runFromPalette, openInExplorer, contextMenu, readRuns, revealInTree } = h;
  const sweepsDir = path.join(workspace, '.lineage', 'sweeps');
  let sweepId;
  let sweepName;
  let firstOwner;
  let comparedAtReload;

  const sweepState = () => (sweepId ? JSON.parse(fs.readFileSync(path.join(sweepsDir, `${sweepId}.json`), 'utf8')) : undefined);
  const summary = (s) => s && `${s.status}, trials ${s.trials.map((t) => `#${t.n} ${t.status}`).join(' ')}, owner ${s.owner?.pid ?? '-'}`;
  const title = page.locator('.quick-input-widget .quick-input-title');
  /** Waits for the picker whose title matches `re` (each step replaces the last one's widget in place). */
  const picker = (re, what) =>
    poll(
      `the Run Sweep picker "${what}"`,
      async () => ((await quickInput.isVisible()) && re.test((await title.textContent().catch(() => '')) ?? '') ? true : undefined),
      30_000,
    );
  const sweepRow = () => sidebar.getByRole('treeitem', { name: new RegExp(`^${sweepName}, `) }).first();
  const childRows = () => sidebar.getByRole('treeitem', { name: new RegExp(`^${sweepName} #\\d+, `) });
  const compareTab = (n) =>
    page
      .locator('.tabs-container .tab')
      .filter({ has: page.locator('.label-name', { hasText: h.exactly(`Compare ${n} runs`) }) })
      .first();
  /** The runs of the open Compare tab, from its title. */
  const comparedCount = async () => {
    const t = await page
      .locator('.tabs-container .tab .label-name')
      .filter({ hasText: /^Compare \d+ runs$/ })
      .first()
      .textContent()
      .catch(() => null);
    const m = /^Compare (\d+) runs$/.exec(t ?? '');
    return m ? Number(m[1]) : undefined;
  };
  /** The runs the Compare webview has drawn curves of (a run joins the chart on its first append). */
  const drawnRuns = () =>
    poll(
      'the Compare panel webview with its loss chart',
      async () => {
        for (const f of page.frames()) {
          if (f === page.mainFrame()) continue;
          const runs = await f
            .evaluate(() => {
              const plot = document.querySelector('.chart-card .plot');
              if (!document.querySelector('vscode-panel-tab#tab-curves') || !plot?.data) return null;
              return [...new Set(plot.data.filter((t) => t.meta?.role === 'line').map((t) => t.meta.run))];
            })
            .catch(() => null);
          if (runs && (await (await f.frameElement()).isVisible().catch(() => false))) return runs;
        }
        return undefined;
      },
      60_000,
    );

  return [
    [
      'sweep-run-sweep-through-the-pickers',
      async () => {
        if (url) {
          await page.goto(url);
          await waitFor(page.locator('.monaco-workbench'), 'the workbench (.monaco-workbench)');
        }
        const sweepFiles = () => (fs.existsSync(sweepsDir) ? fs.readdirSync(sweepsDir).filter((f) => f.endsWith('.json')) : []);
        const earlier = new Set(sweepFiles());
        fs.mkdirSync(path.join(workspace, EXPERIMENT), { recursive: true });
        fs.writeFileSync(path.join(workspace, EXPERIMENT, SCRIPT), SCRIPT_TEXT);
        // Written just now, so opened from the Explorer: Quick Open's file search may not list it yet.
        await openInExplorer(`${EXPERIMENT}/${SCRIPT}`);
        await runFromPalette('Lineage: Run Sweep…');
        await picker(/\(1\/5\) — how to choose the values/, '1/5 strategy');
        await quickRow('Grid').click();
        await picker(/\(2\/5\) — options to sweep/, '2/5 options');
        for (const flag of ['--lr', '--depth']) {
          const row = page
            .locator('.quick-input-widget .monaco-list-row')
            .filter({ has: page.locator('.label-name', { hasText: h.exactly(flag) }) })
            .first();
          await waitFor(row, `${flag} among the script's options`, { timeout: 30_000 });
          await row.click();
        }
        const count = page.locator('.quick-input-widget .quick-input-count');
        await poll(
          '"2 Selected" in the options picker',
          async () => (/\b2 Selected/.test((await count.textContent().catch(() => '')) ?? '') ? true : undefined),
          10_000,
          {
            lastSeen: () => 'another count',
          },
        );
        await page.keyboard.press('Enter');
        for (const [flag, values] of [
          ['--lr', LR],
          ['--depth', DEPTH],
        ]) {
          await picker(new RegExp(`\\(3/5\\) — values of ${flag}`), `3/5 values of ${flag}`);
          await quickInput.fill(values.join(','));
          await page.keyboard.press('Enter');
        }
        await picker(/runs at once/, '4/5 runs at once');
        await quickInput.fill(String(PARALLEL));
        await page.keyboard.press('Enter');
        // No earlier run of the script logged a metric: the objective is typed in.
        await picker(/\(5\/5\) — the metric that ranks the runs/, '5/5 objective');
        await quickRow('Another metric…').click();
        await picker(/objective metric/, 'objective metric name');
        await quickInput.fill('val_rmse');
        await page.keyboard.press('Enter');
        await picker(/is a lower or a higher val_rmse better/, 'direction');
        await quickRow('Lower is better').click();

        const s = await poll('the new sweep queue in .lineage/sweeps', () => {
          const files = sweepFiles().filter((f) => !earlier.has(f));
          if (files.length > 1) throw new Error(`Run Sweep… made ${files.length} sweeps: ${files.join(', ')}`);
          return files.length === 1 ? JSON.parse(fs.readFileSync(path.join(sweepsDir, files[0]), 'utf8')) : undefined;
        });
        sweepId = s.id;
        sweepName = s.name;
        firstOwner = s.owner?.pid;
        const points = s.trials.map((t) => `${t.params.lr}/${t.params.depth}`);
        if (s.strategy !== 'grid' || s.parallel !== PARALLEL || s.trials.length !== RUNS || new Set(points).size !== RUNS)
          throw new Error(`the queue is not a 4×2 grid, ${PARALLEL} at a time: ${s.strategy}, parallel ${s.parallel}, ${points.join(' ')}`);
        if (`${s.objective.metric}:${s.objective.direction}` !== 'val_rmse:min') throw new Error(`objective ${JSON.stringify(s.objective)}`);
        if (!firstOwner || !isAlive(firstOwner)) throw new Error(`the sweep's owner pid ${firstOwner} is not a live process`);
        log(`  sweep ${sweepName} (${sweepId}): ${RUNS} runs, ${PARALLEL} at a time; run by pid ${firstOwner}: ${cmdline(firstOwner).slice(0, 160)}`);
      },
    ],

    [
      'sweep-compare-follows-it-live',
      async () => {
        const entry = page.locator('.activitybar .action-item a.action-label[aria-label^="Lineage"]').first();
        await waitFor(entry, 'the Lineage entry in the activity bar');
        if (!(await entry.evaluate((a) => a.closest('.action-item')?.classList.contains('checked') ?? false))) await entry.click();
        await waitFor(sweepRow(), `the sweep ${sweepName} in the Experiments tree`, { timeout: 60_000 });
        // Compare needs runs to open on: wait for the first wave, then open it on the sweep row.
        await poll('two runs of the sweep started', () => (sweepState().trials.filter((t) => t.runId).length >= 2 ? true : undefined), 60_000);
        // The tree is redrawn as runs appear, and a right-click can land on a row being replaced: the command
        // then gets no run and asks which runs to compare. Then the gesture is retried, as a user would.
        const askedForRuns = page.locator('.quick-input-widget').filter({ hasText: 'compare which runs?' });
        let opened;
        for (let attempt = 1; !opened; attempt++) {
          await runFromPalette('View: Close All Editors');
          await contextMenu(sweepRow(), COMPARE_ITEM, { log });
          const got = await poll(
            'a "Compare N runs" tab',
            async () => (await comparedCount()) ?? ((await askedForRuns.isVisible()) ? 'asked' : undefined),
            30_000,
          );
          if (got !== 'asked') opened = got;
          else if (attempt === 3) throw new Error(`"${COMPARE_ITEM}" on the sweep row asked which runs to compare, 3 times`);
          else {
            log('  (Compare on the sweep row got no run; retrying)');
            await page.keyboard.press('Escape');
          }
        }
        const drawn = await drawnRuns();
        const ids = sweepState()
          .trials.map((t) => t.runId)
          .filter(Boolean);
        log(`  Compare opened on ${opened} runs (${drawn.length} drawn); ${ids.length} started so far`);
        if (opened < 2 || opened === RUNS) throw new Error(`Compare opened on ${opened} runs; expected the first ones of ${RUNS}`);
        // Live: the sweep's next runs join the open panel, in its title and its chart.
        const grown = await poll(
          'a run the sweep started after Compare opened, in the panel',
          async () => {
            const n = await comparedCount();
            if (!n || n <= opened) return undefined;
            const d = await drawnRuns();
            return d.length > opened ? { n, d: d.length } : undefined;
          },
          60_000,
          { lastSeen: () => summary(sweepState()) },
        );
        const alien = (await drawnRuns()).filter((id) => !sweepState().trials.some((t) => t.runId === id));
        if (alien.length) throw new Error(`Compare draws runs that are not the sweep's: ${alien.join(', ')}`);
        log(`  live: the panel went from ${opened} to ${grown.n} runs (${grown.d} drawn) without being reopened`);
      },
    ],

    [
      'sweep-reload-the-window-mid-sweep',
      async () => {
        // Mid-sweep: some runs ended, some still queued (so the new window must start them itself).
        const before = await poll(
          'a sweep with ended and queued runs',
          () => {
            const s = sweepState();
            const ended = s.trials.filter((t) => ENDED.has(t.status)).length;
            const pending = s.trials.filter((t) => t.status === 'pending').length;
            if (s.status !== 'running' || pending < PARALLEL) throw new Error(`too late to reload mid-sweep: ${summary(s)}`);
            return ended >= 1 ? s : undefined;
          },
          60_000,
        );
        if (before.owner?.pid !== firstOwner) throw new Error(`the sweep changed owner before the reload: ${summary(before)}`);
        comparedAtReload = await comparedCount();
        log(`  reloading with ${summary(before)}; Compare shows ${comparedAtReload} runs`);
        await runFromPalette('Developer: Reload Window');
        // A new extension host runs the sweep, and the old one is gone (not a second runner alongside it).
        const after = await poll(
          'the sweep run by a new extension host',
          () => {
            const s = sweepState();
            return s.owner?.pid && s.owner.pid !== firstOwner ? s : s.status !== 'running' ? s : undefined;
          },
          90_000,
          { lastSeen: () => summary(sweepState()) },
        );
        if (!after.owner) throw new Error(`the sweep ended without being resumed by the new window: ${summary(after)}`);
        if (isAlive(firstOwner)) throw new Error(`the previous extension host ${firstOwner} is still alive after the reload: ${cmdline(firstOwner)}`);
        log(`  extension host restarted: sweep owner ${firstOwner} (exited) → ${after.owner.pid}: ${cmdline(after.owner.pid).slice(0, 160)}`);
        const resumed = page.locator('.notifications-toasts .notification-list-item-message').filter({ hasText: `sweep ${sweepName} resumed` });
        await waitFor(resumed.first(), `the "sweep ${sweepName} resumed" notification`, { timeout: 30_000 });
        log(`  notification: "${(await resumed.first().textContent())?.trim()}"`);
        const asked = page.locator('.notifications-toasts .notification-list-item-message').filter({ hasText: 'Resume it?' });
        if (await asked.count()) throw new Error('the reloaded window asked "Resume it?" about its own sweep instead of going on with it');
      },
    ],

    [
      'sweep-ends-with-8-runs-under-it',
      async () => {
        // The restored Compare panel still follows the sweep: the runs started after the reload join it.
        const restored = await poll('the Compare panel restored after the reload', comparedCount, 60_000);
        await poll(
          `the restored Compare panel following the sweep to ${RUNS} runs`,
          async () => ((await compareTab(RUNS).isVisible()) && (await drawnRuns()).length === RUNS ? true : undefined),
          120_000,
          { lastSeen: () => `tab Compare ${comparedAtReload}→?, ${summary(sweepState())}` },
        );
        log(`  Compare: ${comparedAtReload} runs before the reload, ${restored} when restored, ${RUNS} as the sweep went on`);
        const done = await poll(
          'the sweep to end',
          () => {
            const s = sweepState();
            return s.status !== 'running' ? s : undefined;
          },
          120_000,
          { lastSeen: () => summary(sweepState()) },
        );
        if (done.status !== 'finished' || done.trials.length !== RUNS || done.trials.some((t) => t.status !== 'finished'))
          throw new Error(`expected ${RUNS} finished trials and no requeued one: ${summary(done)}`);
        const children = readRuns().filter((r) => r.parentRunId === sweepId);
        const points = children.map((r) => {
          const at = (flag) => r.command[r.command.indexOf(flag) + 1];
          return `${at('--lr')}/${at('--depth')}`;
        });
        if (children.length !== RUNS || new Set(points).size !== RUNS)
          throw new Error(`expected each of the ${RUNS} grid points run once under the sweep, found ${children.length} runs: ${points.sort().join(' ')}`);
        if (children.some((r) => r.status !== 'finished')) throw new Error(`not all runs finished: ${children.map((r) => r.status).join(' ')}`);
        const ids = new Set(done.trials.map((t) => t.runId));
        if (children.some((r) => !ids.has(r.id))) throw new Error('a run under the sweep is not one of its trials');

        // The tree: the sweep finished, its 8 runs one level under it.
        const row = sweepRow();
        await waitFor(sidebar.getByRole('treeitem', { name: new RegExp(`^${sweepName}, finished`) }).first(), `the sweep ${sweepName} finished in the tree`, {
          timeout: 60_000,
        });
        if ((await row.getAttribute('aria-expanded')) !== 'true') await row.locator('.monaco-tl-twistie').click();
        const level = Number(await row.getAttribute('aria-level'));
        // The view is short and the tree virtualised: each run is scrolled into view as a user would.
        for (let n = 1; n <= RUNS; n++) {
          const child = sidebar.getByRole('treeitem', { name: new RegExp(`^${sweepName} #${n}, finished`) }).first();
          if (!(await revealInTree(child))) throw new Error(`${sweepName} #${n} is not in the Experiments tree as finished`);
          const l = Number(await child.getAttribute('aria-level'));
          if (l !== level + 1) throw new Error(`${sweepName} #${n} is at tree level ${l}, not under the sweep (level ${level})`);
        }
        const shown = await childRows().count();
        if (shown > RUNS) throw new Error(`${shown} rows named after the sweep's runs in the tree, more than ${RUNS}`);
        const best = children.find((r) => r.id === done.best?.runId);
        log(
          `  ${RUNS} runs finished, each grid point once, all ${RUNS} under ${sweepName} in the tree (level ${level + 1}); best ${best?.name} val_rmse ${done.best?.value}`,
        );
      },
    ],
  ];
}
