/** What the Explain panel's tabs share: the host connection, the theme, the data of the last init and the saved state. */
import type { Endpoint } from '../shared/ipc';
import { baseLayout } from '../shared/plotLayout';
import type { Layout } from '../shared/plotly';
import type { Theme } from '../shared/theme';
import type { ExplainInitParams, ExplainState, RowView } from './protocol';

export interface Ctx {
  ipc: Endpoint;
  theme(): Theme;
  init(): ExplainInitParams;
  state(): ExplainState;
  /** Changes the saved state (setState, and the host is told). */
  save(patch: Partial<ExplainState>): void;
  /** Shows a row on the Row and What-if tabs (and saves it). */
  showRow(row: RowView): void;
  status(text: string, clearAfterMs?: number): void;
  /** Events the tests wait for (`lineage-explain` on document). */
  emit(kind: string, detail?: Record<string, unknown>): void;
}

/** The theme's layout with room for feature names on the left. */
export function chartLayout(theme: Theme, height: number, extra: Layout = {}): Layout {
  const base = baseLayout(theme) as Layout;
  return {
    ...base,
    height,
    margin: { l: 8, r: 24, t: 8, b: 40 },
    showlegend: false,
    ...extra,
    xaxis: { ...(base.xaxis as Layout), ...((extra.xaxis as Layout | undefined) ?? {}) },
    yaxis: { ...(base.yaxis as Layout), ...((extra.yaxis as Layout | undefined) ?? {}) },
  };
}

/** Height for a chart listing `n` features, one line each. */
export function rowsHeight(n: number, min = 160): number {
  return Math.max(min, 60 + n * 22);
}
