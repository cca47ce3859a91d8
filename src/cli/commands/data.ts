import * as path from 'node:path';
import { dataStatus } from '../../core/datasets/status';
import { datasetsOfRun, datasetKey, runsUsingDataset, findVersionBySha, getManifest, DatasetVersion } from '../../core/datasets/datasetIndex';
import { diffManifests, diffProfiles, FilesDiff, TableDiff } from '../../core/datasets/diff';
import { fingerprint } from '../../core/datasets/fingerprint';
import { StatCache } from '../../core/datasets/statCache';
import { profileTable, TableProfile } from '../../core/datasets/profile';
import { listRuns, resolveRun, RunNotFoundError } from '../../core/runs/queries';
import type { LineageWorkspace } from '../../core/workspace';
import { noMoreThan, parseArgs, UsageError } from '../args';
import { color, displayWidth, safe, table, when } from '../format';
import { formatNumber, formatBytes as bytes } from '../../core/util/format';
import { openWorkspace, saveQuietly, workspaceDirFrom } from '../context';
import { readKeptReport, restoreRunInputs, summarizeKept, type KeptEntry } from '../../core/datasets/objects';

export const DATA_HELP = `lineage data <subcommand>

  status [run] [--check]      is the data this run used (default: the newest run) still the same?
                              per dataset: unchanged, modified (which files), missing. --check exits 3 if not.
  diff <a> <b>                between two runs or two fingerprints (sha256 prefixes): files added, removed,
                              modified; for tables the row count, columns and the columns whose statistics moved
  runs <path>                 every run that used each version of a dataset
  of <run>                    the exact data a run (and so its model) was trained on
  fingerprint <path>          fingerprint (and profile, for CSV/TSV/JSON Lines) a file or folder now
  checkout <run> [--to DIR] [--force] [--dry-run]
                              restore the exact files the run read, from the kept data (.lineage/objects),
                              each verified by sha256; a file changed since the run is overwritten only with
                              --force (else listed, exit 1). A folder is made the run's version: files added
                              since are removed only with --force (else listed as "would remove", exit 1).
                              --to writes them below DIR instead of the workspace, and touches nothing else.

All take --json and --workspace DIR.`;

export async function dataCommand(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { json: 'bool', check: 'bool', workspace: 'string', help: 'bool', to: 'string', force: 'bool', 'dry-run': 'bool' });
  if (a.flags.help || a.positional.length === 0) {
    console.log(DATA_HELP);
    return a.flags.help ? 0 : 2;
  }
  const [sub, ...args] = a.positional;
  const json = !!a.flags.json;
  const takes: Record<string, [number, string]> = {
    status: [1, 'lineage data status [run]'],
    diff: [2, 'lineage data diff <a> <b>'],
    runs: [1, 'lineage data runs <path>'],
    of: [1, 'lineage data of <run>'],
    fingerprint: [1, 'lineage data fingerprint <path>'],
    checkout: [1, 'lineage data checkout <run>'],
  };
  if (!takes[sub]) throw new UsageError(`unknown subcommand "${sub}"; one of status, diff, runs, of, fingerprint, checkout`);
  noMoreThan(args, takes[sub][0], takes[sub][1]);
  if (a.flags.check && sub !== 'status') throw new UsageError('--check is an option of lineage data status only');
  for (const f of ['to', 'force', 'dry-run'])
    if (a.flags[f] !== undefined && sub !== 'checkout') throw new UsageError(`--${f} is an option of lineage data checkout only`);
  // Only fingerprinting (which caches what it read) may start a .lineage folder; the others just read.
  const ws = await openWorkspace(workspaceDirFrom(a.flags.workspace), { create: sub === 'fingerprint' });
  try {
    switch (sub) {
      case 'status':
        return await status(ws, args[0], json, !!a.flags.check);
      case 'diff':
        if (args.length !== 2) throw new UsageError('give two runs or fingerprints: lineage data diff <a> <b>');
        return diff(ws, args[0], args[1], json);
      case 'runs':
        if (args.length !== 1) throw new UsageError('give a dataset path: lineage data runs data/houses.csv');
        return runsOf(ws, args[0], json);
      case 'of':
        if (args.length !== 1) throw new UsageError('give a run: lineage data of <run>');
        return dataOf(ws, args[0], json);
      case 'fingerprint':
        if (args.length !== 1) throw new UsageError('give a file or folder: lineage data fingerprint data/');
        return await fingerprintNow(ws, args[0], json);
      case 'checkout':
        if (args.length !== 1) throw new UsageError('give a run: lineage data checkout <run>');
        return await checkout(ws, args[0], json, {
          to: typeof a.flags.to === 'string' ? path.resolve(process.cwd(), a.flags.to) : undefined,
          force: !!a.flags.force,
          dryRun: !!a.flags['dry-run'],
        });
      default:
        throw new UsageError(`unknown subcommand "${sub}"; one of status, diff, runs, of, fingerprint, checkout`);
    }
  } finally {
    await saveQuietly(ws);
    ws.close();
  }
}

