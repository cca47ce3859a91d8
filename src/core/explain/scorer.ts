/**
 * The client of the what-if scorer (`python -m lineage.serve <run> --name <name>`, docs/explanations-format.md,
 * "The scorer"): starts it with the run's interpreter, waits for its ready line, and sends JSON-line requests
 * with ids, so several can be in flight and each reply finds its caller. A request that takes too long
 * fails alone; a scorer that dies fails every request still waiting, with the end of its stderr. The child
 * never outlives this process: stop() asks, then SIGTERM, then SIGKILL, and an exit hook kills what is left.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { isSecretName } from '../launcher/secrets';

export interface ScorerOptions {
  python: string;
  /** The folder put on PYTHONPATH: sdk/python. */
  sdkPath: string;
  runDir: string;
  name: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** 30000 */
  startTimeoutMs?: number;
  /** 20000 */
  requestTimeoutMs?: number;
  /** Between quit and SIGTERM, and between SIGTERM and SIGKILL; 1000. */
  stopGraceMs?: number;
}

export interface ScorerExplain {
  prediction: number;
  output: number;
  base: number;
  values: number[];
  additivityError: number;
  exact: boolean;
  /** Kernel SHAP's standard errors (approximate explanations only). */
  stderr: number[] | null;
}

export interface ScorerCounterfactual {
  found: boolean;
  changes: Array<{ feature: string; from: number | string; to: number | string }>;
  prediction: number | null;
  reason: string | null;
}

export class ScorerError extends Error {}

/** A what-if row: null is a numeric input left empty, which lineage.serve gives the model as NaN. */
type Row = Record<string, number | string | null>;
interface Pending {
  resolve: (reply: Record<string, unknown>) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

const STDERR_KEEP = 16 * 1024;
const NOTES_KEEP = 5;

/** Every scorer still running, killed if this process exits without stopping them (a crashed host, a test). */
const live = new Set<ChildProcessWithoutNullStreams>();
let exitHook = false;
function track(child: ChildProcessWithoutNullStreams): void {
  live.add(child);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}

/**
 * The scorer's environment: the editor's, minus anything that looks like a secret (the scorer unpickles and
 * runs the run's model, which has no business with the user's tokens), with the SDK first on PYTHONPATH and
 * unbuffered UTF-8 output so each reply arrives when it is written.
 */
export function scorerEnv(sdkPath: string, base: NodeJS.ProcessEnv = process.env, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries({ ...base, ...extra })) {
    if (v === undefined || isSecretName(k)) continue;
    // The editor's own Node settings (a debugger's --inspect, Electron's node mode) mean nothing to Python.
    if (k === 'NODE_OPTIONS' || k === 'ELECTRON_RUN_AS_NODE') continue;
    // A LINEAGE_RUN_DIR inherited from a run (the editor or CLI started inside one) would make `import lineage`
    // in the scorer join that run and write a status line into its events; the scorer records nothing.
    if (k.startsWith('LINEAGE_')) continue;
    env[k] = v;
  }
  env.PYTHONPATH = [sdkPath, base.PYTHONPATH ?? extra.PYTHONPATH].filter(Boolean).join(path.delimiter);
  env.PYTHONUNBUFFERED = '1';
  env.PYTHONIOENCODING = 'utf-8';
  return env;
}

/**
 * JSON.parse that also takes the bare NaN / Infinity Python's json writes by default (outside strings), so a
 * scorer that forgets allow_nan=False still gets its reply through.
 */
export function parseReplyLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    let out = '';
    let inString = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (inString) {
        out += c;
        if (c === '\\') out += line[++i] ?? '';
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      const word = /^(-?Infinity|NaN)/.exec(line.slice(i, i + 9));
      if (!inString && word) {
        out += `"\\u0000${word[1]}"`;
        i += word[1].length - 1;
      } else out += c;
    }
    const special: Record<string, number> = { '\u0000NaN': NaN, '\u0000Infinity': Infinity, '\u0000-Infinity': -Infinity };
    return JSON.parse(out, (_k, v: unknown) => (typeof v === 'string' && v in special ? special[v] : v));
  }
}

