import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RegistryConfig } from './types';
import { RegistryUsageError } from './referenceError';

/**
 * Registries the user configured: `.lineage/config.json`'s `registries` (which the user may commit, so it
 * must never hold a secret) and the extension's `lineage.registries` setting. A secret-looking key is refused
 * outright rather than ignored: ignoring it would leave the secret sitting in a committed file.
 */

const SECRET_KEY = /pass(word|wd)?|secret|token|credential|auth|api[-_]?key|private|^key$/i;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KNOWN = new Set(['name', 'kind', 'url', 'caFile']);
export const SECRETS_GO =
  'secrets go in environment variables (LINEAGE_REGISTRY_<NAME>_TOKEN, _USERNAME, _PASSWORD; MLFLOW_TRACKING_TOKEN for MLflow) or, in VS Code, "Lineage: Set Registry Credentials…"';

/** Checks one entry; `where` names its source for the message; a relative caFile is taken from `baseDir`. */
export function validateRegistry(raw: unknown, where: string, baseDir?: string): RegistryConfig {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new RegistryUsageError(`${where}: each registry is an object { name, kind, url, caFile? }`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (SECRET_KEY.test(k))
      throw new RegistryUsageError(`${where}: "${k}" looks like a secret and is not read from here; ${SECRETS_GO}. Remove it from the file.`);
    if (!KNOWN.has(k)) throw new RegistryUsageError(`${where}: unknown key "${k}" (a registry has name, kind, url and caFile)`);
  }
  if (typeof o.name !== 'string' || !NAME.test(o.name))
    throw new RegistryUsageError(`${where}: "name" must be a short name of letters, digits, . _ - (it is how you refer to the registry: NAME/REPOSITORY:TAG)`);
  if (o.kind !== 'oci' && o.kind !== 'mlflow') throw new RegistryUsageError(`${where} (${o.name}): "kind" is "oci" or "mlflow"`);
  if (typeof o.url !== 'string') throw new RegistryUsageError(`${where} (${o.name}): "url" is missing (e.g. https://registry.example.com)`);
  let u: URL;
  try {
    u = new URL(o.url);
  } catch {
    throw new RegistryUsageError(`${where} (${o.name}): "url" ${JSON.stringify(o.url)} is not a URL (e.g. https://registry.example.com)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new RegistryUsageError(`${where} (${o.name}): "url" must start with https:// (or http:// without TLS)`);
  if (u.username || u.password) throw new RegistryUsageError(`${where} (${o.name}): no user name or password in "url"; ${SECRETS_GO}`);
  if (u.search || u.hash) throw new RegistryUsageError(`${where} (${o.name}): "url" takes no ?query or #fragment`);
  const url = u.origin + u.pathname.replace(/\/+$/, '');
  const out: RegistryConfig = { name: o.name, kind: o.kind, url };
  if (o.caFile !== undefined && o.caFile !== '') {
    if (typeof o.caFile !== 'string') throw new RegistryUsageError(`${where} (${o.name}): "caFile" is the path of a PEM file`);
    out.caFile = baseDir && !path.isAbsolute(o.caFile) ? path.join(baseDir, o.caFile) : o.caFile;
  }
  return out;
}

/** `.lineage/config.json`'s registries (none when the file or the key is absent). */
export function readConfigRegistries(lineageRoot: string): RegistryConfig[] {
  const file = path.join(lineageRoot, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RegistryUsageError(`.lineage/config.json is not valid JSON (${(err as Error).message}); fix or remove it`);
  }
  const list = (json as { registries?: unknown } | null)?.registries;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new RegistryUsageError('.lineage/config.json: "registries" is a list of { name, kind, url, caFile? }');
  // A relative CA file is relative to the workspace (the folder holding .lineage), as the user sees it.
  return checkUnique(list.map((r, i) => validateRegistry(r, `.lineage/config.json registries[${i}]`, path.dirname(lineageRoot))));
}

/** The file's registries with the settings' added; a name in both takes the setting's (the user's own machine wins). */
export function mergeRegistries(fromFile: RegistryConfig[], fromSettings: RegistryConfig[]): RegistryConfig[] {
  const byName = new Map<string, RegistryConfig>();
  for (const r of [...fromFile, ...fromSettings]) byName.set(r.name, r);
  return [...byName.values()];
}

function checkUnique(list: RegistryConfig[]): RegistryConfig[] {
  const seen = new Set<string>();
  for (const r of list) {
    if (seen.has(r.name)) throw new RegistryUsageError(`.lineage/config.json: two registries are named "${r.name}"; give each its own name`);
    seen.add(r.name);
  }
  return list;
}
