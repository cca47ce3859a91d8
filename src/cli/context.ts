import { LineageWorkspace } from '../core/workspace';
import { findWorkspace } from '../core/util/lineagePaths';
import { color } from './format';

export function workspaceDirFrom(flag: string | boolean | undefined): string {
  if (typeof flag === 'string') return flag;
  return process.env.LINEAGE_WORKSPACE || findWorkspace(process.cwd());
}

/** Opens the index, brings it up to date with the run folders, and tells the user anything they should know. */
export async function openWorkspace(dir: string): Promise<LineageWorkspace> {
  const ws = await LineageWorkspace.open(dir, {
    onProgress: progressPrinter('Indexing runs'),
  });
  printNotices(ws);
  return ws;
}

export function printNotices(ws: LineageWorkspace): void {
  for (const n of ws.store.notices.splice(0)) process.stderr.write(color.yellow(`lineage: ${n}`) + '\n');
}

/** Progress on stderr only when it takes a while and a person is watching. */
export function progressPrinter(label: string): (done: number, total: number) => void {
  const started = Date.now();
  let shown = false;
  return (done, total) => {
    if (!process.stderr.isTTY) return;
    if (Date.now() - started < 500 && !shown) return;
    shown = true;
    process.stderr.write(`\r${label}: ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

/** Saves if anything changed; a failed save never loses a run (the folders hold them), so it only warns. */
export async function saveQuietly(ws: LineageWorkspace): Promise<void> {
  try {
    await ws.save();
  } catch (err) {
    process.stderr.write(color.yellow(`lineage: could not save the index (${(err as Error).message}). Your runs are safe in .lineage/runs.`) + '\n');
  }
  printNotices(ws);
}