function newestRun(ws: LineageWorkspace): string {
  const r = listRuns(ws.store, { limit: 1 })[0];
  if (!r) throw new RunNotFoundError('No runs yet. Record one with: lineage run train.py');
  return r.id;
}

async function status(ws: LineageWorkspace, ref: string | undefined, json: boolean, check: boolean): Promise<number> {
  const runId = ref ? resolveRun(ws.store, ref) : newestRun(ws);
  const st = await dataStatus(ws.store, ws.paths, runId);
  const changed = st.some((s) => s.state === 'modified' || s.state === 'missing');
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          run: runId,
          datasets: st.map((s) => ({
            path: s.path,
            role: s.role,
            state: s.state,
            recorded: s.recorded?.sha256 ?? null,
            current: s.current?.sha256 ?? null,
            files: s.files,
          })),
        },
        null,
        2,
      ) + '\n',
    );
  } else if (st.length === 0) {
    console.log(`Run ${runId} recorded no datasets. Lineage records files a script opens under the workspace, and lineage.log_dataset(path).`);
  } else {
    console.log(`Data used by run ${runId}:`);
    // Padded as plain text before colouring (colour codes have no width), each column as wide as its longest cell.
    const stateW = Math.max(...st.map((s) => s.state.length));
    const roleW = Math.max(...st.map((s) => s.role.length));
    const pathW = Math.max(...st.map((s) => displayWidth(safe(s.path))));
    for (const s of st) {
      const paint = s.state === 'unchanged' ? color.green : s.state === 'not fingerprinted' ? color.dim : color.red;
      const shown = safe(s.path);
      const cells = [paint(s.state.padEnd(stateW)), s.role.padEnd(roleW), shown + ' '.repeat(pathW - displayWidth(shown))];
      console.log(`  ${cells.join('  ')}  ${color.dim((s.recorded?.sha256 ?? '').slice(0, 12))}`.trimEnd());
      if (s.files) printFiles(s.files, '      ');
    }
  }
  return check && changed ? 3 : 0;
}

function printFiles(f: FilesDiff, indent: string): void {
  const show = (label: string, list: string[]) => {
    if (!list.length) return;
    console.log(`${indent}${label} (${list.length}): ${list.slice(0, 10).map(safe).join(', ')}${list.length > 10 ? ', …' : ''}`);
  };
  show('modified', f.modified);
  show('added', f.added);
  show('removed', f.removed);
}

interface Side {
  label: string;
  versions: Map<string, DatasetVersion>;
}

function side(ws: LineageWorkspace, ref: string): Side {
  const bySha = findVersionBySha(ws.store, ref);
  if (bySha.length === 1) return { label: `fingerprint ${bySha[0].sha256!.slice(0, 12)}`, versions: new Map([[bySha[0].path, bySha[0]]]) };
  if (bySha.length > 1 && new Set(bySha.map((v) => v.sha256)).size > 1) throw new UsageError(`"${ref}" matches several fingerprints; give more characters`);
  if (bySha.length > 1) return { label: `fingerprint ${bySha[0].sha256!.slice(0, 12)}`, versions: new Map([[bySha[0].path, bySha[0]]]) };
  const runId = resolveRun(ws.store, ref);
  const versions = new Map<string, DatasetVersion>();
  for (const d of datasetsOfRun(ws.store, runId)) if (d.version && d.role !== 'output') versions.set(d.path, d.version);
  return { label: `run ${runId}`, versions };
}

