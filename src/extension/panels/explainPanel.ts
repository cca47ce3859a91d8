import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Lineage } from '../lineage';
import {
  ExplainCompare,
  ExplainCounterfactual,
  ExplainDependence,
  ExplainExportReport,
  ExplainFailed,
  ExplainFindRows,
  ExplainInit,
  ExplainManageTrust,
  ExplainPdp,
  ExplainPick,
  ExplainPredict,
  ExplainReady,
  ExplainRow,
  ExplainScorer,
  ExplainStateChanged,
  type CounterfactualResult,
  type ExplainState,
  type ExplainTab,
  type OtherExplanation,
  type PdpData,
  type WhatIfAvailability,
} from '../../../webview/explain/protocol';
import type { ExplanationData } from '../../core/explain/load';
import type { Scorer } from '../../core/explain/scorer';
import { lineagePaths, runDir } from '../../core/util/lineagePaths';
import { PanelHost } from './panelHost';
import { folderOfRuns, openFolder } from './panelFolder';
import { engine } from '../engine';
import {
  counterfactualMatches,
  explainStateOf,
  explanationNameOf,
  explanationRelogged,
  findRowsParamsOf,
  rowIndexOf,
  savedRunId,
  whatIfRowOf,
  type CounterfactualKey,
} from './panelMessages';
import { safeFileName } from '../../../webview/shared/escape';
import { chosenPython } from '../runs/python';
import { COMMANDS } from '../commands/ids';
import { runCommand } from '../commands/register';

export const EXPLAIN_VIEW_TYPE = 'lineage.explain';

type Ready = { state: ExplainState | null };

/** The explanation engine, loaded on first use (like engine(): nothing of it on the activation path). */
const explainCore = () =>
  Promise.all([
    import('../../core/explain/load'),
    import('../../core/explain/views'),
    import('../../core/explain/report'),
    import('../../core/explain/scorer'),
    import('../../core/explain/trust'),
  ]).then(([load, views, report, scorer, trust]) => ({ ...load, ...views, ...report, ...scorer, ...trust }));

/**
 * Beeswarm size the page draws for the first paint: 20 features × 200 density bins (× the colour buckets
 * a bin's rows fall in), about 4,000 SVG points at 10,000 rows: test/webview/explainBench.mjs.
 */
const SHOWN = 20;
const POINTS_PER_FEATURE = 200;
/** ICE curves sent to the page per feature: enough to see the spread, few enough to draw as SVG lines. */
const ICE_CURVES = 50;

/**
 * The Explain panel's host side, one panel per run: it loads the run's explanation from its folder, answers
 * the page with views reduced by the engine (the page never sees the n × m arrays), runs the what-if scorer
 * (the run's own model in its own interpreter, started on first use, only in a trusted workspace, stopped
 * with the panel) and writes the per-row report where the user chooses.
 */
export class ExplainPanel extends PanelHost<Ready> {
  private static byRun = new Map<string, ExplainPanel>();
  private data?: { name: string; ex: ExplanationData };
  private others: OtherExplanation[] = [];
  private scorer?: Promise<Scorer>;
  private scorerKey = '';
  /**
   * The last counterfactual, kept for the report: with what it was searched for (explanation, its logging, row,
   * inputs), so a report of another explanation, a re-logged one or another row never includes it.
   */
  private counterfactual?: { key: CounterfactualKey; target: number; maxFeatures: number; result: CounterfactualResult };

  static show(state: Lineage, runId: string, folder?: string, name?: string): void {
    const open = ExplainPanel.byRun.get(runId);
    if (open) {
      open.panel.reveal();
      if (name && name !== open.name) void open.pick(name);
      return;
    }
    // Only a folder open in this window (the caller's may come from a command's arguments).
    const p = new ExplainPanel(state, PanelHost.create(state, EXPLAIN_VIEW_TYPE, 'Explain'), runId, openFolder(folder) ?? folderOfRuns(state, [runId]));
    if (name) p.name = name;
  }