/** A bare command name as the OS would find it on PATH (what spawn runs), or undefined. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/**
 * The interpreter the what-if scorer runs. `chosen` is the user's choice, made as for Rerun (lineage.pythonPath,
 * else the Python extension's environment, else python3); `recorded` are the paths the run and its manifest
 * name. Those come from files in the workspace, which anyone can copy in, so they are never run on their own:
 * the result is always the chosen interpreter (as the recorded path when both are the same path, compared as
 * paths and not resolved through links, because a venv's python links to the system one yet is another
 * environment). `runPython` is the recorded interpreter when it differs, for messages only.
 */
export function scorerPython(
  chosen: string,
  recorded: ReadonlyArray<string | null | undefined>,
  which: (name: string) => string | undefined = onPath,
): { python: string; runPython: string | null } {
  const bare = !chosen.includes('/') && !chosen.includes(path.sep);
  const chosenPath = bare ? which(chosen) : path.resolve(chosen);
  const paths = recorded.filter((r): r is string => typeof r === 'string' && path.isAbsolute(r) && !r.includes('\0') && r.length <= 4096);
  if (chosenPath && paths.some((r) => path.resolve(r) === chosenPath)) return { python: chosenPath, runPython: null };
  return { python: chosen, runPython: paths.find((r) => path.resolve(r) !== chosenPath) ?? null };
}

/** Modules whose pip package has another name: the advice names what to install. */
const PACKAGE_OF: Record<string, string> = { sklearn: 'scikit-learn', yaml: 'pyyaml', PIL: 'pillow', cv2: 'opencv-python', skimage: 'scikit-image' };

/**
 * What to do about a scorer that would not start, read from what it said (its ready:false error, or the end
 * of its stderr): the same advice whether it exited before the ready line or answered ready:false.
 */
