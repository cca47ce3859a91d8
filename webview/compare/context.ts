import type { CompareSettings } from '../protocol';
import type { Theme } from '../shared/theme';
import { runColor } from '../shared/theme';
import type { Model } from './model';
import type { SettingsStore } from './state';

/** What every view of the panel shares. */
export interface Ctx {
  model: Model;
  store: SettingsStore;
  theme(): Theme;
  /** Is this tab showing (charts draw only when their tab is, so they get the right size)? */
  isActive(tab: CompareSettings['tab']): boolean;
  /** Lets tests and the benchmark observe the panel: a `lineage-compare` event on document. */
  emit(kind: string, detail?: Record<string, unknown>): void;
}

/** A run's colour as an `rgb()` string (so an alpha can be applied). */
export function colorOf(theme: Theme, index: number): string {
  return runColor(theme, index);
}

/** The layout parts every chart shares: colours and fonts from the theme. */
export function baseLayout(theme: Theme): Record<string, unknown> {
  const axis = {
    gridcolor: theme.grid,
    zerolinecolor: theme.zeroLine,
    linecolor: theme.border,
    tickcolor: theme.border,
    automargin: true,
    color: theme.foreground,
  };
  return {
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.background,
    font: { family: theme.fontFamily, size: Math.max(10, theme.fontSize - 1), color: theme.foreground },
    hoverlabel: { bgcolor: theme.hoverBackground, bordercolor: theme.border, font: { family: theme.fontFamily, color: theme.foreground } },
    legend: { font: { color: theme.foreground }, bgcolor: 'rgba(0,0,0,0)' },
    modebar: { bgcolor: 'rgba(0,0,0,0)', color: theme.muted, activecolor: theme.foreground },
    xaxis: { ...axis },
    yaxis: { ...axis },
    autosize: true,
  };
}
