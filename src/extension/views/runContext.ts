import type { RunSummary } from '../../core/runs/queries';

/**
 * The context value of a run's row in the Experiments view, which package.json's `when` clauses match to
 * offer actions. Kept free of `vscode` so a unit test can check those clauses against it.
 */

/** Set by `lineage import` on a team member's MLflow run: read-only here (no script to rerun or reproduce). */
export const IMPORTED_TAG = 'lineage.imported_from';

export function runContextValue(run: Pick<RunSummary, 'status' | 'starred'>, o: { explained?: boolean; imported?: boolean } = {}): string {
  return `run.${run.status}${run.starred ? '.starred' : ''}${o.explained ? '.explained' : ''}${o.imported ? '.imported' : ''}`;
}
