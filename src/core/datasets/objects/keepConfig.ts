import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LineagePaths } from '../../util/lineagePaths';
import { globToRegExp } from '../../drift/monitorGlob';

/** What a run keeps of its data: `.lineage/config.json` key `data`, the editor's `lineage.data.*` settings. */
export interface KeepConfig {
  /** Keep copies of what runs read at all. */
  keep: boolean;
  /** New bytes one run may add to the store; a file that would pass it is recorded as skipped. */
  keepMaxBytes: number;
  /** Only files matching one of these (workspace-relative; a pattern without "/" matches the file name anywhere). Empty: all. */
  keepInclude: string[];
  keepExclude: string[];
  /** Keep what runs wrote too (the lineage graph and reproduce compare against it); inputs only by default. */
  keepOutputs: boolean;
}

export const KEEP_DEFAULTS: Readonly<KeepConfig> = Object.freeze({
  keep: true,
  keepMaxBytes: 1024 ** 3,
  keepInclude: [],
  keepExclude: [],
  keepOutputs: false,
});

export function configFile(paths: LineagePaths): string {
  return path.join(paths.root, 'config.json');
}

/**
 * Defaults, then the workspace's `.lineage/config.json` `data` object, then `overrides` (the editor passes
 * the settings a user set explicitly). A malformed value is ignored with a warning rather than failing a run.
 */
export function readKeepConfig(paths: LineagePaths, overrides: Partial<KeepConfig> = {}, warnings: string[] = []): KeepConfig {
  const cfg: KeepConfig = { ...KEEP_DEFAULTS, keepInclude: [], keepExclude: [] };
  let data: Record<string, unknown> | undefined;
  try {
    const j = JSON.parse(fs.readFileSync(configFile(paths), 'utf8')) as { data?: unknown };
    if (j && typeof j.data === 'object' && j.data !== null) data = j.data as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      warnings.push(`.lineage/config.json could not be read (${(err as Error).message}); keeping with the defaults.`);
  }
  for (const src of [data ?? {}, overrides as Record<string, unknown>]) {
    if (typeof src.keep === 'boolean') cfg.keep = src.keep;
    if (typeof src.keepOutputs === 'boolean') cfg.keepOutputs = src.keepOutputs;
    if (typeof src.keepMaxBytes === 'number' && src.keepMaxBytes >= 0) cfg.keepMaxBytes = src.keepMaxBytes;
    else if (src.keepMaxBytes !== undefined) warnings.push('data.keepMaxBytes must be a number of bytes (0 or more); the previous value applies.');
    for (const k of ['keepInclude', 'keepExclude'] as const) {
      const v = src[k];
      if (Array.isArray(v) && v.every((g) => typeof g === 'string')) cfg[k] = v;
      else if (v !== undefined) warnings.push(`data.${k} must be a list of glob patterns; the previous value applies.`);
    }
  }
  return cfg;
}

/** Tests a workspace-relative path (forward slashes) against include/exclude; returns the reason it is left out. */
export function globFilter(cfg: KeepConfig): (rel: string) => string | undefined {
  const compile = (globs: string[]) =>
    globs.map((g) => {
      const re = globToRegExp(g);
      return { g, test: g.includes('/') ? (p: string) => re.test(p) : (p: string) => re.test(p.slice(p.lastIndexOf('/') + 1)) };
    });
  const include = compile(cfg.keepInclude);
  const exclude = compile(cfg.keepExclude);
  return (rel) => {
    if (include.length && !include.some((m) => m.test(rel))) return `not included by keepInclude (${cfg.keepInclude.join(', ')})`;
    const ex = exclude.find((m) => m.test(rel));
    return ex ? `excluded by glob "${ex.g}"` : undefined;
  };
}
