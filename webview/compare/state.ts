/**
 * The panel's settings: restored from `getState()` at load, replaced by the host's copy on the first
 * `compare/init`, and on every change saved with `setState` (so a reload or a restart restores them) and
 * sent to the host as `compare/settings` (so it can persist them and send series for newly chosen metrics).
 */
import type { Endpoint } from '../shared/ipc';
import { vscodeApi } from '../shared/vscode';
import { CompareSettingsChanged, DEFAULT_SETTINGS, type CompareSettings, type CompareState } from './protocol';

export type Listener = (settings: CompareSettings, changed: Set<keyof CompareSettings>) => void;

export function normalizeSettings(s: Partial<CompareSettings> | null | undefined): CompareSettings {
  const d = DEFAULT_SETTINGS;
  const x = s ?? {};
  const clamp = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.min(0.999, Math.max(0, v)) : 0);
  const tabs: CompareSettings['tab'][] = ['curves', 'parallel', 'scatter', 'bars', 'table'];
  return {
    metrics: Array.isArray(x.metrics) ? x.metrics.filter((m): m is string => typeof m === 'string') : [...d.metrics],
    xAxis: x.xAxis === 'wall' || x.xAxis === 'relative' ? x.xAxis : 'step',
    smoothing: clamp(x.smoothing),
    logY: x.logY === true,
    hiddenRuns: Array.isArray(x.hiddenRuns) ? x.hiddenRuns.filter((m): m is string => typeof m === 'string') : [],
    tab: tabs.includes(x.tab as CompareSettings['tab']) ? (x.tab as CompareSettings['tab']) : 'curves',
    onlyDiff: x.onlyDiff === true,
    sort: x.sort && typeof x.sort.column === 'string' ? { column: x.sort.column, descending: !!x.sort.descending } : null,
    scatter: {
      x: typeof x.scatter?.x === 'string' ? x.scatter.x : '',
      y: typeof x.scatter?.y === 'string' ? x.scatter.y : '',
      color: typeof x.scatter?.color === 'string' ? x.scatter.color : null,
    },
    parallelMetric: typeof x.parallelMetric === 'string' ? x.parallelMetric : null,
  };
}

export class SettingsStore {
  private readonly api = vscodeApi<CompareState, never>();
  private listeners: Listener[] = [];
  settings: CompareSettings;
  runIds: string[] = [];
  /** The workspace folder of the runs, as the host said: saved so a restored panel reads the same folder. */
  private folder: string | undefined;
  /** The sweep the panel follows, as the host said: saved so a restored panel follows it again. */
  private parentId: string | undefined;

  constructor(private readonly ipc: Endpoint) {
    const saved = this.api.getState();
    this.settings = normalizeSettings(saved?.settings);
    this.runIds = Array.isArray(saved?.runIds) ? saved.runIds : [];
    this.folder = typeof saved?.folder === 'string' ? saved.folder : undefined;
    this.parentId = typeof saved?.parentId === 'string' ? saved.parentId : undefined;
  }

  /** What was saved before the reload, for `compare/ready` (null on a fresh panel). */
  savedState(): CompareState | null {
    return this.api.getState() ?? null;
  }

  onChange(l: Listener): void {
    this.listeners.push(l);
  }

  /** The host's settings (on `compare/init`): taken without sending them back. */
  replace(settings: CompareSettings, runIds: string[], folder: string | undefined, parentId?: string): void {
    this.settings = normalizeSettings(settings);
    this.runIds = runIds;
    this.folder = folder ?? this.folder;
    this.parentId = parentId ?? this.parentId;
    this.save();
  }

  update(patch: Partial<CompareSettings>): void {
    const changed = new Set<keyof CompareSettings>();
    const next = { ...this.settings };
    for (const [k, v] of Object.entries(patch) as Array<[keyof CompareSettings, never]>) {
      if (JSON.stringify(next[k]) !== JSON.stringify(v)) {
        next[k] = v;
        changed.add(k);
      }
    }
    if (changed.size === 0) return;
    this.settings = next;
    this.save();
    this.ipc.notify(CompareSettingsChanged, { settings: this.settings });
    for (const l of this.listeners) l(this.settings, changed);
  }

  private save(): void {
    const state: CompareState = { runIds: this.runIds, settings: this.settings };
    if (this.folder) state.folder = this.folder;
    if (this.parentId) state.parentId = this.parentId;
    this.api.setState(state);
  }
}
