import * as vscode from 'vscode';
import type { Credentials, RegistryConfig } from '../../core/registry/types';

const KEY = (name: string) => `lineage.registry.${name}`;
const NAMES = 'lineage.registry.namesWithSecrets';

/**
 * Registry credentials in VS Code's SecretStorage (the OS keychain), one entry per registry name: never in
 * settings, logs, run folders or the index. The names that have one (no secret) are remembered so "Forget"
 * can offer them.
 */
export class RegistrySecrets {
  constructor(private readonly context: vscode.ExtensionContext) {}

  async get(registry: Pick<RegistryConfig, 'name'>): Promise<Credentials | undefined> {
    const raw = await this.context.secrets.get(KEY(registry.name));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as Credentials;
    } catch {
      return undefined;
    }
  }

  async set(registry: Pick<RegistryConfig, 'name'>, c: Credentials): Promise<void> {
    await this.context.secrets.store(KEY(registry.name), JSON.stringify(c));
    await this.context.globalState.update(NAMES, [...new Set([...this.names(), registry.name])]);
  }

  async forget(name: string): Promise<void> {
    await this.context.secrets.delete(KEY(name));
    await this.context.globalState.update(
      NAMES,
      this.names().filter((n) => n !== name),
    );
  }

  names(): string[] {
    return this.context.globalState.get<string[]>(NAMES, []);
  }

  /** Asks for a user name (empty: a token) and a password or token; stores them. Undefined when cancelled. */
  async ask(registry: Pick<RegistryConfig, 'name' | 'url'>, why?: string): Promise<Credentials | undefined> {
    const username = await vscode.window.showInputBox({
      title: `Credentials for ${registry.name}`,
      prompt: `${why ? `${why} ` : ''}User name for ${registry.url} (leave empty to give a token instead)`,
      ignoreFocusOut: true,
    });
    if (username === undefined) return undefined;
    const secret = await vscode.window.showInputBox({
      title: `Credentials for ${registry.name}`,
      prompt: username ? `Password (or access token) for ${username}` : `Access token for ${registry.url}`,
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v ? undefined : 'Required'),
    });
    if (secret === undefined) return undefined;
    const c: Credentials = username ? { username, password: secret } : { token: secret };
    await this.set(registry, c);
    return c;
  }
}
