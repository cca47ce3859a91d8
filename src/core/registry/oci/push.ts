import * as fs from 'node:fs';
import { PushRequest, PushResult, RegistryError } from '../types';
import { BlobContext, blobExists, FileBlob, TransferStats, tryMount, uploadBuffer, uploadFile } from './blobs';
import { drain } from './http';
import {
  buildManifest,
  Descriptor,
  fileLayer,
  ImageManifest,
  LINEAGE_LAYER,
  lineageTitle,
  manifestAnnotations,
  MODEL_CONFIG,
  modelConfig,
  OCI_MANIFEST,
  PushedFile,
  sha256Digest,
  TITLE,
} from './manifest';
import { fetchManifest, safeDestination } from './pull';
import { cancelled, Session } from './session';
import { PushState } from './state';
import { OffThreadHasher } from './offThreadHash';

/**
 * One push: the files' blobs (skipped when the registry has them, mounted from another repository when it can,
 * else uploaded in resumable chunks), the lineage layer, the ModelPack config, and only then the manifest under
 * its tag — so a push that is cancelled or crashes never leaves a tag on an incomplete model. The manifest is
 * then read back by digest and every blob it names is checked on the registry.
 */

export interface OciPushOptions {
  /**
   * Bytes of the first PATCH of a file; default 64 MiB. Later chunks double while one takes under 2 s, up to
   * maxChunkSize (default 256 MiB), and halve when one takes over 8 s. On a cut, at most one chunk is sent twice.
   */
  chunkSize?: number;
  maxChunkSize?: number;
  /** Repositories on the same registry that may already hold these blobs (tried for a cross-repository mount). */
  mountFrom?: string[];
  retries?: number;
  backoffMs?: number;
  cancelGraceMs?: number;
  /** Default for PushRequest.cacheDir (file digests and repositories pushed to, kept across pushes). */
  cacheDir?: string;
  /** Files up to this size are hashed before upload (so HEAD can skip them); larger ones while they upload. */
  prehashLimit?: number;
}

export interface OciPushResult extends PushResult {
  stats: TransferStats;
}

export async function pushModel(session: Session, repo: string, tag: string, req: PushRequest, opts: OciPushOptions): Promise<OciPushResult> {
  const hasher = new OffThreadHasher(req.signal);
  try {
    return await pushWith(hasher, session, repo, tag, req, opts);
  } finally {
    await hasher.close();
  }
}

