import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunHandle } from '../launcher/launch';
import { signalTree } from '../launcher/processTree';
import { isProcessAlive } from '../util/fsx';
import type { RunRecord } from '../runs/runRecord';
import { askOptuna } from './optuna';
import { plannedPoints, pointArgs, type Point } from './sample';
import { describeSpec, type ParamSpec } from './space';
import { appendSweepEvents, createSweepRun, endSweepRun, hasParent, linkToSweep, markBest, reopenSweepRun } from './sweepRun';
import { bestTrial, ENDED, runByOther, saveSweep, type Direction, type Strategy, type SweepState, type SweepTrial } from './state';

/** What the adapter (CLI, editor) does for the sweep: start runs its way, and read them into its index. */
export interface SweepHooks {
  /**
   * Starts one trial's run through launchRun, as `lineage run` (or Run with params…) would start it, with
   * `parentRunId` (the sweep's id) passed on to launchRun so the first run.json already names its parent.
   */
  launch(command: string[], name: string, parentRunId: string): Promise<RunHandle>;
  /** After a trial's run ended: index it (finishRun) and return its status and the objective's final value. */
  finish(runId: string): Promise<{ status: string; value: number | undefined }>;
  /** The sweep run's folder changed (a new best, its end): index it. */
  sweepRunChanged?(): Promise<void>;
  onTrialStarted?(t: SweepTrial, s: SweepState): void;
  /** `ended`: trials ended so far, this one included; `best`: the best as of this one's end. */
  onTrialEnded?(t: SweepTrial, s: SweepState, progress: { ended: number; best?: SweepState['best'] }): void;
  /** Something went wrong with one trial that does not end the sweep. */
  onWarning?(message: string): void;
}

export interface NewSweep {
  workspace: string;
  script: string;
  scriptArgs?: string[];
  cwd: string;
  python?: string;
  experiment?: string;
  name?: string;
  strategy: Strategy;
  space: ParamSpec[];
  samples: number;
  seed?: number;
  parallel?: number;
  objective: { metric: string; direction: Direction };
  createdBy: string;
  /** The command line recorded as the sweep run's command. */
  command: string[];
}

/** cores − 1 (at least 1): one core stays for the editor or the terminal. */
export function defaultParallel(): number {
  const n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, n - 1);
}

function defaultExperiment(workspace: string, cwd: string, script: string): string {
  const dir = path.dirname(path.resolve(cwd, script));
  return dir !== path.resolve(workspace) ? path.basename(dir) : path.basename(path.resolve(workspace)) || 'default';
}

/** Creates the sweep's run folder and its queue file; run it with new SweepRunner(…).run(). */
export function createSweep(o: NewSweep): SweepState {
  const seed = o.seed ?? Math.floor(Math.random() * 2 ** 31);
  const parallel = Math.max(1, Math.floor(o.parallel ?? defaultParallel()));
  const experiment = o.experiment || defaultExperiment(o.workspace, o.cwd, o.script);
  const params: Record<string, string | number> = {
    'sweep.strategy': o.strategy,
    'sweep.objective': `${o.objective.metric}:${o.objective.direction}`,
    'sweep.seed': seed,
    'sweep.parallel': parallel,
    ...(o.strategy === 'grid' ? {} : { [o.strategy === 'optuna' ? 'sweep.trials' : 'sweep.samples']: o.samples }),
    'sweep.script': o.script,
    ...Object.fromEntries(o.space.map((p) => [`space.${p.name}`, describeSpec(p)])),
  };
  const run = createSweepRun(path.join(o.workspace, '.lineage', 'runs'), {
    name: o.name,
    experiment,
    command: o.command,
    cwd: o.cwd,
    createdBy: o.createdBy,
    params,
  });
  const now = new Date().toISOString();
  const trials: SweepTrial[] =
    o.strategy === 'optuna' ? [] : plannedPoints(o.space, o.samples, seed).map((params, i) => ({ n: i + 1, params, status: 'pending' as const }));
  const s: SweepState = {
    schema: 1,
    id: run.id,
    name: o.name || (JSON.parse(fs.readFileSync(path.join(run.dir, 'run.json'), 'utf8')) as RunRecord).name,
    script: o.script,
    scriptArgs: o.scriptArgs ?? [],
    cwd: o.cwd,
    python: o.python,
    experiment,
    strategy: o.strategy,
    space: o.space,
    samples: o.samples,
    seed,
    parallel,
    objective: o.objective,
    status: 'running',
    trials,
    owner: { pid: process.pid, host: os.hostname() },
    createdBy: o.createdBy,
    createdAt: now,
    updatedAt: now,
  };
  saveSweep(o.workspace, s);
  return s;
}

/** How many trials the sweep will have in all. */
export function plannedTotal(s: SweepState): number {
  return s.strategy === 'optuna' ? s.samples : s.trials.length;
}

