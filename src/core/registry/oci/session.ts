import { Credentials, RegistryError } from '../types';
import { Auth } from './auth';
import { errorFromNetwork, errorFromStatus } from './errors';
import { HttpRequest, HttpResponse, readText, Transport } from './http';

/** One registry, one set of credentials: sends calls with the right Authorization and maps failures. */
export class Session {
  readonly auth: Auth;
  /** `host:port`, the way users name the registry in messages. */
  readonly where: string;

  constructor(
    readonly transport: Transport,
    readonly baseUrl: string,
    credentials: Credentials | undefined,
  ) {
    this.where = new URL(baseUrl).host;
    this.auth = new Auth(transport, this.where, credentials);
  }

  url(path: string): string {
    return new URL(path, this.baseUrl).toString();
  }

  /** Sends `req` (a path or absolute URL on this registry) with auth for `scopes`; 401s are handled here. */
  async call(req: Omit<HttpRequest, 'url'> & { url: string }, scopes: string[], what: string): Promise<HttpResponse> {
    const url = /^https?:/.test(req.url) ? req.url : this.url(req.url);
    // An upload Location may name another host (a proxy's internal name, storage): the registry's credentials stay here.
    const ours = new URL(url).origin === new URL(this.baseUrl).origin;
    if (req.body && ours) await this.auth.ensure(scopes, req.signal);
    for (let attempt = 0; ; attempt++) {
      const authz = ours ? this.auth.header(scopes) : undefined;
      const headers = { ...(req.headers ?? {}), ...(authz ? { authorization: authz } : {}) };
      let res: HttpResponse;
      try {
        res = await this.transport.send({ ...req, url, headers });
      } catch (err) {
        throw errorFromNetwork(err, what, this.where);
      }
      if (res.status !== 401) return res;
      if (!ours) {
        res.body.resume();
        throw new RegistryError(
          'auth',
          `${this.where} named another host (${new URL(url).host}) for ${what}, and that host asked for credentials`,
          "Lineage does not send a registry's credentials to another host: set the registry's public URL (Distribution: http.host) to the address you push to.",
          401,
        );
      }
      const challenge: string | string[] | undefined = res.headers['www-authenticate'];
      res.body.resume();
      await this.auth.onUnauthorized(typeof challenge === 'string' ? challenge : challenge?.[0], scopes, attempt, req.signal);
    }
  }

  /** Throws the user-facing error for an unexpected status (reads the registry's error body first). */
  async fail(res: HttpResponse, what: string): Promise<never> {
    let body = '';
    try {
      body = await readText(res, 64 * 1024);
    } catch {
      /* the status alone still says enough */
    }
    throw errorFromStatus(res.status, body, what, this.where);
  }

  async expect(res: HttpResponse, ok: number[], what: string): Promise<HttpResponse> {
    if (ok.includes(res.status)) return res;
    return this.fail(res, what);
  }
}

export function cancelled(what: string): RegistryError {
  return new RegistryError('cancelled', `Cancelled while ${what}`, 'Run the push again to finish it: what the registry already has is not sent again.');
}
