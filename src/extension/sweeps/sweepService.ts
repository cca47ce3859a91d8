import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import type { NewSweep, SweepRunner } from '../../core/sweep/runner';
import type { SweepState } from '../../core/sweep/state';
import { formatNumber } from '../../core/util/format';
import { keepOverrides, setting } from '../config';
import { engine } from '../engine';
import { COMMANDS } from '../commands/ids';
import { runCommand } from '../commands/register';
import { pythonFor } from '../runs/python';
import { WindowSweeps } from './windowSweeps';

/** How long a reloaded window waits for the previous extension host (still shutting down) to let go of its sweep. */
const HANDOVER_TIMEOUT_MS = 60_000;

interface Active {
  folder: string;
  /** Set once the engine has loaded; a Stop before that is remembered in `stopAsked`. */
  runner?: SweepRunner;
  stopAsked?: boolean;
  state: SweepState;
  done: Promise<SweepState | undefined>;
}

/**
 * Sweeps run by this window: the core's SweepRunner (src/core/sweep) with the editor's launch (launchRun, as
 * Run with params… starts a run, with the same settings) and the editor's index (the views hear about every
 * trial). Progress shows in the status bar; a notification offers Compare and Stop.
 */
export class SweepService implements vscode.Disposable {
  readonly active = new Map<string, Active>();
  private readonly ranHere: WindowSweeps;
  /** Set when the window closes or reloads: no new trial is launched by this (dying) extension host. */
  private disposed = false;

  constructor(private readonly lineage: Lineage) {
    this.ranHere = new WindowSweeps(lineage.context.workspaceState);
  }

