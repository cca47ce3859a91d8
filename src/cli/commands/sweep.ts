import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchRun } from '../../core/launcher/launch';
import { finalMetric } from '../../core/sweep/objective';
import { createSweep, defaultParallel, plannedTotal, SweepRunner } from '../../core/sweep/runner';
import { checkSpace, parseGrid, parseRandom, SpaceError, type ParamSpec } from '../../core/sweep/space';
import { ENDED, listSweeps, loadSweep, parseObjective, type Strategy, type SweepState, type SweepTrial } from '../../core/sweep/state';
import { formatNumber } from '../../core/util/format';
import { UsageError } from '../args';
import { workspaceDirFrom } from '../context';
import { CliError } from '../errors';
import { color, safe } from '../format';

export const SWEEP_HELP = `lineage sweep <script.py> [options] [-- fixed script args…]
lineage sweep --resume <sweep-id> [--parallel N]
lineage sweep --list [--json]

Runs the script once per point of a search space, each run an ordinary recorded run under one sweep run.

Space (each option becomes --name value on the script's command line):
  --grid name=v1,v2,…       every value (the grid is the product of all --grid options)
  --random name=50..400     integers drawn uniformly; name=1e-4..1e-1:log floats, log-uniform;
                            name=a,b,c a choice
  --samples N               random draws per grid point (default 10)
  --optuna --trials N       Optuna's TPE sampler picks N points (python3-optuna in --python)
  --seed S                  the random draws' or Optuna's seed (default: random; recorded)

Options:
  --objective metric:min|max   the metric whose final value ranks the runs (required)
  --parallel N                 runs at once (default: cores − 1 = ${defaultParallel()})
  --python P                   interpreter (default: $LINEAGE_PYTHON, else python3)
  --name N / --experiment E    the sweep run's name and the experiment of all its runs
  --resume ID                  go on with a sweep whose process ended (a killed terminal, a reload)
  --json                       a JSON summary on stdout instead of the best run's id
  --workspace DIR              the folder holding .lineage

Prints each run as it ends (stderr) and the best run's id as the last line of stdout.
Exit code: 0 when a run finished, 1 when every run failed, 130 when stopped (Ctrl-C: the running
runs are stopped, the rest cancelled; --resume goes on with them).`;

interface Parsed {
  script?: string;
  scriptArgs: string[];
  grid: string[];
  random: string[];
  flags: Record<string, string | boolean>;
}

const VALUE = new Set(['samples', 'trials', 'seed', 'objective', 'parallel', 'python', 'name', 'experiment', 'resume', 'workspace']);
const BOOL = new Set(['optuna', 'json', 'list', 'help']);

/** Its own small parser: --grid and --random are given once per option (parseArgs keeps one value a flag). */
function parse(argv: string[]): Parsed {
  const out: Parsed = { scriptArgs: [], grid: [], random: [], flags: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.scriptArgs = argv.slice(i + 1);
      break;
    }
    if (a === '-h') {
      out.flags.help = true;
      continue;
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s, 2);
      const value = () => {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`--${name} needs a value`);
        return v;
      };
      if (name === 'grid') out.grid.push(value());
      else if (name === 'random') out.random.push(value());
      else if (VALUE.has(name)) out.flags[name] = value();
      else if (BOOL.has(name)) {
        if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
        out.flags[name] = true;
      } else throw new UsageError(`unknown option --${name}`);
      continue;
    }
    if (out.script) throw new UsageError(`unexpected argument "${a}"; arguments for the script go after --`);
    out.script = a;
  }
  return out;
}

function positiveInt(v: string | boolean | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a whole number of at least 1 (got ${String(v)})`);
  return n;
}

function pointText(t: SweepTrial): string {
  return Object.entries(t.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export async function sweepCommand(argv: string[]): Promise<number> {
  const a = parse(argv);
  if (a.flags.help) {
    console.log(SWEEP_HELP);
    return 0;
  }
  const workspace = path.resolve(workspaceDirFrom(a.flags.workspace));
  if (a.flags.list) return list(workspace, Boolean(a.flags.json));

  let state: SweepState;
  if (typeof a.flags.resume === 'string') {
    if (a.script || a.grid.length || a.random.length)
      throw new UsageError('--resume goes on with the sweep as it was defined; give only the sweep id (and --parallel)');
    try {
      state = loadSweep(workspace, a.flags.resume);
    } catch (err) {
      throw new CliError((err as Error).message, 1);
    }
    if (state.status === 'finished' || state.status === 'failed')
      throw new CliError(`The sweep ${state.id} has already ended (${state.status}); its best run: ${state.best?.runId ?? 'none'}.`, 1);
    if (a.flags.parallel !== undefined) state.parallel = positiveInt(a.flags.parallel, 'parallel', state.parallel);
  } else {
    if (!a.script) throw new UsageError('give the script to sweep, e.g. lineage sweep train.py --grid lr=0.01,0.1 --objective val_rmse:min');
    if (!fs.existsSync(path.resolve(a.script))) throw new CliError(`The script ${safe(a.script)} does not exist (looked in ${process.cwd()}).`, 2);
    if (typeof a.flags.objective !== 'string') throw new UsageError('give the objective: --objective metric:min or metric:max (e.g. val_rmse:min)');
    let objective;
    let space: ParamSpec[];
    try {
      objective = parseObjective(a.flags.objective);
      space = [...a.grid.map(parseGrid), ...a.random.map(parseRandom)];
      checkSpace(space);
    } catch (err) {
      if (err instanceof SpaceError || err instanceof Error) throw new UsageError(err.message);
      throw err;
    }
    const optuna = Boolean(a.flags.optuna);
    if (a.flags.trials !== undefined && !optuna) throw new UsageError('--trials is for --optuna; random draws are --samples');
    const strategy: Strategy = optuna ? 'optuna' : a.random.length ? 'random' : 'grid';
    const samples = optuna ? positiveInt(a.flags.trials, 'trials', 20) : positiveInt(a.flags.samples, 'samples', 10);
    const seed = a.flags.seed === undefined ? undefined : Number(a.flags.seed);
    if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number (got ${String(a.flags.seed)})`);
    state = createSweep({
      workspace,
      script: a.script,
      scriptArgs: a.scriptArgs,
      cwd: process.cwd(),
      python: a.flags.python as string | undefined,
      experiment: a.flags.experiment as string | undefined,
      name: a.flags.name as string | undefined,
      strategy,
      space,
      samples,
      seed,
      parallel: positiveInt(a.flags.parallel, 'parallel', defaultParallel()),
      objective,
      createdBy: 'cli',
      command: ['lineage', 'sweep', ...argv],
    });
  }
  return runIt(workspace, state, Boolean(a.flags.json), typeof a.flags.resume === 'string');
}

