import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LineageSummary, PullResult, RegistryError, TransferProgress } from '../types';
import { readBytes } from './http';
import { FILEPATH, ImageManifest, LINEAGE_LAYER, OCI_MANIFEST, sha256Digest, TITLE } from './manifest';
import { Session } from './session';

/**
 * Pull: fetches a model's manifest, checks every file title is a safe relative path (no absolute path, no `..`,
 * nothing that resolves outside the destination) before writing anything, then streams each layer to a
 * temporary file beside its destination while hashing it, and renames it into place only when its digest and
 * size match the manifest.
 */

export const MANIFEST_ACCEPT = [OCI_MANIFEST, 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json'].join(', ');

export async function fetchManifest(
  session: Session,
  repo: string,
  ref: string,
  scopes: string[],
  signal?: AbortSignal,
): Promise<{ bytes: Buffer; digest: string; mediaType: string }> {
  const what = `reading the manifest of ${repo}:${ref}`;
  const res = await session.call({ method: 'GET', url: `/v2/${repo}/manifests/${ref}`, headers: { accept: MANIFEST_ACCEPT }, signal }, scopes, what);
  await session.expect(res, [200], what);
  const bytes = await readBytes(res, 4 << 20);
  const digest = sha256Digest(bytes);
  const claimed = res.headers['docker-content-digest'];
  if ((ref.startsWith('sha256:') && digest !== ref) || (typeof claimed === 'string' && claimed.startsWith('sha256:') && claimed !== digest))
    throw new RegistryError(
      'protocol',
      `The manifest ${session.where} sent for ${repo}:${ref} does not match its digest`,
      'The registry returned damaged data: try again, and report it if it persists.',
    );
  return { bytes, digest, mediaType: String(res.headers['content-type'] ?? OCI_MANIFEST) };
}

/** A title from the registry made into a path under destDir, or a refusal: never absolute, never `..`. */
export function safeDestination(destDir: string, title: string): string {
  const bad = () =>
    new RegistryError(
      'protocol',
      `Refusing to write "${title.slice(0, 200)}": a file name in the manifest points outside the destination folder`,
      'The artifact is malformed or malicious; do not pull it, or ask its publisher to fix the file names.',
    );
  if (!title || title.includes('\0') || title.includes('\\') || path.posix.isAbsolute(title) || /^[a-zA-Z]:/.test(title)) throw bad();
  if (title.split('/').some((seg) => seg === '..' || seg === '')) throw bad();
  const root = path.resolve(destDir);
  const dest = path.resolve(root, ...title.split('/'));
  if (!dest.startsWith(root + path.sep)) throw bad();
  return dest;
}

export async function pullModel(
  session: Session,
  repo: string,
  ref: string,
  destDir: string,
  opts: { signal?: AbortSignal; onProgress?: (p: TransferProgress) => void },
): Promise<PullResult & { digest: string }> {
  const scopes = [`repository:${repo}:pull`];
  const { bytes, digest } = await fetchManifest(session, repo, ref, scopes, opts.signal);
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as ImageManifest;
  } catch {
    throw new RegistryError(
      'protocol',
      `${repo}:${ref} on ${session.where} has a manifest that is not JSON`,
      'Check the reference; this is not a model pushed as an OCI artifact.',
    );
  }
  if (!Array.isArray(manifest.layers))
    throw new RegistryError(
      'protocol',
      `${repo}:${ref} is an index or an unknown manifest, not a model`,
      'Pull a tag or digest that names a single model artifact.',
    );

  // Every destination is checked before the first byte is written.
  const files = manifest.layers
    .filter((l) => l.mediaType !== LINEAGE_LAYER)
    .map((l) => ({ layer: l, title: l.annotations?.[TITLE] ?? l.annotations?.[FILEPATH] }))
    .filter((f): f is { layer: typeof f.layer; title: string } => typeof f.title === 'string')
    .map((f) => ({ ...f, dest: safeDestination(destDir, f.title) }));
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.dest))
      throw new RegistryError(
        'protocol',
        `Two layers of ${repo}:${ref} have the same file name "${f.title}"`,
        'The artifact is malformed; ask its publisher to fix it.',
      );
    seen.add(f.dest);
  }

  let lineage: LineageSummary | undefined;
  const lineageLayer = manifest.layers.find((l) => l.mediaType === LINEAGE_LAYER);
  if (lineageLayer) {
    const res = await session.call(
      { method: 'GET', url: `/v2/${repo}/blobs/${lineageLayer.digest}`, signal: opts.signal, followRedirects: true },
      scopes,
      'reading the lineage',
    );
    await session.expect(res, [200], 'reading the lineage');
    const data = await readBytes(res, 32 << 20);
    if (sha256Digest(data) !== lineageLayer.digest)
      throw new RegistryError('protocol', `The lineage layer of ${repo}:${ref} does not match its digest`, 'The registry returned damaged data: try again.');
    lineage = JSON.parse(data.toString('utf8')) as LineageSummary;
  }

  const total = files.reduce((s, f) => s + f.layer.size, 0);
  let done = 0;
  const out: PullResult['files'] = [];
  for (const f of files) {
    const what = `downloading ${f.title}`;
    const res = await session.call({ method: 'GET', url: `/v2/${repo}/blobs/${f.layer.digest}`, signal: opts.signal, followRedirects: true }, scopes, what);
    await session.expect(res, [200], what);
    fs.mkdirSync(path.dirname(f.dest), { recursive: true });
    const partial = `${f.dest}.lineage-partial`;
    const hash = crypto.createHash('sha256');
    let size = 0;
    res.body.on('data', (c: Buffer) => {
      hash.update(c);
      size += c.length;
      done += c.length;
      opts.onProgress?.({ bytesDone: done, bytesTotal: total, file: f.title });
    });
    try {
      await pipeline(res.body, fs.createWriteStream(partial), { signal: opts.signal });
    } catch (err) {
      fs.rmSync(partial, { force: true });
      if (opts.signal?.aborted) throw new RegistryError('cancelled', `Cancelled while ${what}`, 'Pull again when you are ready.');
      throw err;
    }
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== f.layer.digest || size !== f.layer.size) {
      fs.rmSync(partial, { force: true });
      throw new RegistryError(
        'protocol',
        `${f.title} from ${session.where} does not match its digest (${size} bytes)`,
        'The download was damaged: pull again; if it persists, the registry holds a damaged blob.',
      );
    }
    fs.renameSync(partial, f.dest);
    out.push({ path: f.title, size, sha256: got.slice('sha256:'.length) });
  }
  return { files: out, lineage, digest };
}
