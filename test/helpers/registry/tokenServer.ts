import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small Docker-style token server (the "realm" of Bearer auth): checks Basic credentials, grants the asked
 * repository actions the user may have, and signs an ES256 JWT the registry verifies against `certFile`.
 */
export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** Token requests served, with the scopes asked, to check the client caches tokens per scope. */
  requests: Array<{ scopes: string[]; account?: string; granted: boolean }>;
  stop(): Promise<void>;
}

export interface TokenUser {
  password: string;
  /** Actions this user may get on any repository; default pull and push. */
  actions?: string[];
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** libtrust's key ID: base32 of the first 240 bits of sha256(DER SubjectPublicKeyInfo), in 12 groups of 4. */
export function libtrustKeyId(publicKey: crypto.KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  const b32 = base32(crypto.createHash('sha256').update(der).digest().subarray(0, 30));
  return b32.match(/.{4}/g)!.join(':');
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export async function startTokenServer(opts: {
  keyFile: string;
  users: Record<string, TokenUser>;
  service?: string;
  issuer?: string;
  ttlSeconds?: number;
}): Promise<TokenServer> {
  const key = crypto.createPrivateKey(fs.readFileSync(opts.keyFile));
  const kid = libtrustKeyId(crypto.createPublicKey(key));
  const service = opts.service ?? 'lineage-test-registry';
  const issuer = opts.issuer ?? 'lineage-test-issuer';
  const requests: TokenServer['requests'] = [];

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    let account: string | undefined;
    let user: TokenUser | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [name, ...rest] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      const candidate = opts.users[name];
      if (!candidate || candidate.password !== rest.join(':')) {
        requests.push({ scopes, account: name, granted: false });
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      account = name;
      user = candidate;
    }
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      if (type !== 'repository' || !name || !actions) return [];
      const allowed = user ? (user.actions ?? ['pull', 'push']) : [];
      return [{ type, name, actions: actions.split(',').filter((a) => allowed.includes(a)) }];
    });
    requests.push({ scopes, account, granted: true });
    const now = Math.floor(Date.now() / 1000);
    const ttl = opts.ttlSeconds ?? 300;
    const header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid }));
    const claims = b64url(
      JSON.stringify({ iss: issuer, sub: account ?? '', aud: service, exp: now + ttl, nbf: now - 10, iat: now, jti: crypto.randomUUID(), access }),
    );
    const sig = crypto.sign('sha256', Buffer.from(`${header}.${claims}`), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${header}.${claims}.${b64url(sig)}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
