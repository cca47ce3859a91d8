/**
 * A monitor's batch glob: `*` and `?` within one path segment, `**` for any number of folders. The folder
 * before the first wildcard is what gets watched and walked; only table files (CSV, TSV, JSON Lines, .gz)
 * count as batches.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { driftFormatOf } from './readTable';

export function globToRegExp(glob: string): RegExp {
  let re = '';
  const g = glob.replace(/\\/g, '/');
  for (let i = 0; i < g.length; i++) {
    const c = g[i];
    if (c === '*') {
      if (g[i + 1] === '*') {
        // `**/` matches zero or more folders; a trailing `**` anything below.
        const slash = g[i + 2] === '/';
        re += slash ? '(?:[^/]*/)*' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The folder before the first wildcard ("monitoring/batches" for "monitoring/batches/*.jsonl"); "" for the workspace. */
export function globBase(glob: string): string {
  const parts = glob.replace(/\\/g, '/').split('/');
  const fixed: string[] = [];
  for (const p of parts.slice(0, -1)) {
    if (/[*?]/.test(p)) break;
    fixed.push(p);
  }
  // A glob without wildcards names one file: its folder is watched.
  return fixed.join('/');
}

export interface BatchFile {
  /** Workspace-relative, with forward slashes. */
  rel: string;
  abs: string;
  size: number;
  mtimeMs: number;
}

/** Folders never walked into: the store, VCS data, dependencies. */
const SKIP = new Set(['.lineage', '.git', 'node_modules', '__pycache__', '.venv']);
/** A glob like `**` from the workspace root must not walk a huge tree forever. */
const MAX_ENTRIES = 200_000;

/** The batch files matching the glob, newest first (modified time to the second, then name, descending). */
export function listBatches(workspace: string, glob: string): BatchFile[] {
  const re = globToRegExp(glob);
  const base = globBase(glob);
  const deep = glob.includes('**') || glob.split('/').length - base.split('/').filter(Boolean).length > 1;
  const out: BatchFile[] = [];
  let seen = 0;
  const walk = (relDir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(workspace, relDir), { withFileTypes: true });
    } catch {
      return; // the folder does not exist (yet): no batches
    }
    for (const e of entries) {
      if (++seen > MAX_ENTRIES) return;
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (deep && !SKIP.has(e.name)) walk(rel);
      } else if ((e.isFile() || e.isSymbolicLink()) && re.test(rel) && driftFormatOf(e.name) !== undefined) {
        try {
          const st = fs.statSync(path.join(workspace, rel));
          if (st.isFile()) out.push({ rel, abs: path.join(workspace, rel), size: st.size, mtimeMs: st.mtimeMs });
        } catch {
          /* gone meanwhile */
        }
      }
    }
  };
  walk(base);
  return out.sort((a, b) => Math.floor(b.mtimeMs / 1000) - Math.floor(a.mtimeMs / 1000) || (a.rel < b.rel ? 1 : a.rel > b.rel ? -1 : 0));
}
