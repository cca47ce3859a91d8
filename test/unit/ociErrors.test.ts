import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseChallenge } from '../../src/core/registry/oci/auth';
import { errorFromNetwork, errorFromStatus, isRetryable } from '../../src/core/registry/oci/errors';
import { layerKind } from '../../src/core/registry/oci/manifest';
import { safeDestination } from '../../src/core/registry/oci/pull';

// The mapping from what registries answer to what the user is told; the e2e tests meet most of these for real.

test('statuses and Distribution error codes map to kinds a user can act on', () => {
  const body = (code: string, detail = '') => JSON.stringify({ errors: [{ code, message: code.toLowerCase(), detail }] });
  assert.equal(errorFromStatus(507, '', 'uploading', 'reg').kind, 'full');
  assert.equal(errorFromStatus(500, body('UNKNOWN', 'write /x/data: no space left on device'), 'uploading', 'reg').kind, 'full');
  assert.equal(errorFromStatus(401, body('UNAUTHORIZED'), 'uploading', 'reg').kind, 'auth');
  assert.equal(errorFromStatus(403, body('DENIED'), 'uploading', 'reg').kind, 'permission');
  assert.equal(errorFromStatus(404, body('MANIFEST_UNKNOWN'), 'reading', 'reg').kind, 'not-found');
  assert.equal(errorFromStatus(400, body('MANIFEST_INVALID'), 'tagging', 'reg').kind, 'protocol');
  const busy = errorFromStatus(503, '', 'uploading', 'reg');
  assert.equal(busy.kind, 'unreachable');
  assert.ok(isRetryable(busy));
  assert.ok(!isRetryable(errorFromStatus(403, '', 'x', 'reg')));
});

test('network errors: refused, unknown CA, cut connection, cancel', () => {
  const net = (code: string, name?: string) => Object.assign(new Error(code), { code, ...(name ? { name } : {}) });
  assert.equal(errorFromNetwork(net('ECONNREFUSED'), 'x', 'reg').kind, 'unreachable');
  for (const c of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']) {
    const e = errorFromNetwork(net(c), 'x', 'reg');
    assert.equal(e.kind, 'tls');
    assert.match(e.hint, /CA file/);
  }
  assert.ok(isRetryable(errorFromNetwork(net('ECONNRESET'), 'x', 'reg')));
  assert.equal(errorFromNetwork(net('ABORT_ERR', 'AbortError'), 'x', 'reg').kind, 'cancelled');
});

test('WWW-Authenticate challenges are parsed with quoted commas and escapes', () => {
  const ch = parseChallenge('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push",error="insufficient_scope"');
  assert.deepEqual(ch, {
    scheme: 'bearer',
    params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push', error: 'insufficient_scope' },
  });
  assert.deepEqual(parseChallenge('Basic realm="x \\"y\\""'), { scheme: 'basic', params: { realm: 'x "y"' } });
  assert.equal(parseChallenge('Negotiate abc'), undefined);
});

test('layer kinds by file name, and titles that may not leave the destination', () => {
  assert.equal(layerKind('model.safetensors'), 'weight');
  assert.equal(layerKind('model.pkl'), 'weight');
  assert.equal(layerKind('MLmodel'), 'weight.config');
  assert.equal(layerKind('tokenizer/config.json'), 'weight.config');
  assert.equal(layerKind('README.md'), 'doc');
  assert.equal(layerKind('LICENSE'), 'doc');
  assert.equal(layerKind('src/predict.py'), 'code');
  assert.equal(safeDestination('/d', 'a/b.bin'), '/d/a/b.bin');
  for (const bad of ['../x', '/etc/passwd', 'a/../../x', 'a//b', 'C:/x', 'a\\..\\x', '', 'a/..'])
    assert.throws(() => safeDestination('/d', bad), /outside the destination/, bad);
});
