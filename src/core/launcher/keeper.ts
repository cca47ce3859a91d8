/**
 * The run keeper: a small detached process that is the script's parent for the whole run, so that the run is
 * recorded in full whatever happens to whoever launched it (a `lineage run` killed with kill -9, a closed
 * editor window). It starts the script, writes its stdout and stderr to console.log in the order they come and
 * passes them on unchanged (the terminal's stdout and stderr, or framed messages to the launcher), writes the
 * git and interpreter capture into run.json as soon as each is ready, and writes the outcome (status, exit code
 * or signal, end time) when the script ends. Bundled as dist/runKeeper.js; started by launchRun.
 *
 * Control channel (fd 3, one JSON object a line, keeper → launcher): {"started":pid} | {"out":"stdout"|"stderr",
 * "b64":…} (only with output 'frames') | {"error":message} | {"done":RunResult}. Launcher → keeper (stdin):
 * "stop\n" ends the script's process tree (SIGTERM, then SIGKILL after the grace period). When the launcher goes
 * away its pipes close; the keeper carries on.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import type { RunRecord } from '../runs/runRecord';
import { captureGit } from './captureGit';
import { capturePython } from './capturePython';
import { signalTree } from './processTree';

export interface KeeperConfig {
  dir: string;
  argv: string[];
  cwd: string;
  isPython: boolean;
  /** 'inherit': write to this process's stdout/stderr (the launcher's terminal); 'frames': send to the launcher; 'none'. */
  output: 'inherit' | 'frames' | 'none';
  stopGraceMs: number;
  /** Set for the keeper only (ELECTRON_RUN_AS_NODE): the script does not get them. */
  unsetEnv: string[];
}

