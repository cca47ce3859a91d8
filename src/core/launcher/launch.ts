import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { newRunId, friendlyName, RUN_ID_PATTERN } from '../util/ids';
import { lineagePaths } from '../util/lineagePaths';
import type { RunRecord, RunStatus } from '../runs/runRecord';
import { writeRunRecord, isDiskFull, RESERVE_FILE, RESERVE_BYTES, type KeeperConfig, type IncompleteRun } from './keeper';
import type { KeeperStart } from './keeperMain';
import { findSdkDir, findKeeper } from './sdkDir';
import { maskSecretArgs } from './secrets';
import { recordedEnv } from './recordedEnv';
import { startMlflowEndpoint, type MlflowEndpoint } from '../mlflowEndpoint/server';

export interface LaunchOptions {
  workspace: string;
  /** A command line; a first word ending in .py runs with `python`, one ending in .ipynb with `python -m lineage.notebook`. */
  command: string[];
  name?: string;
  experiment?: string;
  /** Interpreter for .py scripts and for the package list; default `python3`. */
  python?: string;
  cwd?: string;
  env?: Record<string, string>;
  createdBy?: string;
  onOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** 'inherit': the script's stdout and stderr go, byte for byte, to this process's stdout and stderr. */
  output?: 'inherit';
  /** Grace period between SIGTERM and SIGKILL on stop. */
  stopGraceMs?: number;
  /**
   * The folder the script's data paths are relative to (LINEAGE_WORKSPACE for the SDK), when it is not the
   * workspace: a reproduction runs in a temporary git worktree but is recorded in the original workspace.
   */
  dataRoot?: string;
  /** The run this one reproduces: written to run.json as `reproduces`. */
  reproduces?: string;
  /**
   * The run this one belongs under (a sweep's trial under the sweep run): in the first run.json, so the keeper,
   * which reads that record once and writes it back at the end, keeps the link from the start.
   */
  parentRunId?: string;
}

/** What run.json holds beyond RunRecord: the recorded environment variables and a reproduction's origin. */
export interface LaunchRecordExtras {
  /** Allowlisted variables the results can depend on (recordedEnv.ts); never secrets. */
  env?: Record<string, string>;
  reproduces?: string;
}

export interface RunResult {
  id: string;
  dir: string;
  status: RunStatus;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** The disk filled up during the run: run.json or console.log may be missing their end. */
  diskFull?: boolean;
  /** Output bytes that could not be written to console.log. */
  consoleBytesLost?: number;
  /** Set when the run could not write all it logged (a full disk): what it kept, in a sentence. */
  incomplete?: IncompleteRun;
}

type KeeperMessage =
  | { out: 'stdout' | 'stderr'; b64: string }
  | { started: number }
  | { error: string }
  | { done: Omit<RunResult, 'id' | 'dir'> & { status: 'finished' | 'failed' | 'killed' } };

export interface RunHandle {
  id: string;
  dir: string;
  record: RunRecord;
  done: Promise<RunResult>;
  stop(): void;
}

export class LaunchError extends Error {}

/**
 * Starts a command as a recorded run: creates the run folder and run.json, puts the SDK on PYTHONPATH, and
 * hands the run to a detached keeper (keeper.ts) that starts the script, keeps its output in console.log and
 * passes it on, captures git and the interpreter while the script runs, and writes the final status. The
 * script gets its own process group so Stop can end the whole tree.
 */