interface Live {
  trial: SweepTrial;
  stop(): void;
  done: Promise<void>;
}

/**
 * Runs a sweep's queue: up to `parallel` trials at once, each an ordinary run of the script (the adapter's
 * launch) linked to the sweep run, the best so far tagged, the queue file saved after every change so a
 * resume (a new SweepRunner on the loaded state) goes on where this one stopped. A trial's run that was still
 * running when the previous process died is waited for (its keeper outlives the launcher) and counted; one
 * whose process is gone without an end is marked 'interrupted' and its params queued again.
 */
export class SweepRunner {
  private readonly live = new Set<Live>();
  private stopping = false;
  private fatal: Error | undefined;
  private readonly runsDir: string;

  constructor(
    private readonly workspace: string,
    readonly state: SweepState,
    private readonly hooks: SweepHooks,
    private readonly python = state.python || process.env.LINEAGE_PYTHON || 'python3',
  ) {
    this.runsDir = path.join(workspace, '.lineage', 'runs');
  }

  private get dir(): string {
    return path.join(this.runsDir, this.state.id);
  }

  private save(): void {
    saveSweep(this.workspace, this.state);
  }

  /** Cancels what is queued and stops the running trials; run() then resolves with the sweep 'stopped'. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.state.trials) if (t.status === 'pending') t.status = 'cancelled';
    this.save();
    for (const l of this.live) l.stop();
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** `resume`: the state was loaded from its file (a new sweep is run straight after createSweep). */
  async run(opts: { resume?: boolean } = {}): Promise<SweepState> {
    const s = this.state;
    const host = os.hostname();
    if (runByOther(s, host)) throw new Error(`The sweep ${s.id} is being run by process ${s.owner!.pid}; stop that one first.`);
    const resumed = opts.resume || s.owner?.pid !== process.pid;
    s.owner = { pid: process.pid, host };
    if (resumed) {
      // A stopped sweep resumed by hand goes on with what was cancelled.
      for (const t of s.trials) if (t.status === 'cancelled') t.status = 'pending';
      s.status = 'running';
      try {
        reopenSweepRun(this.dir);
      } catch {
        throw new Error(`The sweep's run folder ${this.dir} is missing or unreadable, so the sweep cannot be resumed; start a new sweep.`);
      }
      for (const t of s.trials) if (t.status === 'running') this.adopt(t);
    }
    this.save();

    while (!this.stopping) {
      while (!this.stopping && this.live.size < s.parallel) {
        const t = s.trials.find((x) => x.status === 'pending');
        if (!t && s.strategy === 'optuna' && s.trials.length < s.samples) {
          const count = Math.min(s.parallel - this.live.size, s.samples - s.trials.length);
          let points: Point[];
          try {
            points = await askOptuna(this.python, {
              space: s.space,
              direction: s.objective.direction,
              seed: s.seed + s.trials.length,
              trials: s.trials,
              count,
            });
          } catch (err) {
            // No further trial can be asked for: the running ones end, and the sweep ends failed with the reason.
            this.fatal = err as Error;
            this.stop();
            break;
          }
          for (const params of points) s.trials.push({ n: s.trials.length + 1, params, status: 'pending' });
          this.save();
          continue;
        }
        if (!t) break;
        await this.start(t);
      }
      if (this.live.size === 0) break;
      await Promise.race([...this.live].map((l) => l.done));
    }
    while (this.live.size) await Promise.race([...this.live].map((l) => l.done));
    const end = await this.end();
    if (this.fatal) throw this.fatal;
    return end;
  }

  private track(trial: SweepTrial, stop: () => void, ended: Promise<void>): void {
    const l: Live = { trial, stop, done: Promise.resolve() };
    l.done = ended.catch((err: Error) => this.hooks.onWarning?.(`trial #${trial.n}: ${err.message}`)).finally(() => this.live.delete(l));
    this.live.add(l);
  }

  private async start(t: SweepTrial): Promise<void> {
    const s = this.state;
    t.status = 'running';
    delete t.runId;
    let handle: RunHandle;
    try {
      handle = await this.hooks.launch([s.script, ...s.scriptArgs, ...pointArgs(s.space, t.params)], `${s.name} #${t.n}`, s.id);
    } catch (err) {
      t.status = 'failed';
      t.value = null;
      this.save();
      this.hooks.onWarning?.(`trial #${t.n} could not start: ${(err as Error).message}`);
      this.hooks.onTrialEnded?.(t, s, { ended: s.trials.filter((x) => ENDED.has(x.status)).length, best: s.best });
      return;
    }
    // An adapter that does not pass parentRunId on to launchRun: link it now (checked again at the end).
    if (!hasParent(handle.dir, s.id)) linkToSweep(handle.dir, s.id);
    t.runId = handle.id;
    this.save();
    this.hooks.onTrialStarted?.(t, s);
    this.track(
      t,
      () => handle.stop(),
      handle.done.then(
        () => this.ended(t),
        () => this.ended(t),
      ),
    );
  }

