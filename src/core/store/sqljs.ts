import * as fs from 'node:fs';
import * as path from 'node:path';
import initSqlJs, { SqlJsStatic } from 'sql.js';

let loading: Promise<SqlJsStatic> | undefined;

/** sql.js is loaded on first use only, so activating the extension never pays for the wasm compile. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= initSqlJs({ locateFile: () => findWasm() });
  return loading;
}

function findWasm(): string {
  const fromEnv = process.env.LINEAGE_SQLJS_WASM;
  if (fromEnv && fs.existsSync(fromEnv)) return fromEnv;
  // Bundles live at different depths (dist/, dist-test/unit/…); the wasm sits next to the nearest bundle root.
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    for (const candidate of [path.join(dir, 'sql-wasm.wasm'), path.join(dir, 'node_modules/sql.js/dist/sql-wasm.wasm')]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    dir = path.dirname(dir);
  }
  throw new Error('sql-wasm.wasm was not found next to the Lineage bundle; reinstall Lineage or run `npm run build`.');
}
