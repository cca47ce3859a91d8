/** The settings' defaults are stated once in the code (settingDefaults.ts) and equal package.json's. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SETTING_DEFAULTS } from '../../src/extension/settingDefaults';

// __dirname is dist-test/unit once bundled
const ROOT = path.resolve(__dirname, '../..');

test('every lineage.* setting in package.json has the default the code uses, and no other setting is read', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const properties: Record<string, { default: unknown }> = pkg.contributes.configuration.properties;
  const contributed = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k.replace(/^lineage\./, ''), v.default]));
  assert.deepEqual({ ...SETTING_DEFAULTS }, contributed);
});

test('settings are read through config.ts only', () => {
  const offenders: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (
        e.name.endsWith('.ts') &&
        p !== path.join(ROOT, 'src/extension/config.ts') &&
        /getConfiguration\(\s*['"]lineage/.test(fs.readFileSync(p, 'utf8'))
      )
        offenders.push(path.relative(ROOT, p));
    }
  };
  walk(path.join(ROOT, 'src'));
  assert.deepEqual(offenders, []);
});
