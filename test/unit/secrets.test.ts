/** Issue 11 item 4: values of secret-looking options are recorded as •••• (run.json's command, params). */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchRun } from '../../src/core/launcher/launch';
import { isSecretName, maskSecretArgs, SECRET_MASK } from '../../src/core/launcher/secrets';
import { tmpDir } from '../helpers/tmp';

const SDK = path.resolve(__dirname, '../../sdk/python');
process.env.LINEAGE_SDK_DIR = SDK;
const PYTHON = process.env.LINEAGE_PYTHON || '/usr/bin/python3';

const SECRET = [
  '--api-key',
  '--hf_token',
  '--db-password',
  'clientSecret',
  'OPENAI_API_KEY',
  '--passwd',
  '--aws-credentials',
  '--key',
  'apiKey',
  '--access.token',
];
const PLAIN = ['--keyframes', '--monkey', '--tokenizer', '--max-tokens', '--lr', '--keyword', '--turkey', '--passage', 'secretary'];

test('secret names are whole words of the option name, split at -, _, . and camelCase', () => {
  for (const n of SECRET) assert.equal(isSecretName(n), true, n);
  for (const n of PLAIN) assert.equal(isSecretName(n), false, n);
});

test('the Python SDK applies the same rule as the launcher', () => {
  const names = [...SECRET, ...PLAIN];
  const out = execFileSync(
    PYTHON,
    [
      '-c',
      'import json,sys; from lineage._api import secret_name; print(json.dumps([secret_name(n) for n in json.loads(sys.argv[1])]))',
      JSON.stringify(names),
    ],
    {
      env: { ...process.env, PYTHONPATH: SDK },
      encoding: 'utf8',
    },
  );
  assert.deepEqual(JSON.parse(out), names.map(isSecretName));
});

test('maskSecretArgs masks --name=value and --name value, and nothing else', () => {
  assert.deepEqual(
    maskSecretArgs(
      ['python3', 'train.py', '--api-key', 'sk-1', '--hf_token=hf_2', '--lr', '0.1', '--keyframes', '3', '--use-token', '--epochs', '2', 'pos'],
      {},
    ),
    ['python3', 'train.py', '--api-key', SECRET_MASK, `--hf_token=${SECRET_MASK}`, '--lr', '0.1', '--keyframes', '3', '--use-token', '--epochs', '2', 'pos'],
  );
  assert.deepEqual(maskSecretArgs(['x', '--password'], {}), ['x', '--password']);
  assert.deepEqual(maskSecretArgs(['x', '--token', 'abc'], { LINEAGE_MASK_SECRETS: '0' }), ['x', '--token', 'abc']);
});

test('a real run records the masked command and params, while the script gets the real value', async () => {
  const ws = tmpDir();
  fs.writeFileSync(
    path.join(ws, 'train.py'),
    [
      'import argparse',
      'p = argparse.ArgumentParser()',
      'p.add_argument("--api-key"); p.add_argument("--db-password"); p.add_argument("--lr", type=float)',
      'a = p.parse_args()',
      'assert a.api_key == "sk-live-123" and a.db_password == "hunter2", a',
      '',
    ].join('\n'),
  );
  const command = ['train.py', '--api-key', 'sk-live-123', '--db-password=hunter2', '--lr', '0.1'];
  const h = await launchRun({ workspace: ws, command, python: PYTHON });
  const r = await h.done;
  assert.equal(r.status, 'finished', fs.readFileSync(path.join(h.dir, 'console.log'), 'utf8'));
  const rec = JSON.parse(fs.readFileSync(path.join(h.dir, 'run.json'), 'utf8'));
  assert.deepEqual(rec.command, [PYTHON, 'train.py', '--api-key', SECRET_MASK, `--db-password=${SECRET_MASK}`, '--lr', '0.1']);
  const events = fs.readFileSync(path.join(h.dir, 'events.jsonl'), 'utf8');
  assert.match(events, /"key":"api_key","value":"••••"/);
  assert.match(events, /"key":"lr","value":0.1/);
  for (const file of ['run.json', 'events.jsonl']) {
    const text = fs.readFileSync(path.join(h.dir, file), 'utf8');
    assert.ok(!text.includes('sk-live-123') && !text.includes('hunter2'), `${file} holds a secret`);
  }

  const off = await launchRun({ workspace: ws, command, python: PYTHON, env: { LINEAGE_MASK_SECRETS: '0' } });
  assert.equal((await off.done).status, 'finished');
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(off.dir, 'run.json'), 'utf8')).command, [PYTHON, ...command]);
  assert.match(fs.readFileSync(path.join(off.dir, 'events.jsonl'), 'utf8'), /"key":"api_key","value":"sk-live-123"/);
});
