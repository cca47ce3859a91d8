// The same mocha suite, in a desktop VS Code through @vscode/test-electron, for people who have one.
// This machine has no desktop VS Code (and may not download one), so CI runs the suite in code-server
// (scripts/vscode/run.mjs); here the executable must be given:
//   VSCODE_EXECUTABLE=/usr/share/code/code node scripts/vscode/run-electron.mjs
import { runTests } from '@vscode/test-electron';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const vscodeExecutablePath = process.env.VSCODE_EXECUTABLE;
if (!vscodeExecutablePath) {
  console.error('Set VSCODE_EXECUTABLE to a desktop VS Code binary (Lineage never downloads one).');
  process.exit(2);
}
execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
execFileSync(process.execPath, [join(root, 'scripts/vscode/build-suite.mjs')], { stdio: 'inherit' });
const ws = mkdtempSync(join(tmpdir(), 'lineage-electron-'));
cpSync(join(root, 'examples/house-prices'), ws, { recursive: true });
execFileSync('bash', ['-c', 'git init -q && git add -A && git -c user.name=t -c user.email=t@t commit -qm example'], { cwd: ws });
try {
  await runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out/test/suite/index.js'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { LINEAGE_TEST_WORKSPACE: ws },
  });
} catch (err) {
  console.error(`The suite failed: ${err}`);
  process.exit(1);
}
