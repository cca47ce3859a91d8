import { RegistryError } from '../types';

/**
 * Turns what an OCI registry or the network said into a RegistryError a user can act on. Messages name the
 * registry and repository, never a credential, a token or an upload URL (those carry signed state).
 */

interface DistributionError {
  code?: string;
  message?: string;
}

function registryCodes(body: string): DistributionError[] {
  try {
    const parsed = JSON.parse(body) as { errors?: DistributionError[] };
    return Array.isArray(parsed.errors) ? parsed.errors : [];
  } catch {
    return [];
  }
}

const STORAGE_FULL = /no space left|disk quota|quota exceeded|storage (is )?full|insufficient storage|ENOSPC/i;

/** `what` is the step ("uploading model.pkl"), `where` the registry/repository — both shown to the user. */
export function errorFromStatus(status: number, body: string, what: string, where: string): RegistryError {
  const errs = registryCodes(body);
  const codes = errs.map((e) => e.code ?? '');
  const detail = errs
    .map((e) => [e.code, e.message].filter(Boolean).join(': '))
    .join('; ')
    .slice(0, 300);
  const said = detail ? ` (${detail})` : '';
  if (status === 507 || status === 413 || STORAGE_FULL.test(body))
    return new RegistryError(
      'full',
      `${where} has no room for the model while ${what}${said}`,
      'Free space or raise the quota on the registry, then push again: the upload resumes.',
      status,
    );
  if (status === 401 || codes.includes('UNAUTHORIZED'))
    return new RegistryError(
      'auth',
      `${where} refused the credentials while ${what}`,
      'Check the user name and password or token for this registry (CLI: LINEAGE_REGISTRY_<NAME>_TOKEN / _USERNAME / _PASSWORD; editor: enter them again when asked).',
      status,
    );
  if (status === 403 || codes.includes('DENIED'))
    return new RegistryError(
      'permission',
      `${where} does not allow this account to do that while ${what}${said}`,
      'Ask the registry administrator for push (or pull) access to this repository, or push to a repository you own.',
      status,
    );
  if (status === 404 || codes.some((c) => c.endsWith('_UNKNOWN')))
    return new RegistryError(
      'not-found',
      `${where}: not found while ${what}${said}`,
      'Check the repository name and tag (or digest); `skopeo list-tags` shows what the registry holds.',
      status,
    );
  if (status === 429 || codes.includes('TOOMANYREQUESTS'))
    return new RegistryError(
      'unreachable',
      `${where} is rate limiting requests while ${what}`,
      'Wait a minute and push again: finished blobs are not sent twice.',
      status,
    );
  if (status >= 500)
    return new RegistryError(
      'unreachable',
      `${where} failed with HTTP ${status} while ${what}${said}`,
      'The registry itself had an error: look at its logs, then push again (the upload resumes).',
      status,
    );
  return new RegistryError(
    'protocol',
    `${where} answered HTTP ${status} while ${what}${said}`,
    'Check that the URL points at an OCI registry (it must answer /v2/); if it does, report this answer.',
    status,
  );
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** Network-level failures (no HTTP status): refused, DNS, TLS, timeouts, cancellation. */
export function errorFromNetwork(err: unknown, what: string, where: string): RegistryError {
  if (err instanceof RegistryError) return err;
  const e = err as NodeJS.ErrnoException & { name?: string };
  const code = e?.code ?? '';
  if (e?.name === 'AbortError' || code === 'ABORT_ERR')
    return new RegistryError('cancelled', `Cancelled while ${what}`, 'Run the push again to finish it: what the registry already has is not sent again.');
  if (TLS_CODES.has(code) || /certificate|self.signed|TLS|SSL/i.test(e?.message ?? ''))
    return new RegistryError(
      'tls',
      `The certificate of ${where} is not trusted (${code || 'TLS error'})`,
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? 'The certificate does not name this host: use the host name it was issued for.'
        : "Set the registry's CA file (a PEM bundle of the certificate authority that signed it) in the registry settings.",
    );
  if (code === 'ECONNREFUSED')
    return new RegistryError(
      'unreachable',
      `${where} refused the connection while ${what}`,
      'Is the registry running, and on this port? Start it or fix the URL, then push again.',
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new RegistryError('unreachable', `${where}: host not found`, 'Check the host name in the registry URL and your DNS or network.');
  if (code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'UND_ERR_SOCKET')
    return new RegistryError(
      'unreachable',
      `The connection to ${where} failed (${code}) while ${what}`,
      'Check the network and push again: the upload resumes where the registry acknowledged it.',
    );
  if (code === 'ENOSPC') return new RegistryError('full', `No space left on this machine while ${what}`, 'Free disk space and try again.');
  return new RegistryError(
    'unreachable',
    `The connection to ${where} failed while ${what}: ${(e?.message ?? String(err)).slice(0, 200)}`,
    'Check the registry URL and the network, then try again.',
  );
}

/** Whether a failed step is worth retrying (a cut connection, a 5xx) rather than reporting at once. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof RegistryError)) return true;
  if (err.kind !== 'unreachable') return false;
  return err.status === undefined || err.status >= 500 || err.status === 429;
}
