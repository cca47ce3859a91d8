import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { LineageWorkspace } from '../workspace';
import { getRun, getPackages, type RunDetail } from '../runs/queries';
import { isCommitId, inspectRunFile } from '../runs/runPaths';
import { isMasked } from '../launcher/secrets';
import { RECORDED_ENV_NAMES } from '../launcher/recordedEnv';
import { launchRun, LaunchError, type RunHandle } from '../launcher/launch';
import { capturePython } from '../launcher/capturePython';
import { fingerprintRunDatasets } from '../datasets/runDatasets';
import { MEMORY_DATASET } from '../datasets/fingerprint';
import { restoreRunInputs } from '../datasets/objects';
import { writeFileAtomicSync } from '../util/fsx';
import { addWorktree, applyRecordedDiff, CannotReproduce, commitExists, diffSha256, repoTopOf, type Worktree } from './worktree';
import { packageDifferences, packageDifferenceText, type PackageDifference } from './packages';
import { compareRuns } from './compare';
import { DEFAULT_TOLERANCE, reportMarkdown, verdictOf, type ReproductionReport } from './report';

export { CannotReproduce } from './worktree';

export const REPORT_FILE = 'reproduction.json';
/** The same report in words, beside it: what the editor opens in a Markdown preview. */
export const REPORT_MARKDOWN = 'reproduction.md';

export interface ReproduceOptions {
  /** The run: an id, a unique id prefix or a name. */
  run: string;
  /** Interpreter to use instead of the recorded one. */
  python?: string;
  /** Relative tolerance for the final metrics (default 1e-6). */
  tolerance?: number;
  keepWorktree?: boolean;
  /** Aborting stops the reproduction's script (its whole process tree) and removes the worktree. */
  signal?: AbortSignal;
  createdBy?: string;
  onProgress?: (message: string) => void;
  /** Told before the script starts: the interpreter and how its packages differ from the run's. */
  onPlan?: (plan: { interpreter: string; packages: PackageDifference[]; command: string[] }) => void;
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** Called once the reproduction is launched, with its id. */
  onStarted?: (id: string) => void;
}

/** What the original run recorded beyond the index: read from its run.json (the folder is the truth). */
interface RawRecord {
  env?: Record<string, string>;
  python?: { path?: string; version?: string };
  /** Set on a reproduction: the run it reproduced. */
  reproduces?: string;
  /** `<server>/<mlflow run id>` for a run `lineage import` brought in: its code and data are elsewhere. */
  importedFrom?: string;
}

function readRaw(runDir: string): RawRecord {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as Record<string, unknown>;
    // Only the allowlisted names: a run folder may come from someone else, and a run.json naming LD_PRELOAD,
    // PATH or NODE_OPTIONS must not reach the reproduction's (or its keeper's) environment.
    const env =
      j.env && typeof j.env === 'object' && !Array.isArray(j.env)
        ? Object.fromEntries(
            Object.entries(j.env as Record<string, unknown>).filter(
              (e): e is [string, string] => typeof e[1] === 'string' && RECORDED_ENV_NAMES.includes(e[0]),
            ),
          )
        : undefined;
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return { env, python: (j.python as RawRecord['python']) ?? undefined, reproduces: text(j.reproduces), importedFrom: text(j.importedFrom) };
  } catch {
    return {};
  }
}

const PYTHON_NAME = /(^|[/\\])python[\d.]*(\.exe)?$/i;

function inside(parent: string, child: string): string | undefined {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)) ? rel : undefined;
}

