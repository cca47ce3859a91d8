import type { Endpoint } from '../shared/ipc';
import type { Theme } from '../shared/theme';
import type { CompareExportParams, CompareSettings } from './protocol';
import type { Model } from './model';
import type { SettingsStore } from './state';

/** What every view of the panel shares. */
export interface Ctx {
  model: Model;
  store: SettingsStore;
  /** The panel's messages to the host (../shared/ipc.ts). */
  ipc: Endpoint;
  theme(): Theme;
  /** Is this tab showing (charts draw only when their tab is, so they get the right size)? */
  isActive(tab: CompareSettings['tab']): boolean;
  /** Has the host save a chart or the table, and says where it went. */
  exportFile(file: CompareExportParams): void;
  /** Lets tests and the benchmark observe the panel: a `lineage-compare` event on document. */
  emit(kind: string, detail?: Record<string, unknown>): void;
}
