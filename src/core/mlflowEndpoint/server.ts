/**
 * The MLflow tracking REST API, served on 127.0.0.1 for one launched run's lifetime so that MLflow code
 * (`mlflow.log_metric`, `mlflow.start_run`, autolog) logs into that Lineage run unchanged. Artifacts come
 * through MLflow's artifact proxy paths (`/api/2.0/mlflow-artifacts/artifacts/<exp>/<run>/artifacts/<path>`)
 * into the run's artifacts/ folder. See docs/mlflow-endpoint.md.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import { ApiError, invalid } from './errors';
import { loggedModelRoute } from './loggedModels';
import { readRoutes } from './reads';
import { registryRoutes } from './registry';
import { TrackingState, trackingRoutes, type Body, type Ctx, type EndpointRun } from './tracking';

const routes: Record<string, (c: Ctx) => unknown> = { ...trackingRoutes, ...readRoutes, ...registryRoutes };

export interface MlflowEndpoint {
  url: string;
  port: number;
  state: TrackingState;
  close(): Promise<void>;
}

const API = '/api/2.0/mlflow/';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';
const NOT_FOUND_HTML =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';
/** A request body larger than this is refused: a log-batch at MLflow's limits is well under 1 MiB. */
const MAX_JSON = 16 * 1024 * 1024;

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const t = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(t) });
  res.end(t);
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    n += (c as Buffer).length;
    if (n > MAX_JSON) throw invalid(`The request body is over ${MAX_JSON} bytes; send smaller batches.`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A relative path with no `..`, `.` or absolute part, else undefined. */
function safeRel(p: string): string | undefined {
  if (p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.includes('\\') || p.includes('\0')) return undefined;
  const parts = p.split('/').filter(Boolean);
  return parts.some((x) => x === '..' || x === '.') ? undefined : parts.join('/');
}

/**
 * Where an artifact path lands: `<exp>/<run id>/artifacts/<rest>` in that run's artifacts/ folder; anything
 * else (a logged model's `<exp>/models/<id>/artifacts/…`) under the launched run's artifacts/mlflow/.
 */
function locate(state: TrackingState, rel: string): { run: EndpointRun | undefined; file: string; eventPath: string } {
  const parts = rel.split('/');
  const run = parts.length >= 3 && parts[2] === 'artifacts' ? state.runs.get(parts[1]) : undefined;
  if (run) {
    const rest = parts.slice(3).join('/');
    return { run, file: path.join(run.dir, 'artifacts', rest), eventPath: rest ? `artifacts/${rest}` : 'artifacts' };
  }
  // A logged model's files go with the run that logged it.
  const model = parts.length >= 4 && parts[1] === 'models' && parts[3] === 'artifacts' ? state.models.get(parts[2]) : undefined;
  const owner = model?.source_run_id ? state.runs.get(model.source_run_id) : undefined;
  if (model && owner) {
    const sub = ['mlflow-models', model.model_id, ...parts.slice(4)].join('/');
    return { run: owner, file: path.join(owner.dir, 'artifacts', sub), eventPath: `artifacts/${sub}` };
  }
  return { run: undefined, file: path.join(state.runDir, 'artifacts', 'mlflow', rel), eventPath: `artifacts/mlflow/${rel}` };
}

export async function startMlflowEndpoint(runDir: string, runId: string): Promise<MlflowEndpoint> {
  const state = new TrackingState(runDir, runId);

  async function artifacts(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const rest = url.pathname.slice(ARTIFACTS.length);
    const bad = () => sendJson(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid artifact path: give a relative path without ".." parts.' });
    if (rest === '' && req.method === 'GET') {
      const rel = safeRel(url.searchParams.get('path') ?? '');
      if (rel === undefined) return bad();
      const dir = rel ? locate(state, rel).file : path.join(runDir, 'artifacts', 'mlflow');
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
    let decoded: string;
    try {
      decoded = decodeURIComponent(rest.slice(1));
    } catch {
      return bad();
    }
    const rel = safeRel(decoded);
    if (!rel) return bad();
    const { run, file, eventPath } = locate(state, rel);
    if (req.method === 'PUT') {
      await fs.promises.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.part`;
      try {
        await pipeline(req, fs.createWriteStream(tmp));
        await fs.promises.rename(tmp, file);
      } catch (err) {
        await fs.promises.rm(tmp, { force: true });
        throw err;
      }
      (run ?? state.runs.get(runId))?.sink.append([{ type: 'artifact', path: eventPath }]);
      return sendJson(res, 200, {});
    }
    if (req.method === 'GET') {
      const st = await fs.promises.stat(file).catch(() => undefined);
      if (!st?.isFile()) return sendJson(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `File ${rel} not found` });
      const isText = /(^|\/)(MLmodel|[^/]+\.(txt|yaml|yml|json|md|csv|html))$/.test(rel);
      res.writeHead(200, {
        'content-type': isText ? 'text/plain' : 'application/octet-stream',
        'content-disposition': `attachment; filename=${path.basename(rel)}`,
      });
      await pipeline(fs.createReadStream(file), res);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(NOT_FOUND_HTML);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // A web page the user visits must not be able to write into the run (MLflow 3 answers 403 alike).
    const origin = req.headers.origin;
    if (origin && origin !== `http://${req.headers.host}`)
      return sendJson(res, 403, { error_code: 'PERMISSION_DENIED', message: 'Cross-origin request blocked' });
    if (url.pathname === ARTIFACTS || url.pathname.startsWith(ARTIFACTS + '/')) return artifacts(req, res, url);
    const rest = url.pathname.startsWith(API) ? url.pathname.slice(API.length) : undefined;
    const route = rest === undefined ? undefined : (routes[`${req.method} ${rest}`] ?? loggedModelRoute(req.method ?? 'GET', rest));
    const raw = await readBody(req);
    if (!route) return void res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(NOT_FOUND_HTML);
    let body: Body = {};
    if (raw.length) {
      try {
        body = JSON.parse(raw.toString('utf8')) as Body;
      } catch {
        return sendJson(res, 400, { error_code: 'BAD_REQUEST', message: 'Malformed JSON request body' });
      }
    }
    sendJson(res, 200, route({ state, query: url.searchParams, body }));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (res.headersSent) return void res.destroy();
      if (err instanceof ApiError) return sendJson(res, err.status, { error_code: err.code, message: err.message });
      sendJson(res, 500, { error_code: 'INTERNAL_ERROR', message: err.message });
    });
  });
  server.keepAliveTimeout = 30_000;
  // Port 0: the system picks a free port, so a taken one is never a problem.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      state.close();
    },
  };
}
