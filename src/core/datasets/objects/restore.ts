import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '../../store/store';
import type { LineagePaths } from '../../util/lineagePaths';
import { runDir } from '../../util/lineagePaths';
import { DEFAULT_IGNORE, ignoreMatcher } from '../ignore';
import { readRunDatasets, readVersionFile } from '../versionFiles';
import { readKeptReport, type KeptEntry } from './keptReport';
import { copyVerifying, hashFileAsync, hasObject, objectPath, tempName } from './objectStore';
import { gitCatBlob } from './references';

export interface RestoreOptions {
  /** Where to write the files (their workspace-relative paths below it). Default: the workspace itself. */
  to?: string;
  /** Overwrite files that changed since the run, and remove files a folder holds that the run's version did not. */
  force?: boolean;
  /** Write nothing; say what would be written in `wouldChange`. */
  dryRun?: boolean;
  /** Which of the run's files, by recorded role: default every role but 'output' (input, train, test, …). */
  roles?: string[];
  /** Only these datasets (as recorded: workspace-relative, a folder dataset by its folder). Default: all. */
  only?: string[];
}

export interface RestoreResult {
  /** Written and verified by sha256. */
  restored: string[];
  /** Already holding the run's bytes. */
  unchanged: string[];
  /** Refused (changed since the run, no force), or with dryRun everything that would be written. */
  wouldChange: Array<{ path: string; reason: string }>;
  /** Bytes that cannot be had from here (not kept, freed, DVC-tracked, damaged). */
  missing: Array<{ path: string; sha256: string | null; reason: string }>;
  /**
   * In a folder dataset, files (and folders, ending in "/") not in the run's version, removed (force).
   * Always set by restoreRunInputs; optional so that an empty result made by hand (nothing to restore) holds.
   */
  removed?: string[];
  /** The same, refused (no force) or with dryRun what would be removed. */
  wouldRemove?: Array<{ path: string; reason: string }>;
}

/**
 * Gives back the exact files a run read: from the object store, from git for files recorded by
 * reference, and for DVC-tracked ones says to run `dvc checkout`. Each write goes to a temporary name
 * beside the target, is verified against the run's sha256, then renamed over it. A file that changed
 * since the run is overwritten only with `force`; otherwise it is listed in `wouldChange`. A folder
 * dataset is made the run's version: what it holds now that the version did not (a file added since, a
 * new sub-folder) is removed only with `force`, else listed in `wouldRemove`. Never throws for a file it
 * cannot restore: it says so in the result.
 */
export async function restoreRunInputs(store: Store, paths: LineagePaths, runId: string, opts: RestoreOptions = {}): Promise<Required<RestoreResult>> {
  const wantRole = opts.roles ? (r: string) => opts.roles!.includes(r) : (r: string) => r !== 'output';
  const to = path.resolve(opts.to ?? paths.workspace);
  const inPlace = to === path.resolve(paths.workspace);
  const result: Required<RestoreResult> = { restored: [], unchanged: [], wouldChange: [], missing: [], removed: [], wouldRemove: [] };
  const { entries, folders } = plan(store, paths, runId);
  // Every file the run recorded, in any role: none of them is ever removed as "not in the version".
  const recorded = new Set(entries.map((e) => e.path));
  const done = new Set<string>();
  // Removed first: a folder standing where the run had a file is then out of the way of its restore.
  for (const f of folders) {
    if (!wantRole(f.role) || done.has(f.dataset) || (opts.only && !opts.only.includes(f.dataset))) continue;
    done.add(f.dataset);
    if (path.isAbsolute(f.dataset) && !inPlace) continue;
    const root = path.isAbsolute(f.dataset) ? f.dataset : path.join(to, ...f.dataset.split('/'));
    // A folder dataset that holds the workspace (or is it) would have the scripts and .lineage removed.
    if (inPlace && !path.relative(root, paths.workspace).startsWith('..')) continue;
    removeExtras(root, f.dataset, recorded, opts, result);
  }
  const seen = new Set<string>();
  for (const e of entries) {
    if (!wantRole(e.role) || seen.has(e.path) || (opts.only && !opts.only.includes(e.dataset))) continue;
    seen.add(e.path);
    if (!e.sha256) {
      result.missing.push({ path: e.path, sha256: null, reason: e.reason ?? 'the run recorded no fingerprint for it' });
      continue;
    }
    if (path.isAbsolute(e.path) && !inPlace) {
      result.missing.push({ path: e.path, sha256: e.sha256, reason: 'outside the workspace: restore it without --to' });
      continue;
    }
    await restoreOne(paths, e as KeptEntry & { sha256: string }, path.isAbsolute(e.path) ? e.path : path.join(to, ...e.path.split('/')), inPlace, opts, result);
  }
  return result;
}

