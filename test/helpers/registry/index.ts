export { startRegistry, freePort, REGISTRY_BIN } from './registry';
export type { StartRegistryOptions, TestRegistry } from './registry';
export { startCuttingProxy } from './cuttingProxy';
export type { CuttingProxy } from './cuttingProxy';
export { startTokenServer, libtrustKeyId } from './tokenServer';
export type { TokenServer, TokenUser } from './tokenServer';
export { makeTestCerts } from './tls';
export { makeModel, sampleLineage, writeRandomFile } from './fixtures';
