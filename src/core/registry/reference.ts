import type { RegistryConfig, RegistryTarget } from './types';
import { RegistryUsageError } from './referenceError';

/**
 * Where a model goes or comes from, as the user writes it:
 *   oci://HOST[:PORT]/REPO:TAG       (https; `plainHttp` for a local registry without TLS, as oras spells it)
 *   oci://HOST[:PORT]/REPO@sha256:…  (a pinned manifest, for pull and promote)
 *   mlflow://HOST[:PORT]/MODEL[@alias]   mlflow+https://…   (…/MODEL/VERSION pins a version)
 *   NAME/REPO:TAG or NAME/MODEL[@alias]  (NAME a configured registry)
 */
export interface ParsedReference {
  /** The configured registry, or one made up from the URL (named after its host and port). */
  registry: RegistryConfig;
  target: RegistryTarget;
  /** A manifest digest (oci) or a model version (mlflow) the reference pins, if any. */
  pinned?: string;
}

export const OCI_USAGE = 'oci://HOST[:PORT]/REPOSITORY:TAG (add --plain-http for a registry without TLS)';
export const MLFLOW_USAGE = 'mlflow://HOST[:PORT]/MODEL_NAME[@alias] (mlflow+https://… for TLS)';

// The OCI distribution spec's grammar for repository names and tags.
const REPO = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const ALIAS = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::(\d{1,5}))?$/;

export function parseReference(text: string, opts: { registries?: RegistryConfig[]; plainHttp?: boolean } = {}): ParsedReference {
  const ref = text.trim();
  if (!ref) throw new RegistryUsageError(`give a reference: ${OCI_USAGE}, ${MLFLOW_USAGE}, or a configured registry's NAME/REPOSITORY:TAG`);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(ref);
  if (scheme) {
    const s = scheme[1].toLowerCase();
    const rest = ref.slice(scheme[0].length);
    const slash = rest.indexOf('/');
    const host = slash < 0 ? rest : rest.slice(0, slash);
    const tail = slash < 0 ? '' : rest.slice(slash + 1);
    if (/[@]/.test(host) && !host.startsWith('['))
      throw new RegistryUsageError(`"${ref}": no user name or password in a reference; credentials come from the environment (docs/registry.md)`);
    checkHost(host, ref);
    if (s === 'oci') {
      const url = `${opts.plainHttp ? 'http' : 'https'}://${host}`;
      return { registry: { name: host, kind: 'oci', url }, ...ociTail(tail, url, ref) };
    }
    if (s === 'mlflow' || s === 'mlflow+https' || s === 'mlflow+http') {
      const url = `${s === 'mlflow+https' ? 'https' : 'http'}://${host}`;
      return { registry: { name: host, kind: 'mlflow', url }, ...mlflowTail(tail, url, ref) };
    }
    if (s === 'http' || s === 'https') throw new RegistryUsageError(`"${ref}": say which kind of registry: ${OCI_USAGE}, or ${MLFLOW_USAGE}`);
    throw new RegistryUsageError(`"${ref}": unknown scheme "${s}://"; use ${OCI_USAGE}, or ${MLFLOW_USAGE}`);
  }
  const slash = ref.indexOf('/');
  const name = slash < 0 ? ref : ref.slice(0, slash);
  const known = (opts.registries ?? []).find((r) => r.name === name);
  if (!known) {
    const names = (opts.registries ?? []).map((r) => r.name);
    throw new RegistryUsageError(
      `"${ref}" is not a URL and "${name}" is not a configured registry` +
        (names.length ? ` (configured: ${names.join(', ')})` : ' (none are configured: add one to .lineage/config.json or the lineage.registries setting)') +
        `; or write ${OCI_USAGE}`,
    );
  }
  if (slash < 0)
    throw new RegistryUsageError(
      `"${ref}": add the ${known.kind === 'oci' ? 'repository and tag: NAME/REPOSITORY:TAG' : 'model name: NAME/MODEL_NAME[@alias]'}`,
    );
  const tail = ref.slice(slash + 1);
  return { registry: known, ...(known.kind === 'oci' ? ociTail(tail, known.url, ref) : mlflowTail(tail, known.url, ref)) };
}

