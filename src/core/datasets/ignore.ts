import { LINEAGE_DIR } from '../util/lineagePaths';

/** Names never part of a dataset: version control, caches, Lineage's own folder. */
export const DEFAULT_IGNORE = ['.git', '.hg', '.svn', '__pycache__', LINEAGE_DIR, '.ipynb_checkpoints', '.DS_Store', 'node_modules'];

/**
 * Patterns match one path segment (a file or folder name), with `*` and `?` wildcards, like the simple
 * lines of a .gitignore. Compiled once into one regular expression.
 */
export function ignoreMatcher(patterns: string[] = DEFAULT_IGNORE): (name: string) => boolean {
  if (patterns.length === 0) return () => false;
  const alts = patterns.map((p) =>
    p
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]'),
  );
  const re = new RegExp(`^(?:${alts.join('|')})$`);
  return (name) => re.test(name);
}