async function restoreOne(
  paths: LineagePaths,
  e: KeptEntry & { sha256: string },
  dest: string,
  inPlace: boolean,
  opts: RestoreOptions,
  result: RestoreResult,
): Promise<void> {
  // A recorded symlink stays a symlink in the workspace: the bytes go to its target, as the run read them.
  let target = dest;
  let makeLink = false;
  if (e.link && inPlace) {
    const st = fs.lstatSync(dest, { throwIfNoEntry: false });
    if (!st) makeLink = true;
    if (!st || st.isSymbolicLink()) target = path.resolve(path.dirname(dest), st ? fs.readlinkSync(dest) : e.link);
  }
  const current = fs.statSync(target, { throwIfNoEntry: false });
  let mode = 0o644;
  if (current) {
    if (!current.isFile()) {
      result.wouldChange.push({ path: e.path, reason: 'is not a regular file now (a folder or device); move it away first' });
      return;
    }
    mode = current.mode & 0o7777;
    const now = await hashFileAsync(target).catch(() => undefined);
    if (now?.sha256 === e.sha256) {
      if (makeLink && !opts.dryRun) {
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.symlinkSync(e.link!, dest);
        result.restored.push(e.path);
      } else if (makeLink) result.wouldChange.push({ path: e.path, reason: `the symlink is missing now; would be made again (to ${e.link})` });
      else result.unchanged.push(e.path);
      return;
    }
    const why = `changed since the run (sha256 now ${now ? now.sha256.slice(0, 12) + '…' : 'unreadable'}, the run read ${e.sha256.slice(0, 12)}…)`;
    if (!opts.force) {
      result.wouldChange.push({ path: e.path, reason: `${why}; --force overwrites it` });
      return;
    }
    if (opts.dryRun) {
      result.wouldChange.push({ path: e.path, reason: `${why}; would be overwritten` });
      return;
    }
  } else if (opts.dryRun) {
    const source = hasObject(paths, e.sha256) || e.ref?.kind === 'git' ? undefined : missingReason(e);
    if (source) result.missing.push({ path: e.path, sha256: e.sha256, reason: source });
    else result.wouldChange.push({ path: e.path, reason: 'missing now; would be restored' });
    return;
  }
  const dir = path.dirname(target);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = tempName(dir).replace(/([^/\\]+)$/, '.lineage-restore-$1');
  try {
    let got: { sha256: string } | undefined;
    if (hasObject(paths, e.sha256)) {
      got = await copyVerifying(objectPath(paths, e.sha256), tmp);
      // Read once more, whole, before calling the object damaged: a read may have raced the kernel's copy.
      if (got.sha256 !== e.sha256) got = await hashFileAsync(tmp);
    } else if (e.ref?.kind === 'git') {
      try {
        await gitCatBlob(paths.workspace, e.ref.blob, tmp);
        got = await hashFileAsync(tmp);
      } catch (err) {
        result.missing.push({ path: e.path, sha256: e.sha256, reason: `recorded by reference to git, but ${(err as Error).message}` });
        return;
      }
    } else {
      result.missing.push({ path: e.path, sha256: e.sha256, reason: missingReason(e) });
      return;
    }
    if (got.sha256 !== e.sha256) {
      result.missing.push({
        path: e.path,
        sha256: e.sha256,
        reason: `the kept copy is damaged (its sha256 is ${got.sha256.slice(0, 12)}…); nothing was written. Run lineage gc to drop it.`,
      });
      return;
    }
    fs.chmodSync(tmp, mode);
    fs.renameSync(tmp, target);
    if (makeLink && e.link) fs.symlinkSync(e.link, dest);
    result.restored.push(e.path);
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * What `root` (the folder dataset `dataset`, as the user sees it) holds that the run's version did not,
 * walked as the fingerprint walks it: the names it ignores (.git, __pycache__, .lineage, …) are left
 * alone, and so are broken symlinks and sockets or devices, which are never part of a version. Symlinks
 * are never followed here: one not in the version is removed itself, its target left as it is, so
 * nothing outside `root` is touched. A folder holding no recorded file is listed once, with its count.
 */
function removeExtras(root: string, dataset: string, recorded: Set<string>, opts: RestoreOptions, result: Required<RestoreResult>): void {
  const st = fs.lstatSync(root, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return;
  const ignored = ignoreMatcher(DEFAULT_IGNORE);
  const shown = (rel: string) => (path.isAbsolute(dataset) ? path.join(dataset, rel) : `${dataset}/${rel}`);
  // Recorded paths below the folder, relative to it, and every folder on the way to one.
  const prefix = path.isAbsolute(dataset) ? dataset + path.sep : `${dataset}/`;
  const keep = new Set<string>();
  const onTheWay = new Set<string>();
  for (const p of recorded) {
    if (!p.startsWith(prefix)) continue;
    const rel = p.slice(prefix.length).split(path.sep).join('/');
    keep.add(rel);
    for (let i = rel.indexOf('/'); i > 0; i = rel.indexOf('/', i + 1)) onTheWay.add(rel.slice(0, i));
  }
  const files: string[] = [];
  const dirs: string[] = [];
  const listed: Array<{ rel: string; what: string }> = [];
  const walk = (dir: string, relDir: string): number => {
    let count = 0;
    let dirents: fs.Dirent[];
    try {
      dirents = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return 0;
    }
    dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const d of dirents) {
      if (ignored(d.name)) continue;
      const rel = relDir ? `${relDir}/${d.name}` : d.name;
      const abs = path.join(dir, d.name);
      if (keep.has(rel)) continue;
      if (d.isDirectory()) {
        const whole = !onTheWay.has(rel);
        const mark = listed.length;
        const n = walk(abs, rel);
        dirs.push(abs);
        if (whole) {
          // One line for a folder the version has nothing in, instead of one per file below it.
          listed.splice(mark);
          listed.push({
            rel: `${rel}/`,
            what: n ? `a folder not in the run's version (${n} file${n === 1 ? '' : 's'})` : "an empty folder not in the run's version",
          });
        }
        count += n;
      } else if (d.isSymbolicLink()) {
        // Through a recorded folder link the run read its files: leave it. A link to nothing readable was never in a version.
        const target = onTheWay.has(rel) ? undefined : fs.statSync(abs, { throwIfNoEntry: false });
        if (!target || !(target.isFile() || target.isDirectory())) continue;
        files.push(abs);
        listed.push({ rel, what: "a symlink not in the run's version (only the link goes)" });
        count++;
      } else if (d.isFile()) {
        files.push(abs);
        listed.push({ rel, what: "not in the run's version" });
        count++;
      }
    }
    return count;
  };
  walk(root, '');
  if (!listed.length) return;
  if (!opts.force || opts.dryRun) {
    const then = opts.dryRun ? (opts.force ? 'would be removed' : 'would be removed with --force') : '--force removes it';
    for (const l of listed) result.wouldRemove.push({ path: shown(l.rel), reason: `${l.what} of ${dataset}; ${then}` });
    return;
  }
  for (const f of files) fs.rmSync(f, { force: true });
  // Deepest first; a folder still holding an ignored name (.DS_Store, __pycache__) stays, as the fingerprint ignores it.
  for (const d of dirs.reverse())
    try {
      fs.rmdirSync(d);
    } catch {
      // Not empty: it holds a recorded file or an ignored name.
    }
  for (const l of listed) result.removed.push(shown(l.rel));
}

function missingReason(e: KeptEntry): string {
  if (e.ref?.kind === 'dvc') return `tracked by DVC: run \`dvc checkout ${e.ref.pointer}\``;
  if (e.state === 'skipped') return e.reason === NOT_KEPT ? NOT_KEPT : `not kept: ${e.reason ?? 'no reason recorded'}`;
  if (e.state === 'kept') return 'its kept copy was freed (lineage gc) or deleted';
  return NOT_KEPT;
}

const NOT_KEPT = 'not kept (the run was recorded before data keeping, or with it off)';

interface FolderDataset {
  dataset: string;
  role: string;
}

/**
 * The run's files: kept.json when the run has one, else what datasets.json and the version files say;
 * and its folder datasets whose version lists their files (what may be removed from them).
 */
function plan(store: Store, paths: LineagePaths, runId: string): { entries: KeptEntry[]; folders: FolderDataset[] } {
  const report = readKeptReport(paths, runId);
  const fromReport = new Map((report?.entries ?? []).map((e) => [`${e.role}\0${e.path}`, e]));
  const links =
    readRunDatasets(runDir(paths, runId)) ??
    store.all<{ path: string; role: string; sha256: string | null }>(
      'SELECT rd.path, rd.role, d.fingerprint AS sha256 FROM run_datasets rd LEFT JOIN datasets d ON d.id = rd.dataset_id WHERE rd.run_id = ?',
      [runId],
    );
  const out: KeptEntry[] = [];
  const folders: FolderDataset[] = [];
  for (const l of links) {
    const v = l.sha256 ? readVersionFile(paths, l.sha256) : undefined;
    if (v?.kind === 'folder' && v.files) folders.push({ dataset: l.path, role: l.role });
    const files: Array<[string, number, string | null]> = v?.kind === 'folder' ? (v.files ?? []) : [['', v?.size ?? 0, l.sha256]];
    for (const [rel, size, sha256] of files) {
      const p = rel ? (path.isAbsolute(l.path) ? path.join(l.path, rel) : `${l.path}/${rel}`) : l.path;
      out.push(fromReport.get(`${l.role}\0${p}`) ?? { path: p, dataset: l.path, role: l.role, sha256, size, state: 'skipped', reason: NOT_KEPT });
      fromReport.delete(`${l.role}\0${p}`);
    }
  }
  // A run whose datasets.json is gone still has its kept.json.
  out.push(...fromReport.values());
  return { entries: out, folders };
}
