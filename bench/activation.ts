/**
 * Activation cost of the extension bundle: a fresh Node process loads dist/extension.js and calls
 * activate(), the way the extension host does. The `vscode` module is replaced by a minimal stand-in
 * (a do-nothing proxy), since the API host itself is not what is measured here; the real VS Code
 * figure comes from the code-server suite (scripts/vscode/run.mjs prints it). Anchor, measured in the same run: a fresh process that
 * loads and initialises sql.js, the engine load that activation defers.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const RUNS = 15;

const ACTIVATE = `
const Module = require('module');
const realLoad = Module._load;
// Any API the extension touches answers with a do-nothing object: only our own code's cost is measured.
const stub = () => new Proxy(function () {}, {
  get: (_t, prop) => (prop === 'then' ? undefined : prop === 'isTrusted' ? true : stub()),
  apply: () => stub(),
  construct: () => stub(),
  set: () => true,
  defineProperty: () => true,
});
// Named namespaces, because the bundle copies the module's own keys when it imports it.
const vscode = Object.fromEntries(['window', 'commands', 'workspace', 'languages', 'env', 'extensions', 'Uri', 'EventEmitter',
  'ThemeIcon', 'ThemeColor', 'TreeItem', 'TreeItemCollapsibleState', 'StatusBarAlignment', 'CodeLens', 'Range', 'MarkdownString',
  'ProgressLocation', 'ConfigurationTarget', 'InputBoxValidationSeverity', 'Disposable'].map((k) => [k, stub()]));
Module._load = function (request, ...rest) { return request === 'vscode' ? vscode : realLoad.call(this, request, ...rest); };
const t0 = performance.now();
const ext = require(${JSON.stringify(path.join(ROOT, 'dist/extension.js'))});
const r = ext.activate({ subscriptions: [], extensionPath: ${JSON.stringify(ROOT)}, globalStorageUri: { fsPath: require('os').tmpdir() + '/lineage-bench-storage' }, environmentVariableCollection: stub() });
const t1 = performance.now();
process.stdout.write(JSON.stringify({ wall: t1 - t0, reported: r.activationMs }));
`;

const ENGINE = `
const t0 = performance.now();
const init = require(${JSON.stringify(path.join(ROOT, 'node_modules/sql.js'))});
init({ locateFile: () => ${JSON.stringify(path.join(ROOT, 'dist/sql-wasm.wasm'))} }).then((SQL) => {
  new SQL.Database().exec('select 1');
  process.stdout.write(JSON.stringify({ wall: performance.now() - t0 }));
});
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function sample(code: string): { wall: number; reported?: number } {
  return JSON.parse(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' }));
}

const act = Array.from({ length: RUNS }, () => sample(ACTIVATE));
const eng = Array.from({ length: RUNS }, () => sample(ENGINE));
const activationMs = median(act.map((a) => a.wall));
const reportedMs = median(act.map((a) => a.reported ?? NaN));
const engineMs = median(eng.map((e) => e.wall));
console.log(`activation (load bundle + activate), median of ${RUNS} cold processes: ${activationMs.toFixed(1)} ms (target <= 50 ms)`);
console.log(`  as the extension reports it (banner to end of activate): ${reportedMs.toFixed(1)} ms`);
console.log(`anchor: loading and initialising sql.js in a cold process: ${engineMs.toFixed(1)} ms`);
console.log(`ratio activation / engine load: ${(activationMs / engineMs).toFixed(3)}`);
console.log(
  JSON.stringify({
    activation_ms: activationMs,
    activation_reported_ms: reportedMs,
    anchor_sqljs_init_ms: engineMs,
    ratio: activationMs / engineMs,
    runs: RUNS,
  }),
);
