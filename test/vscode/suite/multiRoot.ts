/**
 * Entry of the multi-root suite: a window opened on a .code-workspace with two folders, each with its own
 * .lineage (scripts/vscode/run.mjs makes them), loaded through `extensionTestsPath` like index.ts.
 */
import { runSuites } from './index';

export function run(): Promise<void> {
  // Evaluated once mocha's globals exist: require, not import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return runSuites(() => require('./multiRoot.suite'));
}