function diff(ws: LineageWorkspace, refA: string, refB: string, json: boolean): number {
  const a = side(ws, refA);
  const b = side(ws, refB);
  // Two single fingerprints are compared whatever their paths; runs are paired by dataset path.
  const pairs: Array<{ path: string; a?: DatasetVersion; b?: DatasetVersion }> = [];
  if (a.versions.size === 1 && b.versions.size === 1 && a.label.startsWith('fingerprint') && b.label.startsWith('fingerprint')) {
    const [va] = a.versions.values();
    const [vb] = b.versions.values();
    pairs.push({ path: va.path === vb.path ? va.path : `${va.path} → ${vb.path}`, a: va, b: vb });
  } else {
    for (const p of [...new Set([...a.versions.keys(), ...b.versions.keys()])].sort()) pairs.push({ path: p, a: a.versions.get(p), b: b.versions.get(p) });
  }
  const results = pairs.map((p) => {
    if (!p.a || !p.b) return { path: p.path, state: p.a ? 'only in a' : 'only in b' };
    if (p.a.sha256 === p.b.sha256) return { path: p.path, state: 'same', sha256: p.a.sha256 };
    const ma = getManifest(ws.store, p.a.id);
    const mb = getManifest(ws.store, p.b.id);
    const files: FilesDiff = ma && mb ? diffManifests(ma, mb) : { added: [], removed: [], modified: [p.path], unchanged: 0 };
    const tableDiff: TableDiff | undefined = p.a.profile && p.b.profile ? diffProfiles(p.a.profile as TableProfile, p.b.profile as TableProfile) : undefined;
    return { path: p.path, state: 'different', a: p.a.sha256, b: p.b.sha256, files, table: tableDiff };
  });
  if (json) {
    process.stdout.write(JSON.stringify({ a: a.label, b: b.label, datasets: results }, null, 2) + '\n');
    return 0;
  }
  console.log(`a = ${a.label}\nb = ${b.label}`);
  for (const r of results) {
    const state = r.state === 'same' ? color.green('same') : r.state === 'different' ? color.yellow('different') : color.dim(r.state);
    console.log(`\n${safe(r.path)}: ${state}`);
    if ('files' in r && r.files && (r.files.added.length + r.files.removed.length > 0 || r.files.modified.length > 1)) printFiles(r.files, '  ');
    if ('table' in r && r.table) {
      const t = r.table;
      if (t.rowsBefore !== t.rowsAfter)
        console.log(
          `  rows ${formatNumber(t.rowsBefore)} → ${formatNumber(t.rowsAfter)} (${t.rowsAfter > t.rowsBefore ? '+' : ''}${formatNumber(t.rowsAfter - t.rowsBefore)})`,
        );
      if (t.addedColumns.length) console.log(`  columns added: ${t.addedColumns.map(safe).join(', ')}`);
      if (t.removedColumns.length) console.log(`  columns removed: ${t.removedColumns.map(safe).join(', ')}`);
      for (const c of t.typeChanges) console.log(`  ${safe(c.column)}: type ${c.from} → ${c.to}`);
      for (const m of t.moved) console.log(`  ${safe(m.column)}: ${m.what.map(safe).join('; ')}`);
      if (t.rowsBefore === t.rowsAfter && !t.addedColumns.length && !t.removedColumns.length && !t.typeChanges.length && !t.moved.length)
        console.log('  the bytes differ, but no column statistic moved noticeably');
    }
  }
  return 0;
}