function advice(said: string, python: string): string {
  const missing = /No module named '([^']+)'/.exec(said);
  if (missing && missing[1].startsWith('lineage'))
    return `the interpreter ${python} cannot import ${missing[1]}: the Lineage SDK on its path is missing or older than explanations; reinstall or update Lineage`;
  if (missing) {
    const top = missing[1].split('.')[0];
    const pkg = Object.hasOwn(PACKAGE_OF, top) ? PACKAGE_OF[top] : top;
    return `the interpreter ${python} cannot import ${missing[1]}, which the model needs: install it there (e.g. ${python} -m pip install ${pkg}) or choose the interpreter the run was trained with`;
  }
  if (/ModuleNotFoundError|ImportError/.test(said))
    return `the interpreter ${python} cannot import what the model needs; choose the interpreter the run was trained with`;
  return 'see its output above; check that the interpreter is the one the run was trained with';
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export class Scorer {
  readonly features: string[];
  readonly task: string | null;
  readonly link: string | null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopping: Promise<void> | null = null;
  private exitInfo: string | null = null;
  private exitWaiters: Array<() => void> = [];

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly opts: ScorerOptions,
    private readonly io: ScorerIo,
    ready: Record<string, unknown>,
  ) {
    this.features = (ready.features as unknown[]).map(String);
    this.task = typeof ready.task === 'string' ? ready.task : null;
    this.link = typeof ready.link === 'string' ? ready.link : null;
    io.onReply = (reply) => this.onReply(reply);
    io.onExit = (info) => this.onExit(info);
  }

  get exited(): boolean {
    return this.exitInfo !== null;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  static start(opts: ScorerOptions): Promise<Scorer> {
    const timeoutMs = opts.startTimeoutMs ?? 30000;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(opts.python, ['-m', 'lineage.serve', opts.runDir, '--name', opts.name], {
        cwd: opts.cwd,
        env: scorerEnv(opts.sdkPath, process.env, opts.env),
        stdio: ['pipe', 'pipe', 'pipe'],
        windowsHide: true,
      });
    } catch (err) {
      return Promise.reject(
        new ScorerError(`The what-if scorer could not be started with ${opts.python}: ${(err as Error).message}. Choose the run's Python interpreter.`),
      );
    }
    track(child);
    const io = new ScorerIo(child);
    return new Promise<Scorer>((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        io.onReady = io.onExit = null;
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        const err = io.stderr.trim() ? `\nIts last output:\n${tail(io.stderr)}` : '';
        const notes = io.notes.length ? `\nIt also printed: ${io.notes.join(' | ')}` : '';
        reject(new ScorerError(`The what-if scorer for ${opts.runDir} ${why}${err}${notes}`));
      };
      const timer = setTimeout(
        () =>
          fail(
            `did not become ready within ${Math.round(timeoutMs / 1000)} s (loading the model may be slow, or the interpreter is stuck): ${advice(io.stderr, opts.python)}.`,
          ),
        timeoutMs,
      );
      io.onReady = (ready) => {
        clearTimeout(timer);
        io.onReady = null;
        if (ready.ready !== true || !Array.isArray(ready.features)) {
          const what = typeof ready.error === 'string' ? ready.error.slice(0, 2000).replace(/\.$/, '') : JSON.stringify(ready).slice(0, 500);
          // An import failure while unpickling the model is the interpreter's to fix, as when the process exits.
          const importing = /No module named|ModuleNotFoundError|ImportError/.test(what);
          fail(`could not load the explanation: ${what}${importing ? `: ${advice(`${what}\n${io.stderr}`, opts.python)}` : ''}.`);
          return;
        }
        resolve(new Scorer(child, opts, io, ready));
      };
      io.onExit = (info) => {
        if (info.spawnError) fail(`could not start: ${info.spawnError}. Check that ${opts.python} is a Python interpreter (the run's).`);
        else fail(`stopped before it was ready (${info.text}): ${advice(io.stderr, opts.python)}.`);
      };
    });
  }

  explain(row: Row): Promise<ScorerExplain> {
    return this.request({ op: 'explain', row }).then((r) => {
      const num = (k: string) => (typeof r[k] === 'number' ? r[k] : r[k] === null ? NaN : bad(k));
      const bad = (k: string): never => {
        throw new ScorerError(`The what-if scorer's reply has no number "${k}": ${JSON.stringify(r).slice(0, 300)}`);
      };
      if (!Array.isArray(r.values)) bad('values');
      const nums = (a: unknown[]) => a.map((v) => (typeof v === 'number' ? v : NaN));
      return {
        prediction: num('prediction'),
        output: num('output'),
        base: num('base'),
        values: nums(r.values as unknown[]),
        additivityError: num('additivity_error'),
        exact: r.exact === true,
        stderr: Array.isArray(r.stderr) ? nums(r.stderr as unknown[]) : null,
      };
    });
  }

  counterfactual(row: Row, target: number, maxFeatures = 2): Promise<ScorerCounterfactual> {
    return this.request({ op: 'counterfactual', row, target, max_features: maxFeatures }).then((r) => {
      const changes = Array.isArray(r.changes)
        ? (r.changes as Array<Record<string, unknown>>).map((c) => ({ feature: String(c.feature), from: value(c.from), to: value(c.to) }))
        : [];
      return {
        found: r.found === true,
        changes,
        prediction: typeof r.prediction === 'number' ? r.prediction : null,
        reason: typeof r.reason === 'string' ? r.reason : null,
      };
    });
  }

  /** Sends quit, then SIGTERM after the grace period, then SIGKILL; resolves once the process is gone. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.rejectAll(new ScorerError('The what-if scorer was stopped before it answered.'));
    const grace = this.opts.stopGraceMs ?? 1000;
    if (!this.exited) {
      this.io.write(`${JSON.stringify({ id: this.nextId++, op: 'quit' })}\n`);
      this.child.stdin.end();
    }
    if (!(await this.waitExit(grace))) {
      this.child.kill('SIGTERM');
      if (!(await this.waitExit(grace))) {
        this.child.kill('SIGKILL');
        await this.waitExit(10000);
      }
    }
  }

  private waitExit(ms: number): Promise<boolean> {
    if (this.exited) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.exited), ms);
      this.exitWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (this.exited || this.stopping) return Promise.reject(new ScorerError(this.exitMessage('The what-if scorer is not running')));
    const id = this.nextId++;
    const timeoutMs = this.opts.requestTimeoutMs ?? 20000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new ScorerError(
            `The what-if scorer did not answer within ${Math.round(timeoutMs / 100) / 10} s; the model may be slow on this row. Try again, or close and reopen the panel to restart it.`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.io.write(`${JSON.stringify({ id, ...body })}\n`);
    });
  }

  private onReply(reply: Record<string, unknown>): void {
    const id = typeof reply.id === 'number' ? reply.id : null;
    const p = id === null ? undefined : this.pending.get(id);
    if (!p) {
      // A reply to a request that already timed out, or an error about a line with no id: kept for messages.
      this.io.note(JSON.stringify(reply).slice(0, 300));
      return;
    }
    this.pending.delete(id!);
    clearTimeout(p.timer);
    if (typeof reply.error === 'string') p.reject(new ScorerError(`The what-if scorer could not answer: ${reply.error}`));
    else p.resolve(reply);
  }

  private onExit(info: ExitInfo): void {
    this.exitInfo = info.text;
    live.delete(this.child);
    this.rejectAll(new ScorerError(this.exitMessage(`The what-if scorer stopped (${info.text}) before it answered`)));
    for (const w of this.exitWaiters.splice(0)) w();
  }

  private exitMessage(head: string): string {
    const err = this.io.stderr.trim() && !this.stopping ? `. Its last output:\n${tail(this.io.stderr)}` : '';
    const notes = this.io.notes.length && !this.stopping ? `\nIt also printed: ${this.io.notes.join(' | ')}` : '';
    return `${head}${this.exitInfo && !head.includes(this.exitInfo) ? ` (${this.exitInfo})` : ''}${err}${notes}${this.stopping ? '' : '. Close and reopen the panel to start it again.'}`;
  }

  private rejectAll(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(err);
    }
  }
}

function value(v: unknown): number | string {
  return typeof v === 'number' ? v : String(v);
}

interface ExitInfo {
  text: string;
  spawnError: string | null;
}

/**
 * The child's pipes: stdout split into lines (JSON ones are replies or the ready line, anything else is kept
 * as a note for error messages), the tail of stderr, and one exit event once stdout and stderr are drained.
 */
