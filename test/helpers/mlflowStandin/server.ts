/**
 * STAND-IN, NOT MLFLOW: a test double of an MLflow 3.6 tracking server with the Model Registry and the
 * artifact proxy, checked against recorded real traffic (test/e2e/mlflowStandin.test.ts replays
 * ../shared/fixtures/mlflow-traffic against it). A Node http server on 127.0.0.1, state in memory, artifacts
 * in a temp folder removed on close. Optional Basic/Bearer auth answers 401 like a server behind an auth
 * proxy; a cross-origin `Origin` gets MLflow 3's 403. See README.md here for what it covers and what not.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import { ApiError } from './errors';
import { loggedModelRoute, registryRoutes } from './registry';
import { StandinState } from './state';
import { trackingRoutes, type Body, type Ctx } from './tracking';

export interface StandinOptions {
  /** Require `Authorization: Bearer <token>`. */
  token?: string;
  /** Require Basic credentials. */
  basic?: { username: string; password: string };
  /** Keep every request (method, path, query, JSON body) in `requests`, for shape checks. */
  record?: boolean;
  /** Answer as an MLflow 2.x server: no logged models (their endpoints are unknown, HTML 404). */
  mlflow2?: boolean;
  /** Cut the connection of the first artifact upload larger than this many bytes, once it has sent half. */
  cutUploadOver?: number;
  /** Serve HTTPS with this certificate (e.g. from test/helpers/registry/tls.ts); `url` is then https://. */
  tls?: { certFile: string; keyFile: string };
  /** Hold the answer to these routes (keys as in `counts`, e.g. 'POST runs/search') this many ms, to widen races. */
  delayMs?: Record<string, number>;
  /** Called as each artifact upload (PUT) arrives, before its body is read; the answer waits for it (to hold an upload). */
  onArtifactPut?: (relPath: string) => void | Promise<void>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
}

export interface MlflowStandin {
  url: string;
  port: number;
  state: StandinState;
  requests: RecordedRequest[];
  /** Requests answered, by "METHOD endpoint" (e.g. "POST runs/log-batch"). */
  counts: Map<string, number>;
  close(): Promise<void>;
}

const API = '/api/2.0/mlflow/';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';
const NOT_FOUND_HTML =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function safeRel(p: string): string | undefined {
  const parts = p.split('/').filter(Boolean);
  return parts.some((x) => x === '..' || x === '.') ? undefined : parts.join('/');
}

function authorized(req: http.IncomingMessage, o: StandinOptions): boolean {
  if (!o.token && !o.basic) return true;
  const h = req.headers.authorization ?? '';
  if (o.token && h === `Bearer ${o.token}`) return true;
  if (o.basic && h === `Basic ${Buffer.from(`${o.basic.username}:${o.basic.password}`).toString('base64')}`) return true;
  return false;
}