  /** The open panel of a run: for the real-VS Code tests only (main.ts `LineageApi.testPanels.explain`). */
  static opened(runId: string): ExplainPanel | undefined {
    return ExplainPanel.byRun.get(runId);
  }

  static revive(state: Lineage, panel: vscode.WebviewPanel, saved: ExplainState | undefined): void {
    // The saved state is the webview's: checked like any message from it.
    const s = explainStateOf(saved);
    const runId = s.runId ?? '';
    const p = new ExplainPanel(state, panel, runId, openFolder(s.folder) ?? (runId ? folderOfRuns(state, [runId]) : undefined));
    p.apply(s);
  }

  private name = 'default';
  private row = 0;
  private tab: ExplainTab = 'global';

  private constructor(
    state: Lineage,
    panel: vscode.WebviewPanel,
    private runId: string,
    private folder: string | undefined,
  ) {
    super(state, panel, {
      viewType: EXPLAIN_VIEW_TYPE,
      label: 'Explain panel',
      ready: ExplainReady,
      title: 'Lineage: Explain',
      scripts: ['plotly.min.js', 'explain.js'],
      styles: ['explain.css'],
    });
    if (runId) ExplainPanel.byRun.set(runId, this);
    this.ipc
      .on(ExplainStateChanged, (m) => this.apply(explainStateOf(m.state)))
      .on(ExplainPick, (m) => {
        const name = explanationNameOf(m.name);
        if (name) return this.pick(name);
      })
      .on(ExplainManageTrust, () => vscode.commands.executeCommand('workbench.trust.manage'))
      .onRequest(ExplainRow, async (m) => {
        const { ex, core } = await this.loaded();
        const i = rowIndexOf(m.index, ex.manifest.rows);
        return { row: i === undefined ? null : core.rowView(ex, i) };
      })
      .onRequest(ExplainFindRows, async (m) => {
        const q = findRowsParamsOf(m);
        if (!q) return { rows: [], error: 'Choose how to sort the rows.' };
        const { ex, core } = await this.loaded();
        try {
          return { rows: core.findRows(ex, q), error: null };
        } catch (err) {
          // A search the engine cannot read, or a sort without targets: the page shows the engine's message.
          return { rows: [], error: (err as Error).message };
        }
      })
      .onRequest(ExplainDependence, async (m) => {
        const { ex, core } = await this.loaded();
        if (typeof m.feature !== 'string' || !ex.manifest.features.includes(m.feature)) return { view: null };
        return { view: core.dependenceView(ex, m.feature) };
      })
      .onRequest(ExplainPdp, async (m) => {
        const { ex } = await this.loaded();
        return { pdp: typeof m.feature === 'string' ? pdpOf(ex, m.feature) : null };
      })
      .onRequest(ExplainCompare, (m) => this.compare(m.runId, m.name))
      .onRequest(ExplainPredict, (m) => this.predict(m.index, m.row))
      .onRequest(ExplainCounterfactual, (m) => this.counterfactualOf(m.index, m.row, m.target, m.maxFeatures))
      .onRequest(ExplainExportReport, (m) => this.exportReport(m.index));
    this.disposables.push(
      state.onDidChangeRuns((ids) => {
        if (ids.includes(this.runId) && this.panel.visible) void this.reloadIfChanged().catch((err) => this.log((err as Error).message));
      }),
      // Trust granted while the panel is open: what-if becomes available without reopening it.
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.sendInit().catch((err) => this.log((err as Error).message))),
    );
  }

  /** Keeps what the page says it shows (checked in panelMessages.ts), so a reopened panel shows it again. */
  private apply(s: Partial<ExplainState>): void {
    if (!this.runId && s.runId) {
      this.runId = s.runId;
      ExplainPanel.byRun.set(this.runId, this);
    }
    if (s.name) this.name = s.name;
    if (s.row !== undefined) this.row = s.row;
    if (s.tab) this.tab = s.tab;
  }

  private runFolder(): string {
    const f = this.folder ?? folderOfRuns(this.state, [this.runId]);
    if (!f) throw new Error('no folder is open');
    return f;
  }

  private dir(runId = this.runId): string {
    return runDir(lineagePaths(this.runFolder()), runId);
  }

  protected onReady(m: Ready): Promise<void> {
    const s = explainStateOf(m.state);
    if (!this.runId && savedRunId(s.runId)) this.apply(s);
    else if (s.runId === this.runId) this.apply(s);
    this.folder ??= openFolder(s.folder) ?? folderOfRuns(this.state, [this.runId]);
    return this.sendInit();
  }

  private async pick(name: string): Promise<void> {
    this.name = name;
    this.row = 0;
    this.data = undefined;
    this.counterfactual = undefined;
    await this.stopScorer();
    await this.sendInit();
  }

  private async loaded(): Promise<{ ex: ExplanationData; core: Awaited<ReturnType<typeof explainCore>> }> {
    const core = await explainCore();
    if (!this.data || this.data.name !== this.name) this.data = { name: this.name, ex: await core.loadExplanation(this.dir(), this.name) };
    return { ex: this.data.ex, core };
  }

  /**
   * The shown explanation read again for a fresh init (a page coming back after being hidden, trust granted):
   * loadExplanation's cache checks the file's stamp, so an unchanged one costs a stat. One re-logged meanwhile
   * (a panel hidden when the run changed does not reload) replaces the old, and the old model's scorer and
   * counterfactual go with it.
   */
  private async reloaded(): Promise<{ ex: ExplanationData; core: Awaited<ReturnType<typeof explainCore>> }> {
    const core = await explainCore();
    const before = this.data;
    const ex = await core.loadExplanation(this.dir(), this.name);
    this.data = { name: this.name, ex };
    if (explanationRelogged(before && { name: before.name, created: before.ex.manifest.created }, { name: this.name, created: ex.manifest.created })) {
      this.counterfactual = undefined;
      await this.stopScorer();
    }
    return { ex, core };
  }

  private async sendInit(): Promise<void> {
    const fail = (message: string) => this.ipc.notify(ExplainFailed, { message });
    if (!this.runId) return fail('This panel does not know its run any more. Open Explain again from the run.');
    let folder: string;
    try {
      folder = this.runFolder();
    } catch {
      return fail('Open the folder of this run to see its explanation.');
    }
    const ws = await this.state.workspace(folder);
    const { listExplanations, getRun, hasRun, runsWithExplanations, listRuns } = await engine();
    if (!hasRun(ws.store, this.runId)) return fail(`The run ${this.runId} is not in this workspace's Lineage index (deleted?).`);
    const run = getRun(ws.store, this.runId);
    const names = listExplanations(ws.store, this.runId).map((e) => e.name);
    this.panel.title = `Explain ${run.name}`;
    if (names.length === 0)
      return fail(`Run ${run.name} has no explanation. Call lineage.explain(model, X) in its script after training, run it again, then open Explain.`);
    if (!names.includes(this.name)) this.name = names.includes('default') ? 'default' : names[0];
    let ex: ExplanationData;
    const core = await explainCore();
    try {
      ({ ex } = await this.reloaded());
    } catch (err) {
      return fail((err as Error).message);
    }
    const row = core.rowView(ex, rowIndexOf(this.row, ex.manifest.rows) ?? 0);
    this.row = row.index;
    // Other explanations to compare with: this run's other names, and every other run's in this folder.
    const explained = [...runsWithExplanations(ws.store)].slice(0, 2000);
    this.others = listRuns(ws.store, { ids: explained, limit: 200 }).flatMap((r) =>
      listExplanations(ws.store, r.id)
        .filter((e) => r.id !== this.runId || e.name !== this.name)
        .map((e) => ({ runId: r.id, runName: r.name, name: e.name })),
    );
    this.ipc.notify(ExplainInit, {
      runId: this.runId,
      runName: run.name,
      folder,
      names: [this.name, ...names.filter((n) => n !== this.name)],
      global: core.globalView(this.runId, ex, { shown: SHOWN, pointsPerFeature: POINTS_PER_FEATURE }),
      row,
      tab: this.tab,
      others: this.others,
      whatIf: whatIfAvailability(ex),
    });
  }

  /** A re-logged explanation (a new `created`) is shown afresh; other changes to the run are not ours. */
  private async reloadIfChanged(): Promise<void> {
    if (!this.data) return;
    const core = await explainCore();
    const m = await core.readManifest(this.dir(), this.name).catch(() => undefined);
    if (m && m.created === this.data.ex.manifest.created) return;
    core.clearExplanationCache();
    this.data = undefined;
    this.counterfactual = undefined;
    await this.stopScorer();
    await this.sendInit();
  }

  private async compare(
    runId: unknown,
    name: unknown,
  ): Promise<{ features: Array<{ feature: string; a: number | null; b: number | null }>; otherRunName: string; error: string | null }> {
    // Only an explanation the init offered (this folder's runs): the page's ids are not trusted.
    const other = this.others.find((o) => o.runId === runId && o.name === name);
    if (!other) return { features: [], otherRunName: '', error: 'That explanation is not one this panel offered.' };
    const { ex, core } = await this.loaded();
    try {
      const b = await core.loadExplanation(this.dir(other.runId), other.name);
      return { features: core.comparisonView(ex, b), otherRunName: other.runName, error: null };
    } catch (err) {
      return { features: [], otherRunName: other.runName, error: (err as Error).message };
    }
  }

  /** Why what-if cannot run here, checked again on every request (trust can be revoked while the panel is open). */
  private whatIfRefusal(ex: ExplanationData): string | null {
    const w = whatIfAvailability(ex);
    return w.enabled ? null : w.reason;
  }

  /**
   * The scorer for the shown explanation, started on first use with the interpreter Rerun would use (never one
   * named only by the run's record: a copied-in run folder could name any program). A start that fails says
   * what to do, on the page and in a message with a way to choose the interpreter.
   */
  private startScorer(): Promise<Scorer> {
    const key = `${this.runId}\0${this.name}`;
    if (this.scorer && this.scorerKey === key) return this.scorer;
    void this.stopScorer();
    this.scorerKey = key;
    const starting = (async () => {
      this.ipc.notify(ExplainScorer, { state: 'starting', message: null });
      const folder = this.runFolder();
      const ws = await this.state.workspace(folder);
      const { getRun } = await engine();
      const run = getRun(ws.store, this.runId);
      const { ex } = await this.loaded();
      const core = await explainCore();
      // Not pythonFor: its notification would hold the page at "Starting the model…" until dismissed. A missing
      // interpreter fails the start at once; the failure below offers the choice.
      const chosen = await chosenPython(this.state, vscode.Uri.file(folder));
      if (!chosen.exists) throw new Error(scorerFailure(`The Python interpreter "${chosen.python}" was not found, so the model cannot be loaded.`, null));
      const { python, runPython } = core.scorerPython(chosen.python, [run.python?.path, ex.manifest.python]);
      const cwd = run.cwd && isInside(folder, run.cwd) && fs.existsSync(run.cwd) ? run.cwd : folder;
      try {
        return await core.Scorer.start({
          python,
          sdkPath: vscode.Uri.joinPath(this.state.context.extensionUri, 'sdk', 'python').fsPath,
          runDir: this.dir(),
          name: this.name,
          cwd,
        });
      } catch (err) {
        throw new Error(scorerFailure((err as Error).message, runPython), { cause: err });
      }
    })();
    this.scorer = starting;
    starting.then(
      () => this.ipc.notify(ExplainScorer, { state: 'ready', message: null }),
      (err: Error) => {
        if (this.scorer === starting) this.scorer = undefined;
        this.ipc.notify(ExplainScorer, { state: 'failed', message: err.message });
        void offerInterpreter(err.message);
      },
    );
    return starting;
  }

  private async stopScorer(): Promise<void> {
    const s = this.scorer;
    this.scorer = undefined;
    this.scorerKey = '';
    if (!s) return;
    const scorer = await s.catch(() => undefined);
    await scorer?.stop();
    this.ipc.notify(ExplainScorer, { state: 'stopped', message: null });
  }

  private async predict(index: unknown, edited: unknown) {
    const { ex } = await this.loaded();
    const refused = this.whatIfRefusal(ex);
    if (refused) return { result: null, error: refused };
    if (rowIndexOf(index, ex.manifest.rows) === undefined) return { result: null, error: 'That row is not in this explanation.' };
    const checked = whatIfRowOf(edited, ex.manifest);
    if ('error' in checked) return { result: null, error: checked.error };
    try {
      const s = await this.startScorer();
      const r = await s.explain(checked.row);
      return {
        result: { prediction: r.prediction, output: r.output, base: r.base, values: r.values, additivityError: r.additivityError, exact: r.exact },
        error: null,
      };
    } catch (err) {
      return { result: null, error: (err as Error).message };
    }
  }

  private async counterfactualOf(index: unknown, edited: unknown, target: unknown, maxFeatures: unknown) {
    const { ex } = await this.loaded();
    const refused = this.whatIfRefusal(ex);
    if (refused) return { result: null, error: refused };
    const i = rowIndexOf(index, ex.manifest.rows);
    if (i === undefined) return { result: null, error: 'That row is not in this explanation.' };
    if (typeof target !== 'number' || !Number.isFinite(target)) return { result: null, error: 'Type the target prediction as a number.' };
    const max = maxFeatures === 1 ? 1 : 2;
    const checked = whatIfRowOf(edited, ex.manifest);
    if ('error' in checked) return { result: null, error: checked.error };
    try {
      const s = await this.startScorer();
      const result = await s.counterfactual(checked.row, target, max);
      // Kept with its inputs: the report uses it only for the explained row as it is (counterfactualMatches).
      this.counterfactual = { key: { name: this.name, created: ex.manifest.created, row: i, inputs: checked.row }, target, maxFeatures: max, result };
      return { result, error: null };
    } catch (err) {
      return { result: null, error: (err as Error).message };
    }
  }

  private async exportReport(index: unknown): Promise<{ path: string | null; error: string | null }> {
    const { ex, core } = await this.loaded();
    const i = rowIndexOf(index, ex.manifest.rows);
    if (i === undefined) return { path: null, error: 'That row is not in this explanation.' };
    const folder = this.runFolder();
    const ws = await this.state.workspace(folder);
    const { getRun, datasetsOfRun } = await engine();
    const run = getRun(ws.store, this.runId);
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(vscode.Uri.file(folder), `${safeFileName(`explain-${run.name}-row-${i}`)}.md`),
      filters: { Markdown: ['md'], HTML: ['html'] },
      title: `Save the explanation of row ${i}`,
    });
    if (!target) return { path: null, error: null };
    const row = core.rowView(ex, i);
    const shown = { name: this.name, created: ex.manifest.created, row: i, inputs: Object.fromEntries(row.inputs.map((inp) => [inp.feature, inp.value])) };
    const cf = counterfactualMatches(this.counterfactual?.key, shown) ? this.counterfactual : undefined;
    const input = {
      manifest: ex.manifest,
      row,
      trust: core.trustNote(ex.manifest),
      run: {
        id: run.id,
        name: run.name,
        experiment: run.experiment,
        startedAt: run.startedAt,
        finishedAt: run.endedAt,
        gitCommit: run.git?.commit ?? null,
        gitDirty: run.git?.dirty ?? null,
        script: run.command.find((a) => a.endsWith('.py')) ?? null,
        datasets: datasetsOfRun(ws.store, run.id).map((d) => ({
          path: d.path,
          role: d.role,
          sha256: d.version?.sha256 ?? null,
          rows: (d.version?.profile as { rows?: number } | null)?.rows ?? null,
        })),
      },
      counterfactual: cf
        ? {
            target: cf.target,
            changes: cf.result.changes.map((c) => ({ feature: c.feature, from: c.from ?? '', to: c.to ?? '' })),
            prediction: cf.result.prediction ?? row.prediction,
            reason: cf.result.reason,
            maxFeatures: cf.maxFeatures,
          }
        : null,
    };
    try {
      const html = /\.html?$/i.test(target.path);
      const text = html ? core.reportHtml(input) : core.reportMarkdown(input);
      await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
      return { path: target.fsPath, error: null };
    } catch (err) {
      return { path: null, error: (err as Error).message };
    }
  }

  protected override onDispose(): void {
    if (ExplainPanel.byRun.get(this.runId) === this) ExplainPanel.byRun.delete(this.runId);
    // The model process goes with the panel.
    void this.stopScorer();
  }
}

