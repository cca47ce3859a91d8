import type { Store } from '../store/store';

/** The objective's final value for a run, from the index (metric_summaries' last point); NaN/∞ → undefined. */
export function finalMetric(store: Store, runId: string, metric: string): number | undefined {
  const row = store.get<{ last: number | null; last_nonfinite: string | null }>(
    'SELECT last, last_nonfinite FROM metric_summaries WHERE run_id = ? AND key = ?',
    [runId, metric],
  );
  if (!row || row.last_nonfinite || row.last === null || !Number.isFinite(row.last)) return undefined;
  return row.last;
}

/** Metric names the script's earlier runs logged, most used first: what the editor offers as the objective. */
export function metricNamesOf(store: Store, scriptName: string): string[] {
  const rows = store.all<{ key: string; n: number }>(
    `SELECT m.key, COUNT(*) AS n FROM metric_summaries m JOIN runs r ON r.id = m.run_id
     WHERE r.command LIKE ? ESCAPE '\\' GROUP BY m.key ORDER BY n DESC, m.key`,
    [`%${scriptName.replace(/[%_\\]/g, (c) => '\\' + c)}%`],
  );
  return rows.map((r) => r.key).filter((k) => !k.startsWith('sweep.'));
}
