import type { Credentials, RegistryConfig } from './types';

/** `LINEAGE_REGISTRY_<NAME>_…`: the registry's name upper-cased, every other character than A–Z and 0–9 as `_`. */
export function envPrefix(registryName: string): string {
  return `LINEAGE_REGISTRY_${registryName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_`;
}

/**
 * Credentials for the CLI and CI, from the environment only: the registry's own variables first, then for
 * MLflow the MLflow client's. `source` names the variables (never their values) for messages.
 */
export function credentialsFromEnv(
  registry: Pick<RegistryConfig, 'name' | 'kind'>,
  env: NodeJS.ProcessEnv = process.env,
): { credentials?: Credentials; source?: string } {
  const prefixes = [envPrefix(registry.name)];
  if (registry.kind === 'mlflow') prefixes.push('MLFLOW_TRACKING_');
  for (const p of prefixes) {
    const token = env[`${p}TOKEN`] || undefined;
    const username = env[`${p}USERNAME`] || undefined;
    const password = env[`${p}PASSWORD`] || undefined;
    if (token || username || password) {
      const credentials: Credentials = {};
      if (token) credentials.token = token;
      if (username) credentials.username = username;
      if (password) credentials.password = password;
      return { credentials, source: `${p}${token ? 'TOKEN' : 'USERNAME/_PASSWORD'}` };
    }
  }
  return {};
}
