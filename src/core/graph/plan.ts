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
  const g = index;
  const start = target.kind === 'data' ? index.producerOf(undefined, target.path, target.sha256)?.runId : target.runId;
  const first = start === undefined ? -1 : g.runNum(start);
  if (first < 0) return start === undefined ? [] : [start];
  const order: string[] = [];
  const seen = new Uint8Array(g.runCount);
  // Iterative post-order DFS: a 10,000-step chain must not overflow the stack.
  const stack: Array<{ r: number; next: number }> = [{ r: first, next: g.runReadsAt[first] }];
  seen[first] = 1;
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.next < g.runReadsAt[top.r + 1]) {
      const p = g.useProducer[g.runReads[top.next++]];
      const pr = p < 0 ? -1 : g.useRun[p];
      if (pr >= 0 && !seen[pr]) {
        seen[pr] = 1;
        stack.push({ r: pr, next: g.runReadsAt[pr] });
      }
      continue;
    }
    order.push(g.runId[top.r]);
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
    const r = index.runNum(id);
    const name = r >= 0 ? index.runName[r] : id;
    if (s.supersededBy) plan.superseded.push({ runId: id, name, by: s.supersededBy });
    else plan.steps.push({ runId: id, name, reasons: s.reasons });
  }
  return plan;
}