async function pushWith(hasher: OffThreadHasher, session: Session, repo: string, tag: string, req: PushRequest, opts: OciPushOptions): Promise<OciPushResult> {
  const scopes = [`repository:${repo}:pull,push`];
  const state = new PushState(req.stateDir, req.cacheDir ?? opts.cacheDir);
  const stats: TransferStats = { bytesSent: 0, bytesSkipped: 0, retries: 0, sessionsRestarted: 0, resumedFromOffset: [] };
  const paths = new Set<string>();
  for (const f of req.files) {
    if (paths.has(f.path)) throw new RegistryError('protocol', `${f.path} is listed twice in the model`, 'Give each model file once.');
    paths.add(f.path);
  }
  const blobs: Array<FileBlob & { path: string }> = req.files.map((f) => {
    safeDestination('/model', f.path); // the same rule pull applies: a pushed title must be restorable
    const st = fs.statSync(f.absPath);
    if (!st.isFile()) throw new RegistryError('protocol', `${f.path} is not a file`, 'Push files (a folder is pushed as the files in it).');
    const digest = f.sha256 ? `sha256:${f.sha256.replace(/^sha256:/, '')}` : state.knownDigest(f.absPath, st.size, st.mtimeMs);
    return { path: f.path, absPath: f.absPath, size: st.size, mtimeMs: st.mtimeMs, digest, label: f.path };
  });
  const lineageJson = Buffer.from(JSON.stringify(req.lineage, null, 2));
  let done = 0;
  let current: string | undefined;
  const bytesTotal = blobs.reduce((s, b) => s + b.size, 0) + lineageJson.length;
  const progress = (delta: number) => {
    done += delta;
    req.onProgress?.({ bytesDone: Math.max(0, Math.min(done, bytesTotal)), bytesTotal, file: current });
  };
  const ctx: BlobContext = {
    session,
    repository: repo,
    scopes,
    signal: req.signal,
    chunkSize: opts.chunkSize ?? 64 << 20,
    maxChunkSize: opts.maxChunkSize ?? Math.max(opts.chunkSize ?? 0, 256 << 20),
    retries: opts.retries ?? 5,
    backoffMs: opts.backoffMs ?? 500,
    cancelGraceMs: opts.cancelGraceMs ?? 5000,
    state,
    hasher,
    onProgress: progress,
    stats,
  };
  const mountSources = [...new Set([...(opts.mountFrom ?? []), ...state.recentRepositories(session.baseUrl)])].filter((r) => r !== repo);

  const pushed: PushedFile[] = [];
  for (const b of blobs) {
    if (req.signal?.aborted) throw cancelled(`uploading ${b.label}`);
    current = b.path;
    if (!b.digest && b.size <= (opts.prehashLimit ?? 64 << 20)) b.digest = await hasher.digest(b.absPath, b.size);
    let skipped = false;
    let mountedLocation: string | undefined;
    if (b.digest) {
      skipped = await blobExists(ctx, b.digest, b.size);
      for (const from of skipped ? [] : mountSources) {
        const m = await tryMount(ctx, b.digest, from);
        if (m === true) skipped = true;
        else if (m) mountedLocation = m;
        if (m) break;
      }
    }
    if (skipped) {
      stats.bytesSkipped += b.size;
      progress(b.size);
    } else b.digest = await uploadFile(ctx, b, mountedLocation);
    state.rememberDigest(b.absPath, b.size, b.mtimeMs, b.digest!);
    const f = req.files.find((x) => x.path === b.path)!;
    f.sha256 = b.digest!.slice('sha256:'.length);
    pushed.push({ path: b.path, digest: b.digest!, size: b.size });
  }

  current = undefined;
  const createdAt = new Date().toISOString();
  const lineageDigest = sha256Digest(lineageJson);
  const lineageLayer: Descriptor = {
    mediaType: LINEAGE_LAYER,
    digest: lineageDigest,
    size: lineageJson.length,
    annotations: { [TITLE]: lineageTitle(pushed, req.lineage.runId), 'dev.lineage.content': 'run-summary' },
  };
  const configBytes = modelConfig({ name: repo.split('/').pop()!, version: tag, lineage: req.lineage, files: pushed, createdAt });
  const configDesc: Descriptor = { mediaType: MODEL_CONFIG, digest: sha256Digest(configBytes), size: configBytes.length };
  for (const [data, digest] of [
    [lineageJson, lineageDigest],
    [configBytes, configDesc.digest],
  ] as const) {
    if (await blobExists(ctx, digest, data.length)) {
      stats.bytesSkipped += data.length;
      if (data === lineageJson) progress(data.length);
    } else {
      await uploadBuffer(ctx, data, digest);
      if (data !== lineageJson) progress(-data.length);
    }
  }

  const manifestBytes = buildManifest(configDesc, [...pushed.map(fileLayer), lineageLayer], manifestAnnotations(req.lineage, createdAt));
  const digest = sha256Digest(manifestBytes);
  // The last moment a Cancel can stop the push: after this PUT the tag names the complete model.
  if (req.signal?.aborted) throw cancelled('publishing the manifest');
  const res = await session.call(
    { method: 'PUT', url: `/v2/${repo}/manifests/${encodeURIComponent(tag)}`, headers: { 'content-type': OCI_MANIFEST }, body: () => manifestBytes },
    scopes,
    `tagging ${repo}:${tag}`,
  );
  await session.expect(res, [200, 201], `tagging ${repo}:${tag}`);
  drain(res);
  await verifyPushed(ctx, repo, tag, digest, scopes);
  state.rememberRepository(session.baseUrl, repo);
  return {
    kind: 'oci',
    reference: `oci://${session.where}/${repo}@${digest}`,
    digest,
    bytesSent: stats.bytesSent,
    bytesSkipped: stats.bytesSkipped,
    stats,
  };
}

/** Reads the manifest back by digest and by tag, and checks every blob it names is on the registry at its size. */
async function verifyPushed(ctx: BlobContext, repo: string, tag: string, digest: string, scopes: string[]): Promise<void> {
  const back = await fetchManifest(ctx.session, repo, digest, scopes);
  const m = JSON.parse(back.bytes.toString('utf8')) as ImageManifest;
  for (const d of [m.config, ...m.layers]) {
    if (!(await blobExists(ctx, d.digest, d.size)))
      throw new RegistryError(
        'protocol',
        `${ctx.session.where} lost ${d.digest} of ${repo}:${tag} right after the push`,
        'Push again; if it persists, check the registry storage.',
      );
  }
  const byTag = await fetchManifest(ctx.session, repo, tag, scopes);
  if (byTag.digest !== digest)
    throw new RegistryError(
      'protocol',
      `${repo}:${tag} on ${ctx.session.where} names ${byTag.digest}, not the manifest just pushed`,
      'Someone pushed the same tag at the same time; push again or use another tag.',
    );
}
