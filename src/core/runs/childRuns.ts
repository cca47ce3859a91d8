import type { Store } from '../store/store';

/**
 * Child runs: runs whose run.json names a parent (`parentRunId`), e.g. the candidates of a grid search that
 * framework autolog writes under the search's run (docs/autolog.md). The adapters show them under their
 * parent and compare them together.
 */

/** The children of one run, oldest first (a search's candidates in their order). */
export function childRunIds(store: Store, parentId: string): string[] {
  return store.all<{ id: string }>('SELECT id FROM runs WHERE parent_run_id = ? ORDER BY started_at, id', [parentId]).map((r) => r.id);
}

/** Every child run's parent, for the runs whose parent is in the index (a child whose parent was deleted stands alone). */
export function parentLinks(store: Store): Map<string, string> {
  const rows = store.all<{ id: string; parent: string }>(
    'SELECT c.id, c.parent_run_id AS parent FROM runs c JOIN runs p ON p.id = c.parent_run_id WHERE c.parent_run_id IS NOT NULL',
  );
  return new Map(rows.map((r) => [r.id, r.parent]));
}

/** How many children each parent has. */
export function childCounts(links: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const parent of links.values()) out.set(parent, (out.get(parent) ?? 0) + 1);
  return out;
}

/**
 * The children of `parentId` not in `known`, oldest first: what a Compare panel opened on a sweep adds when
 * the sweep starts another run, so the panel follows the sweep instead of the runs it opened with.
 */
export function newChildRunIds(store: Store, parentId: string, known: readonly string[]): string[] {
  const have = new Set(known);
  return childRunIds(store, parentId).filter((id) => !have.has(id));
}
