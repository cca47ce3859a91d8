/**
 * The inputs of the prediction report from the index and the run folder, in one place so the CLI
 * (`lineage explain <run> --row N --report FILE`) and the Explain panel's export write the same report.
 */
import * as path from 'node:path';
import type { Store } from '../store/store';
import { getRun } from '../runs/queries';
import { datasetsOfRun } from '../datasets/datasetIndex';
import { loadExplanation } from './load';
import { rowView } from './views';
import { trustNote } from './trust';
import type { ReportInput } from './reportContent';

/** The run's lineage as the report tells it: name, times, commit, script and the data files with fingerprints. */
export function reportRunInfo(store: Store, runRef: string): ReportInput['run'] {
  const run = getRun(store, runRef);
  // The launcher records the script as the first *.py argument after the interpreter (launch.ts does the same).
  const script = run.command.find((a, i) => i > 0 && a.endsWith('.py')) ?? null;
  return {
    id: run.id,
    name: run.name || null,
    experiment: run.experiment || null,
    startedAt: run.startedAt,
    finishedAt: run.endedAt,
    gitCommit: run.git?.commit ?? null,
    gitDirty: run.git ? run.git.dirty : null,
    script,
    datasets: datasetsOfRun(store, run.id).map((d) => {
      const rows = (d.version?.profile as { rows?: unknown } | null | undefined)?.rows;
      return { path: d.path, role: d.role, sha256: d.version?.sha256 ?? null, rows: typeof rows === 'number' && Number.isFinite(rows) ? rows : null };
    }),
  };
}

/**
 * Everything reportMarkdown / reportHtml need for row `index` (its position in the explanation's arrays) of
 * explanation `name` of a run. The counterfactual, when the caller has one (from the scorer), is passed through.
 */
export async function reportInputFor(
  store: Store,
  runRef: string,
  name: string,
  index: number,
  extra: Pick<ReportInput, 'counterfactual' | 'subject' | 'top' | 'generatedAt'> = {},
): Promise<ReportInput> {
  const run = reportRunInfo(store, runRef);
  const ex = await loadExplanation(path.join(store.paths.runs, run.id), name);
  // The script's own word for a row (lineage.explain(..., subject="house")) unless the caller picks one.
  const subject = extra.subject ?? ex.manifest.subject ?? undefined;
  return { manifest: ex.manifest, row: rowView(ex, index), trust: trustNote(ex.manifest), run, ...extra, subject };
}
