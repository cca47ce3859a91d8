import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { newRunId, friendlyName, RUN_ID_PATTERN } from '../util/ids';
import { lineagePaths } from '../util/lineagePaths';
import { writeFileAtomicSync } from '../util/fsx';
import type { RunRecord, RunStatus } from '../runs/runRecord';
import { captureGit } from './captureGit';
import { capturePython } from './capturePython';
import { signalTree } from './processTree';
import { findSdkDir } from './sdkDir';
import { maskSecretArgs } from './secrets';

export interface LaunchOptions {
  workspace: string;
  /** A command line; a first word ending in .py runs with `python`. */
  command: string[];
  name?: string;
  experiment?: string;
  /** Interpreter for .py scripts and for the package list; default `python3`. */
  python?: string;
  cwd?: string;
  env?: Record<string, string>;
  createdBy?: string;
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** Grace period between SIGTERM and SIGKILL on stop. */
  stopGraceMs?: number;
}

export interface RunResult {
  id: string;
  dir: string;
  status: RunStatus;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
}

export interface RunHandle {
  id: string;
  dir: string;
  record: RunRecord;
  done: Promise<RunResult>;
  stop(): void;
}

export class LaunchError extends Error {}

/**
 * Starts a command as a recorded run: creates the run folder and run.json, puts the SDK on PYTHONPATH,
 * streams output to console.log and the caller, captures git and the interpreter while the script runs,
 * and writes the final status. The child gets its own process group so Stop can end the whole tree.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- async so a LaunchError rejects the promise instead of throwing at the call site
export async function launchRun(opts: LaunchOptions): Promise<RunHandle> {
  if (opts.command.length === 0) throw new LaunchError('Nothing to run: give a script or a command, e.g. `lineage run train.py --lr 0.1`.');
  const paths = lineagePaths(opts.workspace);
  fs.mkdirSync(paths.runs, { recursive: true });
  const cwd = opts.cwd ?? opts.workspace;
  const python = opts.python || process.env.LINEAGE_PYTHON || 'python3';
  const argv = opts.command[0].endsWith('.py') ? [python, ...opts.command] : [...opts.command];
  const isPython = argv[0] === python || /(^|\/)python[\d.]*$/.test(argv[0]);
  const script = argv.find((a, i) => i > 0 && a.endsWith('.py')) ?? argv[0];
  if (script.endsWith('.py') && !fs.existsSync(path.resolve(cwd, script))) throw new LaunchError(`The script ${script} does not exist (looked in ${cwd}).`);

  const now = new Date();
  const id = newRunId(now);
  const dir = path.join(paths.runs, id);
  fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  const record: RunRecord = {
    schema: 1,
    id,
    name: opts.name || friendlyName(id, countEntries(paths.runs)),
    experiment: opts.experiment || defaultExperiment(opts.workspace, cwd, script),
    status: 'running',
    startedAt: now.toISOString(),
    command: maskSecretArgs(argv, { ...process.env, ...opts.env }), // the script still gets argv as given
    cwd,
    createdBy: opts.createdBy ?? 'cli',
    host: os.hostname(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    pid: process.pid,
  };
  writeFileAtomicSync(path.join(dir, 'run.json'), JSON.stringify(record, null, 2));

  const sdk = findSdkDir();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    LINEAGE_RUN_DIR: dir,
    LINEAGE_RUN_ID: id,
    LINEAGE_WORKSPACE: opts.workspace,
    PYTHONPATH: [sdk, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    PYTHONUNBUFFERED: '1',
  };
  // The script writes straight into console.log, not into a pipe to us: if the launcher dies (kill -9,
  // a closed VS Code window) the script keeps running and its output is still kept. We tail the file.
  const consolePath = path.join(dir, 'console.log');
  const consoleFd = fs.openSync(consolePath, 'a');
  const started = Date.now();
  const child = spawn(argv[0], argv.slice(1), { cwd, env, detached: true, stdio: ['ignore', consoleFd, consoleFd] });
  fs.closeSync(consoleFd);
  let stopRequested = false;
  let killTimer: NodeJS.Timeout | undefined;

  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const gitInfo = captureGit(cwd, dir).catch(() => undefined);
  const pyInfo = isPython ? capturePython(argv[0], cwd) : Promise.resolve(undefined);
  const tail = opts.onOutput ? tailFile(consolePath, (text) => opts.onOutput!(text, 'stdout')) : undefined;

  if (child.pid) {
    record.childPid = child.pid;
    writeFileAtomicSync(path.join(dir, 'run.json'), JSON.stringify(record, null, 2));
  }

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );

  const done = (async (): Promise<RunResult> => {
    // Without a pid the spawn failed; its 'error' event is the outcome, whatever 'close' says.
    const outcome = child.pid === undefined ? await spawnError : await Promise.race([exited, spawnError]);
    if (outcome instanceof Error) {
      const hint =
        (outcome as NodeJS.ErrnoException).code === 'ENOENT'
          ? `${argv[0]} was not found. ${isPython ? 'Set the interpreter with --python or LINEAGE_PYTHON (e.g. /usr/bin/python3).' : 'Check the command.'}`
          : outcome.message;
      record.status = 'failed';
      record.error = `Could not start ${argv[0]}: ${hint}`;
      record.exitCode = null;
    } else {
      if (killTimer) clearTimeout(killTimer);
      record.exitCode = outcome.code;
      record.signal = outcome.signal;
      record.status = stopRequested || outcome.signal ? 'killed' : outcome.code === 0 ? 'finished' : 'failed';
    }
    tail?.stop();
    const ended = Date.now();
    record.endedAt = new Date(ended).toISOString();
    const [g, p] = await Promise.all([gitInfo, pyInfo]);
    if (g) record.git = g;
    if (p) record.python = p;
    writeFileAtomicSync(path.join(dir, 'run.json'), JSON.stringify(record, null, 2));
    if (record.error && outcome instanceof Error) throw new LaunchError(record.error);
    return { id, dir, status: record.status, exitCode: record.exitCode ?? null, signal: record.signal ?? null, durationMs: ended - started };
  })();

  return {
    id,
    dir,
    record,
    done,
    stop() {
      if (!child.pid || child.exitCode !== null) return;
      stopRequested = true;
      signalTree(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid && signalTree(child.pid, 'SIGKILL'), opts.stopGraceMs ?? 3000);
    },
  };
}

/**
 * Streams what is appended to a file. Polls only while a run is live (every 50 ms), which is cheaper and
 * more predictable than a file watcher for a single growing file; `stop` reads the remainder.
 */
