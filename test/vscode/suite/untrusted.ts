/**
 * Entry of the Restricted Mode suite: the example folder opened with Workspace Trust on and the folder not
 * trusted (scripts/vscode/run.mjs, untrusted phase), loaded through `extensionTestsPath` like index.ts.
 */
import { runSuites } from './index';

export function run(): Promise<void> {
  // Evaluated once mocha's globals exist: require, not import.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return runSuites(() => require('./untrusted.suite'));
}
