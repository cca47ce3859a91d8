import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../../store/store';
import type { LineagePaths } from '../../util/lineagePaths';
import { readReportFile, refsPath } from './keptReport';
import { cleanDeadTemps } from './objectStore';

/**
 * Objects younger than this are never freed: a run being recorded right now may have kept (or touched,
 * when it reused one) an object before its kept.json and refs file exist. An hour is far longer than
 * fingerprinting and keeping take, and needs no lock shared with every writer.
 */
export const GC_GRACE_MS = 60 * 60 * 1000;

export interface GcOptions {
  dryRun?: boolean;
  /** Default GC_GRACE_MS. */
  graceMs?: number;
  now?: number;
}

export interface GcResult {
  freed: Array<{ sha256: string; size: number }>;
  freedBytes: number;
  /** Objects some run still needs. */
  kept: number;
  keptBytes: number;
  /** Unreferenced but younger than the grace period. */
  young: number;
  /** Runs whose objects were kept although their folder is gone: starred, or their model pushed/promoted. */
  protectedRuns: string[];
  /** Refs of runs that no longer exist, dropped (or that would be). */
  droppedRefs: string[];
  tempsRemoved: number;
}

/** Runs whose data must stay whatever happens to their folders: starred, or named in the registry history. */
export function protectedRunIds(store: Store, paths: LineagePaths): Set<string> {
  const ids = new Set<string>(store.all<{ id: string }>('SELECT id FROM runs WHERE starred = 1').map((r) => r.id));
  let text = '';
  try {
    text = fs.readFileSync(path.join(paths.registry, 'history.jsonl'), 'utf8');
  } catch {
    /* no pushes yet */
  }
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const j = JSON.parse(line) as { runId?: unknown };
      if (typeof j.runId === 'string') ids.add(j.runId);
    } catch {
      /* a torn last line from a writer that is still appending */
    }
  }
  return ids;
}

/**
 * Frees the objects no run needs any more. A run needs an object when its folder exists (its kept.json
 * and refs file list it) or when it is protected; refs of runs that are gone and unprotected are dropped.
 */
export function collectGarbage(store: Store, paths: LineagePaths, opts: GcOptions = {}): GcResult {
  const now = opts.now ?? Date.now();
  const grace = opts.graceMs ?? GC_GRACE_MS;
  const result: GcResult = { freed: [], freedBytes: 0, kept: 0, keptBytes: 0, young: 0, protectedRuns: [], droppedRefs: [], tempsRemoved: 0 };
  const protectedIds = protectedRunIds(store, paths);
  const needed = new Set<string>();
  const live = new Set<string>();
  for (const id of listDir(paths.runs)) {
    live.add(id);
    for (const e of readReportFile(path.join(paths.runs, id, 'kept.json'))?.entries ?? []) if (e.state === 'kept' && e.sha256) needed.add(e.sha256);
  }
  const refsDir = path.dirname(refsPath(paths, 'x'));
  for (const name of listDir(refsDir)) {
    if (!name.endsWith('.json')) continue;
    const id = name.slice(0, -5);
    if (!live.has(id) && !protectedIds.has(id)) {
      result.droppedRefs.push(id);
      continue;
    }
    if (!live.has(id)) result.protectedRuns.push(id);
    try {
      const j = JSON.parse(fs.readFileSync(path.join(refsDir, name), 'utf8')) as { objects?: string[] };
      for (const sha of j.objects ?? []) needed.add(sha);
    } catch {
      // An unreadable refs file might name anything: free nothing rather than guess.
      throw new Error(`${path.join(refsDir, name)} cannot be read; fix or delete it, then run lineage gc again.`);
    }
  }
  for (const shard of listDir(paths.objects)) {
    if (!/^[0-9a-f]{2}$/.test(shard)) continue;
    for (const sha of listDir(path.join(paths.objects, shard))) {
      const file = path.join(paths.objects, shard, sha);
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (!st?.isFile()) continue;
      if (needed.has(sha)) {
        result.kept++;
        result.keptBytes += st.size;
        continue;
      }
      if (now - st.mtimeMs < grace) {
        result.young++;
        continue;
      }
      if (!opts.dryRun) {
        // Checked again just before: a keep that reused it a moment ago touched it.
        const again = fs.statSync(file, { throwIfNoEntry: false });
        if (!again || Date.now() - again.mtimeMs < grace) {
          result.young++;
          continue;
        }
        fs.rmSync(file, { force: true });
      }
      result.freed.push({ sha256: sha, size: st.size });
      result.freedBytes += st.size;
    }
  }
  if (!opts.dryRun) {
    for (const id of result.droppedRefs) fs.rmSync(refsPath(paths, id), { force: true });
    result.tempsRemoved = cleanDeadTemps(paths);
  }
  return result;
}

function listDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
