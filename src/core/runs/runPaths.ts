import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUN_ID_PATTERN } from '../util/ids';

/**
 * Paths that come from a run folder (run.json, events.jsonl) or from a webview are not trusted: a run folder
 * may have been copied in from someone else, or shipped inside a repository. These checks confine every such
 * path to the run folder, never follow a symbolic link out of it, and accept a git commit only as an object id.
 */

/** What a path recorded in a run folder points at, checked without following links out of the folder. */
export type RunFile =
  /** A regular file inside the run folder: safe to read and open. */
  | { state: 'file'; abs: string; size: number }
  /** A folder inside the run folder. */
  | { state: 'dir'; abs: string }
  | { state: 'missing'; abs: string }
  /** A symbolic link (or a path through one) that leads out of the run folder: shown, never followed. */
  | { state: 'link'; abs: string; note: string }
  /** A FIFO, a device or a socket: reading it could hang. */
  | { state: 'special'; abs: string; note: string }
  /** Absolute, `..`, NUL, or a run folder that is itself a link: refused outright. */
  | { state: 'refused'; note: string };

export const LINK_NOTE = 'a link to outside the run folder, not followed';
export const REFUSED_NOTE = 'outside the run folder, refused';
export const SPECIAL_NOTE = 'not a regular file, not read';

/** A relative path with `/` separators and no way out (`..`, absolute, drive letter, NUL), or undefined. */
export function relativeInside(p: unknown): string | undefined {
  if (typeof p !== 'string' || p === '' || p.includes('\0')) return undefined;
  const slashed = p.replaceAll('\\', '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) return undefined;
  if (slashed.split('/').includes('..')) return undefined;
  const norm = path.posix.normalize(slashed);
  if (norm === '.' || norm === '..' || norm.startsWith('../')) return undefined;
  return norm;
}

function inside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolves `rel` (from run.json, events or a webview) against the run folder `runDir`. The path must be
 * relative without `..`; a symbolic link anywhere on it is followed only if the real target is still inside
 * the run folder; and the run folder itself must be a real folder, not a link to somewhere else.
 */
export function inspectRunFile(runDir: string, rel: unknown): RunFile {
  const norm = relativeInside(rel);
  if (norm === undefined) return { state: 'refused', note: REFUSED_NOTE };
  const abs = path.join(runDir, ...norm.split('/'));
  let base: string;
  try {
    if (fs.lstatSync(runDir).isSymbolicLink()) return { state: 'refused', note: 'the run folder is a link, refused' };
    base = fs.realpathSync(runDir);
  } catch {
    return { state: 'missing', abs };
  }
  // Walk the components: a link on the way is followed only when its real target stays inside.
  let cur = runDir;
  let linked = false;
  for (const part of norm.split('/')) {
    cur = path.join(cur, part);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(cur);
    } catch {
      return { state: 'missing', abs };
    }
    if (st.isSymbolicLink()) {
      linked = true;
      let real: string;
      try {
        real = fs.realpathSync(cur);
      } catch {
        return { state: 'link', abs, note: 'a broken link, not followed' };
      }
      if (!inside(base, real)) return { state: 'link', abs, note: LINK_NOTE };
    }
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
    if (linked && !inside(base, fs.realpathSync(abs))) return { state: 'link', abs, note: LINK_NOTE };
  } catch {
    return { state: 'missing', abs };
  }
  if (st.isDirectory()) return { state: 'dir', abs };
  if (!st.isFile()) return { state: 'special', abs, note: SPECIAL_NOTE };
  return { state: 'file', abs, size: st.size };
}

/**
 * A git commit as recorded in run.json, accepted only as a hexadecimal object id (7 to 64 digits): anything
 * else (`--output=/x`, `HEAD~1`, `a:b`) would be read by git as an option or a revision expression.
 */
export function isCommitId(s: unknown): s is string {
  return typeof s === 'string' && /^[0-9a-f]{7,64}$/i.test(s);
}

/** A run id as a webview may send one: the launcher's pattern, or a plain folder name (no `/`, no `..`). */
export function isRunIdShape(s: unknown): s is string {
  return typeof s === 'string' && (RUN_ID_PATTERN.test(s) || (/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(s) && !s.includes('..')));
}

/** The well-formed run ids in what a webview sent (or saved), in order, once each. */
export function runIdsOf(ids: unknown): string[] {
  return Array.isArray(ids) ? [...new Set(ids.filter(isRunIdShape))] : [];
}

/** Run ids a webview sent, kept only when well-formed and among `allowed` (the panel's own runs), in order, once each. */
export function allowedRunIds(ids: unknown, allowed: readonly string[]): string[] {
  if (!Array.isArray(ids)) return [];
  const ok = new Set(allowed);
  return [...new Set(ids.filter((id): id is string => isRunIdShape(id) && ok.has(id)))];
}

/**
 * A path inside a recorded diff (a `diff --git`, `---`/`+++`, rename or copy header), accepted only when it
 * is relative without `..` and without a leading `-`; undefined otherwise.
 */
export function safeDiffPath(p: unknown): string | undefined {
  const norm = relativeInside(p);
  if (norm === undefined || norm.startsWith('-') || norm.startsWith('.git/') || norm === '.git') return undefined;
  return norm;
}
