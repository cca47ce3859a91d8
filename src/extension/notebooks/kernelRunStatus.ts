import * as os from 'node:os';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import { clockDuration, liveKernelRuns, type KernelRun } from '../../core/notebooks/kernelRuns';
import { isProcessAlive } from '../../core/util/fsx';
import { formatNumber } from '../../core/util/format';
import { COMMANDS } from '../commands/ids';

/** What the status bar item shows now (for the real-VS Code tests). */
export interface KernelRunStatusShown {
  visible: boolean;
  text: string;
  tooltip: string;
  command?: string;
  arguments?: unknown[];
}

const TICK_MS = 1000;
const clean = (s: string) => s.replace(/[*_`\\[\]<>]/g, '');

/**
 * The runs of live Jupyter kernels (`lineage.start_run()` in a notebook, any kernel of this machine), in the
 * status bar as the RunManager shows a launched script: name, time running, latest metric. They come from
 * the index, which the run watcher keeps up to date. A kernel's run ends with `lineage.end_run()`; a kernel
 * that dies (killed, crashed) writes no end, so each second the kernel's pid, recorded in run.json, is
 * checked, and a dead one is dropped at once and its run read again (the index then says it was killed).
 * Clicking opens the run: it cannot be stopped from here, the notebook ends it.
 */
export class KernelRunStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('lineage.kernelRuns', vscode.StatusBarAlignment.Left, 49);
  /** Per workspace folder, the kernel runs the index last listed. */
  private readonly byFolder = new Map<string, KernelRun[]>();
  private readonly dead = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly lineage: Lineage) {
    this.item.name = 'Lineage notebook runs';
    this.subscriptions = [lineage.onDidChangeRunsIn(({ folder }) => void this.refresh(folder)), lineage.onDidOpenIndex((folder) => void this.refresh(folder))];
  }

  private async refresh(folder: string): Promise<void> {
    if (!folder) return;
    try {
      const ws = await this.lineage.workspace(folder);
      const host = os.hostname();
      // Only this machine's kernels: elsewhere their pid says nothing.
      this.byFolder.set(
        folder,
        liveKernelRuns(ws.store).filter((r) => (!r.host || r.host === host) && !this.dead.has(r.id)),
      );
    } catch (err) {
      this.lineage.log(`Could not list the notebook kernels' runs: ${(err as Error).message}`);
    }
    this.update();
  }

  private runs(): Array<KernelRun & { folder: string }> {
    return [...this.byFolder].flatMap(([folder, runs]) => runs.map((r) => ({ ...r, folder })));
  }

  /** Drops the runs whose kernel is gone, and has the index read them again to learn how they ended. */
  private checkAlive(): void {
    for (const [folder, runs] of this.byFolder) {
      const gone = runs.filter((r) => r.pid !== null && !isProcessAlive(r.pid));
      if (!gone.length) continue;
      for (const r of gone) this.dead.add(r.id);
      this.byFolder.set(
        folder,
        runs.filter((r) => !gone.includes(r)),
      );
      void this.lineage.sync(
        folder,
        gone.map((r) => r.id),
      );
    }
  }

  private update(): void {
    this.checkAlive();
    const runs = this.runs();
    if (runs.length === 0) {
      this.item.hide();
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    const line = (r: KernelRun) =>
      [r.name, r.startedAt !== null ? clockDuration(now - r.startedAt) : '', r.latest ? `${r.latest.key} ${formatNumber(r.latest.value)}` : '']
        .filter(Boolean)
        .join(' · ');
    const first = runs[0];
    this.item.text = runs.length === 1 ? `$(sync~spin) ${line(first)}` : `$(sync~spin) ${runs.length} Lineage notebook runs`;
    this.item.tooltip = new vscode.MarkdownString(
      runs.map((r) => `**${clean(r.name)}** ${clean(line(r).slice(r.name.length))}`).join('\n\n') +
        '\n\nRecorded from a live notebook kernel; `lineage.end_run()` in the notebook ends it. Click to open the run.',
    );
    // With several, Open Run offers them (and every other run) to pick from.
    this.item.command =
      runs.length === 1 ? { command: COMMANDS.openRun, title: 'Open Run', arguments: [first.id] } : { command: COMMANDS.openRun, title: 'Open Run' };
    this.item.accessibilityInformation = { label: `Lineage: ${runs.length} notebook run(s) recording. Click to open.` };
    this.item.show();
    this.timer ??= setInterval(() => this.update(), TICK_MS);
  }

  /** For the real-VS Code tests: what the item shows. */
  shown(): KernelRunStatusShown {
    const cmd = this.item.command as vscode.Command | undefined;
    const tooltip = this.item.tooltip;
    return {
      visible: this.runs().length > 0,
      text: this.item.text,
      tooltip: typeof tooltip === 'string' ? tooltip : (tooltip?.value ?? ''),
      command: cmd?.command,
      arguments: cmd?.arguments,
    };
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
