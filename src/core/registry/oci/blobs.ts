import { RegistryError } from '../types';
import { isRetryable } from './errors';
import { drain, FileRange, HttpResponse } from './http';
import { cancelled, Session } from './session';
import { PushState } from './state';
import type { OffThreadHasher } from './offThreadHash';

/**
 * Blob transfer to one repository: HEAD to skip what the registry has, cross-repository mount, monolithic
 * upload for small blobs, and for files a chunked upload (PATCH per chunk, following each reply's new Location)
 * that resumes from the offset the registry acknowledged — after a cut connection (asking the registry with a
 * GET on the upload URL) and after a crash (the URL and offset are saved in the push state after every chunk).
 * Files are read as streams, never whole; the sha256, when not known yet, is computed on a worker thread while
 * the chunks go out (offThreadHash.ts), so the event loop (the editor's, in the extension host) never waits on it.
 */

export interface BlobContext {
  session: Session;
  repository: string;
  scopes: string[];
  signal?: AbortSignal;
  /** First chunk size; it then doubles while chunks take under 2 s, up to maxChunkSize, and halves past 8 s. */
  chunkSize: number;
  maxChunkSize: number;
  retries: number;
  backoffMs: number;
  /** On Cancel, a chunk already on its way may finish for this long, so the registry keeps a consistent upload to resume. */
  cancelGraceMs: number;
  state: PushState;
  hasher: OffThreadHasher;
  /** Bytes handed to the network (negative when a failed chunk's bytes must be sent again). */
  onProgress(delta: number): void;
  stats: TransferStats;
}

export interface TransferStats {
  bytesSent: number;
  bytesSkipped: number;
  /** Chunks that failed and were sent again from the acknowledged offset. */
  retries: number;
  /** Upload sessions the registry dropped (Distribution drops one whose chunk was cut halfway). */
  sessionsRestarted: number;
  resumedFromOffset: number[];
}

export interface FileBlob {
  absPath: string;
  size: number;
  mtimeMs: number;
  /** `sha256:<hex>` when already known. */
  digest?: string;
  label: string;
}

const MIN_CHUNK = 4 << 20;

const blobPath = (repo: string, digest: string) => `/v2/${repo}/blobs/${digest}`;

export async function blobExists(ctx: BlobContext, digest: string, size?: number): Promise<boolean> {
  const res = await withRetry(ctx, 'checking which blobs the registry has', () =>
    ctx.session.call({ method: 'HEAD', url: blobPath(ctx.repository, digest), signal: ctx.signal, followRedirects: true }, ctx.scopes, 'checking a blob'),
  );
  drain(res);
  if (res.status === 404) return false;
  if (res.status !== 200) return ctx.session.fail(res, 'checking a blob');
  const len = Number(res.headers['content-length']);
  return size === undefined || !Number.isFinite(len) || len === size;
}

