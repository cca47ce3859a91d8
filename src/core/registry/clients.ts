import type { RegistryClient, RegistryConfig } from './types';

/** The client for a registry's kind, each loaded only when used (the CLI's other commands never pay for them). */
export async function clientFor(config: RegistryConfig): Promise<RegistryClient> {
  switch (config.kind) {
    case 'oci':
      return (await import('./oci/index')).createOciClient(config);
    case 'mlflow':
      return (await import('./mlflow/index')).createMlflowClient(config);
  }
}