/** The ENOSPC family: the disk (or the user's quota) is full. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** run.json by temp file and rename: a reader sees the old or the new record, never half of one. */
export function writeRunRecord(dir: string, record: RunRecord): void {
  const file = path.join(dir, 'run.json');
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, JSON.stringify(record, null, 2));
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** The script's own last status event (the SDK writes one as the script ends), if any. */
export function lastScriptStatus(dir: string): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(path.join(dir, 'events.jsonl'), 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    const lines = buf.toString('utf8').split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = /^\{"type":\s*"status",\s*"status":\s*"(\w+)"/.exec(lines[i].trim());
      if (m) return m[1];
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export function signalName(n: number): string | undefined {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name;
  return undefined;
}

/**
 * One rule for every command: ended by a signal = killed, with the signal. A Python script under the SDK
 * catches SIGTERM, records "killed" and exits 128+N; that is the same outcome as a shell killed by SIGTERM.
 */
export function outcomeOf(
  code: number | null,
  signal: string | null,
  stopRequested: boolean,
  scriptStatus: string | undefined,
): { status: 'finished' | 'failed' | 'killed'; signal: string | null } {
  if (signal) return { status: 'killed', signal };
  const bySignal = code !== null && code > 128 && code < 128 + 65 ? signalName(code - 128) : undefined;
  if (bySignal && (scriptStatus === 'killed' || stopRequested)) return { status: 'killed', signal: bySignal };
  if (stopRequested) return { status: 'killed', signal: null };
  return { status: code === 0 ? 'finished' : 'failed', signal: null };
}

export function runKeeper(cfg: KeeperConfig): void {
  const control = (msg: object) => {
    try {
      fs.writeSync(3, JSON.stringify(msg) + '\n');
    } catch {
      /* the launcher is gone: the run goes on without it */
    }
  };
  const record = JSON.parse(fs.readFileSync(path.join(cfg.dir, 'run.json'), 'utf8')) as RunRecord;
  record.pid = process.pid;
  const save = () => {
    try {
      writeRunRecord(cfg.dir, record);
      return true;
    } catch (err) {
      if (isDiskFull(err)) diskFull = true;
      return false;
    }
  };
  let diskFull = false;
  let logLost = 0;
  const log = fs.openSync(path.join(cfg.dir, 'console.log'), 'a');
  const started = Date.now();
  const env = { ...process.env };
  for (const k of cfg.unsetEnv) delete env[k];
  const child = spawn(cfg.argv[0], cfg.argv.slice(1), { cwd: cfg.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stopRequested = false;
  let killTimer: NodeJS.Timeout | undefined;

  const echoDead = { stdout: false, stderr: false };
  const pass = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    try {
      fs.writeSync(log, chunk);
    } catch (err) {
      logLost += chunk.length;
      if (isDiskFull(err)) diskFull = true;
    }
    if (cfg.output === 'frames') control({ out: stream, b64: chunk.toString('base64') });
    else if (cfg.output === 'inherit' && !echoDead[stream]) writeAll(stream === 'stdout' ? 1 : 2, chunk, () => (echoDead[stream] = true));
  };
  child.stdout.on('data', pass('stdout'));
  child.stderr.on('data', pass('stderr'));

  child.once('error', (err) => {
    record.status = 'failed';
    record.exitCode = null;
    const hint =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? `${cfg.argv[0]} was not found. ${cfg.isPython ? 'Set the interpreter with --python or LINEAGE_PYTHON (e.g. /usr/bin/python3).' : 'Check the command.'}`
        : err.message;
    record.error = `Could not start ${cfg.argv[0]}: ${hint}`;
    record.endedAt = new Date().toISOString();
    save();
    control({ error: record.error });
    process.exit(0);
  });
  if (child.pid === undefined) return;
  record.childPid = child.pid;
  save();
  control({ started: child.pid });

  // After the script has started, so they do not delay it; each is in run.json as soon as it is ready.
  const captures = Promise.all([
    captureGit(cfg.cwd, cfg.dir).then(
      (g) => {
        if (g) {
          record.git = g;
          save();
        }
      },
      () => undefined,
    ),
    (cfg.isPython ? capturePython(cfg.argv[0], cfg.cwd) : Promise.resolve(undefined)).then((p) => {
      if (p) {
        record.python = p;
        save();
      }
    }),
  ]);

  let stdin = '';
  process.stdin.on('data', (d: Buffer) => {
    stdin += d.toString();
    if (stdin.includes('stop\n') && !stopRequested && child.exitCode === null && child.signalCode === null) {
      stopRequested = true;
      signalTree(child.pid!, 'SIGTERM');
      killTimer = setTimeout(() => signalTree(child.pid!, 'SIGKILL'), cfg.stopGraceMs);
    }
  });
  process.stdin.on('error', () => undefined);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let finished = false;
  const finish = async () => {
    if (finished || !exited) return;
    finished = true;
    if (killTimer) clearTimeout(killTimer);
    const ended = Date.now();
    const scriptStatus = lastScriptStatus(cfg.dir);
    const o = outcomeOf(exited.code, exited.signal, stopRequested, scriptStatus);
    record.exitCode = exited.code;
    record.signal = o.signal;
    record.status = o.status;
    record.endedAt = new Date(ended).toISOString();
    if (o.status === 'killed' && !stopRequested && !scriptStatus)
      record.error = `The run stopped without recording an end: its process was killed${o.signal ? ` (${o.signal})` : ''}.`;
    await captures;
    if (diskFull || logLost) record.error = record.error ?? 'incomplete: disk full';
    if (!save()) diskFull = true;
    control({
      done: {
        status: record.status,
        exitCode: record.exitCode ?? null,
        signal: record.signal ?? null,
        durationMs: ended - started,
        diskFull,
        consoleBytesLost: logLost,
      },
    });
    try {
      fs.closeSync(3);
    } catch {
      /* already closed */
    }
    process.stdin.destroy();
    // Output of a process the script left behind still goes to console.log until it closes its end.
  };
  child.once('exit', (code, signal) => {
    exited = { code, signal };
    // A process the script started may hold its output open: the run still ends with the script.
    setTimeout(() => void finish(), 300).unref();
  });
  child.once('close', () => void finish());
}

/** Writes all of a chunk to a blocking or non-blocking fd; calls onDead when the reader has gone (EPIPE, EIO). */
function writeAll(fd: number, chunk: Buffer, onDead: () => void): void {
  let off = 0;
  let waits = 0;
  while (off < chunk.length) {
    try {
      off += fs.writeSync(fd, chunk, off);
      waits = 0;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN' && waits++ < 2000) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      onDead();
      return;
    }
  }
}
