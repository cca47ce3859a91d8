/**
 * Entry of the integration suite that runs inside a real VS Code extension host (code-server, driven by
 * scripts/vscode/run.mjs with `extensionTestsPath`). The host requires this bundle and calls `run()`:
 * resolving means the suite passed, rejecting that it failed.
 */
import Mocha from 'mocha';

/** run.mjs reads this line from the extension-host console to count the suite's tests. */
export const RESULT_MARKER = 'LINEAGE_SUITE_RESULT';

export function run(): Promise<void> {
  // First: it needs the fresh workspace (no .lineage), as a user whose first run is from a terminal.
  // The suites register with mocha as they are evaluated, in this order: require, not import.
  /* eslint-disable @typescript-eslint/no-require-imports */
  return runSuites(() => {
    require('./cliRuns.suite');
    require('./lineage.suite');
    require('./editor.suite');
    // Crafted run folders and a hostile webview's messages (issue 11, security 1–3).
    require('./panelSecurity.suite');
    // The example explained: the Explain panel, a row, what-if with the run's own model, the report (issue 12).
    require('./explain.suite');
    // A monitor on the example's run, a drifted batch dropped in, the warning in the trees, the Drift panel (issue 13).
    require('./monitor.suite');
    // A two-step pipeline of its own: the graph panel, staleness after an edit, Re-run Stale Steps (issue 14).
    require('./graph.suite');
    // A CSV read by two runs, edited between them: Restore This Version from the Datasets view (issue 14).
    require('./restoreData.suite');
    // The example's run reproduced from its commit, data and params: the report in a preview (issue 14).
    require('./reproduce.suite');
    // The example's model pushed to a local docker-registry, shown with its digest, promoted to production (issue 15).
    require('./registry.suite');
    // A grid search recorded by framework autolog: its candidates folded under its run, Compare on them (issue 16).
    require('./autolog.suite');
    // A notebook run from the open notebook editor: the run in the tree, its executed notebook opened (issue 16).
    require('./notebook.suite');
    // A 2×2 sweep run from Run Sweep… with its runs folded under it in the tree, and one stopped (issue 16).
    require('./sweep.suite');
    // Last: it adds 2 M points to the workspace.
    require('./bigWorkspace.suite');
  });
  /* eslint-enable @typescript-eslint/no-require-imports */
}

/** Runs the suites `load` requires with mocha, in the extension host; resolves when every test passed. */
export function runSuites(load: () => void): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: false, timeout: 120_000, slow: 20_000 });
  // LINEAGE_VSCODE_GREP=<text> runs only the tests whose titles contain it (while working on one suite).
  if (process.env.LINEAGE_VSCODE_GREP) mocha.grep(process.env.LINEAGE_VSCODE_GREP);
  // The tests are bundled into this file, so there is no file for mocha to load: give them mocha's globals
  // (describe, it, before…) first, then evaluate them.
  mocha.suite.emit('pre-require', globalThis, 'lineage.suite.ts', mocha);
  load();
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
        console.log(`${RESULT_MARKER} ${JSON.stringify({ passed: stats.passes, failed: stats.failures, skipped: stats.pending })}`);
        if (failures > 0) reject(new Error(`${failures} test(s) failed.`));
        else resolve();
      });
    } catch (err) {
      console.error(err);
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
