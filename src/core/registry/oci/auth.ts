import { Credentials, RegistryError } from '../types';
import { errorFromNetwork, errorFromStatus } from './errors';
import { drain, readText, Transport } from './http';

/**
 * Registry authentication: none, Basic, or the Bearer token exchange (Docker/OCI distribution token auth).
 * A token is fetched from the realm the registry names in its `WWW-Authenticate` challenge, for the scopes the
 * call needs, and cached per scope set until shortly before it expires. Credentials go to the registry itself
 * (Basic) or to its token realm, nowhere else, and are never put in an error.
 */

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  if (scheme !== 'basic' && scheme !== 'bearer') return undefined;
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let p = re.exec(m[2]); p; p = re.exec(m[2])) params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  return { scheme, params };
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

export class Auth {
  private scheme: 'none' | 'basic' | 'bearer' = 'none';
  private realm?: { url: string; service?: string };
  private readonly tokens = new Map<string, CachedToken>();
  /** Token requests made (for tests and diagnostics: the cache should keep this low). */
  tokenRequests = 0;

  constructor(
    private readonly transport: Transport,
    private readonly where: string,
    private readonly credentials: Credentials | undefined,
  ) {}

  private hasLogin(): boolean {
    return !!(this.credentials?.username && (this.credentials.password ?? this.credentials.token));
  }

  private basicHeader(): string {
    const c = this.credentials!;
    return 'Basic ' + Buffer.from(`${c.username}:${c.password ?? c.token}`).toString('base64');
  }

  /** The Authorization header for a call needing `scopes`, when one is known already. */
  header(scopes: string[]): string | undefined {
    if (this.scheme === 'basic') return this.basicHeader();
    if (this.scheme !== 'bearer') return undefined;
    const t = this.tokens.get(scopeKey(scopes));
    return t && t.expiresAt > Date.now() ? `Bearer ${t.value}` : undefined;
  }

  /** Before a call with a body: renews an expired token first, so a chunk is not streamed only to meet a 401. */
  async ensure(scopes: string[], signal?: AbortSignal): Promise<void> {
    if (this.scheme !== 'bearer' || !this.realm || this.header(scopes)) return;
    if (this.credentials?.token && !this.credentials.username) return;
    this.tokens.set(scopeKey(scopes), await this.fetchToken(scopes, signal));
  }

  /**
   * Reacts to a 401: learns the scheme, fetches a token for the needed scopes (plus any the registry named),
   * and says whether the call should be sent again. Throws a RegistryError when retrying cannot help.
   */
  async onUnauthorized(wwwAuthenticate: string | undefined, scopes: string[], attempt: number, signal?: AbortSignal): Promise<void> {
    const ch = parseChallenge(wwwAuthenticate);
    const refused = (insufficient: boolean) =>
      insufficient && this.hasLogin()
        ? new RegistryError(
            'permission',
            `${this.where} does not give this account ${describeScopes(scopes)}`,
            'Ask the registry administrator for access to this repository, or push to one you may write to.',
            401,
          )
        : this.credentials && (this.credentials.username || this.credentials.token)
          ? new RegistryError(
              'auth',
              `${this.where} refused the credentials`,
              'Check the user name and password or token for this registry, then try again.',
              401,
            )
          : new RegistryError(
              'auth',
              `${this.where} needs credentials`,
              'Give a user name and password or token for this registry (CLI: LINEAGE_REGISTRY_<NAME>_USERNAME/_PASSWORD or _TOKEN).',
              401,
            );
    if (!ch) throw refused(false);
    if (ch.scheme === 'basic') {
      if (!this.hasLogin() || this.scheme === 'basic' || attempt > 0) throw refused(false);
      this.scheme = 'basic';
      return;
    }
    const insufficient = ch.params.error === 'insufficient_scope';
    if (attempt > 1 || (attempt > 0 && !insufficient)) throw refused(insufficient);
    if (!ch.params.realm)
      throw new RegistryError(
        'protocol',
        `${this.where} asked for a token without saying where to get one`,
        'Check the registry URL; this registry is misconfigured.',
        401,
      );
    this.scheme = 'bearer';
    this.realm = { url: ch.params.realm, service: ch.params.service };
    const wanted = new Set(scopes);
    if (ch.params.scope) for (const s of ch.params.scope.split(' ')) if (s) wanted.add(s);
    // A bare token given by the user is a registry token already: use it as is (no exchange).
    if (this.credentials?.token && !this.credentials.username) {
      if (attempt > 0) throw refused(insufficient);
      this.tokens.set(scopeKey(scopes), { value: this.credentials.token, expiresAt: Date.now() + 3600_000 });
      return;
    }
    const token = await this.fetchToken([...wanted], signal);
    this.tokens.set(scopeKey(scopes), token);
  }

  private async fetchToken(scopes: string[], signal?: AbortSignal): Promise<CachedToken> {
    const url = new URL(this.realm!.url);
    if (this.realm!.service) url.searchParams.set('service', this.realm!.service);
    for (const s of scopes.sort()) url.searchParams.append('scope', s);
    if (this.credentials?.username) url.searchParams.set('account', this.credentials.username);
    const headers: Record<string, string> = {};
    if (this.hasLogin()) headers.authorization = this.basicHeader();
    this.tokenRequests++;
    let res;
    try {
      res = await this.transport.send({ method: 'GET', url: url.toString(), headers, signal });
    } catch (err) {
      throw errorFromNetwork(err, 'getting a token', `the token service of ${this.where}`);
    }
    if (res.status === 401 || res.status === 403) {
      drain(res);
      throw new RegistryError(
        'auth',
        `${this.where} refused the credentials (token service answered ${res.status})`,
        'Check the user name and password or token for this registry, then try again.',
        res.status,
      );
    }
    const text = await readText(res, 1 << 20);
    if (res.status !== 200) throw errorFromStatus(res.status, text, 'getting a token', `the token service of ${this.where}`);
    let parsed: { token?: string; access_token?: string; expires_in?: number };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      throw new RegistryError(
        'protocol',
        `The token service of ${this.where} did not answer JSON`,
        'Check the registry URL and its token service configuration.',
      );
    }
    const value = parsed.token ?? parsed.access_token;
    if (!value)
      throw new RegistryError(
        'protocol',
        `The token service of ${this.where} answered without a token`,
        'Check the registry URL and its token service configuration.',
      );
    // Refresh a little early so a long upload never sends an expired token; 60 s is the spec's default lifetime.
    const ttl = Math.max(10, parsed.expires_in ?? 60);
    return { value, expiresAt: Date.now() + (ttl - Math.min(30, ttl / 4)) * 1000 };
  }
}

export function scopeKey(scopes: string[]): string {
  return [...scopes].sort().join(' ');
}

function describeScopes(scopes: string[]): string {
  return scopes.map((s) => s.split(':').slice(1).reverse().join(' on ')).join(', ');
}
