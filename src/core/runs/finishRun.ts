import * as path from 'node:path';
import type { LineageWorkspace } from '../workspace';
import { fingerprintRunDatasets, type FingerprintRunOptions } from '../datasets/runDatasets';
import { getRun, RunDetail } from './queries';

/** How an adapter hears about the steps after a run's script exits; every hook is optional. */
export interface FinishRunHooks {
  /**
   * Brings the run's last events into the index. Default: a sync of the whole workspace. The editor
   * passes its own sync so its views hear about the change.
   */
  sync?: () => Promise<unknown>;
  /** Dataset fingerprinting as it goes ("Fingerprinting data/houses.csv"). */
  onProgress?: (message: string) => void;
  /** A step that failed without losing the run (fingerprinting, saving the index). */
  onWarning?: (message: string) => void;
  /** The store's notices (a rebuilt index, a read-only database). Left in the store when absent. */
  onNotice?: (notice: string) => void;
  /**
   * 'now' writes the index before returning: a CLI is about to exit. 'later' schedules the write: an
   * editor that stays open batches it with the next changes.
   */
  save?: 'now' | 'later';
  /** Kept-data settings over .lineage/config.json (the editor's lineage.data.*); false keeps nothing. */
  keep?: FingerprintRunOptions['keep'];
}

/**
 * The steps after a run's script has exited, the same from the terminal and the editor: index its final
 * events, fingerprint the datasets it read or wrote, save the index, and return the run as recorded.
 * The run folder already holds the outcome (launchRun wrote it), so no failure here loses the run.
 */
export async function finishRun(ws: LineageWorkspace, runId: string, hooks: FinishRunHooks = {}): Promise<RunDetail> {
  const drainNotices = () => {
    if (hooks.onNotice) for (const n of ws.store.notices.splice(0)) hooks.onNotice(n);
  };
  await (hooks.sync ? hooks.sync() : ws.sync());
  drainNotices();
  try {
    await fingerprintRunDatasets(ws.store, ws.paths, runId, {
      onProgress: hooks.onProgress,
      keep: hooks.keep,
      onKept: (r) => {
        if (r instanceof Error) hooks.onWarning?.(`could not keep the run's data: ${r.message}`);
      },
    });
  } catch (err) {
    hooks.onWarning?.(`could not fingerprint the run's datasets: ${(err as Error).message}`);
  }
  const run = getRun(ws.store, runId);
  if (hooks.save === 'later') ws.store.scheduleSave(200);
  else {
    try {
      await ws.save();
    } catch (err) {
      // "Safe" only when this run's own folder holds all it logged: not after a full disk cut it short.
      const incomplete = run.error?.startsWith('incomplete:');
      hooks.onWarning?.(
        `could not save the index (${(err as Error).message}).` +
          (incomplete ? '' : ` Your runs are safe in ${path.relative(ws.paths.workspace, ws.paths.runs) || ws.paths.runs}.`),
      );
    }
  }
  drainNotices();
  return run;
}
