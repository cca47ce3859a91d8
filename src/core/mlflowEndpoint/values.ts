/**
 * How the endpoint reads values out of MLflow request bodies. A leaf module: tracking.ts and loggedModels.ts
 * both use these, and neither has to import the other to get them.
 */
export type Body = Record<string, unknown>;

export interface KV {
  key: string;
  value: string;
}

/** A request value as MLflow stores it: text, numbers and booleans as written, anything else as JSON. */
export const text = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);

/** A list of {key, value} pairs (tags, params), each value read with `text`. */
export const kvs = (v: unknown): KV[] => (Array.isArray(v) ? (v as Body[]).map((t) => ({ key: text(t.key), value: text(t.value) })) : []);