async function runIt(workspace: string, state: SweepState, json: boolean, resumed: boolean): Promise<number> {
  const { LineageWorkspace } = await import('../../core/workspace');
  const { finishRun } = await import('../../core/runs/finishRun');
  const ws = await LineageWorkspace.open(workspace, { sync: false });
  const err = (s: string) => process.stderr.write(s + '\n');
  const warn = (m: string) => err(color.yellow(`lineage: ${safe(m)}`));
  // One index writer at a time: trials can end together.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };
  const total = plannedTotal(state);
  const runner = new SweepRunner(workspace, state, {
    launch: (command, name, parentRunId) =>
      launchRun({ workspace, command, cwd: state.cwd, python: state.python, experiment: state.experiment, name, createdBy: 'cli-sweep', parentRunId }),
    finish: (runId) =>
      serial(async () => {
        const detail = await finishRun(ws, runId, { sync: () => ws.sync({ only: [runId] }), onWarning: warn, save: 'now' });
        return { status: detail.status, value: finalMetric(ws.store, runId, state.objective.metric) };
      }),
    sweepRunChanged: () =>
      serial(async () => {
        await ws.sync({ only: [state.id] });
        await ws.save();
      }),
    onTrialStarted: (t) => err(color.dim(`lineage: #${t.n} ${safe(pointText(t))} → run ${t.runId}`)),
    onTrialEnded: (t, s, { ended, best: b }) => {
      const value = t.value === null || t.value === undefined ? 'no value' : formatNumber(t.value);
      const status = t.status === 'finished' ? color.green(t.status) : color.red(t.status);
      const best = b ? ` · best ${formatNumber(b.value)} (#${b.n})` : '';
      err(`lineage: [${ended}/${total}] #${t.n} ${status} · ${safe(s.objective.metric)} ${value}${best} · ${safe(pointText(t))}`);
    },
    onWarning: warn,
  });
  err(
    color.dim(
      `lineage: ${resumed ? 'resuming' : 'sweep'} ${state.id} (${safe(state.name)}): ${state.strategy}, ${total} run(s), ${state.parallel} at a time, ` +
        `objective ${safe(state.objective.metric)}:${state.objective.direction}, seed ${state.seed}`,
    ),
  );
  const onSignal = () => {
    err(color.yellow(`lineage: stopping the sweep; \`lineage sweep --resume ${state.id}\` goes on with it`));
    runner.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let s: SweepState;
  try {
    s = await runner.run({ resume: resumed });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await chain;
    ws.close();
  }
  const counts = (st: string) => s.trials.filter((t) => t.status === st).length;
  err(
    `lineage: sweep ${s.id} ${s.status === 'finished' ? color.green(s.status) : color.red(s.status)}: ${counts('finished')} finished, ${counts('failed')} failed` +
      (counts('killed') ? `, ${counts('killed')} stopped` : '') +
      (counts('cancelled') ? `, ${counts('cancelled')} cancelled` : '') +
      (counts('interrupted') ? `, ${counts('interrupted')} interrupted and run again` : '') +
      (s.best ? ` · best ${safe(s.objective.metric)} ${formatNumber(s.best.value)}: run ${s.best.runId} (#${s.best.n})` : ''),
  );
  if (json) console.log(JSON.stringify(summary(s)));
  else if (s.best) console.log(s.best.runId);
  if (s.status === 'stopped') return 130;
  return s.status === 'finished' ? 0 : 1;
}

function summary(s: SweepState) {
  return {
    id: s.id,
    name: s.name,
    status: s.status,
    strategy: s.strategy,
    seed: s.seed,
    objective: s.objective,
    bestRunId: s.best?.runId ?? null,
    bestValue: s.best?.value ?? null,
    trials: s.trials.map((t) => ({ n: t.n, params: t.params, status: t.status, runId: t.runId ?? null, value: t.value ?? null })),
  };
}

function list(workspace: string, json: boolean): number {
  const sweeps = listSweeps(workspace);
  if (json) {
    console.log(JSON.stringify(sweeps.map(summary)));
    return 0;
  }
  if (!sweeps.length) {
    console.log('No sweeps here; start one with lineage sweep train.py --grid lr=0.01,0.1 --objective val_rmse:min');
    return 0;
  }
  const host = os.hostname();
  for (const s of sweeps) {
    const ended = s.trials.filter((t) => ENDED.has(t.status)).length;
    const stale = s.status === 'running' && (!s.owner || s.owner.host === host) ? ' (resume with --resume)' : '';
    console.log(
      `${s.id}  ${safe(s.name)}  ${s.status}${stale}  ${ended}/${plannedTotal(s)}  best ${s.best ? `${formatNumber(s.best.value)} ${s.best.runId}` : '-'}`,
    );
  }
  return 0;
}
