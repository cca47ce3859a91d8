import * as fs from 'node:fs';
import { LineageWorkspace } from '../core/workspace';
import { findWorkspace } from '../core/util/lineagePaths';
import { CliError } from './errors';
import { color, safe } from './format';

/** The workspace folder; one given by --workspace or LINEAGE_WORKSPACE must exist (a typo must not create folders). */
export function workspaceDirFrom(flag: string | boolean | undefined): string {
  const given =
    typeof flag === 'string'
      ? { dir: flag, from: '--workspace' }
      : process.env.LINEAGE_WORKSPACE
        ? { dir: process.env.LINEAGE_WORKSPACE, from: 'LINEAGE_WORKSPACE' }
        : undefined;
  if (!given) return findWorkspace(process.cwd());
  let isDir = false;
  try {
    isDir = fs.statSync(given.dir).isDirectory();
  } catch {
    /* missing */
  }
  if (!isDir) throw new CliError(`${given.from} ${safe(given.dir)} is not an existing folder; give the folder that holds (or should hold) .lineage.`, 2);
  return given.dir;
}

/**
 * Opens the index, brings it up to date with the run folders, and tells the user anything they should know.
 * Commands that only read pass `create: false`, so running them in the wrong folder leaves no `.lineage/` behind.
 */
export async function openWorkspace(dir: string, opts: { create?: boolean } = {}): Promise<LineageWorkspace> {
  const ws = await LineageWorkspace.open(dir, {
    create: opts.create,
    onProgress: progressPrinter('Indexing runs'),
    onMigrateProgress: progressPrinter('Moving metric points from lineage.db to .lineage/cache (once)'),
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