function runsOf(ws: LineageWorkspace, p: string, json: boolean): number {
  const key = datasetKey(ws.paths.workspace, path.resolve(process.cwd(), p));
  const uses = runsUsingDataset(ws.store, key);
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          path: key,
          versions: uses.map((u) => ({
            sha256: u.version.sha256,
            size: u.version.size,
            files: u.version.fileCount,
            firstSeen: u.version.createdAt,
            runs: u.runs,
          })),
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  if (uses.length === 0) {
    console.log(`No run used ${key} (as far as Lineage recorded).`);
    return 0;
  }
  console.log(`${safe(key)}: ${uses.length} version(s)`);
  for (const u of uses) {
    console.log(
      `\n  ${u.version.sha256?.slice(0, 16)}  ${bytes(u.version.size)}${u.version.kind === 'folder' ? `, ${u.version.fileCount} files` : ''}  first seen ${when(u.version.createdAt)}`,
    );
    for (const r of u.runs) console.log(`    ${r.id}  ${safe(r.name)}  ${r.role}  ${r.status}  ${keptLabel(ws, r.id, key)}`);
  }
  return 0;
}

/** How a run's copy of a dataset is kept: "kept", "by reference (git)", "not kept: over the cap: 3.20 GiB". */
function keptLabel(ws: LineageWorkspace, runId: string, dataset: string): string {
  const entries = readKeptReport(ws.paths, runId)?.entries.filter((e) => e.dataset === dataset);
  if (!entries?.length) return color.dim('not kept');
  return keptState(entries);
}

function keptState(entries: KeptEntry[]): string {
  const skipped = entries.filter((e) => e.state === 'skipped');
  if (skipped.length) return color.yellow(`not kept: ${safe(skipped[0].reason ?? '')}${skipped.length > 1 ? ` (+${skipped.length - 1} files)` : ''}`);
  const refs = entries.filter((e) => e.state === 'reference');
  if (refs.length === entries.length) return `by reference (${[...new Set(refs.map((e) => e.ref!.kind))].join(', ')})`;
  return color.green('kept');
}

function dataOf(ws: LineageWorkspace, ref: string, json: boolean): number {
  const runId = resolveRun(ws.store, ref);
  const ds = datasetsOfRun(ws.store, runId);
  const kept = readKeptReport(ws.paths, runId);
  if (json) {
    process.stdout.write(JSON.stringify({ run: runId, datasets: ds, kept: kept ?? null }, null, 2) + '\n');
    return 0;
  }
  if (!ds.length) {
    console.log(`Run ${runId} recorded no datasets.`);
    return 0;
  }
  console.log(
    table(
      ['ROLE', 'PATH', 'SHA256', 'SIZE', 'ROWS', 'KEPT', 'NOTE'],
      ds.map((d) => [
        d.role,
        safe(d.path),
        d.version?.sha256 ?? color.dim('not fingerprinted'),
        d.version ? bytes(d.version.size) + (d.version.kind === 'folder' ? ` (${d.version.fileCount} files)` : '') : '',
        d.version?.profile ? formatNumber((d.version.profile as TableProfile).rows) : '',
        keptOf(kept?.entries, d.path, d.role),
        safe(d.note ?? ''),
      ]),
    ),
  );
  console.log(color.dim(`Data kept: ${safe(summarizeKept(kept))}`));
  return 0;
}

function keptOf(entries: KeptEntry[] | undefined, dataset: string, role: string): string {
  const mine = entries?.filter((e) => e.dataset === dataset && e.role === role);
  return mine?.length ? keptState(mine) : color.dim('-');
}