function checkHost(host: string, ref: string): void {
  const m = HOST.exec(host);
  if (!host || !m) throw new RegistryUsageError(`"${ref}": "${host}" is not a host name (HOST or HOST:PORT)`);
  if (m[1] !== undefined && (Number(m[1]) < 1 || Number(m[1]) > 65535)) throw new RegistryUsageError(`"${ref}": port ${m[1]} is out of range`);
}

function ociTail(tail: string, url: string, ref: string): Pick<ParsedReference, 'target' | 'pinned'> {
  let repo = tail;
  let tag: string | undefined;
  let pinned: string | undefined;
  const at = tail.indexOf('@');
  if (at >= 0) {
    pinned = tail.slice(at + 1);
    repo = tail.slice(0, at);
    if (!DIGEST.test(pinned)) throw new RegistryUsageError(`"${ref}": "${pinned}" is not a manifest digest (sha256: and 64 hex digits)`);
  }
  const colon = repo.lastIndexOf(':');
  if (colon > repo.lastIndexOf('/')) {
    tag = repo.slice(colon + 1);
    repo = repo.slice(0, colon);
    if (!TAG.test(tag)) throw new RegistryUsageError(`"${ref}": "${tag}" is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)`);
  }
  if (!repo) throw new RegistryUsageError(`"${ref}": the repository is missing; write ${OCI_USAGE}`);
  if (!REPO.test(repo))
    throw new RegistryUsageError(`"${ref}": "${repo}" is not a valid repository name (lower-case letters, digits, and . _ - / between them)`);
  if (!tag && !pinned) throw new RegistryUsageError(`"${ref}": add a tag (REPOSITORY:TAG), e.g. ${repo}:v1`);
  return { target: { kind: 'oci', url, repository: repo, tag: tag ?? pinned! }, pinned };
}

function mlflowTail(tail: string, url: string, ref: string): Pick<ParsedReference, 'target' | 'pinned'> {
  let name = tail;
  let alias: string | undefined;
  let pinned: string | undefined;
  const at = tail.lastIndexOf('@');
  if (at >= 0) {
    alias = tail.slice(at + 1);
    name = tail.slice(0, at);
    if (!ALIAS.test(alias)) throw new RegistryUsageError(`"${ref}": "${alias}" is not a valid alias (letters, digits, _ . -)`);
  }
  const version = /^(.*)\/(\d+)$/.exec(name);
  if (version) {
    name = version[1];
    pinned = version[2];
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    throw new RegistryUsageError(`"${ref}": the model name has a broken %-escape`);
  }
  if (!decoded) throw new RegistryUsageError(`"${ref}": the model name is missing; write ${MLFLOW_USAGE}`);
  // eslint-disable-next-line no-control-regex -- a control character in a model name is what is refused
  if (/[\x00-\x1f\x7f]/.test(decoded) || decoded.includes('/'))
    throw new RegistryUsageError(`"${ref}": a model name has no "/" or control characters (write it %-escaped if it must)`);
  if (alias && /^v\d+$/i.test(alias)) throw new RegistryUsageError(`"${ref}": MLflow reserves aliases like "${alias}" (v and digits) for versions`);
  return { target: { kind: 'mlflow', url, modelName: decoded, ...(alias ? { alias } : {}) }, pinned };
}

/** The reference as the user would write it again (a URL, never with credentials). */
export function formatReference(target: RegistryTarget, pinned?: string): string {
  const u = new URL(target.url);
  if (target.kind === 'oci') {
    const base = `oci://${u.host}/${target.repository}`;
    if (pinned) return `${base}@${pinned}`;
    return DIGEST.test(target.tag) ? `${base}@${target.tag}` : `${base}:${target.tag}`;
  }
  const scheme = u.protocol === 'https:' ? 'mlflow+https' : 'mlflow';
  const name = encodeURIComponent(target.modelName);
  return `${scheme}://${u.host}/${name}${pinned ? `/${pinned}` : ''}${target.alias && !pinned ? `@${target.alias}` : ''}`;
}

/** One key per model in a registry (its repository or registered name), across tags, aliases and versions. */
export function modelKey(target: RegistryTarget): string {
  const u = new URL(target.url);
  return target.kind === 'oci' ? `oci:${u.host}/${target.repository}` : `mlflow:${u.host}/${target.modelName}`;
}

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}
