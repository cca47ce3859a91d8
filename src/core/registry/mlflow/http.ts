/**
 * One MLflow tracking server: JSON calls under /api/2.0/mlflow/, and the artifact proxy under
 * /api/2.0/mlflow-artifacts/artifacts/ with streamed bodies. Credentials become one header here and nowhere
 * else. Calls that are safe to repeat are retried with backoff on a dropped connection or a 502–504.
 * On the OCI client's node:http/https transport rather than the global fetch, because fetch takes no per-call
 * CA: the registry's caFile must reach a tracking server behind a private CA. Redirects are followed for GETs
 * only, never with the Authorization header to another origin.
 */
import type { Readable } from 'node:stream';
import type { Credentials } from '../types';
import { RegistryError } from '../types';
import { drain, readText, Transport, type HttpResponse } from '../oci/http';
import { httpError, networkError, type MlflowErrorBody } from './errors';

export const API = '/api/2.0/mlflow/';
export const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

export interface CallOptions {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Named in an error message: "create the run". */
  what: string;
  /** Safe to send again after a dropped connection (GETs, updates, log-batch of points the server dedups). */
  retry?: boolean;
}

/** Thrown for an answer the caller may expect (404, 400 RESOURCE_ALREADY_EXISTS) so it can decide. */
export class MlflowHttpError extends RegistryError {
  constructor(
    base: RegistryError,
    readonly errorCode: string | undefined,
  ) {
    super(base.kind, base.message, base.hint, base.status);
  }
}

export class MlflowHttp {
  readonly base: string;
  readonly host: string;
  /** Requests sent, for benchmarks and tests that count them. */
  requests = 0;

  private readonly transport: Transport;

  constructor(
    url: string,
    private readonly credentials?: Credentials,
    private readonly signal?: AbortSignal,
    /** PEM bundle of extra CAs to trust (the registry's caFile), added to Node's own roots. */
    caFile?: string,
  ) {
    this.base = trackingBase(url);
    this.host = new URL(this.base).host;
    this.transport = new Transport({ caFile });
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': 'lineage-mlflow-client/0.1', ...extra };
    const c = this.credentials;
    if (c?.token) h.authorization = `Bearer ${c.token}`;
    else if (c?.username !== undefined && c.password !== undefined) h.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    return h;
  }

