import type { RegistryClient, RegistryConfig } from './types';
import { RegistryError } from './types';

/** The client for a registry's kind, each loaded only when used (the CLI's other commands never pay for them). */
export async function clientFor(config: RegistryConfig): Promise<RegistryClient> {
  switch (config.kind) {
    case 'oci':
      // TEMPORARY until src/core/registry/oci lands (H5): replaced by its createOciClient.
      throw new RegistryError('protocol', 'the OCI client is not in this build yet', 'use a build that has src/core/registry/oci');
    case 'mlflow':
      return (await import('./mlflow/index')).createMlflowClient(config);
  }
}