function real(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** The report without a reproduction: what stopped it. */
function couldNotRun(orig: RunDetail, tolerance: number, problems: string[], extra: Partial<ReproductionReport> = {}): ReproductionReport {
  const base: Omit<ReproductionReport, 'verdict'> = {
    schema: 1,
    tolerance,
    original: { id: orig.id, name: orig.name },
    reproduction: null,
    code: { commit: orig.git?.commit ?? null, diffSha256: null, diffFiles: [], reproductionCommit: null, reproductionDiffSha256: null, identical: false },
    data: [],
    environment: {
      interpreter: { original: orig.python?.path ?? null, reproduction: null },
      pythonVersion: { original: orig.python?.version ?? null, reproduction: null },
      packages: [],
      variables: {},
      variableDifferences: [],
    },
    params: [],
    metrics: [],
    models: [],
    problems,
    ...extra,
  };
  return { ...base, verdict: 'could not run' };
}

/**
 * Runs a recorded run again from what it recorded, in a temporary git worktree of its commit with its
 * uncommitted diff applied and its inputs restored from the object store; records the new run in the same
 * workspace with a `reproduces` link, compares the two and writes the report to the new run's folder.
 * Returns the report; a run that cannot be reproduced gets a report with verdict "could not run" and its
 * reasons, said precisely. The worktree is removed at the end, also on failure and abort.
 */
export async function reproduceRun(ws: LineageWorkspace, opts: ReproduceOptions): Promise<ReproductionReport> {
  const tolerance = opts.tolerance ?? DEFAULT_TOLERANCE;
  const progress = opts.onProgress ?? (() => undefined);
  let orig = getRun(ws.store, opts.run);
  let raw = readRaw(path.join(ws.paths.runs, orig.id));
  // A reproduction ran in a worktree that is gone (its folder, paths and params name it): what it rebuilt is
  // its original, so that is the run to reproduce again.
  if (raw.reproduces) {
    const first = raw.reproduces;
    const source = (() => {
      try {
        return getRun(ws.store, first);
      } catch {
        return undefined;
      }
    })();
    if (!source)
      return couldNotRun(orig, tolerance, [
        `${orig.name} is a reproduction of run ${first}, which is no longer in this workspace; only that run can be reproduced.`,
      ]);
    progress(`${orig.name} is a reproduction of ${source.name} (${source.id}): reproducing that run`);
    orig = source;
    raw = readRaw(path.join(ws.paths.runs, orig.id));
  }
  const origDir = path.join(ws.paths.runs, orig.id);
  const fail = (...problems: string[]) => couldNotRun(orig, tolerance, problems);

  if (orig.status === 'running') return fail(`${orig.name} is still running; reproduce it once it has ended.`);
  if (raw.importedFrom)
    return fail(
      `the run was imported from MLflow (${raw.importedFrom}): it is a read-only copy, and its code, data and environment are not in this workspace. Reproduce it where it was recorded.`,
    );
  if (orig.command.length === 0) return fail('the run recorded no command line (it was not started by Lineage’s launcher), so there is nothing to run again.');
  const masked = orig.command.find((a) => isMasked(a) || a.endsWith(`=${'••••'}`));
  if (masked !== undefined)
    return fail(
      `the command line had a secret-looking value (${masked}) that Lineage never records, so it cannot be passed again; pass secrets through the environment instead of arguments.`,
    );
  if (!orig.git) return fail('the run recorded no git commit (it was not started inside a git repository), so its code cannot be checked out.');
  const commit = orig.git.commit;
  if (!isCommitId(commit)) return fail(`the run's repository had no commit yet (${orig.git.commit}), so its code cannot be checked out.`);
  const repo = (await repoTopOf(orig.cwd ?? '')) ?? (await repoTopOf(ws.paths.workspace));
  if (!repo) return fail(`neither the run's folder ${orig.cwd ?? '?'} nor the workspace is in a git repository any more.`);
  if (!(await commitExists(repo, commit)))
    return fail(
      `commit ${commit} is no longer in the repository ${repo} (rebased, amended or never pushed here); fetch it (git fetch origin ${commit}) or restore the branch that had it.`,
    );
  const relCwd = inside(repo, real(orig.cwd ?? ws.paths.workspace));
  const relWs = inside(repo, real(ws.paths.workspace));
  if (relCwd === undefined) return fail(`the run's folder ${orig.cwd} is outside the repository ${repo}, so it has no place in a checkout.`);
  if (relWs === undefined) return fail(`the workspace ${ws.paths.workspace} is outside the repository ${repo}.`);

  let diff: Buffer | undefined;
  if (orig.git.dirty) {
    const f = orig.git.diffFile ? inspectRunFile(origDir, orig.git.diffFile) : undefined;
    if (f?.state !== 'file')
      return fail('the run had uncommitted changes, but its recorded diff (git.diff) is missing from the run folder, so its code cannot be rebuilt.');
    diff = fs.readFileSync(f.abs);
  }

  // The interpreter: the one picked, else the one the run used (sys.executable), else its command's first word.
  const isPython = PYTHON_NAME.test(orig.command[0]) || (raw.python?.path !== undefined && orig.command[0] === raw.python.path);
  const recordedInterp = orig.python?.path ?? raw.python?.path;
  const interpreter = opts.python ?? (recordedInterp && fs.existsSync(recordedInterp) ? recordedInterp : orig.command[0]);
  if (!isPython && opts.python) progress(`--python ${opts.python} is not used: the run's command (${orig.command[0]}) is not a Python interpreter.`);
  const problems: string[] = [];
  let packages: PackageDifference[] = [];
  let nowPython: { path: string; version: string } | undefined;
  if (isPython) {
    progress(`Listing the packages of ${interpreter}`);
    const info = await capturePython(interpreter, os.tmpdir(), path.join(ws.paths.root, 'cache', 'python'));
    if (!info)
      return fail(
        recordedInterp && !opts.python && !fs.existsSync(recordedInterp)
          ? `the run's interpreter ${recordedInterp} is no longer installed; pick one with --python.`
          : `the interpreter ${interpreter} could not be started; pick one with --python.`,
      );
    nowPython = { path: info.path, version: info.version };
    packages = packageDifferences(getPackages(ws.store, orig.id), info.packages ?? []);
    for (const p of packages) if (p.recorded !== null) problems.push(`package ${packageDifferenceText(p)} (for ${info.path})`);
    if (orig.python?.version && info.version !== orig.python.version) problems.push(`Python ${orig.python.version} → ${info.version} (${info.path})`);
  }
  const command = isPython ? [interpreter, ...orig.command.slice(1)] : [...orig.command];

  if (opts.signal?.aborted) return fail('stopped before it started.');
  progress(`Checking out ${commit.slice(0, 12)} in a temporary worktree`);
  let wt: Worktree;
  try {
    wt = await addWorktree(repo, commit);
  } catch (err) {
    return fail((err as Error).message);
  }
  let handle: RunHandle | undefined;
  const onAbort = () => handle?.stop();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    const diffFiles = diff ? await applyRecordedDiff(wt.dir, diff) : [];
    const wtCwd = path.join(wt.dir, relCwd);
    const wtWs = path.join(wt.dir, relWs);
    // Absolute paths into the repository (a script given by its full path) lead into the checkout instead.
    // A path out of the repository (absolute, or ../ from the run's folder) has no place in the checkout: it is
    // passed as the same absolute path, read as it is now, and the report says so.
    const origCwd = real(orig.cwd ?? ws.paths.workspace);
    const mapArg = (a: string) => {
      if (path.isAbsolute(a) && inside(repo, a) !== undefined) return path.join(wt.dir, inside(repo, a)!);
      const abs = path.resolve(origCwd, a);
      if (a.startsWith('-') || !(path.isAbsolute(a) || a.split(/[\\/]/).includes('..')) || inside(repo, real(abs)) !== undefined) return a;
      if (!fs.existsSync(abs)) return a;
      problems.push(
        `${a} is outside the repository: the reproduction read it as it is now, which may not be what the run read (only workspace files are kept)`,
      );
      return abs;
    };
    const runCommand = [command[0], ...command.slice(1).map(mapArg)];

    progress('Restoring the run’s data into the checkout');
    const roles = [...new Set(orig.datasets.filter((d) => d.role !== 'output').map((d) => d.role))];
    const restore = roles.length
      ? await restoreRunInputs(ws.store, ws.paths, orig.id, { to: wtWs, force: true, roles })
      : { restored: [], unchanged: [], wouldChange: [], missing: [] };
    // In-memory arrays (autolog's memory:sha256:…) are no file to restore: the script builds them again, and the
    // comparison below says whether it built the same ones.
    const blocked = [
      ...restore.missing.filter((m) => !MEMORY_DATASET.test(m.path)).map((m) => `data not kept: ${m.path} (${m.reason})`),
      ...restore.wouldChange.map((m) => `data not restored: ${m.path} (${m.reason})`),
    ];
    if (blocked.length) return couldNotRun(orig, tolerance, [...blocked, ...problems], { code: codeOf(commit, diff, diffFiles) });

    if (opts.signal?.aborted) return fail('stopped before it started.');
    opts.onPlan?.({ interpreter, packages, command: runCommand });
    progress(`Running ${runCommand.join(' ')}`);
    handle = await launchRun({
      // Absolute: the keeper runs in the checkout, where a relative workspace would name another folder.
      workspace: path.resolve(ws.paths.workspace),
      dataRoot: wtWs,
      reproduces: orig.id,
      command: runCommand,
      cwd: wtCwd,
      name: `${orig.name}-reproduced`,
      experiment: orig.experiment,
      python: isPython ? interpreter : undefined,
      env: raw.env,
      createdBy: opts.createdBy ?? 'cli',
      onOutput: opts.onOutput,
    });
    opts.onStarted?.(handle.id);
    if (opts.signal?.aborted) handle.stop();
    await handle.done.catch(() => undefined);

    progress('Comparing the reproduction with the run');
    await ws.sync({ only: [handle.id] });
    // The reproduction read its data in the checkout: fingerprint it there, with paths relative to it.
    await fingerprintRunDatasets(ws.store, { ...ws.paths, workspace: wtWs }, handle.id).catch((err: Error) =>
      problems.push(`the reproduction's data could not be fingerprinted: ${err.message}`),
    );
    const repro = getRun(ws.store, handle.id);
    const body = await compareRuns(ws, orig, repro, { tolerance, restore, wtDir: wt.dir, repo });
    const report0: Omit<ReproductionReport, 'verdict'> = {
      schema: 1,
      tolerance,
      original: { id: orig.id, name: orig.name },
      reproduction: { id: repro.id, name: repro.name, status: repro.status, exitCode: repro.exitCode },
      ...body,
      code: withReproductionCode(codeOf(commit, diff, diffFiles), ws.paths.runs, repro),
      environment: {
        interpreter: { original: orig.python?.path ?? null, reproduction: repro.python?.path ?? nowPython?.path ?? null },
        pythonVersion: { original: orig.python?.version ?? null, reproduction: repro.python?.version ?? nowPython?.version ?? null },
        packages,
        variables: raw.env ?? {},
        variableDifferences: envDifferences(raw.env, readRaw(path.join(ws.paths.runs, repro.id)).env),
      },
      problems: [
        ...problems,
        ...(raw.env ? [] : ['the run recorded no environment variables (runs launched before Lineage recorded them); the current ones were used']),
      ],
      ...(opts.keepWorktree ? { worktree: wt.dir } : {}),
    };
    // Stopped on purpose (Ctrl-C, Cancel): nothing was shown not to reproduce, so no "differs" for a CI gate to read.
    const stopped = opts.signal?.aborted === true && repro.status !== 'finished';
    if (stopped) report0.problems.unshift('the reproduction was stopped (Ctrl-C or Cancel) before it finished');
    const report: ReproductionReport = { ...report0, verdict: stopped ? 'could not run' : verdictOf(report0) };
    writeFileAtomicSync(path.join(ws.paths.runs, repro.id, REPORT_FILE), JSON.stringify(report, null, 2) + '\n');
    writeFileAtomicSync(path.join(ws.paths.runs, repro.id, REPORT_MARKDOWN), reportMarkdown(report));
    await ws.save().catch((err: Error) => progress(`could not save the index (${err.message}); the runs are safe in their folders.`));
    return report;
  } catch (err) {
    if (err instanceof CannotReproduce) return fail(err.message);
    if (err instanceof LaunchError) return fail(`the script could not be started: ${err.message}`);
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    if (!opts.keepWorktree) await wt.remove();
  }
}

