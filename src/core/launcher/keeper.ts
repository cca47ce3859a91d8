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

/**
 * Space set aside in the run folder at launch (launch.ts) and given back when the run ends. If the disk fills
 * up during the run, removing it leaves room for the final run.json, so the run is recorded as incomplete
 * instead of staying "running" (and later showing as killed).
 */
export const RESERVE_FILE = '.reserve';
export const RESERVE_BYTES = 128 * 1024;

/** The SDK's reason when a Pool worker was terminated before it could write its points (_writer.KILLED). */
const TERMINATED = 'a worker process was terminated';
/** The Python SDK's last word when it could not write some of its events (sdk/python/lineage/_writer.py). */
const LOSS_LINE = /lineage: (.*?): (\d+) of (\d+) points this process logged \(pid (\d+)\) were not written to events\.jsonl/g;

export interface Losses {
  /** Per process: points it could not write, points it logged. */
  byPid: Map<string, { lost: number; logged: number; terminated?: boolean }>;
  diskFull: boolean;
}

/** Reads the SDK's loss reports out of the script's stderr (one process may report more than once: the last counts). */
export function lossScanner(): { feed(chunk: Buffer): void; losses: Losses } {
  const losses: Losses = { byPid: new Map(), diskFull: false };
  let tail = '';
  return {
    losses,
    feed(chunk: Buffer) {
      const text = tail + chunk.toString('latin1');
      const nl = text.lastIndexOf('\n');
      const complete = nl >= 0 ? text.slice(0, nl + 1) : '';
      tail = (nl >= 0 ? text.slice(nl + 1) : text).slice(-4096);
      if (!complete.includes(' points this process logged ')) return;
      for (const m of complete.matchAll(LOSS_LINE)) {
        losses.byPid.set(m[4], { lost: Number(m[2]), logged: Number(m[3]), terminated: m[1] === TERMINATED });
        if (m[1] === 'the disk is full') losses.diskFull = true;
      }
    },
  };
}

/** The metric points in events.jsonl (complete lines only: a line cut short is not a point the reader keeps). */
export function countPoints(dir: string): number {
  let fd: number;
  try {
    fd = fs.openSync(path.join(dir, 'events.jsonl'), 'r');
  } catch {
    return 0;
  }
  const point = Buffer.from('{"type":"metric"');
  const buf = Buffer.alloc(1 << 20);
  let n = 0;
  let carry = Buffer.alloc(0);
  try {
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, got)]) : buf.subarray(0, got);
      let start = 0;
      let nl: number;
      while ((nl = data.indexOf(10, start)) >= 0) {
        if (nl - start >= point.length && data.compare(point, 0, point.length, start, start + point.length) === 0) n++;
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
    }
  } finally {
    fs.closeSync(fd);
  }
  return n;
}

/** The mount point that holds `p`: what the user has to free space on. */
export function mountPointOf(p: string): string {
  let cur = path.resolve(p);
  try {
    const dev = fs.statSync(cur).dev;
    for (;;) {
      const up = path.dirname(cur);
      if (up === cur || fs.statSync(up).dev !== dev) return cur;
      cur = up;
    }
  } catch {
    return cur;
  }
}

/**
 * What a run that filled the disk kept, in one sentence for run.json's error and the terminal:
 * "incomplete: disk full: the run kept N of M points logged; free space on <mount> …".
 */
export function diskFullMessage(o: { kept?: number; logged?: number; consoleBytesLost: number; mount: string; runsDir: string }): string {
  const num = (n: number) => n.toLocaleString('en-US');
  const parts: string[] = [];
  if (o.kept !== undefined)
    parts.push(
      o.logged !== undefined
        ? `the run kept ${num(o.kept)} of ${num(o.logged)} points logged`
        : `the run kept ${num(o.kept)} points (any logged after the disk filled up were lost)`,
    );
  if (o.consoleBytesLost) parts.push(`${num(o.consoleBytesLost)} bytes of console output were lost`);
  return `incomplete: disk full: ${parts.join(' and ') || 'the run record may miss its end'}; free space on ${o.mount} (it holds ${o.runsDir}) and run it again to record it in full.`;
}

/** How a run that could not write all it logged ended up (in the keeper's done message). */
export interface IncompleteRun {
  /** One sentence, also in run.json's error: "incomplete: disk full: the run kept N of M points logged; free space on …". */
  message: string;
  pointsKept: number;
  /** Null when the script did not say how many it logged. */
  pointsLogged: number | null;
  /** The mount point holding the run folder. */
  mount: string;
  diskFull: boolean;
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
  const scanner = lossScanner();
  child.stdout.on('data', pass('stdout'));
  child.stderr.on('data', pass('stderr'));
  child.stderr.on('data', (chunk: Buffer) => scanner.feed(chunk));

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
    fs.rmSync(path.join(cfg.dir, RESERVE_FILE), { force: true });
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
    (cfg.isPython ? capturePython(cfg.argv[0], cfg.cwd, path.join(cfg.dir, '..', '..', 'cache', 'python')) : Promise.resolve(undefined)).then((p) => {
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
    scanner.feed(Buffer.from('\n'));
    const reported = [...scanner.losses.byPid.values()];
    const pointsLost = reported.reduce((a, r) => a + r.lost, 0);
    if (scanner.losses.diskFull) diskFull = true;
    // The space set aside at launch makes room for the final run.json.
    const reserve = path.join(cfg.dir, RESERVE_FILE);
    if (diskFull || logLost || pointsLost) fs.rmSync(reserve, { force: true });
    let incomplete: IncompleteRun | undefined;
    if (diskFull || logLost || pointsLost) {
      const hasEvents = fs.existsSync(path.join(cfg.dir, 'events.jsonl'));
      const kept = countPoints(cfg.dir);
      // The SDK reports at exit whenever it lost points; a script that wrote its own end event and made no
      // report lost none. Otherwise how many were logged is not known.
      const logged = reported.length || scriptStatus ? kept + pointsLost : undefined;
      const runsDir = path.dirname(cfg.dir);
      const mount = mountPointOf(runsDir);
      const message =
        diskFull || !pointsLost
          ? diskFullMessage({ kept: hasEvents || reported.length ? kept : undefined, logged, consoleBytesLost: logLost, mount, runsDir })
          : reported.every((r) => r.terminated || !r.lost)
            ? `incomplete: ${pointsLost.toLocaleString('en-US')} points logged in a worker process were lost when it was terminated (the run kept ${kept.toLocaleString('en-US')} of ${(kept + pointsLost).toLocaleString('en-US')}).`
            : `incomplete: the run kept ${kept.toLocaleString('en-US')} of ${(kept + pointsLost).toLocaleString('en-US')} points logged (events.jsonl could not be written).`;
      record.error = record.error ? `${message}\n${record.error}` : message;
      incomplete = { message, pointsKept: kept, pointsLogged: logged ?? null, mount, diskFull };
    }
    if (!save()) diskFull = true;
    fs.rmSync(reserve, { force: true });
    control({
      done: {
        status: record.status,
        exitCode: record.exitCode ?? null,
        signal: record.signal ?? null,
        durationMs: ended - started,
        diskFull,
        consoleBytesLost: logLost,
        incomplete,
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
