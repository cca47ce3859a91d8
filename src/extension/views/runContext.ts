import type { RunSummary } from '../../core/runs/queries';

/**
 * The context value of a run's row in the Experiments view, which package.json's `when` clauses match to
 * offer actions. Kept free of `vscode` so a unit test can check those clauses against it.
 */
export function runContextValue(run: Pick<RunSummary, 'status' | 'starred'>, o: { explained?: boolean; imported?: boolean } = {}): string {
  return `run.${run.status}${run.starred ? '.starred' : ''}${o.explained ? '.explained' : ''}${o.imported ? '.imported' : ''}`;
}