export async function startMlflowStandin(opts: StandinOptions = {}): Promise<MlflowStandin> {
  const state = new StandinState();
  const root = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mlflow-standin-'));
  const requests: RecordedRequest[] = [];
  const counts = new Map<string, number>();
  let cut = false;

  async function artifacts(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const rest = url.pathname.slice(ARTIFACTS.length);
    if (rest === '' && req.method === 'GET') {
      const rel = safeRel(url.searchParams.get('path') ?? '');
      if (rel === undefined) return sendJson(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' });
      const dir = path.join(root, rel);
      const st = await fs.promises.stat(dir).catch(() => undefined);
      if (!st?.isDirectory()) return sendJson(res, 200, {});
      const names = (await fs.promises.readdir(dir)).sort();
      const files = await Promise.all(
        names.map(async (n) => {
          const s = await fs.promises.stat(path.join(dir, n));
          return s.isDirectory() ? { path: n, is_dir: true } : { path: n, is_dir: false, file_size: s.size };
        }),
      );
      return sendJson(res, 200, files.length ? { files } : {});
    }
    const rel = safeRel(decodeURIComponent(rest));
    if (!rel) return sendJson(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' });
    const file = path.join(root, rel);
    if (req.method === 'PUT') {
      await opts.onArtifactPut?.(rel);
      const size = Number(req.headers['content-length'] ?? 0);
      if (opts.cutUploadOver !== undefined && !cut && size > opts.cutUploadOver) {
        cut = true;
        let got = 0;
        req.on('data', (c: Buffer) => {
          got += c.length;
          if (got >= size / 2) req.socket.destroy();
        });
        return;
      }
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      await pipeline(req, fs.createWriteStream(file));
      return sendJson(res, 200, {});
    }
    if (req.method === 'GET') {
      const st = await fs.promises.stat(file).catch(() => undefined);
      if (!st?.isFile()) return sendJson(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `File ${rel} not found` });
      const text = /(^|\/)(MLmodel|[^/]+\.(txt|yaml|yml|json|md|csv|html))$/.test(rel);
      res.writeHead(200, {
        'content-type': text ? 'text/plain' : 'application/octet-stream',
        'content-disposition': `attachment; filename=${path.basename(rel)}`,
      });
      await pipeline(fs.createReadStream(file), res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(NOT_FOUND_HTML);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = req.headers.origin;
    if (origin && origin !== `${opts.tls ? 'https' : 'http'}://${req.headers.host}`)
      return sendJson(res, 403, { error_code: 'PERMISSION_DENIED', message: 'Cross-origin request blocked' });
    if (!authorized(req, opts)) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="mlflow"' });
      res.end('You are not authenticated. Please see the documentation for how to authenticate.');
      return;
    }
    if (url.pathname === ARTIFACTS || url.pathname.startsWith(ARTIFACTS + '/')) {
      const key = `${req.method} mlflow-artifacts`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (opts.record) requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams) });
      return artifacts(req, res, url);
    }
    // Not MLflow: how many requests the stand-in answered, for benchmarks that run it in another process.
    if (url.pathname === '/__standin/counts') return sendJson(res, 200, Object.fromEntries(counts));
    if (!url.pathname.startsWith(API)) return void res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(NOT_FOUND_HTML);
    const rest = url.pathname.slice(API.length);
    const route =
      opts.mlflow2 && rest.startsWith('logged-models')
        ? undefined
        : (trackingRoutes[`${req.method} ${rest}`] ?? registryRoutes[`${req.method} ${rest}`] ?? loggedModelRoute(req.method ?? 'GET', rest));
    const raw = await readBody(req);
    if (!route) return void res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(NOT_FOUND_HTML);
    const key = `${req.method} ${rest.startsWith('logged-models/m-') ? rest.replace(/m-[0-9a-f]+/, '{id}') : rest}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    let body: Body = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Body;
      } catch {
        return sendJson(res, 400, { error_code: 'BAD_REQUEST', message: 'Malformed JSON request body' });
      }
    }
    if (opts.record)
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), body: raw.length ? body : undefined });
    const ctx: Ctx = { state, query: url.searchParams, body };
    // Answered as of now, sent after the delay: a second client's request in between sees the same state.
    const delay = opts.delayMs?.[key];
    try {
      const answer = route(ctx);
      if (delay) await new Promise((r) => setTimeout(r, delay));
      sendJson(res, 200, answer);
    } catch (err) {
      if (err instanceof ApiError) return sendJson(res, err.status, { error_code: err.code, message: err.message });
      throw err;
    }
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) sendJson(res, 500, { error_code: 'INTERNAL_ERROR', message: err.message });
      else res.destroy();
    });
  };
  const server = opts.tls
    ? https.createServer({ cert: fs.readFileSync(opts.tls.certFile), key: fs.readFileSync(opts.tls.keyFile) }, onRequest)
    : http.createServer(onRequest);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    state,
    requests,
    counts,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.promises.rm(root, { recursive: true, force: true });
    },
  };
}