  private trusted(): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window
      .showWarningMessage('Lineage does not run scripts in an untrusted workspace. Trust this folder to run a sweep.', 'Manage Workspace Trust')
      .then((pick) => pick && vscode.commands.executeCommand('workbench.trust.manage'));
    return false;
  }

  /** Creates the sweep and runs it; resolves once it has started (the runs go on in the background). */
  async start(folder: string, o: Omit<NewSweep, 'workspace' | 'createdBy' | 'python'>): Promise<SweepState | undefined> {
    if (!this.trusted()) return undefined;
    const python = await pythonFor(this.lineage, vscode.Uri.file(o.cwd));
    if (!python) return undefined;
    const { createSweep } = await import('../../core/sweep/runner');
    const state = createSweep({ ...o, workspace: folder, python, createdBy: 'vscode' });
    await this.lineage.sync(folder, [state.id]);
    this.run(folder, state, false);
    return state;
  }

  /** Goes on with a sweep whose window or terminal went away (its queue in .lineage/sweeps). */
  async resume(folder: string, id: string): Promise<SweepState | undefined> {
    if (!this.trusted()) return undefined;
    if (this.active.has(id)) return this.active.get(id)!.state;
    const { loadSweep } = await import('../../core/sweep/state');
    const state = loadSweep(folder, id);
    if (state.status === 'finished' || state.status === 'failed') throw new Error(`The sweep ${state.name} has already ended (${state.status}).`);
    this.run(folder, state, true);
    return state;
  }

  stop(id: string): boolean {
    const a = this.active.get(id);
    if (!a) return false;
    if (a.runner) a.runner.stop();
    else a.stopAsked = true;
    this.lineage.log(`Stopping sweep ${id}`);
    return true;
  }

  /** Resolves when the sweep run by this window ends (tests, and a second Run Sweep on the same id). */
  whenDone(id: string): Promise<SweepState | undefined> {
    return this.active.get(id)?.done ?? Promise.resolve(undefined);
  }

  private run(folder: string, state: SweepState, resume: boolean): void {
    const resource = vscode.Uri.file(folder);
    const status = vscode.window.createStatusBarItem(`lineage.sweep.${state.id}`, vscode.StatusBarAlignment.Left, 49);
    status.name = 'Lineage sweep';
    status.command = { command: COMMANDS.stopSweep, title: 'Stop Sweep', arguments: [state.id] };
    const entry: Active = { folder, state, done: Promise.resolve(undefined) };
    this.active.set(state.id, entry);
    void this.ranHere.add(state.id);
    const done = (async () => {
      const { launchRun, finishRun } = await engine();
      const { SweepRunner, plannedTotal } = await import('../../core/sweep/runner');
      const { ENDED } = await import('../../core/sweep/state');
      const { finalMetric } = await import('../../core/sweep/objective');
      const show = (s: SweepState, ended: number) => {
        const total = plannedTotal(s);
        const best = s.best ? ` · best ${s.objective.metric} ${formatNumber(s.best.value)}` : '';
        status.text = `$(sync~spin) Sweep ${s.name}: ${ended}/${total}${best}`;
        status.tooltip = `Lineage sweep ${s.id}: ${ended} of ${total} runs ended, ${s.parallel} at a time. Click to stop it.`;
        status.show();
      };
      const ws = await this.lineage.workspace(folder);
      const runner = new SweepRunner(folder, state, {
        launch: async (command, name, parentRunId) => {
          // The window is going away: the trial is left queued (it was not saved as started) for the next
          // window, which resumes the sweep once this extension host has exited.
          if (this.disposed) return new Promise<never>(() => {});
          const h = await launchRun({
            workspace: folder,
            command,
            cwd: state.cwd,
            python: state.python,
            name,
            experiment: state.experiment,
            createdBy: 'vscode-sweep',
            parentRunId,
            // The same switches as a run started with Run with params… (runs/runManager.ts).
            env: {
              ...(setting('captureData', resource) ? {} : { LINEAGE_CAPTURE_DATA: '0' }),
              ...(setting('maskSecrets', resource) ? {} : { LINEAGE_MASK_SECRETS: '0' }),
              ...(setting('autolog.frameworks', resource) ? { LINEAGE_AUTOLOG_FRAMEWORKS: '1' } : {}),
            },
          });
          await this.lineage.sync(folder, [h.id]);
          return h;
        },
        finish: async (runId) => {
          const d = await finishRun(ws, runId, {
            sync: () => this.lineage.sync(folder, [runId]),
            onWarning: (m) => this.lineage.log(`Run ${runId}: ${m}`),
            save: 'later',
            keep: keepOverrides(resource),
          });
          this.lineage.fireChanged([runId], folder);
          return { status: d.status, value: finalMetric(ws.store, runId, state.objective.metric) };
        },
        sweepRunChanged: () => this.lineage.sync(folder, [state.id]),
        onTrialStarted: (t) => this.lineage.log(`Sweep ${state.id}: #${t.n} started as run ${t.runId}`),
        onTrialEnded: (t, s, p) => {
          this.lineage.log(`Sweep ${s.id}: #${t.n} ${t.status} (${s.objective.metric} ${t.value ?? 'none'})`);
          show(s, p.ended);
        },
        onWarning: (m) => this.lineage.log(`Sweep ${state.id}: ${m}`),
      });
      entry.runner = runner;
      if (entry.stopAsked) runner.stop();
      const ended = state.trials.filter((t) => ENDED.has(t.status)).length;
      show(state, ended);
      const how = resume ? `resumed (${ended} of ${plannedTotal(state)} runs had ended)` : 'started';
      void vscode.window
        .showInformationMessage(
          `Lineage: sweep ${state.name} ${how}: ${state.strategy}, ${state.parallel} at a time, objective ${state.objective.metric}:${state.objective.direction}.`,
          'Compare',
          'Stop',
        )
        .then((pick) => {
          if (pick === 'Stop') void runCommand(COMMANDS.stopSweep, state.id);
          else if (pick === 'Compare') void runCommand(COMMANDS.compareRuns, state.id);
        });
      const end = await runner.run({ resume });
      return end;
    })();
    const settled = done.then(
      (s) => {
        const best = s.best ? ` Best ${s.objective.metric} ${formatNumber(s.best.value)} (#${s.best.n}).` : '';
        void this.ranHere.remove([s.id]);
        const text = `Lineage: sweep ${s.name} ${s.status}.${best}`;
        void (
          s.status === 'finished' ? vscode.window.showInformationMessage(text, 'Show Best Run', 'Compare') : vscode.window.showWarningMessage(text, 'Compare')
        ).then((pick) => {
          if (pick === 'Show Best Run' && s.best) void runCommand(COMMANDS.openRun, s.best.runId);
          else if (pick === 'Compare') void runCommand(COMMANDS.compareRuns, s.id);
        });
        return s;
      },
      (err: Error) => {
        void this.ranHere.remove([state.id]);
        void vscode.window.showErrorMessage(`Lineage: sweep ${state.name}: ${err.message}`);
        return undefined;
      },
    );
    entry.done = settled;
    void settled.finally(() => {
      this.active.delete(state.id);
      status.dispose();
    });
  }

  /**
   * After a reload: a sweep this window was running goes on by itself (a reload or a closed window does not
   * stop a sweep; Stop Sweep does) once the previous extension host has let go of it; other sweeps whose
   * process is gone (a killed terminal) are resumed, or offered, as lineage.sweeps.resume says.
   */
  async offerResume(): Promise<void> {
    const { listSweeps, runByOther, ENDED } = await import('../../core/sweep/state');
    const host = os.hostname();
    const mine = new Set(this.ranHere.ids());
    const running = new Set<string>();
    for (const folder of this.lineage.folders()) {
      const mode = setting('sweeps.resume', vscode.Uri.file(folder));
      for (const s of listSweeps(folder)) {
        if (s.status === 'running') running.add(s.id);
        if (s.status !== 'running' || this.active.has(s.id) || mode === 'never') continue;
        if (mine.has(s.id)) {
          void this.takeOver(folder, s.id).catch((err: Error) => this.lineage.log(`Resuming sweep ${s.id}: ${err.message}`));
          continue;
        }
        if (runByOther(s, host)) continue;
        if (mode === 'always') {
          await this.resume(folder, s.id);
          continue;
        }
        const ended = s.trials.filter((t) => ENDED.has(t.status)).length;
        void vscode.window
          .showInformationMessage(
            `Lineage: the sweep ${s.name} (${path.basename(s.script)}) stopped with the window: ${ended} run(s) ended. Resume it?`,
            'Resume',
            'Not Now',
          )
          .then((pick) => (pick === 'Resume' ? this.resume(folder, s.id) : undefined));
      }
    }
    // Sweeps that ended (a terminal resumed them) or were deleted while no window of this workspace ran them.
    const gone = [...mine].filter((id) => !running.has(id));
    if (gone.length) await this.ranHere.remove(gone);
  }

  /**
   * Goes on with a sweep this window ran before it reloaded. The previous extension host may still be
   * shutting down (its pid is the sweep's owner): wait for it to exit, so that one process writes the queue.
   */
  private async takeOver(folder: string, id: string): Promise<void> {
    const { loadSweep, runByOther } = await import('../../core/sweep/state');
    const host = os.hostname();
    const until = Date.now() + HANDOVER_TIMEOUT_MS;
    let s = loadSweep(folder, id);
    while (s.status === 'running' && runByOther(s, host)) {
      if (Date.now() > until) {
        this.lineage.log(`Sweep ${id} is still run by process ${s.owner?.pid} (another window?); not resuming it here.`);
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
      s = loadSweep(folder, id);
    }
    if (s.status !== 'running' || this.active.has(id) || this.disposed) return;
    this.lineage.log(`Sweep ${id}: resuming it after the window reloaded (its previous process ${s.owner?.pid ?? '?'} is gone)`);
    await this.resume(folder, id);
  }

  dispose(): void {
    // The runs go on under their keepers; the queue file says what is left for the next window.
    this.disposed = true;
    this.active.clear();
  }
}