class ScorerIo {
  stderr = '';
  notes: string[] = [];
  onReady: ((ready: Record<string, unknown>) => void) | null = null;
  onReply: ((reply: Record<string, unknown>) => void) | null = null;
  onExit: ((info: ExitInfo) => void) | null = null;
  private buffered = '';
  private exitEmitted = false;

  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    child.stdout.on('data', (chunk: Buffer) => this.onStdout(out.write(chunk)));
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + err.write(chunk)).slice(-STDERR_KEEP);
    });
    // Writing to a scorer that just died is reported by the exit, not as an unhandled EPIPE.
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => this.emitExit({ text: e.message, spawnError: e.message }));
    // 'close' comes after both pipes are drained, so the last reply and the last stderr line are in.
    child.on('close', (code, signal) => this.emitExit({ text: signal ? `killed by ${signal}` : `exit code ${code}`, spawnError: null }));
  }

  write(line: string): void {
    if (this.child.stdin.writable) this.child.stdin.write(line);
  }

  note(text: string): void {
    this.notes.push(text.length > 300 ? `${text.slice(0, 300)}…` : text);
    if (this.notes.length > NOTES_KEEP) this.notes.shift();
  }

  private emitExit(info: ExitInfo): void {
    if (this.exitEmitted) return;
    this.exitEmitted = true;
    live.delete(this.child);
    this.onExit?.(info);
  }

  private onStdout(text: string): void {
    this.buffered += text;
    let nl: number;
    while ((nl = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, nl).trim();
      this.buffered = this.buffered.slice(nl + 1);
      if (line) this.onLine(line);
    }
  }

  private onLine(line: string): void {
    let msg: unknown;
    try {
      msg = parseReplyLine(line);
    } catch {
      msg = undefined;
    }
    if (!msg || typeof msg !== 'object' || Array.isArray(msg)) {
      this.note(line);
      return;
    }
    const obj = msg as Record<string, unknown>;
    if (this.onReady && 'ready' in obj) this.onReady(obj);
    else if (this.onReply && 'id' in obj) this.onReply(obj);
    else this.note(line);
  }
}
