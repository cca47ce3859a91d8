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
 * The runs whose staleness decides the given runs' (by number): each one's producers all the way up, plus the
 * newest run with the same command (which may have brought it up to date). The paths they read are what
 * must be fingerprinted.
 */
export function stalenessScope(index: GraphIndex, runs: Iterable<number>): { runs: Set<number>; paths: Set<string> } {
  const g = index;
  const seen = new Uint8Array(g.runCount);
  const inScope = new Set<number>();
  const pathSeen = new Uint8Array(g.paths.length);
  const paths = new Set<string>();
  const stack = [...runs];
  while (stack.length) {
    const r = stack.pop()!;
    if (seen[r] || r >= g.knownRuns) continue;
    seen[r] = 1;
    inScope.add(r);
    for (let k = g.runReadsAt[r]; k < g.runReadsAt[r + 1]; k++) {
      const u = g.runReads[k];
      const pn = g.usePath[u];
      if (!pathSeen[pn]) {
        pathSeen[pn] = 1;
        paths.add(g.paths[pn]);
      }
      const p = g.useProducer[u];
      if (p >= 0) stack.push(g.useRun[p]);
    }
    const newest = g.sameNewest[r];
    if (newest >= 0 && newest !== r) stack.push(newest);
  }
  return { runs: inScope, paths };
}

/**
 * Like `dvc status`, from what was recorded: a run is stale when a file it read holds other content now,
 * or when the run that wrote one of its inputs is stale (re-running that would write a new version).
 * Every reason is a sentence naming the file and the run. Indexed by run number; runs not asked about
 * (nor upstream of one) are left undefined.
 */
export function stalenessByRun(index: GraphIndex, runs: Iterable<number>, current: CurrentVersions): Array<RunStaleness | undefined> {
  const g = index;
  const memo = new Array<RunStaleness | undefined>(g.runCount);
  const inProgress = new Uint8Array(g.runCount);
  // The current content by path number, looked up once per path rather than once per read.
  const now = new Array<string | null | undefined>(g.paths.length);
  for (const [p, sha] of current) {
    const pn = g.pathNum(p);
    if (pn >= 0) now[pn] = sha;
  }

  const compute = (r: number): RunStaleness => {
    const known = memo[r];
    if (known) return known;
    // Content cannot form a cycle (a producer started before its reader), but a damaged index could: a run
    // met again on its own path counts as fresh there instead of recursing for ever.
    if (inProgress[r]) return { stale: false, reasons: [] };
    inProgress[r] = 1;
    const name = g.runName[r];
    let reasons: string[] | undefined;
    for (let k = g.runReadsAt[r]; k < g.runReadsAt[r + 1]; k++) {
      const u = g.runReads[k];
      const sn = g.useSha[u];
      if (sn < 0) continue;
      const pn = g.usePath[u];
      const cur = now[pn];
      if (cur === null) (reasons ??= []).push(`${g.paths[pn]} is gone since ${name} ran`);
      else if (cur !== undefined && cur !== g.shas[sn]) {
        const bu = g.producerUseOf(g.paths[pn], cur);
        const by = bu < 0 ? -1 : g.useRun[bu];
        (reasons ??= []).push(`${g.paths[pn]} changed since ${name} ran${by >= 0 && by !== r ? ` (run ${g.runName[by]} wrote the new version)` : ''}`);
      }
      const p = g.useProducer[u];
      if (p >= 0 && compute(g.useRun[p]).stale) {
        const why = `upstream step ${g.runName[g.useRun[p]]} is stale`;
        if (!reasons?.includes(why)) (reasons ??= []).push(why);
      }
    }
    inProgress[r] = 0;
    const result: RunStaleness = reasons ? { stale: true, reasons } : { stale: false, reasons: [] };
    memo[r] = result;
    if (result.stale) {
      const newest = g.sameNewest[r];
      if (newest >= 0 && newest !== r && !compute(newest).stale) result.supersededBy = { runId: g.runId[newest], runName: g.runName[newest] };
    }
    return result;
  };
  for (const r of runs) compute(r);
  return memo;
}

/** stalenessByRun by run id, for the given runs and every run their staleness was worked out from. */
export function stalenessOf(index: GraphIndex, runIds: Iterable<string>, current: CurrentVersions): Map<string, RunStaleness> {
  const nums: number[] = [];
  for (const id of runIds) {
    const r = index.runNum(id);
    if (r >= 0) nums.push(r);
  }
  const byRun = stalenessByRun(index, nums, current);
  const out = new Map<string, RunStaleness>();
  byRun.forEach((s, r) => s && out.set(index.runId[r], s));
  return out;
}