  /** A trial whose run was started by a process that is gone. */
  private adopt(t: SweepTrial): void {
    const runDir = t.runId ? path.join(this.runsDir, t.runId) : undefined;
    const rec = runDir ? readRecord(runDir) : undefined;
    if (!rec) {
      // Died between queueing and launching: nothing ran.
      t.status = 'pending';
      return;
    }
    const stop = () => {
      const r = readRecord(runDir!);
      if (r?.childPid && r.status === 'running') signalTree(r.childPid, 'SIGTERM');
    };
    this.track(
      t,
      stop,
      (async () => {
        if (!(await startedOrEnded(runDir!))) {
          t.status = 'interrupted';
          requeue(this.state, t);
          this.save();
          this.hooks.onWarning?.(`run ${t.runId} (#${t.n}) stopped without an end when the sweep's process died; its params are queued again.`);
          return;
        }
        await waitForEnd(runDir!);
        await this.ended(t);
      })(),
    );
  }

  private async ended(t: SweepTrial): Promise<void> {
    const s = this.state;
    const runDir = path.join(this.runsDir, t.runId!);
    if (!hasParent(runDir, s.id)) linkToSweep(runDir, s.id);
    const r = await this.hooks.finish(t.runId!);
    t.status = r.status === 'finished' ? 'finished' : r.status === 'killed' ? 'killed' : 'failed';
    t.value = typeof r.value === 'number' && Number.isFinite(r.value) ? r.value : null;
    if (t.status === 'finished' && t.value === null)
      this.hooks.onWarning?.(`run ${t.runId} (#${t.n}) finished without a final ${s.objective.metric}; it cannot be the best.`);
    const best = bestTrial(s.trials, s.objective.direction);
    const done = s.trials.filter((x) => ENDED.has(x.status)).length;
    const events: object[] = [{ type: 'metric', key: 'sweep.runs_ended', value: done, step: done - 1, ts: Date.now() / 1000 }];
    if (best && best.runId !== s.best?.runId) {
      markBest(this.runsDir, best.runId!, s.best?.runId);
      events.push({ type: 'tag', key: 'lineage.sweep_best_run', value: best.runId });
    }
    if (best) {
      s.best = { runId: best.runId!, value: best.value!, n: best.n };
      events.push({ type: 'metric', key: s.objective.metric, value: best.value, step: done - 1, ts: Date.now() / 1000 });
    }
    appendSweepEvents(path.join(this.runsDir, s.id), events);
    this.save();
    const progress = { ended: done, best: s.best && { ...s.best } };
    await this.hooks.sweepRunChanged?.();
    this.hooks.onTrialEnded?.(t, s, progress);
  }

  private async end(): Promise<SweepState> {
    const s = this.state;
    const ok = s.trials.some((t) => t.status === 'finished');
    s.status = this.fatal ? 'failed' : this.stopping ? 'stopped' : ok ? 'finished' : 'failed';
    delete s.owner;
    endSweepRun(
      this.dir,
      s.status === 'finished' ? 'finished' : s.status === 'stopped' ? 'killed' : 'failed',
      this.fatal ? this.fatal.message : s.status === 'failed' ? 'Every trial of the sweep failed; the console logs of its runs say why.' : undefined,
    );
    this.save();
    await this.hooks.sweepRunChanged?.();
    return s;
  }
}

function requeue(s: SweepState, t: SweepTrial): void {
  s.trials.push({ n: s.trials.length + 1, params: t.params, status: 'pending' });
}

function readRecord(runDir: string): RunRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
}

/** The keeper (run.json's pid once it started) or the script itself is still there. */
function runAlive(r: RunRecord): boolean {
  return (r.pid !== undefined && isProcessAlive(r.pid)) || (r.childPid !== undefined && isProcessAlive(r.childPid));
}

/**
 * Whether a run left 'running' by a dead launcher has a live process or an end. Just after a launch, run.json
 * still names the launcher's pid until the keeper has started the script and saved its own (tens of ms, more
 * on a loaded machine): a few seconds of grace before calling it lost.
 */
async function startedOrEnded(runDir: string, graceMs = 5000): Promise<boolean> {
  const until = Date.now() + graceMs;
  for (;;) {
    const r = readRecord(runDir);
    if (!r) return false;
    if (r.status !== 'running' || runAlive(r)) return true;
    if (Date.now() > until) return false;
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** Waits for a run started by an earlier process to end: its keeper writes the end into run.json. */
async function waitForEnd(runDir: string): Promise<void> {
  for (;;) {
    const r = readRecord(runDir);
    if (!r || r.status !== 'running') return;
    if (!runAlive(r)) {
      // The keeper writes run.json last: give it a moment, then take what is there.
      await new Promise((res) => setTimeout(res, 500));
      return;
    }
    await new Promise((res) => setTimeout(res, 300));
  }
}