  private async send(url: string, req: SendInit, what: string, retry: boolean): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        this.requests++;
        res = await this.transport.send({ ...req, url, signal: this.signal, followRedirects: req.method === 'GET' });
      } catch (err) {
        if (this.signal?.aborted)
          throw new RegistryError('cancelled', `Cancelled while trying to ${what}.`, 'Run the command again to finish; nothing half-done is registered.');
        const failure = networkError(err, what, this.host, this.credentials);
        if (retry && attempt < 3 && failure.kind === 'unreachable' && !/ECONNREFUSED|ENOTFOUND/.test(failure.message)) {
          await delay(200 * 2 ** attempt);
          continue;
        }
        throw failure;
      }
      if (retry && attempt < 3 && res.status >= 502 && res.status <= 504) {
        drain(res);
        await delay(200 * 2 ** attempt);
        continue;
      }
      return res;
    }
  }

  private async text(res: HttpResponse, what: string): Promise<string> {
    try {
      return await readText(res, TEXT_LIMIT);
    } catch (err) {
      if (this.signal?.aborted)
        throw new RegistryError('cancelled', `Cancelled while trying to ${what}.`, 'Run the command again to finish; nothing half-done is registered.');
      throw networkError(err, what, this.host, this.credentials);
    }
  }

  /** A non-2xx answer of the artifact proxy as the error to throw, with the server's error_code when it sent one. */
  private failure(status: number, text: string, what: string): MlflowHttpError {
    const body = safeJson(text);
    return new MlflowHttpError(httpError(status, body, what, this.host, this.credentials), body?.error_code);
  }

  /** A JSON call; answers the parsed body, or throws MlflowHttpError (with the server's error_code). */
  async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', endpoint: string, opts: CallOptions): Promise<T> {
    const url = new URL(this.base + API + endpoint);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const body = opts.body !== undefined ? Buffer.from(JSON.stringify(opts.body)) : undefined;
    const headers = this.headers(body ? { 'content-type': 'application/json' } : {});
    const res = await this.send(url.href, { method, headers, body: body && (() => body) }, opts.what, opts.retry ?? method === 'GET');
    const text = await this.text(res, opts.what);
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    if (!isOk(res)) {
      const err = parsed as MlflowErrorBody | undefined;
      throw new MlflowHttpError(httpError(res.status, err, opts.what, this.host, this.credentials), err?.error_code);
    }
    if (parsed === undefined || typeof parsed !== 'object')
      throw new RegistryError(
        'protocol',
        `MLflow at ${this.host} answered something that is not JSON to "${opts.what}".`,
        'Check the tracking URI points at an MLflow server (not a proxy or a login page).',
      );
    return parsed as T;
  }

  /** Uploads one artifact, streamed: `relPath` is the mlflow-artifacts URI without its scheme. */
  async putArtifact(relPath: string, body: Readable | Buffer, size: number, what: string): Promise<void> {
    const url = this.base + ARTIFACTS + '/' + encodePath(relPath);
    const headers = this.headers({ 'content-type': contentTypeOf(relPath), 'content-length': String(size) });
    // A streamed body cannot be sent twice, so only in-memory bodies are retried here; callers reopen files.
    const res = await this.send(url, { method: 'PUT', headers, body: () => body }, what, Buffer.isBuffer(body));
    const text = await this.text(res, what);
    if (!isOk(res)) throw this.failure(res.status, text, what);
  }

  /** Lists one folder of the artifact proxy. */
  async listArtifacts(relPath: string, what: string): Promise<Array<{ path: string; is_dir?: boolean; file_size?: number }>> {
    const url = new URL(this.base + ARTIFACTS);
    url.searchParams.set('path', relPath);
    const res = await this.send(url.href, { method: 'GET', headers: this.headers() }, what, true);
    const text = await this.text(res, what);
    if (!isOk(res)) throw this.failure(res.status, text, what);
    const parsed = safeJson(text) as { files?: Array<{ path: string; is_dir?: boolean; file_size?: number }> } | undefined;
    return parsed?.files ?? [];
  }

  /** Downloads one artifact as a stream of bytes. */
  async getArtifact(relPath: string, what: string): Promise<Readable> {
    const res = await this.send(this.base + ARTIFACTS + '/' + encodePath(relPath), { method: 'GET', headers: this.headers() }, what, true);
    if (!isOk(res)) {
      const text = await this.text(res, what);
      throw this.failure(res.status, text, what);
    }
    return res.body;
  }
}

/** `mlflow://h:p` → `http://h:p`, `mlflow+https://h` → `https://h`; http(s) URLs kept; no path, no trailing slash. */
export function trackingBase(url: string): string {
  let u = url.trim();
  if (u.startsWith('mlflow+https://')) u = 'https://' + u.slice('mlflow+https://'.length);
  else if (u.startsWith('mlflow+http://')) u = 'http://' + u.slice('mlflow+http://'.length);
  else if (u.startsWith('mlflow://')) u = 'http://' + u.slice('mlflow://'.length);
  let parsed: URL;
  try {
    parsed = new URL(u);
  } catch {
    throw new RegistryError('protocol', `"${url}" is not a tracking URI.`, 'Give it as http://HOST:PORT, https://HOST or mlflow://HOST:PORT.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new RegistryError(
      'protocol',
      `"${parsed.protocol}" tracking URIs are not supported.`,
      'Give it as http://HOST:PORT, https://HOST or mlflow://HOST:PORT.',
    );
  // A path prefix (a server behind a reverse proxy at /mlflow) is kept.
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
}

function encodePath(p: string): string {
  return p.split('/').map(encodeURIComponent).join('/');
}

function contentTypeOf(p: string): string {
  return /(^|\/)(MLmodel|[^/]+\.(txt|yaml|yml|json|md|csv|html))$/.test(p) ? 'text/plain' : 'application/octet-stream';
}

function safeJson(text: string): MlflowErrorBody | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

interface SendInit {
  method: string;
  headers: Record<string, string>;
  body?: () => Readable | Buffer | undefined;
}

/** JSON answers can be big (a metric's history of 25,000 points) but are still bounded. */
const TEXT_LIMIT = 64 << 20;

function isOk(res: HttpResponse): boolean {
  return res.status >= 200 && res.status < 300;
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
