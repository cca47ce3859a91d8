/**
 * Secret-looking arguments (issue 11 item 4). The value of an option or param whose name looks secret is
 * recorded and shown as `••••`: in run.json's `command` (the launcher) and in the params the Python SDK
 * writes (sdk/python/lineage/_api.py, `secret_name`, the same rule). A name is split into words at `-`,
 * `_`, `.`, spaces and camelCase humps, and one word must be a secret word: `--api-key`, `--hf_token`,
 * `--db-password`, `clientSecret` are secret; `--keyframes`, `--monkey`, `--max-tokens` are not.
 * Off with LINEAGE_MASK_SECRETS=0 (the `lineage.maskSecrets` setting in the editor).
 */

export const SECRET_MASK = '••••';

// prettier-ignore
const SECRET_WORDS = new Set([
  'key', 'token', 'secret', 'secrets', 'password', 'passwords', 'passwd', 'credential', 'credentials',
  'apikey', 'apikeys', 'accesskey', 'secretkey', 'privatekey', 'authtoken', 'accesstoken', 'apitoken',
]);

/** True when an option or param name (with or without leading dashes) looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  const spaced = name.replace(/([a-z0-9])([A-Z])|([A-Z]+)([A-Z][a-z])/g, (_m, a?: string, b?: string, c?: string, d?: string) => `${a ?? c} ${b ?? d}`);
  return spaced
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .some((w) => SECRET_WORDS.has(w));
}

/** Masking is on unless LINEAGE_MASK_SECRETS is 0, false, no or off. */
export function maskingSecrets(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.LINEAGE_MASK_SECRETS ?? '1').trim().toLowerCase();
  return !['0', 'false', 'no', 'off'].includes(v);
}

const OPTION = /^--?([A-Za-z][\w.-]*)(=[\s\S]*)?$/;

/**
 * A command line with the values of secret-looking options replaced by the mask: `--api-key=X` and
 * `--api-key X` (the next word, unless it is itself an option). Other words are kept as they are.
 */
export function maskSecretArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out = [...argv];
  if (!maskingSecrets(env)) return out;
  for (let i = 0; i < out.length; i++) {
    const arg = out[i];
    if (arg === '--') break;
    const m = OPTION.exec(arg);
    if (!m || !isSecretName(m[1])) continue;
    if (m[2] !== undefined) out[i] = `${arg.slice(0, arg.length - m[2].length)}=${SECRET_MASK}`;
    else if (i + 1 < out.length && !out[i + 1].startsWith('-')) out[++i] = SECRET_MASK;
  }
  return out;
}

/** True for a value the mask replaced: such a value cannot be offered again as the argument to run with. */
export function isMasked(value: unknown): boolean {
  return value === SECRET_MASK;
}
