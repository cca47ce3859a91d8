import * as fs from 'node:fs';
import * as path from 'node:path';

/** The Python SDK ships beside the bundles (`<extension>/sdk/python`); tests run it from the source tree. */
export function findSdkDir(): string {
  const fromEnv = process.env.LINEAGE_SDK_DIR;
  if (fromEnv) return fromEnv;
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'sdk', 'python');
    if (fs.existsSync(path.join(candidate, 'lineage'))) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('The Lineage Python SDK (sdk/python) was not found next to the Lineage bundle; reinstall Lineage.');
}

/** The run keeper's bundle (dist/runKeeper.js), beside the bundle that launches runs or in dist/ above a test bundle. */
export function findKeeper(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    for (const candidate of [path.join(dir, 'runKeeper.js'), path.join(dir, 'dist', 'runKeeper.js')]) if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error('The Lineage run keeper (dist/runKeeper.js) was not found next to the Lineage bundle; reinstall Lineage.');
}
