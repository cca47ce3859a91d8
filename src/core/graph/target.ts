import type { Store } from '../store/store';
import { resolveRun, RunNotFoundError } from '../runs/queries';
import { datasetKey } from '../datasets/datasetIndex';
import type { GraphIndex } from './graphIndex';
import type { Target } from './lineage';
import type { CurrentVersions } from './staleness';
import { currentVersions } from './currentVersions';

export class GraphTargetError extends Error {}

/**
 * What `lineage graph <x>` names: a run (id, id prefix or name), a model (`<run>:<artifact path>`, or the
 * file name when it is the run's only model of that name), or a workspace path (its current content;
 * fingerprinted now, through the stat cache).
 */
export async function resolveTarget(
  store: Store,
  index: GraphIndex,
  workspace: string,
  ref: string,
  opts: { ignore?: string[] } = {},
): Promise<{ target: Target; notes: string[]; current: CurrentVersions }> {
  const current: CurrentVersions = new Map();
  let runErr: Error | undefined;
  try {
    return { target: { kind: 'run', runId: resolveRun(store, ref) }, notes: [], current };
  } catch (err) {
    if (!(err instanceof RunNotFoundError)) throw err;
    runErr = err;
  }
  const colon = ref.indexOf(':');
  if (colon > 0) {
    let runId: string | undefined;
    try {
      runId = resolveRun(store, ref.slice(0, colon));
    } catch {
      /* not a run: maybe a path with a colon */
    }
    if (runId) {
      const want = ref.slice(colon + 1).replace(/^artifacts\//, '');
      const models = index.modelsOf(runId);
      const found = models.filter((m) => m === want || m.replace(/^artifacts\//, '') === want || m.split('/').pop() === want);
      if (found.length === 1) return { target: { kind: 'model', runId, path: found[0] }, notes: [], current };
      throw new GraphTargetError(
        models.length
          ? `run ${ref.slice(0, colon)} has no single model "${want}"; its models: ${models.join(', ')}.`
          : `run ${ref.slice(0, colon)} logged no model; give the run itself to see its lineage.`,
      );
    }
  }
  const key = datasetKey(workspace, ref);
  if (!index.hasPath(key))
    throw new GraphTargetError(
      `"${ref}" is neither a run, a model (<run>:<model file>) nor a file a run read or wrote. ${runErr?.message.startsWith('"') ? runErr.message : ''}`.trim(),
    );
  const now = await currentVersions(store, workspace, [key], opts.ignore);
  for (const [k, v] of now) current.set(k, v);
  const sha = now.get(key);
  const notes: string[] = [];
  if (sha && index.recordedAt(key, sha)) return { target: { kind: 'data', path: key, sha256: sha }, notes, current };
  const newest = index.newestVersionOf(key) ?? null;
  notes.push(
    sha === null || sha === undefined
      ? `${key} is not in the workspace now; showing the newest version a run recorded.`
      : `No run has read or written the current content of ${key}; showing the newest version a run recorded.`,
  );
  return { target: { kind: 'data', path: key, sha256: newest }, notes, current };
}
