/** What engine() resolves to: the core's functions the extension calls, in one namespace. */
export type Engine = typeof import('./engineModules');

let loading: Promise<Engine> | undefined;

/**
 * The core (sql.js, the store, queries, fingerprints, the launcher), loaded once, on first use. Activation
 * never calls this, so opening a Python file does not pay for the engine (bench/activation.ts).
 */
export function engine(): Promise<Engine> {
  return (loading ??= import('./engineModules'));
}
