import type { Store } from '../store/store';

/** The tag the SDK sets on a run started in a Jupyter kernel (sdk/python/lineage/_notebook_live.py). */
export const KERNEL_TAG = 'kernel';
/** The metric the SDK counts a live kernel's executed cells in: bookkeeping, not a result to show. */
export const CELLS_METRIC = 'cells_executed';

export interface KernelRun {
  id: string;
  name: string;
  /** Epoch milliseconds. */
  startedAt: number | null;
  /** The kernel's process, as run.json records it. */
  pid: number | null;
  host: string | null;
  /** The metric logged last (the cell counter left out), with its value. */
  latest?: { key: string; value: number | string | null };
}

/**
 * Runs in progress that a live Jupyter kernel started with `lineage.start_run()` (or `%load_ext lineage`):
 * made by the SDK, not by a launcher, and tagged with the kernel. A run that `lineage run x.ipynb` launched
 * is the launcher's, and its window already shows it.
 */
export function liveKernelRuns(store: Store): KernelRun[] {
  const rows = store.all<{ id: string; name: string; startedAt: number | null; pid: number | null; host: string | null }>(
    `SELECT r.id, r.name, r.started_at AS startedAt, r.pid, r.host FROM runs r
     JOIN tags t ON t.run_id = r.id AND t.key = ? AND t.value = 'ipykernel'
     WHERE r.status = 'running' AND r.created_by = 'python-sdk'
     ORDER BY r.started_at DESC, r.id DESC`,
    [KERNEL_TAG],
  );
  return rows.map((r) => {
    // By time, not step: a notebook logs its metrics at whatever steps its cells choose, re-run in any order.
    const m = store.get<{ key: string; last: number | null; lastNonfinite: string | null }>(
      `SELECT key, last, last_nonfinite AS lastNonfinite FROM metric_summaries WHERE run_id = ? AND key != ?
       ORDER BY last_ts DESC, key LIMIT 1`,
      [r.id, CELLS_METRIC],
    );
    return { ...r, ...(m ? { latest: { key: m.key, value: m.last ?? m.lastNonfinite } } : {}) };
  });
}

/** Elapsed time as a status bar shows it, ticking each second: 0:07, 12:05, 1:02:03. */
export function clockDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
