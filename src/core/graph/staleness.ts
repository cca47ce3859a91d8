import type { GraphIndex } from './graphIndex';

export interface RunStaleness {
  stale: boolean;
  reasons: string[];
  /** Re-run since with the same command in the same folder, and that run is up to date. */
  supersededBy?: { runId: string; runName: string };
}

/** The file's sha256 now, by workspace path: null when it is gone; absent when it was not looked at. */
export type CurrentVersions = Map<string, string | null>;

/**
 * The runs whose staleness decides the given runs': each one's producers all the way up, plus the newest
 * run with the same command (which may have brought it up to date). The paths they read are what must be
 * fingerprinted.
 */
export function stalenessScope(index: GraphIndex, runIds: Iterable<string>): { runs: Set<string>; paths: Set<string> } {
  const runs = new Set<string>();
  const paths = new Set<string>();
  const stack = [...runIds];
  while (stack.length) {
    const id = stack.pop()!;
    if (runs.has(id) || !index.runs.has(id)) continue;
    runs.add(id);
    for (const r of index.reads.get(id) ?? []) {
      paths.add(r.path);
      const p = index.producerOfRead(r);
      if (p) stack.push(p.runId);
    }
    const same = index.runsWithSameCommand(id);
    const newest = same[same.length - 1];
    if (newest && newest !== id) stack.push(newest);
  }
  return { runs, paths };
}

/**
 * Like `dvc status`, from what was recorded: a run is stale when a file it read holds other content now,
 * or when the run that wrote one of its inputs is stale (re-running that would write a new version).
 * Every reason is a sentence naming the file and the run.
 */
export function stalenessOf(index: GraphIndex, runIds: Iterable<string>, current: CurrentVersions): Map<string, RunStaleness> {
  const memo = new Map<string, RunStaleness>();
  const inProgress = new Set<string>();
  const nameOf = (id: string) => index.runs.get(id)?.name ?? id;

  const compute = (id: string): RunStaleness => {
    const known = memo.get(id);
    if (known) return known;
    // Content cannot form a cycle (a producer started before its reader), but a damaged index could: a run
    // met again on its own path counts as fresh there instead of recursing for ever.
    if (inProgress.has(id)) return { stale: false, reasons: [] };
    inProgress.add(id);
    const name = nameOf(id);
    const reasons: string[] = [];
    for (const r of index.reads.get(id) ?? []) {
      if (!r.sha256) continue;
      const now = current.get(r.path);
      if (now === null) reasons.push(`${r.path} is gone since ${name} ran`);
      else if (now !== undefined && now !== r.sha256) {
        const by = index.producerOf(undefined, r.path, now);
        reasons.push(`${r.path} changed since ${name} ran${by && by.runId !== id ? ` (run ${nameOf(by.runId)} wrote the new version)` : ''}`);
      }
      const p = index.producerOfRead(r);
      if (p && compute(p.runId).stale) {
        const why = `upstream step ${nameOf(p.runId)} is stale`;
        if (!reasons.includes(why)) reasons.push(why);
      }
    }
    inProgress.delete(id);
    const result: RunStaleness = { stale: reasons.length > 0, reasons };
    memo.set(id, result);
    if (result.stale) {
      const same = index.runsWithSameCommand(id);
      const newest = same[same.length - 1];
      if (newest && newest !== id && !compute(newest).stale) result.supersededBy = { runId: newest, runName: nameOf(newest) };
    }
    return result;
  };
  for (const id of runIds) compute(id);
  return memo;
}
