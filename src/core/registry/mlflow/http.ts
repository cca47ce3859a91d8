/**
 * One MLflow tracking server seen through Node's fetch: JSON calls under /api/2.0/mlflow/, and the artifact
 * proxy under /api/2.0/mlflow-artifacts/artifacts/ with streamed bodies. Credentials become one header here
 * and nowhere else. Calls that are safe to repeat are retried with backoff on a dropped connection or a 502–504.
 */
import { Readable } from 'node:stream';
import type { Credentials } from '../types';
import { RegistryError } from '../types';
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

  constructor(
    url: string,
    private readonly credentials?: Credentials,
    private readonly signal?: AbortSignal,
  ) {
    this.base = trackingBase(url);
    this.host = new URL(this.base).host;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { 'user-agent': 'lineage-mlflow-client/0.1', ...extra };
    const c = this.credentials;
    if (c?.token) h.authorization = `Bearer ${c.token}`;
    else if (c?.username !== undefined && c.password !== undefined) h.authorization = `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
    return h;
  }

  private async send(url: string, init: RequestInit, what: string, retry: boolean): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      let res: Response;
      try {
        this.requests++;
        res = await fetch(url, { ...init, signal: this.signal });
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
        await res.body?.cancel();
        await delay(200 * 2 ** attempt);
        continue;
      }
      return res;
    }
  }

  /** A JSON call; answers the parsed body, or throws MlflowHttpError (with the server's error_code). */
  async call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', endpoint: string, opts: CallOptions): Promise<T> {
    const url = new URL(this.base + API + endpoint);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const init: RequestInit = { method, headers: this.headers(opts.body !== undefined ? { 'content-type': 'application/json' } : {}) };
    if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
    const res = await this.send(url.href, init, opts.what, opts.retry ?? method === 'GET');
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const body = parsed as MlflowErrorBody | undefined;
      throw new MlflowHttpError(httpError(res.status, body, opts.what, this.host, this.credentials), body?.error_code);
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
    const init: RequestInit & { duplex?: 'half' } = { method: 'PUT', headers };
    if (Buffer.isBuffer(body)) init.body = Uint8Array.from(body);
    else {
      init.body = Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>;
      init.duplex = 'half';
    }
    // A streamed body cannot be sent twice, so only in-memory bodies are retried here; callers reopen files.
    const res = await this.send(url, init, what, Buffer.isBuffer(body));
    const text = await res.text();
    if (!res.ok) throw new MlflowHttpError(httpError(res.status, safeJson(text), what, this.host, this.credentials), safeJson(text)?.error_code);
  }

  /** Lists one folder of the artifact proxy. */
  async listArtifacts(relPath: string, what: string): Promise<Array<{ path: string; is_dir?: boolean; file_size?: number }>> {
    const url = new URL(this.base + ARTIFACTS);
    url.searchParams.set('path', relPath);
    const res = await this.send(url.href, { headers: this.headers() }, what, true);
    const text = await res.text();
    if (!res.ok) throw new MlflowHttpError(httpError(res.status, safeJson(text), what, this.host, this.credentials), safeJson(text)?.error_code);
    const parsed = safeJson(text) as { files?: Array<{ path: string; is_dir?: boolean; file_size?: number }> } | undefined;
    return parsed?.files ?? [];
  }

  /** Downloads one artifact as a stream of bytes. */
  async getArtifact(relPath: string, what: string): Promise<ReadableStream<Uint8Array>> {
    const res = await this.send(this.base + ARTIFACTS + '/' + encodePath(relPath), { headers: this.headers() }, what, true);
    if (!res.ok) {
      const text = await res.text();
      throw new MlflowHttpError(httpError(res.status, safeJson(text), what, this.host, this.credentials), safeJson(text)?.error_code);
    }
    if (!res.body)
      throw new RegistryError('protocol', `MLflow at ${this.host} sent no body for ${relPath}.`, 'Try again; if it persists, check the artifact store.');
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

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
