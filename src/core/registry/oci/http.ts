import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import * as tls from 'node:tls';

/**
 * The HTTP layer of the OCI client, on node:http/https rather than the global fetch: Node 20 does not expose
 * undici's Agent (needed for a custom CA with fetch) without the npm package, and node:http gives what a
 * resumable upload needs — streamed request bodies with backpressure, a socket error code (ECONNREFUSED,
 * UNABLE_TO_VERIFY_LEAF_SIGNATURE…) on failure, and an exact count of the bytes handed to the socket.
 */

export interface HttpRequest {
  method: string;
  url: string;
  headers?: Record<string, string | number>;
  /** Called for each attempt, so a request can be sent again (after a 401 or a redirect). */
  body?: () => Readable | Buffer | FileRange | undefined;
  signal?: AbortSignal;
  /** Follow 3xx for GET/HEAD (blob downloads may be redirected to storage); never with credentials to another host. */
  followRedirects?: boolean;
  /** Bytes of the body handed to the connection, as they go. */
  onBodyBytes?: (n: number) => void;
}

/**
 * A byte range of a file as a request body, sent by reading into two reused 4 MiB buffers (one being read while
 * the other is written): a 1 GiB upload through a stream would allocate 1 GiB of fresh buffers, and the page
 * faults and GC cost more CPU than the copy itself. `onChunk` sees every piece in order (for the sha256).
 */
export class FileRange {
  constructor(
    readonly absPath: string,
    readonly start: number,
    readonly end: number,
    readonly onChunk?: (chunk: Buffer, position: number) => void,
  ) {}
}

const PIECE = 4 << 20;

async function pumpFile(body: FileRange, r: http.ClientRequest, onBytes?: (n: number) => void): Promise<void> {
  const fh = await fs.promises.open(body.absPath, 'r');
  try {
    const bufs = [Buffer.allocUnsafe(PIECE), Buffer.allocUnsafe(PIECE)];
    const written: Array<Promise<void> | undefined> = [undefined, undefined];
    let failed: Error | undefined;
    r.once('error', (e) => (failed = e));
    for (let pos = body.start, i = 0; pos < body.end; i ^= 1) {
      await written[i]; // this buffer's previous write has reached the socket: it may be refilled
      if (failed || r.destroyed) throw failed ?? new Error('request closed');
      const want = Math.min(PIECE, body.end - pos);
      const { bytesRead } = await fh.read(bufs[i], 0, want, pos);
      if (bytesRead !== want) throw Object.assign(new Error(`${body.absPath} changed while it was being sent`), { code: 'ESHORTREAD' });
      const piece = bufs[i].subarray(0, want);
      body.onChunk?.(piece, pos);
      pos += want;
      written[i] = new Promise<void>((resolve, reject) => r.write(piece, (err) => (err ? reject(err) : resolve())));
      written[i]!.catch(() => undefined);
      onBytes?.(want);
    }
    await Promise.all(written.map((w) => w ?? Promise.resolve()));
    r.end();
  } finally {
    await fh.close();
  }
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The final URL (after redirects). */
  url: string;
  body: http.IncomingMessage;
}

const IDLE_TIMEOUT_MS = 120_000;

export class Transport {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  private readonly httpsAgent: https.Agent;

  constructor(opts: { caFile?: string } = {}) {
    // The extra CA is added to Node's own roots, not instead of them: a registry behind a public CA still works.
    const ca = opts.caFile ? [...tls.rootCertificates, fs.readFileSync(opts.caFile, 'utf8')] : undefined;
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 8, ca });
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let headers = { ...(req.headers ?? {}) };
    const origin = new URL(url).origin;
    for (let hop = 0; ; hop++) {
      const res = await this.once({ ...req, url, headers });
      const location = res.headers.location;
      if (!req.followRedirects || ![301, 302, 303, 307, 308].includes(res.status) || !location || hop >= 5) return res;
      res.body.resume();
      url = new URL(location, url).toString();
      if (new URL(url).origin !== origin) {
        // Blob storage behind a redirect gets a pre-signed URL: the registry's credentials must not follow.
        headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
      }
    }
  }

  private once(req: HttpRequest & { url: string }): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const u = new URL(req.url);
      const isHttps = u.protocol === 'https:';
      const mod = isHttps ? https : http;
      const body = req.body?.();
      const headers: Record<string, string | number> = { 'user-agent': 'lineage-oci/1', ...(req.headers ?? {}) };
      if (Buffer.isBuffer(body)) headers['content-length'] = body.length;
      else if (!body && !hasHeader(headers, 'content-length') && req.method !== 'GET' && req.method !== 'HEAD') headers['content-length'] = 0;
      const r = mod.request(u, { method: req.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent, signal: req.signal }, (res) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url: req.url, body: res }),
      );
      r.setTimeout(IDLE_TIMEOUT_MS, () => r.destroy(Object.assign(new Error('the registry stopped answering'), { code: 'ETIMEDOUT' })));
      r.on('error', (err) => {
        if (body instanceof Readable) body.destroy();
        reject(err);
      });
      if (body instanceof FileRange) {
        pumpFile(body, r, req.onBodyBytes).catch((err: Error) => r.destroy(err));
      } else if (body instanceof Readable) {
        if (req.onBodyBytes) body.on('data', (c: Buffer) => req.onBodyBytes!(c.length));
        body.on('error', (err) => r.destroy(err));
        body.pipe(r);
      } else {
        if (body && req.onBodyBytes) req.onBodyBytes(body.length);
        r.end(body);
      }
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function hasHeader(h: Record<string, unknown>, name: string): boolean {
  return Object.keys(h).some((k) => k.toLowerCase() === name);
}

/** Reads a (small) response body, at most `limit` bytes. */
export async function readBytes(res: HttpResponse, limit = 1 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) {
      res.body.destroy();
      throw Object.assign(new Error(`response larger than ${limit} bytes`), { code: 'ERESPONSE_TOO_LARGE' });
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

export async function readText(res: HttpResponse, limit = 1 << 20): Promise<string> {
  return (await readBytes(res, limit)).toString('utf8');
}

/** Discards a response body so the connection can be reused. */
export function drain(res: HttpResponse): void {
  res.body.resume();
}