async function checkout(ws: LineageWorkspace, ref: string, json: boolean, opts: { to?: string; force: boolean; dryRun: boolean }): Promise<number> {
  const runId = resolveRun(ws.store, ref);
  const r = await restoreRunInputs(ws.store, ws.paths, runId, opts);
  const failed = !opts.dryRun && (r.wouldChange.length > 0 || r.missing.length > 0 || r.wouldRemove.length > 0);
  if (json) {
    process.stdout.write(JSON.stringify({ run: runId, to: opts.to ?? ws.paths.workspace, dryRun: opts.dryRun, ...r }, null, 2) + '\n');
    return failed ? 1 : 0;
  }
  const where = opts.to ? ` into ${safe(opts.to)}` : '';
  if (r.restored.length + r.unchanged.length + r.wouldChange.length + r.missing.length + r.removed.length + r.wouldRemove.length === 0) {
    console.log(`Run ${runId} recorded no input files to restore.`);
    return 0;
  }
  for (const p of r.restored) console.log(`${color.green('restored ')} ${safe(p)}`);
  for (const p of r.unchanged) console.log(`${color.dim('unchanged')} ${safe(p)}`);
  for (const w of r.wouldChange) console.log(`${color.yellow(opts.dryRun ? 'would    ' : 'refused  ')} ${safe(w.path)}: ${safe(w.reason)}`);
  for (const p of r.removed) console.log(`${color.green('removed  ')} ${safe(p)}`);
  for (const w of r.wouldRemove) console.log(`${color.yellow('would remove')} ${safe(w.path)}: ${safe(w.reason)}`);
  for (const m of r.missing) console.log(`${color.red('missing  ')} ${safe(m.path)}: ${safe(m.reason)}`);
  const verb = opts.dryRun ? 'would restore' : 'restored';
  const n = opts.dryRun ? r.wouldChange.length : r.restored.length;
  const removals = opts.dryRun ? `, would remove ${r.wouldRemove.length}` : r.removed.length ? `, removed ${r.removed.length}` : '';
  console.log(color.dim(`\nRun ${runId}: ${verb} ${n}, unchanged ${r.unchanged.length}${removals}${where}.`));
  if (!opts.dryRun && r.wouldChange.length)
    process.stderr.write(`lineage: ${r.wouldChange.length} file(s) changed since the run were left as they are; add --force to overwrite them.\n`);
  if (!opts.dryRun && r.wouldRemove.length)
    process.stderr.write(
      `lineage: ${r.wouldRemove.length} file(s) or folder(s) not in the run's version were left in place (listed above); add --force to remove them.\n`,
    );
  if (r.missing.length) process.stderr.write(`lineage: ${r.missing.length} file(s) could not be restored from the kept data (see above).\n`);
  return failed ? 1 : 0;
}

async function fingerprintNow(ws: LineageWorkspace, p: string, json: boolean): Promise<number> {
  const abs = path.resolve(process.cwd(), p);
  const cache = new StatCache(ws.store);
  const started = Date.now();
  const fp = await fingerprint(abs, {
    cache,
    onProgress: (phase, done, total) => {
      if (process.stderr.isTTY && Date.now() - started > 500)
        process.stderr.write(`\r${phase === 'scan' ? 'Scanning' : 'Hashing'}: ${done}${total ? '/' + total : ''} files `);
    },
  });
  if (process.stderr.isTTY && Date.now() - started > 500) process.stderr.write('\n');
  const profile = fp.kind === 'file' ? await profileTable(abs) : undefined;
  if (json) {
    process.stdout.write(
      JSON.stringify(
        {
          path: datasetKey(ws.paths.workspace, abs),
          kind: fp.kind,
          sha256: fp.sha256,
          size: fp.size,
          files: fp.fileCount,
          stats: fp.stats,
          warnings: fp.warnings,
          profile,
        },
        null,
        2,
      ) + '\n',
    );
    return fp.kind === 'missing' ? 1 : 0;
  }
  if (fp.kind === 'missing') {
    process.stderr.write(`lineage: ${p} does not exist.\n`);
    return 1;
  }
  console.log(`${fp.sha256}  ${safe(datasetKey(ws.paths.workspace, abs))}`);
  console.log(
    color.dim(`${bytes(fp.size)}, ${fp.fileCount} file(s): ${fp.stats.hashed} read, ${fp.stats.cached} unchanged since last time, ${Date.now() - started} ms`),
  );
  for (const w of fp.warnings) process.stderr.write(color.yellow(`lineage: ${w}`) + '\n');
  if (profile) {
    console.log(`\n${formatNumber(profile.rows)} rows, ${profile.columns.length} columns`);
    console.log(
      table(
        ['COLUMN', 'TYPE', 'MISSING', 'MIN', 'MEAN', 'MAX', 'TOP'],
        profile.columns.map((c) => [
          safe(c.name),
          c.type,
          String(c.missing),
          formatNumber(c.min),
          formatNumber(c.mean),
          formatNumber(c.max),
          (c.topValues ?? [])
            .slice(0, 3)
            .map((t) => `${safe(t.value)} (${t.count})`)
            .join(', '),
        ]),
      ),
    );
  }
  return 0;
}
