import { Credentials, PullResult, PushRequest, RegistryClient, RegistryConfig, RegistryError, RegistryTarget } from '../types';
import { drain, Transport } from './http';
import { OciPushOptions, OciPushResult, pushModel } from './push';
import { fetchManifest, MANIFEST_ACCEPT, pullModel } from './pull';
import { Session } from './session';

/**
 * The OCI registry client (Docker Distribution, Harbor, GHCR, ECR, ACR, Zot…): models pushed as CNCF ModelPack
 * artifacts with their lineage. See docs/registry-oci.md for what is pushed and how to pull it with oras/skopeo.
 */

export type { OciPushOptions, OciPushResult } from './push';
export { LINEAGE_LAYER, MODEL_ARTIFACT, MODEL_CONFIG } from './manifest';

const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

function ociTarget(t: RegistryTarget): { url: string; repository: string; tag: string } {
  if (t.kind !== 'oci') throw new RegistryError('protocol', 'An OCI registry client was given a non-OCI target', 'Use the client of the target kind.');
  if (!REPOSITORY.test(t.repository))
    throw new RegistryError(
      'protocol',
      `"${t.repository}" is not a valid repository name`,
      'Use lower-case letters, digits and . _ - separators, with / between path parts (e.g. models/house-prices).',
    );
  if (!TAG.test(t.tag) && !DIGEST.test(t.tag))
    throw new RegistryError('protocol', `"${t.tag}" is not a valid tag`, 'A tag is up to 128 letters, digits, _ . or -, not starting with . or -.');
  return t;
}

function checkTag(alias: string): void {
  if (!TAG.test(alias))
    throw new RegistryError('protocol', `"${alias}" is not a valid tag`, 'A tag is up to 128 letters, digits, _ . or -, not starting with . or -.');
}

/** A RegistryClient whose push result also says how the bytes went (retries, resumes, restarted sessions). */
export interface OciClient extends RegistryClient {
  push(req: PushRequest): Promise<OciPushResult>;
}

/** Errors from this machine (a model file gone, a cancelled read) in the same RegistryError shape. */
function localError(err: unknown, signal?: AbortSignal): unknown {
  if (err instanceof RegistryError) return err;
  if (signal?.aborted) return new RegistryError('cancelled', 'Cancelled', 'Run the push again to finish it: what the registry already has is not sent again.');
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT' || e?.code === 'EACCES' || e?.code === 'EISDIR')
    return new RegistryError(
      'not-found',
      `A model file could not be read (${e.code}: ${e.path ?? ''})`,
      'Check that the model files still exist and are readable, then push again.',
    );
  return err;
}

export function createOciClient(config: RegistryConfig, opts: OciPushOptions = {}): OciClient {
  const transport = new Transport({ caFile: config.caFile });
  const session = (url: string | undefined, credentials?: Credentials) => new Session(transport, (url || config.url).replace(/\/+$/, ''), credentials);

  /** GET /v2/ once, without retries: a registry that is down or untrusted is said at once, not after backoff. */
  async function ping(s: Session, signal?: AbortSignal): Promise<void> {
    const res = await s.call({ method: 'GET', url: '/v2/', signal }, [], 'connecting');
    drain(res);
    if (res.status === 404)
      throw new RegistryError(
        'protocol',
        `${s.where} is not an OCI registry (no /v2/ endpoint)`,
        'Check the registry URL (host and port of the registry itself).',
        404,
      );
    if (res.status >= 400 && res.status !== 401) await s.fail(res, 'connecting');
  }

  return {
    kind: 'oci',
    async push(req) {
      const t = ociTarget(req.target);
      const s = session(t.url, req.credentials);
      await ping(s, req.signal);
      try {
        return await pushModel(s, t.repository, t.tag, req, opts);
      } catch (err) {
        throw localError(err, req.signal);
      }
    },
    async pull(target, destDir, o = {}): Promise<PullResult> {
      const t = ociTarget(target);
      const s = session(t.url, o.credentials);
      await ping(s, o.signal);
      const { files, lineage } = await pullModel(s, t.repository, t.tag, destDir, {
        signal: o.signal,
        onProgress: o.onProgress,
      });
      return { files, lineage };
    },
    async setAlias(target, alias, ref, credentials) {
      const t = ociTarget(target);
      checkTag(alias);
      const s = session(t.url, credentials);
      const scopes = [`repository:${t.repository}:pull,push`];
      const m = await fetchManifest(s, t.repository, ref, scopes);
      const res = await s.call(
        {
          method: 'PUT',
          url: `/v2/${t.repository}/manifests/${alias}`,
          headers: { 'content-type': (JSON.parse(m.bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? m.mediaType },
          body: () => m.bytes,
        },
        scopes,
        `tagging ${t.repository}:${alias}`,
      );
      await s.expect(res, [200, 201], `tagging ${t.repository}:${alias}`);
      drain(res);
    },
    async getAlias(target, alias, credentials) {
      const t = ociTarget(target);
      checkTag(alias);
      const s = session(t.url, credentials);
      const scopes = [`repository:${t.repository}:pull`];
      const res = await s.call(
        { method: 'HEAD', url: `/v2/${t.repository}/manifests/${alias}`, headers: { accept: MANIFEST_ACCEPT } },
        scopes,
        `reading ${t.repository}:${alias}`,
      );
      drain(res);
      if (res.status === 404) return undefined;
      await s.expect(res, [200], `reading ${t.repository}:${alias}`);
      const d = res.headers['docker-content-digest'];
      if (typeof d === 'string' && DIGEST.test(d)) return d;
      // Registries that omit the header: hash the manifest itself.
      return (await fetchManifest(s, t.repository, alias, scopes)).digest;
    },
  };
}