function codeOf(commit: string, diff: Buffer | undefined, diffFiles: string[]): ReproductionReport['code'] {
  return { commit, diffSha256: diff ? diffSha256(diff) : null, diffFiles, reproductionCommit: null, reproductionDiffSha256: null, identical: false };
}

/** With the reproduction's own git record: its commit and the sha256 of the diff it captured in the checkout. */
function withReproductionCode(code: ReproductionReport['code'], runsDir: string, repro: RunDetail): ReproductionReport['code'] {
  const dir = path.join(runsDir, repro.id);
  const f = repro.git?.diffFile ? inspectRunFile(dir, repro.git.diffFile) : undefined;
  const reproductionCommit = repro.git?.commit ?? null;
  const reproductionDiffSha256 = f?.state === 'file' ? diffSha256(fs.readFileSync(f.abs)) : null;
  return { ...code, reproductionCommit, reproductionDiffSha256, identical: reproductionCommit === code.commit && reproductionDiffSha256 === code.diffSha256 };
}

function envDifferences(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined,
): ReproductionReport['environment']['variableDifferences'] {
  const out: ReproductionReport['environment']['variableDifferences'] = [];
  for (const name of new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]).values()) {
    const x = a?.[name] ?? null;
    const y = b?.[name] ?? null;
    if (x !== y) out.push({ name, original: x, reproduction: y });
  }
  return out.sort((p, q) => p.name.localeCompare(q.name));
}
