// The Explain panel in a real VS Code, reached as a user reaches it, after the other UI steps on the same page:
//   1. the house-prices example recorded with the CLI (as the README's main job does) leaves an explanation;
//   2. "Explain Run…" from its row's context menu in the Lineage tree opens the panel;
//   3. the global plots are drawn (importance, beeswarm, dependence, permutation importance, PDP/ICE), the
//      importance bars equal to the run's own attributions (values.f64);
//   4. a row is picked by largest error: its waterfall goes from the base value to its prediction;
//   5. what-if: the floor area edited in the form, Predict, and the new prediction shown is the one the pickled
//      model gives that edited row (loaded by a Python of our own, not the panel's scorer).
// Expected values are read from the run folder, never written down here.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cliRunner, PYTHON } from './harness.mjs';

const EXPERIMENT = 'explain-ui';
const RUN = 'explain-me';
const MENU_ITEM = 'Explain Run…';
const FEATURES = ['bedrooms', 'floor_area_m2', 'age_years', 'location'];

/** The run's explanation from its folder: the manifest and the arrays the checks need. */
function readExplanation(workspace, runId) {
  const dir = path.join(workspace, '.lineage', 'runs', runId, 'explanations', 'default');
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'explanation.json'), 'utf8'));
  const array = (key) => {
    const buf = fs.readFileSync(path.join(dir, manifest.arrays[key].file));
    const out = new Float64Array(buf.length / 8);
    new Uint8Array(out.buffer).set(buf);
    return out;
  };
  return { dir, manifest, values: array('values'), output: array('output'), target: array('target') };
}

/** What the pickled model of the explanation predicts for one row (features in order), by our own Python. */
function modelPredicts(e, row) {
  const code = [
    'import json, pickle, sys',
    'import numpy as np',
    'm = pickle.load(open(sys.argv[1], "rb"))',
    'print(repr(float(m.predict(np.array([json.loads(sys.argv[2])], dtype=object))[0])))',
  ].join('\n');
  const out = execFileSync(PYTHON, ['-c', code, path.join(e.dir, e.manifest.model.file), JSON.stringify(row)], { encoding: 'utf8', timeout: 60_000 });
  return Number(out.trim());
}

/**
 * @param {{ page: import('playwright-core').Page, h: ReturnType<typeof import('./harness.mjs').helpers>,
 *   root: string, workspace: string, workDir: string, url?: string, log: (...a: unknown[]) => void }} opts
 *   url: opens the workbench first (when these steps run alone, LINEAGE_VSCODE_UI=explain).
 */