/** What-if needs a trusted workspace (loading a pickled model runs code) and a saved model. */
function whatIfAvailability(ex: ExplanationData): WhatIfAvailability {
  if (!vscode.workspace.isTrusted)
    return {
      enabled: false,
      reason:
        'What-if is off in an untrusted workspace: it loads the run’s saved model, and loading a pickled model can run any code. Trust this folder to use it.',
      needsTrust: true,
    };
  if (!ex.manifest.model)
    return {
      enabled: false,
      reason:
        'This explanation has no saved model (model.pkl), so edited rows cannot be scored. Log it with lineage.explain and a picklable model to use what-if.',
      needsTrust: false,
    };
  return { enabled: true, reason: null, needsTrust: false };
}

/** Partial dependence of one feature the manifest lists, with at most ICE_CURVES of its ICE curves. */
export function pdpOf(ex: ExplanationData, feature: string): PdpData | null {
  const m = ex.manifest;
  const pd = m.partialDependence.find((p) => p.feature === feature);
  if (!pd) return null;
  const ice: number[][] = [];
  const shape = m.arrays.ice?.shape;
  if (ex.ice && shape && shape.length === 3 && pd.iceIndex !== null && pd.iceIndex >= 0 && pd.iceIndex < shape[0]) {
    const [, g, r] = shape;
    const step = Math.max(1, Math.ceil(r / ICE_CURVES));
    const slab = pd.iceIndex * g * r;
    for (let k = 0; k < r; k += step) ice.push(Array.from({ length: g }, (_, j) => ex.ice![slab + j * r + k]));
  }
  const j = m.features.indexOf(feature);
  const categories = j >= 0 && m.featureKinds[j] === 'categorical' && Object.hasOwn(m.categories, feature) ? m.categories[feature] : null;
  return { feature, grid: pd.grid, average: pd.average, ice, categories };
}