/** Asks the registry to link a blob it holds in `from`: true when mounted; else an upload URL it opened instead. */
export async function tryMount(ctx: BlobContext, digest: string, from: string): Promise<true | string | undefined> {
  const scopes = [...ctx.scopes, `repository:${from}:pull`];
  let res: HttpResponse;
  try {
    res = await ctx.session.call(
      { method: 'POST', url: `/v2/${ctx.repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, signal: ctx.signal },
      scopes,
      'mounting a blob',
    );
  } catch (err) {
    // No pull right on the other repository is no reason to fail the push: upload instead.
    if (err instanceof RegistryError && (err.kind === 'permission' || err.kind === 'auth')) return undefined;
    throw err;
  }
  drain(res);
  if (res.status === 201) return true;
  if (res.status === 202 && res.headers.location) return new URL(res.headers.location, res.url).toString();
  return undefined;
}

async function openUpload(ctx: BlobContext): Promise<string> {
  const res = await withRetry(ctx, 'starting an upload', () =>
    ctx.session.call({ method: 'POST', url: `/v2/${ctx.repository}/blobs/uploads/`, signal: ctx.signal }, ctx.scopes, 'starting an upload'),
  );
  await ctx.session.expect(res, [202], 'starting an upload');
  drain(res);
  if (!res.headers.location)
    throw new RegistryError(
      'protocol',
      `${ctx.session.where} opened an upload without a Location`,
      'This registry does not speak the OCI distribution protocol as expected.',
    );
  return new URL(res.headers.location, res.url).toString();
}

/** Where an upload stands on the registry: its next URL and acknowledged offset, or undefined when it is gone. */
async function uploadStatus(ctx: BlobContext, location: string, lastAcked: number): Promise<{ location: string; offset: number } | undefined> {
  const res = await ctx.session.call({ method: 'GET', url: location, signal: ctx.signal }, ctx.scopes, 'asking where an upload stands');
  drain(res);
  if (res.status === 404 || res.status === 400) return undefined;
  if (res.status !== 204 && res.status !== 200) return ctx.session.fail(res, 'asking where an upload stands');
  const m = /^(?:bytes=)?0-(\d+)$/.exec(String(res.headers.range ?? ''));
  const end = m ? Number(m[1]) : -1;
  // "0-0" means both "nothing yet" and "one byte" in Distribution's answer; our own count decides.
  const offset = end <= 0 ? Math.min(lastAcked, end + 1) : end + 1;
  return { location: res.headers.location ? new URL(res.headers.location, res.url).toString() : location, offset };
}

function withDigest(location: string, digest: string): string {
  const u = new URL(location);
  u.searchParams.set('digest', digest);
  return u.toString();
}

async function finishUpload(ctx: BlobContext, location: string, digest: string, body?: Buffer): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await ctx.session.call(
        {
          method: 'PUT',
          url: withDigest(location, digest),
          headers: { 'content-type': 'application/octet-stream' },
          body: body ? () => body : undefined,
          signal: ctx.signal,
        },
        ctx.scopes,
        'finishing an upload',
      );
      if (res.status === 201 || res.status === 204) return drain(res);
      await ctx.session.fail(res, 'finishing an upload');
    } catch (err) {
      if (!isRetryable(err) || attempt >= ctx.retries) throw err;
      await backoff(ctx, attempt);
      // The PUT may have landed before the connection dropped.
      if (await blobExists(ctx, digest)) return;
    }
  }
}

export async function uploadBuffer(ctx: BlobContext, data: Buffer, digest: string): Promise<void> {
  const location = await openUpload(ctx);
  await finishUpload(ctx, location, digest, data);
  ctx.stats.bytesSent += data.length;
  ctx.onProgress(data.length);
}

function uploadKey(ctx: BlobContext, blob: FileBlob): string {
  return `${ctx.session.baseUrl}|${ctx.repository}|${blob.absPath}|${blob.size}|${blob.mtimeMs}`;
}

/** Uploads a file in chunks and returns its digest (computed on the way when not given). */
export async function uploadFile(ctx: BlobContext, blob: FileBlob, mountedLocation?: string): Promise<string> {
  const key = uploadKey(ctx, blob);
  // Hashed alongside the upload, off the main thread; awaited only when the upload is finished.
  const hashing = blob.digest ? undefined : ctx.hasher.digest(blob.absPath, blob.size);
  hashing?.catch(() => undefined);
  let location = '';
  let offset = 0;

  const saved = ctx.state.upload(key);
  if (saved) {
    const st = await uploadStatus(ctx, saved.location, saved.offset).catch(() => undefined);
    if (st && st.offset <= blob.size) {
      location = st.location;
      offset = st.offset;
      ctx.stats.resumedFromOffset.push(offset);
    } else ctx.state.dropUpload(key);
  }
  if (!location) {
    location = mountedLocation ?? (await openUpload(ctx));
    offset = 0;
    ctx.state.saveUpload(key, location, 0);
  }
  ctx.onProgress(offset);

  let failures = 0;
  let chunkSize = Math.min(ctx.chunkSize, ctx.maxChunkSize);
  while (offset < blob.size) {
    if (ctx.signal?.aborted) throw cancelled(`uploading ${blob.label}`);
    const start = offset;
    const end = Math.min(blob.size, start + chunkSize);
    const chunkStarted = Date.now();
    let inFlight = 0;
    const grace = graceSignal(ctx.signal, ctx.cancelGraceMs);
    try {
      const res = await ctx.session.call(
        {
          method: 'PATCH',
          url: location,
          headers: { 'content-type': 'application/octet-stream', 'content-length': end - start, 'content-range': `${start}-${end - 1}` },
          body: () => {
            inFlight = 0;
            return new FileRange(blob.absPath, start, end);
          },
          onBodyBytes: (n) => {
            inFlight += n;
            ctx.stats.bytesSent += n;
            ctx.onProgress(n);
          },
          signal: grace.signal,
        },
        ctx.scopes,
        `uploading ${blob.label}`,
      );
      if (res.status !== 202) await ctx.session.fail(res, `uploading ${blob.label}`);
      drain(res);
      const m = /^(?:bytes=)?0-(\d+)$/.exec(String(res.headers.range ?? ''));
      const acked = m ? Number(m[1]) + 1 : end;
      if (!res.headers.location)
        throw new RegistryError(
          'protocol',
          `${ctx.session.where} accepted a chunk without giving the next upload URL`,
          'This registry does not speak the OCI distribution protocol as expected.',
        );
      location = new URL(res.headers.location, res.url).toString();
      if (acked !== end) ctx.onProgress(acked - end);
      offset = acked;
      ctx.state.saveUpload(key, location, offset);
      failures = 0;
      // Docker Distribution syncs the upload file to disk at the end of every PATCH, so many small chunks cost
      // throughput; big ones cost more to send again after a cut. Chunks of 2–8 s of transfer balance the two.
      const took = Date.now() - chunkStarted;
      if (took < 2000 && end - start === chunkSize) chunkSize = Math.min(ctx.maxChunkSize, chunkSize * 2);
      else if (took > 8000) chunkSize = Math.max(MIN_CHUNK, Math.floor(chunkSize / 2));
      if (ctx.signal?.aborted) throw cancelled(`uploading ${blob.label}`);
    } catch (err) {
      ctx.onProgress(-inFlight);
      if (ctx.signal?.aborted) throw cancelled(`uploading ${blob.label}`);
      if (!isRetryable(err) || ++failures > ctx.retries) throw err;
      ctx.stats.retries++;
      await backoff(ctx, failures - 1);
      const st: { location: string; offset: number } | undefined | null = await uploadStatus(ctx, location, offset).catch((e: unknown) => {
        if (isRetryable(e)) return null;
        throw e;
      });
      if (st === null) continue; // still unreachable: try the same chunk again after the next backoff
      if (st) {
        location = st.location;
        offset = st.offset;
        ctx.stats.resumedFromOffset.push(offset);
      } else {
        // The registry dropped the session (Distribution does when a chunk was cut after part of it landed).
        ctx.stats.sessionsRestarted++;
        ctx.onProgress(-offset);
        location = await openUpload(ctx);
        offset = 0;
      }
      ctx.state.saveUpload(key, location, offset);
    } finally {
      grace.dispose();
    }
  }
  const digest = blob.digest ?? (await hashing!);
  await finishUpload(ctx, location, digest);
  ctx.state.dropUpload(key);
  return digest;
}

/** A signal that fires `graceMs` after `outer` does: lets a chunk already under way finish cleanly on Cancel. */
function graceSignal(outer: AbortSignal | undefined, graceMs: number): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => {
    timer = setTimeout(() => ac.abort(), graceMs);
  };
  if (outer?.aborted) onAbort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: ac.signal,
    dispose() {
      if (timer) clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
    },
  };
}

export async function backoff(ctx: { backoffMs: number; signal?: AbortSignal }, attempt: number): Promise<void> {
  const ms = Math.min(10_000, ctx.backoffMs * 2 ** attempt) * (0.75 + Math.random() * 0.5);
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(done, ms);
    function done() {
      ctx.signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(t);
      reject(cancelled('waiting to retry'));
    }
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withRetry<T>(ctx: BlobContext, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (ctx.signal?.aborted) throw cancelled(what);
      if (!isRetryable(err) || attempt >= ctx.retries) throw err;
      await backoff(ctx, attempt);
    }
  }
}