export function explainSteps({ page, h, root, workspace, workDir, url, log }) {
  const { waitFor, poll, runRow, revealInTree, runFromPalette, contextMenu, readRuns } = h;
  const cliLog = path.join(workDir, 'ui-cli-runs.log');
  const cliRun = cliRunner(root, workspace, cliLog);
  let run;
  let e;
  let frame;
  let picked;

  /** The visible Explain webview's document (its What-if tab exists only there). */
  const explainFrame = () =>
    poll(
      'the Explain panel webview',
      async () => {
        for (const f of page.frames()) {
          if (f === page.mainFrame()) continue;
          const ok = await f.evaluate(() => !!document.querySelector('#tab-whatif') && !!document.querySelector('.chart-importance')).catch(() => false);
          if (ok && (await (await f.frameElement()).isVisible().catch(() => false))) return f;
        }
        return undefined;
      },
      60_000,
    );

  /** The traces plotly drew in the chart card `key` (null until drawn). */
  const drawn = (key) =>
    frame.evaluate((key) => {
      const card = document.querySelector(`.chart-${key}`);
      const gd = card?.querySelector('.js-plotly-plot');
      if (!card || card.hidden || !gd?.data || !gd._fullLayout) return null;
      return {
        marks: card.querySelectorAll('.main-svg .trace, .main-svg .point, .main-svg path.js-line').length,
        traces: gd.data.map((t) => ({
          type: t.type ?? 'scatter',
          x: t.x ? Array.from(t.x) : [],
          y: t.y ? Array.from(t.y) : [],
          measure: t.measure ? Array.from(t.measure) : null,
          n: t.x ? t.x.length : 0,
        })),
      };
    }, key);

  const text = (selector) => frame.locator(selector).first().innerText();

  return [
    [
      'explain-record-the-example-with-the-cli',
      async () => {
        if (url) {
          await page.goto(url);
          await waitFor(page.locator('.monaco-workbench'), 'the workbench (.monaco-workbench)');
        }
        const r = await cliRun(['--name', RUN, '--experiment', EXPERIMENT, 'train.py']);
        if (r.code !== 0) throw new Error(`lineage run train.py exited ${r.code ?? r.signal}; see ${cliLog}`);
        run = readRuns().find((x) => x.name === RUN && x.experiment === EXPERIMENT);
        if (run?.status !== 'finished') throw new Error(`expected ${RUN} finished on disk, found ${run?.status}`);
        e = readExplanation(workspace, run.id);
        if (e.manifest.method !== 'tree_path_dependent' || e.manifest.rows !== 600)
          throw new Error(`unexpected explanation: ${e.manifest.method}, ${e.manifest.rows} rows`);
      },
    ],
    [
      'explain-from-the-tree-context-menu',
      async () => {
        await page.keyboard.press('Escape');
        await runFromPalette('View: Close All Editors');
        const entry = page.locator('.activitybar .action-item a.action-label[aria-label^="Lineage"]').first();
        await waitFor(entry, 'the Lineage entry in the activity bar');
        const active = await entry.evaluate((a) => a.closest('.action-item')?.classList.contains('checked') ?? false);
        if (!active) await entry.click();
        const row = runRow(RUN);
        await poll(`${RUN} in the Experiments tree`, async () => (await revealInTree(row)) || undefined, 60_000);
        // "Explain Run…" is offered once the tree knows the run has an explanation (read with the run's index row).
        await contextMenu(row, MENU_ITEM, { select: () => row.click(), log, tries: 6 });
        const tab = page.locator('.tabs-container .tab.active .label-name').filter({ hasText: h.exactly(`Explain ${RUN}`) });
        await waitFor(tab, `the active editor tab "Explain ${RUN}"`, { timeout: 30_000 });
        frame = await explainFrame();
      },
    ],
    [
      'explain-global-plots-drawn',
      async () => {
        const t0 = Date.now();
        const importance = await poll('the importance chart drawn', async () => (await drawn('importance')) ?? undefined, 60_000);
        const beeswarm = await poll('the beeswarm drawn', async () => (await drawn('beeswarm')) ?? undefined, 30_000);
        log(`  importance and beeswarm drawn ${Date.now() - t0} ms after the panel's page was found`);
        // The bars are the run's own mean |attribution| per feature (values.f64), whichever order they are in.
        const n = e.manifest.rows;
        const meanAbs = FEATURES.map((_, j) => {
          let s = 0;
          for (let i = 0; i < n; i++) s += Math.abs(e.values[i * FEATURES.length + j]);
          return s / n;
        });
        const bars = importance.traces[0].x.slice().sort((a, b) => a - b);
        const expected = meanAbs.slice().sort((a, b) => a - b);
        if (bars.length !== 4 || bars.some((v, i) => Math.abs(v - expected[i]) > 1e-6 * expected[i]))
          throw new Error(`importance bars ${JSON.stringify(bars)}, from values.f64 ${JSON.stringify(expected)}`);
        const dots = beeswarm.traces.reduce((s, t) => s + t.n, 0);
        if (dots < 4) throw new Error(`the beeswarm has ${dots} points`);
        // After the first paint: the dependence scatter, permutation importance and partial dependence with ICE.
        for (const key of ['dependence', 'permutation', 'pdp']) {
          const d = await poll(`the ${key} chart drawn`, async () => (await drawn(key)) ?? undefined, 30_000);
          const points = d.traces.reduce((s, t) => s + t.n, 0);
          if (points === 0) throw new Error(`the ${key} chart has no points`);
          log(`  ${key}: ${d.traces.length} trace(s), ${points} points`);
        }
        log(`  importance: ${importance.traces[0].y.length} bars; beeswarm: ${beeswarm.traces.length} trace(s), ${dots} dots`);
      },
    ],
    [
      'explain-pick-the-row-with-the-largest-error',
      async () => {
        await frame.locator('#tab-row').click();
        await frame.locator('#row-sort').selectOption('error-desc');
        await frame.locator('button.find-rows').click();
        let worst = 0;
        for (let i = 1; i < e.output.length; i++) if (Math.abs(e.output[i] - e.target[i]) > Math.abs(e.output[worst] - e.target[worst])) worst = i;
        const show = frame.getByRole('button', { name: `Show row ${worst}`, exact: true });
        await waitFor(show, `"Show row ${worst}" (the largest error) in the found rows`, { timeout: 30_000 });
        // The first of the found rows is the largest error.
        const first = await frame.locator('.found-rows button[aria-label^="Show row"]').first().getAttribute('aria-label');
        if (first !== `Show row ${worst}`) throw new Error(`first found row "${first}", the largest error is row ${worst}`);
        await show.click();
        await poll(`row ${worst}'s waterfall`, async () => ((await text('.panel-row .row-summary').catch(() => '')).length > 0 ? true : undefined), 30_000);
        const w = await poll(
          'the waterfall drawn for that row',
          async () => {
            const d = await drawn('waterfall');
            const headings = await frame.locator('.panel-row h2').allInnerTexts();
            // The heading changes before plotly has redrawn the chart: wait for the chart of that row itself
            // (its total bar is the row's output), or the check below would read the previous row's chart.
            const total = d?.traces[0]?.x[d.traces[0].measure.lastIndexOf('total')];
            const current = typeof total === 'number' && Math.abs(total - e.output[worst]) <= 1e-9 * Math.abs(e.output[worst]);
            return d && current && headings.some((t) => t.trim() === `Row ${worst}`) ? d : undefined;
          },
          30_000,
        );
        const { x, measure } = w.traces[0];
        const total = x[measure.lastIndexOf('total')];
        const sum = x.reduce((s, v, i) => (measure[i] === 'relative' || measure[i] === 'absolute' ? s + v : s), 0);
        if (Math.abs(total - e.output[worst]) > 1e-9 * Math.abs(e.output[worst]) || Math.abs(sum - total) > 1e-6 * Math.abs(total))
          throw new Error(`waterfall: base + steps ${sum}, total ${total}, the run's output ${e.output[worst]}`);
        picked = worst;
        log(`  row ${worst}: ${await text('.panel-row .row-summary')}`);
      },
    ],
    [
      'explain-what-if-edit-floor-area-and-predict',
      async () => {
        await frame.locator('#tab-whatif').click();
        // The form holds the picked row's inputs, in the explanation's feature order.
        const area = frame.locator('#whatif-1');
        await waitFor(area, 'the what-if form (floor area)');
        const inputs = [];
        for (let j = 0; j < FEATURES.length; j++) inputs.push(await frame.locator(`#whatif-${j}`).inputValue());
        const before = Number(inputs[1]);
        if (!Number.isFinite(before)) throw new Error(`the floor area field holds "${inputs[1]}"`);
        const edited = [Number(inputs[0]), before + 40, Number(inputs[2]), inputs[3]];
        await area.fill(String(before + 40));
        const t0 = Date.now();
        await frame.locator('button.predict').click();
        const shown = await poll(
          'the new prediction',
          async () => {
            const t = await text('.whatif-result').catch(() => '');
            return t.startsWith('New prediction') ? t : undefined;
          },
          90_000,
          { lastSeen: () => 'see .whatif-result / .whatif-error' },
        );
        const firstMs = Date.now() - t0;
        const own = modelPredicts(e, edited);
        // "New prediction: price 712,345.6. Change from row N: +…": the number as the page formats it.
        const m = /New prediction: price ([\d,.\-−]+)/.exec(shown);
        if (!m) throw new Error(`unexpected what-if text: ${shown}`);
        const value = Number(m[1].replace(/,/g, '').replace('−', '-'));
        if (Math.abs(value - own) > Math.max(1, 1e-4 * Math.abs(own)))
          throw new Error(`the panel shows ${value} for the edited row; the pickled model predicts ${own}`);
        if (Math.abs(own - e.output[picked]) < 1) throw new Error('40 m² more did not change the prediction');
        const w = await poll('the what-if waterfall', async () => (await drawn('whatif-waterfall')) ?? undefined, 30_000);
        const { x, measure } = w.traces[0];
        const total = x[measure.lastIndexOf('total')];
        if (Math.abs(total - own) > 1e-6 * Math.abs(own)) throw new Error(`what-if waterfall total ${total}, model ${own}`);
        // A second edit, with the model already loaded: what a user waits for each time.
        await area.fill(String(before + 20));
        const t1 = Date.now();
        await frame.locator('button.predict').click();
        await poll(
          'the second prediction',
          async () => {
            const t = await text('.whatif-result').catch(() => '');
            return t.startsWith('New prediction') && t !== shown ? t : undefined;
          },
          30_000,
          { every: 10 },
        );
        log(`  what-if: ${shown.split('. ')[0]} (the model: ${own.toFixed(1)}); first answer ${firstMs} ms (scorer start), next ${Date.now() - t1} ms`);
      },
    ],
  ];
}