function tailFile(file: string, onText: (text: string) => void): { stop(): void } {
  let offset = 0;
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(64 * 1024);
  const readMore = () => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return;
    }
    try {
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, offset);
        if (n <= 0) break;
        offset += n;
        const text = decoder.write(buf.subarray(0, n));
        if (text) onText(text);
      }
    } finally {
      fs.closeSync(fd);
    }
  };
  const timer = setInterval(readMore, 50);
  return {
    stop() {
      clearInterval(timer);
      readMore();
      const rest = decoder.end();
      if (rest) onText(rest);
    },
  };
}

/** Runs group by what they train: the script's folder (e.g. `house-prices`), else the workspace's name. */
function defaultExperiment(workspace: string, cwd: string, script: string): string {
  const abs = path.resolve(cwd, script);
  const folder = path.basename(path.dirname(abs));
  if (script.endsWith('.py') && path.dirname(abs) !== path.resolve(workspace) && folder) return folder;
  return path.basename(path.resolve(workspace)) || 'default';
}

/**
 * Run folders so far, this one included: the number in a default name. Runs started in the same instant
 * or after a deletion can share a number, but then almost never the adjective and noun as well.
 */
function countEntries(dir: string): number {
  try {
    return Math.max(1, fs.readdirSync(dir).filter((n) => RUN_ID_PATTERN.test(n)).length);
  } catch {
    return 1;
  }
}
