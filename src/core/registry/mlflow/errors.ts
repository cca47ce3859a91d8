/**
 * How a failed MLflow call becomes a RegistryError a user can act on. Every message goes through `redact`
 * so a secret the server might echo back (or a URL with user:password in it) never reaches a log.
 */
import { RegistryError, type Credentials } from '../types';

export interface MlflowErrorBody {
  error_code?: string;
  message?: string;
}

export function redact(text: string, credentials?: Credentials): string {
  let out = text.replace(/\/\/[^/@\s]*@/g, '//');
  for (const secret of [credentials?.token, credentials?.password]) {
    if (secret && secret.length >= 3) out = out.split(secret).join('***');
  }
  return out;
}

const AUTH_HINT =
  'Set MLFLOW_TRACKING_TOKEN (bearer token) or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD to credentials this server accepts, then try again.';

/** Turns an HTTP answer that was not 2xx into a RegistryError. `what` names the call, e.g. "create the run". */
export function httpError(status: number, body: MlflowErrorBody | undefined, what: string, host: string, credentials?: Credentials): RegistryError {
  const code = body?.error_code ? ` (${body.error_code})` : '';
  const said = body?.message ? `: ${body.message.slice(0, 300)}` : '';
  const message = redact(`MLflow at ${host} could not ${what}: HTTP ${status}${code}${said}`, credentials);
  if (status === 401)
    return new RegistryError('auth', redact(`MLflow at ${host} refused the credentials (HTTP 401) while trying to ${what}.`, credentials), AUTH_HINT, status);
  if (status === 403)
    return new RegistryError(
      'permission',
      message,
      'Ask the server admin for write access to this experiment or model. (An MLflow 3 server also answers 403 to a non-localhost Host or a cross-origin request: call it by the host name it allows.)',
      status,
    );
  if (status === 404 || body?.error_code === 'RESOURCE_DOES_NOT_EXIST')
    return new RegistryError('not-found', message, 'Check the tracking URI, the model name and the version or alias.', status);
  if (status === 413 || status === 507 || body?.error_code === 'RESOURCE_EXHAUSTED')
    return new RegistryError(
      'full',
      message,
      "The server's storage or quota is full: free space on its artifact store or ask its admin, then push again.",
      status,
    );
  if (status >= 500) return new RegistryError('protocol', message, 'The MLflow server failed; its log says why. Try again once it is healthy.', status);
  return new RegistryError('protocol', message, 'The server rejected the request; check the tracking URI points at an MLflow 3 server.', status);
}

/** A failure before any answer: refused connection, DNS, TLS, timeout, or the user's Cancel. */
export function networkError(err: unknown, what: string, host: string, credentials?: Credentials): RegistryError {
  const e = err as { name?: string; cause?: { code?: string; message?: string }; code?: string; message?: string };
  if (e?.name === 'AbortError') return new RegistryError('cancelled', `Cancelled while trying to ${what}.`, 'Push again to finish.');
  const code = e?.cause?.code ?? e?.code ?? '';
  if (/CERT|SSL|TLS|UNABLE_TO_VERIFY|SELF_SIGNED/i.test(code))
    return new RegistryError(
      'tls',
      `The TLS certificate of ${host} is not trusted (${code}).`,
      /ALTNAME/.test(code)
        ? 'The certificate does not name this host: use the host name it was issued for.'
        : "Set the registry's CA file (a PEM bundle of the certificate authority that signed it) in the registry settings (caFile in .lineage/config.json).",
    );
  const detail = code || e?.cause?.message || e?.message || 'no answer';
  return new RegistryError(
    'unreachable',
    redact(`Could not reach MLflow at ${host} to ${what} (${detail}).`, credentials),
    'Check the server is running and the tracking URI (host and port) is right, then try again.',
  );
}