const CHOOSE_INTERPRETER =
  'Choose the interpreter the run was trained with: run “Lineage: Select Interpreter” (it sets lineage.pythonPath), then predict again.';

/** A scorer start failure with what to do next, and the run's own interpreter when the user might want it. */
function scorerFailure(message: string, runPython: string | null): string {
  const recorded = runPython
    ? ` This run recorded the interpreter ${runPython.slice(0, 300)}; Lineage does not start an interpreter named only by a run's files, so choose it yourself if you trust it.`
    : '';
  return `${message}\n${CHOOSE_INTERPRETER}${recorded}`;
}

/** The way out of a failed start: choose the interpreter (Lineage's picker) or edit the setting. */
async function offerInterpreter(message: string): Promise<void> {
  const first = message.split('\n')[0].slice(0, 400);
  const pick = await vscode.window.showErrorMessage(
    `Lineage: the what-if model could not be started. ${first} Choose the interpreter the run was trained with, then predict again.`,
    'Select Interpreter',
    'Open Setting',
  );
  if (pick === 'Select Interpreter') await runCommand(COMMANDS.selectInterpreter);
  else if (pick === 'Open Setting') await vscode.commands.executeCommand('workbench.action.openSettings', 'lineage.pythonPath');
}

function isInside(folder: string, p: string): boolean {
  const rel = path.relative(folder, p);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

export function registerExplainPanel(state: Lineage): vscode.Disposable {
  return PanelHost.registerSerializer<ExplainState>(state, EXPLAIN_VIEW_TYPE, (panel, saved) => ExplainPanel.revive(state, panel, saved));
}
