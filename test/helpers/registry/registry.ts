import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeSigningKey, makeTestCerts } from './tls';
import { startTokenServer, TokenServer, TokenUser } from './tokenServer';

/**
 * Debian's real Docker Distribution registry (/usr/bin/docker-registry 2.8.2) on a free 127.0.0.1 port, with a
 * temp config and storage root: open, htpasswd Basic (bcrypt), or token auth through ./tokenServer; optional TLS
 * with a throwaway CA. Tests and benchmarks start one and stop it.
 */
export interface StartRegistryOptions {
  auth?: 'none' | 'basic' | 'token';
  tls?: boolean;
  /** Extra token-auth users (e.g. a pull-only one); `username`/`password` below always exist with pull+push. */
  tokenUsers?: Record<string, TokenUser>;
  tokenTtlSeconds?: number;
  /**
   * Have the registry answer blob GETs with a redirect to this base URL + the blob's storage path (Distribution's
   * `redirect` storage middleware, as registries backed by S3 or a CDN do); serve `rootDir` there.
   */
  redirectBlobsTo?: string;
  /** The registry's public URL (`http.host`): the Locations it gives name this host, as behind a proxy or a misconfiguration. */
  publicUrl?: string;
  /** Store blobs on a tmpfs of this size (mounted for the registry; needs root, as CI and these machines run): a real full disk. */
  storageLimitBytes?: number;
}

export interface TestRegistry {
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  url: string;
  host: string;
  port: number;
  caFile?: string;
  username?: string;
  password?: string;
  /** Where the registry stores blobs (to check what it holds). */
  rootDir: string;
  tokenServer?: TokenServer;
  /** The registry's own log, for a failing test's message. */
  logFile: string;
  /** The registry process (e.g. to read its CPU time from /proc). */
  pid: number;
  stop(): Promise<void>;
}

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function ping(url: string, caFile?: string): Promise<number> {
  return new Promise((resolve) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(`${url}/v2/`, { ca: caFile ? fs.readFileSync(caFile) : undefined, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const auth = opts.auth ?? 'none';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lineage-registry-'));
  const rootDir = path.join(dir, 'storage');
  fs.mkdirSync(rootDir);
  if (opts.storageLimitBytes)
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${opts.storageLimitBytes}`, 'tmpfs', rootDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await freePort();
  const username = auth === 'none' ? undefined : 'alice';
  const password = auth === 'none' ? undefined : 'correct horse battery';
  const lines = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${rootDir}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`,
    ...(opts.publicUrl ? [`  host: ${opts.publicUrl}`] : []),
  ];
  let caFile: string | undefined;
  if (opts.tls) {
    const certs = makeTestCerts(path.join(dir, 'tls'));
    caFile = certs.caFile;
    lines.push('  tls:', `    certificate: ${certs.certFile}`, `    key: ${certs.keyFile}`);
  }
  let tokenServer: TokenServer | undefined;
  if (auth === 'basic') {
    const entry = execFileSync('htpasswd', ['-Bbn', username!, password!], { encoding: 'utf8' }).trim();
    fs.writeFileSync(path.join(dir, 'htpasswd'), entry + '\n');
    lines.push('auth:', '  htpasswd:', '    realm: lineage-test', `    path: ${path.join(dir, 'htpasswd')}`);
  } else if (auth === 'token') {
    const signing = makeSigningKey(path.join(dir, 'token'));
    tokenServer = await startTokenServer({
      keyFile: signing.keyFile,
      users: { [username!]: { password: password! }, ...(opts.tokenUsers ?? {}) },
      ttlSeconds: opts.tokenTtlSeconds,
    });
    lines.push(
      'auth:',
      '  token:',
      `    realm: ${tokenServer.realm}`,
      `    service: ${tokenServer.service}`,
      `    issuer: ${tokenServer.issuer}`,
      `    rootcertbundle: ${signing.certFile}`,
    );
  }
  if (opts.redirectBlobsTo) lines.push('middleware:', '  storage:', '    - name: redirect', '      options:', `        baseurl: ${opts.redirectBlobsTo}`);
  const configFile = path.join(dir, 'config.yml');
  fs.writeFileSync(configFile, lines.join('\n') + '\n');
  // REGISTRY_* variables override the config file; none may leak in from the environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
  const logFile = path.join(dir, 'registry.log');
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(REGISTRY_BIN, ['serve', configFile], { env, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    const status = await ping(url, caFile);
    if (status === 200 || status === 401) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`docker-registry did not start on ${url}:\n${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    host: `127.0.0.1:${port}`,
    port,
    caFile,
    username,
    password,
    rootDir,
    tokenServer,
    logFile,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await tokenServer?.stop();
      if (opts.storageLimitBytes) execFileSync('umount', [rootDir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