export async function launchRun(opts: LaunchOptions): Promise<RunHandle> {
  if (opts.command.length === 0) throw new LaunchError('Nothing to run: give a script or a command, e.g. `lineage run train.py --lr 0.1`.');
  const paths = lineagePaths(opts.workspace);
  fs.mkdirSync(paths.runs, { recursive: true });
  const cwd = opts.cwd ?? opts.workspace;
  const python = opts.python || process.env.LINEAGE_PYTHON || 'python3';
  // A notebook runs through the SDK's runner (sdk/python/lineage/notebook.py), which takes `-p name=value`.
  const notebook = opts.command[0].endsWith('.ipynb');
  const argv = opts.command[0].endsWith('.py') ? [python, ...opts.command] : notebook ? [python, '-m', 'lineage.notebook', ...opts.command] : [...opts.command];
  const isPython = argv[0] === python || /(^|\/)python[\d.]*$/.test(argv[0]);
  const script = notebook ? opts.command[0] : (argv.find((a, i) => i > 0 && a.endsWith('.py')) ?? argv[0]);
  if ((script.endsWith('.py') || notebook) && !fs.existsSync(path.resolve(cwd, script)))
    throw new LaunchError(`The ${notebook ? 'notebook' : 'script'} ${script} does not exist (looked in ${cwd}).`);

  const now = new Date();
  const id = newRunId(now);
  const dir = path.join(paths.runs, id);
  const env0 = recordedEnv({ ...process.env, ...opts.env });
  const record: RunRecord & LaunchRecordExtras = {
    schema: 1,
    id,
    // This run's folder is counted although it does not exist yet.
    name: opts.name || friendlyName(id, countEntries(paths.runs) + 1),
    experiment: opts.experiment || defaultExperiment(opts.workspace, cwd, script),
    status: 'running',
    startedAt: now.toISOString(),
    command: maskSecretArgs(argv, { ...process.env, ...opts.env }), // the script still gets argv as given
    cwd,
    createdBy: opts.createdBy ?? 'cli',
    host: os.hostname(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    pid: process.pid,
    // Written even when empty: no `env` at all means a run recorded before Lineage recorded these.
    env: env0,
    ...(opts.reproduces ? { reproduces: opts.reproduces } : {}),
    ...(opts.parentRunId ? { parentRunId: opts.parentRunId } : {}),
  };
  try {
    fs.mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
    // Room for the final run.json if the disk fills up during the run (the keeper gives it back at the end);
    // a disk too full for it is a disk too full to start a run on.
    fs.writeFileSync(path.join(dir, RESERVE_FILE), Buffer.alloc(RESERVE_BYTES));
    writeRunRecord(dir, record);
  } catch (err) {
    // No half-made run folder is left behind to show up as a phantom run.
    fs.rmSync(dir, { recursive: true, force: true });
    if (isDiskFull(err)) throw new LaunchError(`The disk holding ${paths.runs} is full, so the run was not started; free some space there and run again.`);
    throw err;
  }

  const sdk = findSdkDir();
  // MLflow code in the script logs into this run (docs/mlflow-endpoint.md), unless the user points it elsewhere.
  const given = { ...process.env, ...opts.env };
  let mlflow: MlflowEndpoint | undefined;
  if (!given.MLFLOW_TRACKING_URI && given.LINEAGE_MLFLOW_ENDPOINT !== '0') mlflow = await startMlflowEndpoint(dir, id).catch(() => undefined);
  const env: NodeJS.ProcessEnv = {
    ...given,
    LINEAGE_RUN_DIR: dir,
    LINEAGE_RUN_ID: id,
    LINEAGE_WORKSPACE: opts.dataRoot ?? opts.workspace,
    PYTHONPATH: [sdk, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    PYTHONUNBUFFERED: '1',
    ...(mlflow ? { MLFLOW_TRACKING_URI: mlflow.url } : {}),
  };
  // The script's parent is a detached keeper, not this process: if the launcher dies (kill -9, a closed VS Code
  // window) the script keeps running, its output is still kept, and the keeper records how it ended.
  const output: KeeperConfig['output'] = opts.output === 'inherit' ? 'inherit' : opts.onOutput ? 'frames' : 'none';
  // The keeper starts without these and hands them back to the script: Node reads NODE_EXTRA_CA_CERTS at start
  // (tens of ms before the script can start, for a keeper that makes no TLS connection), and NODE_OPTIONS can
  // hold a debugger's --require or --inspect that has no business in the keeper.
  const keeperEnv: NodeJS.ProcessEnv = { ...env, ELECTRON_RUN_AS_NODE: '1' };
  const restoreEnv: Record<string, string> = {};
  for (const k of ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS']) {
    const v = keeperEnv[k];
    if (v !== undefined) restoreEnv[k] = v;
    delete keeperEnv[k];
  }
  const cfg: KeeperStart = {
    dir,
    argv,
    cwd,
    isPython,
    output,
    stopGraceMs: opts.stopGraceMs ?? 3000,
    unsetEnv: env.ELECTRON_RUN_AS_NODE === undefined ? ['ELECTRON_RUN_AS_NODE'] : [],
    restoreEnv,
  };
  const keeper = spawn(process.execPath, [findKeeper(), JSON.stringify(cfg)], {
    cwd,
    // A plain Node script, also when the launcher is VS Code's extension host (Electron); the script
    // itself gets the environment without this.
    env: keeperEnv,
    detached: true,
    stdio: ['pipe', output === 'inherit' ? 'inherit' : 'ignore', output === 'inherit' ? 'inherit' : 'ignore', 'pipe'],
  });
  keeper.stdin!.on('error', () => undefined);
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  const done = new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    let pending = '';
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      for (const s of ['stdout', 'stderr'] as const) {
        const rest = decoders[s].end();
        if (rest) opts.onOutput?.(rest, s);
      }
      fn();
    };
    const onMessage = (msg: KeeperMessage) => {
      if ('out' in msg) {
        const text = decoders[msg.out].write(Buffer.from(msg.b64, 'base64'));
        if (text) opts.onOutput?.(text, msg.out);
      } else if ('started' in msg) {
        record.childPid = msg.started;
        record.pid = keeper.pid;
      } else if ('error' in msg) {
        record.status = 'failed';
        settle(() => reject(new LaunchError(msg.error)));
      } else if ('done' in msg) {
        const d = msg.done;
        record.status = d.status;
        settle(() => resolve({ id, dir, ...d }));
      }
    };
    const ctl = keeper.stdio[3] as NodeJS.ReadableStream;
    ctl.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line) onMessage(JSON.parse(line) as KeeperMessage);
      }
    });
    keeper.once('error', (err) => settle(() => reject(new LaunchError(`Could not start the run keeper (${err.message}); reinstall Lineage.`))));
    keeper.once('close', (code, signal) =>
      settle(() =>
        reject(new LaunchError(`The run keeper stopped (${signal ?? `exit ${code}`}) before the run ended; \`lineage ls\` shows what was recorded.`)),
      ),
    );
  });
  // Once the run has ended, nothing here keeps a terminal or an editor waiting for the keeper.
  const release = () => {
    keeper.unref();
    (keeper.stdio[3] as unknown as { unref?: () => void }).unref?.();
    keeper.stdin!.destroy();
  };
  done.then(release, release);
  const stopMlflow = () => void mlflow?.close();
  done.then(stopMlflow, stopMlflow);

  return {
    id,
    dir,
    record,
    done,
    stop() {
      if (keeper.exitCode !== null || keeper.stdin!.destroyed) return;
      keeper.stdin!.write('stop\n');
    },
  };
}

/** Runs group by what they train: the script's folder (e.g. `house-prices`), else the workspace's name. */
function defaultExperiment(workspace: string, cwd: string, script: string): string {
  const abs = path.resolve(cwd, script);
  const folder = path.basename(path.dirname(abs));
  if (/\.(py|ipynb)$/.test(script) && path.dirname(abs) !== path.resolve(workspace) && folder) return folder;
  return path.basename(path.resolve(workspace)) || 'default';
}

/**
 * Run folders so far: the number in a default name. Runs started in the same instant
 * or after a deletion can share a number, but then almost never the adjective and noun as well.
 */
function countEntries(dir: string): number {
  try {
    return fs.readdirSync(dir).filter((n) => RUN_ID_PATTERN.test(n)).length;
  } catch {
    return 0;
  }
}
