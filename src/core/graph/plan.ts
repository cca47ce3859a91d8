import type { GraphIndex } from './graphIndex';
import type { Target } from './lineage';
import type { RunStaleness } from './staleness';

export interface RerunStep {
  runId: string;
  name: string;
  reasons: string[];
}

export interface RerunPlan {
  steps: RerunStep[];
  /** Stale runs left out because a newer run of the same command is already up to date. */
  superseded: Array<{ runId: string; name: string; by: { runId: string; runName: string } }>;
}

/** The runs upstream of (and including) the target's run, producers before the runs that read their output. */
export function upstreamRuns(index: GraphIndex, target: Target): string[] {
  const start = target.kind === 'data' ? index.producerOf(undefined, target.path, target.sha256)?.runId : target.runId;
  if (!start) return [];
  const order: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  // Iterative post-order DFS: a 10,000-step chain must not overflow the stack.
  const stack: Array<{ id: string; next: number }> = [{ id: start, next: 0 }];
  state.set(start, 'open');
  while (stack.length) {
    const top = stack[stack.length - 1];
    const reads = index.reads.get(top.id) ?? [];
    if (top.next < reads.length) {
      const r = reads[top.next++];
      const p = index.producerOfRead(r)?.runId;
      if (p && !state.has(p)) {
        state.set(p, 'open');
        stack.push({ id: p, next: 0 });
      }
      continue;
    }
    state.set(top.id, 'done');
    order.push(top.id);
    stack.pop();
  }
  return order;
}

/**
 * What `lineage rerun-stale` runs, in order: the stale steps upstream of the target, producers first.
 * A stale step whose command was already re-run and is up to date is not run again.
 */
export function planRerun(index: GraphIndex, target: Target, staleness: Map<string, RunStaleness>): RerunPlan {
  const plan: RerunPlan = { steps: [], superseded: [] };
  for (const id of upstreamRuns(index, target)) {
    const s = staleness.get(id);
    if (!s?.stale) continue;
    const name = index.runs.get(id)?.name ?? id;
    if (s.supersededBy) plan.superseded.push({ runId: id, name, by: s.supersededBy });
    else plan.steps.push({ runId: id, name, reasons: s.reasons });
  }
  return plan;
}
