/** A reference, a registry configuration or a model name the user wrote that cannot be used; the message says how to write it. */
export class RegistryUsageError extends Error {}
